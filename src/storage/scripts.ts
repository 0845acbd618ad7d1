/**
 * Lua scripts: each runs atomically inside Redis, so a view's rows, its
 * diff-log entry and its position always move together.
 */

/**
 * Commit one or more source transactions' effects on one view, in order; each is still its own
 * commit (its diff-log entry, token, position and sequence number), the script only saves round
 * trips and script calls when commits queue up behind each other.
 * KEYS: rows, keys, meta, log, state.
 * ARGV: [1] the number of transactions, then one segment each, from its first argument b:
 *       [b] lsn as 16 hex, [b+1] the diff-log entry id, [b+2] reset '1'|'0', [b+3] log max length,
 *       [b+4] client-rendered change objects joined by ',' (may be ''), [b+5] expected commit
 *       sequence number, [b+6] nI inserted rows, [b+7] '' for a PostgreSQL transaction, else the
 *       meta field of the Kafka partition a batch came from (`k:<source>:<partition>`), [b+8] that
 *       batch's next offset as 16 hex, [b+9] nU updated rows, [b+10] nD deleted rows, [b+11] nS
 *       state fields set, [b+12] nX state fields deleted; then nI pairs key, row JSON; nU pairs
 *       key, row JSON; nD keys; nS pairs state field, value; nX state fields.
 * Each kind is written with one variadic command per slice of 4000 arguments (a redis.call per
 * row costs more than the row's write), so the changes of one commit may come in any order:
 * a commit is consolidated, every key appears in it once.
 * A PostgreSQL transaction is a replay when the stored lsn covers it; a Kafka batch when the
 * partition's stored offset does (it writes that offset, not the lsn).
 * The sequence number makes commits land only in the order they were issued: if an earlier commit
 * was lost with a dropped connection, a later one is refused ('gap') instead of overtaking it.
 * Returns one result per transaction: for a position already stored (a replayed transaction),
 * the diff-log entry it wrote {token, prev, changes JSON array, 'replay'} or nil when it wrote
 * none; 'gone' when the view no longer runs; 'gap' when the sequence number does not follow the
 * stored one ('gone' and 'gap' also stand for every transaction after it, none of which is
 * applied); 'state' when only operator state changed (no diff-log entry); else {token, prev
 * token, rendered deletes of a reset (may be '')}.
 */
export const COMMIT = `
-- cmd key ARGV[from..to], in slices of at most 4000 arguments (unpack's limit is near 8000)
local function each(cmd, key, from, to)
  local i = from
  while i <= to do
    local j = math.min(i + 3999, to)
    redis.call(cmd, key, unpack(ARGV, i, j))
    i = j + 1
  end
end
-- ZADD key 0 k for the keys ARGV[from], ARGV[from + step], … up to ARGV[to]
local function index(from, to, step)
  local i = from
  while i <= to do
    local t = {}
    local j = math.min(i + 2000 * step - 1, to)
    for x = i, j, step do t[#t + 1] = 0; t[#t + 1] = ARGV[x] end
    redis.call('ZADD', KEYS[2], unpack(t))
    i = j + 1
  end
end
-- one transaction's segment from ARGV[b]: its result and where the next segment starts
local function commit(b)
  local nI, nU, nD, nS, nX = tonumber(ARGV[b + 6]), tonumber(ARGV[b + 9]), tonumber(ARGV[b + 10]), tonumber(ARGV[b + 11]), tonumber(ARGV[b + 12])
  local iFrom = b + 13
  local uFrom = iFrom + 2 * nI
  local dFrom = uFrom + 2 * nU
  local sFrom = dFrom + nD
  local xFrom = sFrom + 2 * nS
  local nextB = xFrom + nX
  local reset = ARGV[b + 2] == '1'
  local kafka = ARGV[b + 7] ~= ''
  local posField, pos = 'lsn', ARGV[b]
  if kafka then posField, pos = ARGV[b + 7], ARGV[b + 8] end
  local id = ARGV[b + 1]
  local cur = redis.call('HGET', KEYS[3], posField)
  if cur and cur >= pos then
    -- already applied: hand back its diff-log entry (if it made one) so a diff whose reply was
    -- lost on the way to the server still reaches subscribers (they drop what they already have)
    if kafka then return false, nextB end
    local e = redis.call('XRANGE', KEYS[4], id, id)
    if #e == 0 then return false, nextB end
    local f = e[1][2]
    local prev, changes = '', '[]'
    for i = 1, #f, 2 do
      if f[i] == 'prev' then prev = f[i + 1] elseif f[i] == 'changes' then changes = f[i + 1] end
    end
    return {id, prev, changes, 'replay'}, nextB
  end
  if redis.call('HGET', KEYS[3], 'status') ~= 'running' then return 'gone', nextB end
  local seq = redis.call('HGET', KEYS[3], 'seq') or '0'
  if seq ~= ARGV[b + 5] then return 'gap', nextB end
  local function writeState()
    each('HSET', KEYS[5], sFrom, xFrom - 1)
    each('HDEL', KEYS[5], xFrom, nextB - 1)
  end
  if nI + nU + nD == 0 and not reset then
    writeState()
    redis.call('HSET', KEYS[3], posField, pos, 'seq', tostring(tonumber(seq) + 1))
    return 'state', nextB
  end
  local resetPart = ''
  if reset then
    local all = redis.call('HGETALL', KEYS[1])
    local parts = {}
    for i = 1, #all, 2 do
      parts[#parts + 1] = '{"op":"delete","key":' .. cjson.encode(all[i]) .. ',"row":' .. all[i + 1] .. '}'
    end
    resetPart = table.concat(parts, ',')
  end
  local body = ARGV[b + 4]
  if resetPart ~= '' then
    if body ~= '' then body = resetPart .. ',' .. body else body = resetPart end
  end
  local prev = redis.call('HGET', KEYS[3], 'token') or ''
  -- the log entry first: if anything could fail it is this, and then nothing has been written yet
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[b + 3], id, 'prev', prev, 'changes', '[' .. body .. ']')
  if reset then redis.call('DEL', KEYS[1], KEYS[2]) end
  each('HSET', KEYS[1], iFrom, dFrom - 1)
  index(iFrom, uFrom - 1, 2)
  each('HDEL', KEYS[1], dFrom, sFrom - 1)
  each('ZREM', KEYS[2], dFrom, sFrom - 1)
  writeState()
  redis.call('HSET', KEYS[3], posField, pos, 'token', id, 'seq', tostring(tonumber(seq) + 1))
  return {id, prev, resetPart}, nextB
end
local n = tonumber(ARGV[1])
local out = {}
local b = 2
for t = 1, n do
  local r
  r, b = commit(b)
  out[t] = r
  if r == 'gone' or r == 'gap' then
    for u = t + 1, n do out[u] = r end
    break
  end
end
return out
`;

/**
 * One page of rows in key order. KEYS: rows, keys. ARGV: cursor ('' = start), limit.
 * Returns {keys..., values...} flattened as alternating key, row.
 */
export const PAGE = `
local min = '-'
if ARGV[1] ~= '' then min = '(' .. ARGV[1] end
local ks = redis.call('ZRANGE', KEYS[2], min, '+', 'BYLEX', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #ks do
  local v = redis.call('HGET', KEYS[1], ks[i])
  if v then out[#out + 1] = ks[i]; out[#out + 1] = v end
end
return out
`;

/**
 * The whole view with the token and position it is consistent with.
 * KEYS: rows, meta. Returns {token, lsn, status, k1, v1, k2, v2, ...}.
 */
export const SNAPSHOT = `
local m = redis.call('HMGET', KEYS[2], 'token', 'lsn', 'status')
local all = redis.call('HGETALL', KEYS[1])
local out = {m[1] or '', m[2] or '', m[3] or ''}
for i = 1, #all do out[#out + 1] = all[i] end
return out
`;

/**
 * The last step of a paged snapshot: when the view's token is still ARGV[1], its position and
 * the current rows of the keys ARGV[2..] (false where deleted); else 'moved'. KEYS: rows, meta.
 * Returns {token, lsn, status, values…}.
 */
export const SETTLE = `
local m = redis.call('HMGET', KEYS[2], 'token', 'lsn', 'status')
if (m[1] or '') ~= ARGV[1] then return 'moved' end
local out = {m[1] or '', m[2] or '', m[3] or ''}
for i = 2, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) end
return out
`;

/**
 * Some rows of a view by key, with the token they are consistent with. KEYS: rows, meta; ARGV: keys.
 * Returns {token, lsn, status, values…} (false where a key holds no row).
 */
export const ROWS_BY_KEY = `
local m = redis.call('HMGET', KEYS[2], 'token', 'lsn', 'status')
local out = {m[1] or '', m[2] or '', m[3] or ''}
for i = 1, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) end
return out
`;

/** Raise a running view's stored position to ARGV[1] (16 hex) if it is lower. KEYS: meta. */
export const BUMP = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local cur = redis.call('HGET', KEYS[1], 'lsn')
if cur and cur >= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lsn', ARGV[1])
return 1
`;

/**
 * A Kafka source's own position and keyed rows after batches whose view commits have landed.
 * KEYS: offsets, keyed. ARGV: [1] n, then n pairs of partition, next offset as 16 hex (never
 * lowered), then pairs of row key, row JSON ('' deletes it). One step: the rows are as of the offsets.
 */
export const KAFKA_ADVANCE = `
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if not cur or cur < ARGV[i + 1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
for i = 2 + 2 * n, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[2], ARGV[i]) else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
return 1
`;
