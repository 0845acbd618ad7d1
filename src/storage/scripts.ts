/**
 * Lua scripts: each runs atomically inside Redis, so a view's rows, its
 * diff-log entry and its position always move together.
 */

/**
 * Fencing: every key a maintaining instance writes sits next to a fence key in its hash slot
 * (dv:{v:NAME}:fence, dv:{s:NAME}:fence) holding the lease epoch of the instance that owns it.
 * A new owner raises the fences of everything it takes over (RAISE_FENCE) before it writes; a
 * writer whose epoch is below the fence lost the keys (it was paused or cut off past its lease)
 * and its write is refused whole. An epoch of '' is unfenced (storage tests, tools).
 */
const FENCE = `
local function fenced(key, epoch)
  if epoch == '' then return false end
  local f = redis.call('GET', key)
  return f ~= false and tonumber(f) > tonumber(epoch)
end`;

/**
 * Commit one or more source transactions' effects on one view, in order; each is still its own
 * commit (its diff-log entry, token, position and sequence number), the script only saves round
 * trips and script calls when commits queue up behind each other.
 * KEYS: rows, keys, meta, log, state, fence.
 * ARGV: [1] the writer's lease epoch ('' unfenced, see FENCE), [2] the number of transactions,
 *       then one segment each, from its first argument b:
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
 * Returns 'fenced' (and writes nothing) when the view's fence is above the writer's epoch: the
 * writer lost the view to another instance. Else one result per transaction: for a position already stored (a replayed transaction),
 * the diff-log entry it wrote {token, prev, changes JSON array, 'replay'} or nil when it wrote
 * none; 'gone' when the view no longer runs; 'gap' when the sequence number does not follow the
 * stored one ('gone' and 'gap' also stand for every transaction after it, none of which is
 * applied); 'state' when only operator state changed (no diff-log entry); else {token, prev
 * token, rendered deletes of a reset (may be '')}.
 */
export const COMMIT = `
${FENCE}
if fenced(KEYS[6], ARGV[1]) then return 'fenced' end
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
local n = tonumber(ARGV[2])
local out = {}
local b = 3
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

/** Raise a running view's stored position to ARGV[1] (16 hex) if it is lower. KEYS: meta, fence; ARGV[2]: the writer's lease epoch. */
export const BUMP = `
${FENCE}
if fenced(KEYS[2], ARGV[2]) then return 'fenced' end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local cur = redis.call('HGET', KEYS[1], 'lsn')
if cur and cur >= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lsn', ARGV[1])
return 1
`;

/**
 * A Kafka source's own position and keyed rows after batches whose view commits have landed.
 * KEYS: offsets, keyed, fence. ARGV: [1] the writer's lease epoch, [2] n, then n pairs of partition, next offset as 16 hex (never
 * lowered), then pairs of row key, row JSON ('' deletes it). One step: the rows are as of the offsets.
 */
export const KAFKA_ADVANCE = `
${FENCE}
if fenced(KEYS[3], ARGV[1]) then return 'fenced' end
local n = tonumber(ARGV[2])
for i = 3, 2 * n + 1, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if not cur or cur < ARGV[i + 1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
for i = 3 + 2 * n, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[2], ARGV[i]) else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

/** Raise a fence to ARGV[1] (a lease epoch) unless it is higher already. KEYS: fence. Returns the fence. */
export const RAISE_FENCE = `
local f = redis.call('GET', KEYS[1])
if f == false or tonumber(f) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]); return ARGV[1] end
return f
`;

/**
 * Start a view's backfill: clear what it held and mark it backfilling, in one step (a DELETE of
 * the view issued later cannot fall in between). KEYS: rows, keys, log, meta, state, fence.
 * ARGV: [1] the writer's lease epoch. The fence is raised to it: the view is this writer's.
 */
export const BEGIN_BACKFILL = `
${FENCE}
if fenced(KEYS[6], ARGV[1]) then return 'fenced' end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[4], 'status', 'backfilling', 'progress_rows', '0')
if ARGV[1] ~= '' then redis.call('SET', KEYS[6], ARGV[1]) end
return 1
`;

/**
 * One chunk of a backfill. KEYS: rows, keys, state, meta, fence. ARGV: [1] the writer's lease
 * epoch, [2] rows done, [3] nD deleted keys, [4] nR rows set, [5] nI of them new (indexed),
 * [6] nX state fields deleted, [7] nS state fields set; then nD keys, nR pairs key, row JSON (the
 * nI new ones first), nX fields, nS pairs field, value. A chunk is consolidated: each key once.
 */
export const BACKFILL_CHUNK = `
${FENCE}
if fenced(KEYS[5], ARGV[1]) then return 'fenced' end
local function each(cmd, key, from, to, step)
  local i = from
  while i <= to do
    local j = math.min(i + 3999, to)
    if step == 1 then
      redis.call(cmd, key, unpack(ARGV, i, j))
    else
      local t = {}
      for x = i, j, 2 do t[#t + 1] = 0; t[#t + 1] = ARGV[x] end
      redis.call(cmd, key, unpack(t))
    end
    i = j + 1
  end
end
local nD, nR, nI, nX, nS = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local d = 8
local r = d + nD
local x = r + 2 * nR
local s = x + nX
each('HDEL', KEYS[1], d, r - 1, 1)
each('ZREM', KEYS[2], d, r - 1, 1)
each('HSET', KEYS[1], r, x - 1, 1)
each('ZADD', KEYS[2], r, r + 2 * nI - 1, 2)
each('HDEL', KEYS[3], x, s - 1, 1)
each('HSET', KEYS[3], s, s + 2 * nS - 1, 1)
redis.call('HSET', KEYS[4], 'progress_rows', ARGV[2])
return 1
`;

/** HSET KEYS[1] with the field/value pairs ARGV[2..] unless fenced. KEYS: hash, fence. ARGV[1]: the writer's lease epoch. */
export const FENCED_HSET = `
${FENCE}
if fenced(KEYS[2], ARGV[1]) then return 'fenced' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`;

/** DEL KEYS[2..] unless fenced by KEYS[1] (which may be among them). KEYS: fence, keys. ARGV[1]: the writer's lease epoch. */
export const FENCED_DEL = `
${FENCE}
if fenced(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('DEL', unpack(KEYS, 2))
return 1
`;

/**
 * The deployment's lease on its sources (the replication slot, the Kafka consumer group): one
 * owner at a time, for a time measured by Redis's clock. KEYS: dv:{dv}:source:pg (fields lease_owner,
 * lease_epoch, lease_until in ms). ARGV: [1] 'acquire' | 'renew' | 'take' | 'release', [2] the
 * instance id, [3] the lease in ms, [4] for renew: the holder's epoch; for take: the holder it is
 * taken from. Acquire takes a lease that is free or has run out (the epoch then goes up: to
 * Redis's time in ms, or one more than the last one if that is higher) or renews one the instance
 * holds; renew keeps the holder's epoch, and also takes the lease back at it when it is free and
 * nobody held it since (Redis lost it: the holder's fences still stand for it); take also takes
 * it from holder ARGV[4] (known dead); release gives it up. Returns {1 if held by the caller now,
 * epoch, owner ('' none), ms left}.
 */
export const LEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local m = redis.call('HMGET', KEYS[1], 'lease_owner', 'lease_epoch', 'lease_until')
local owner, epoch, untilMs = m[1] or '', tonumber(m[2] or '0'), tonumber(m[3] or '0')
if owner ~= '' and untilMs <= now then owner = '' end
if ARGV[1] == 'release' then
  if owner == ARGV[2] then redis.call('HDEL', KEYS[1], 'lease_owner', 'lease_until') end
  return {0, epoch, '', 0}
end
if ARGV[1] == 'renew' then
  -- the holder at epoch ARGV[4]: still its, or free with no later holder since (Redis lost it, or it ran out untaken)
  local mine = tonumber(ARGV[4])
  if (owner == ARGV[2] or owner == '') and epoch <= mine then
    redis.call('HSET', KEYS[1], 'lease_owner', ARGV[2], 'lease_epoch', ARGV[4], 'lease_until', tostring(now + tonumber(ARGV[3])))
    return {1, mine, ARGV[2], tonumber(ARGV[3])}
  end
  return {0, epoch, owner, math.max(0, untilMs - now)}
end
if ARGV[1] == 'take' and owner ~= '' and owner == ARGV[4] then owner = '' end
if owner ~= '' and owner ~= ARGV[2] then return {0, epoch, owner, untilMs - now} end
-- a new holder's epoch is above every earlier one, even when Redis has lost the last one (its time in ms)
if owner == '' then epoch = math.max(epoch + 1, now) end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'lease_owner', ARGV[2], 'lease_epoch', tostring(epoch), 'lease_until', tostring(now + ttl))
return {1, epoch, ARGV[2], ttl}
`;

/**
 * A write to a deployment-wide catalog hash (dv:{dv}:views, dv:{dv}:sources), unless a later lease holder
 * maintains the views: a former owner must not add a view the new one never hears of.
 * KEYS: dv:{dv}:source:pg, the catalog. ARGV: the writer's lease epoch, 'nx' | 'set' | 'del', field,
 * value. Returns 1 when it wrote (nx: when the field was new), else 0.
 */
export const FENCED_CATALOG = `
if ARGV[1] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'lease_epoch') or '0') > tonumber(ARGV[1]) then return 'fenced' end
if ARGV[2] == 'nx' then return redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) end
if ARGV[2] == 'del' then return redis.call('HDEL', KEYS[2], ARGV[3]) end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 1
`;

/** The source checkpoint, unless a later lease holder owns the sources. KEYS: dv:{dv}:source:pg. ARGV: the writer's lease epoch, checkpoint (16 hex), slot name. */
export const CHECKPOINT = `
if ARGV[1] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'lease_epoch') or '0') > tonumber(ARGV[1]) then return 'fenced' end
redis.call('HSET', KEYS[1], 'checkpoint', ARGV[2], 'slot', ARGV[3])
return 1
`;
