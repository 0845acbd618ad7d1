/**
 * JSON Web Tokens (CONTRACT.md "Authorization"): signatures and `exp` are
 * checked (HS256 by secret; RS256 and ES256 by PEM public key); admin tokens
 * may do everything; reader tokens see only their views, each whole or through
 * a row filter applied to rows, subscriptions (ANDed with `where`) and the
 * multiplexed socket alike; 401 and 403 with the contract's codes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { createAuthenticator } from '../src/server/auth.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { currentLsn, http, oracle, startHarness, tryUpgrade, waitUntil, type Harness } from './harness/server.ts';
import { canonical, parseLossless, sortedCanonical, stringifyLossless, type JValue } from './harness/json.ts';

let h: Harness;
let server: RunningServer;
const SECRET = 'a-long-enough-hs256-secret-for-tests';
const key = new TextEncoder().encode(SECRET);
const sign = (claims: Record<string, unknown>, exp: number | null = Math.floor(Date.now() / 1000) + 600) => {
  const j = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (exp !== null) j.setExpirationTime(exp);
  return j.sign(key);
};

before(async () => {
  h = await startHarness();
  await h.server.stop();
  server = await startServer({
    pgUrl: h.services.pg.url, redisUrl: h.services.redis.url, port: 0, host: '127.0.0.1', token: 'static-admin', jwtSecret: SECRET,
    slot: 'deltaview', publication: 'deltaview', kafkaBrokers: [], log: (m) => h.logs.push(m),
  });
  await h.db.query('CREATE TABLE acct (id int PRIMARY KEY, tenant int, amount numeric)');
  await h.db.query('INSERT INTO acct SELECT g, g % 3, g * 1.5 FROM generate_series(1, 60) g');
});
after(async () => {
  await server?.stop();
  await h?.stop();
});

const as = (token: string | null) => (token === null ? {} : { authorization: `Bearer ${token}` });

test('tokens: admin may do everything, readers only their views and rows, bad tokens never', async () => {
  const base = server.url;
  const admin = await sign({ deltaview: { admin: true } });
  const reader = await sign({ sub: 'tenant-1', deltaview: { views: { acct_v: 'tenant = 1', totals: true } } });

  // credentials
  assert.equal((await http(base, 'GET', '/v1/views')).status, 401);
  assert.equal((await http(base, 'GET', '/v1/views', undefined, as('garbage'))).status, 401);
  assert.equal((await http(base, 'GET', '/v1/views', undefined, as(await sign({ deltaview: { admin: true } }, Math.floor(Date.now() / 1000) - 10)))).status, 401, 'expired');
  assert.equal((await http(base, 'GET', '/v1/views', undefined, as(await sign({ deltaview: { admin: true } }, null)))).status, 401, 'no exp');
  const forged = await new SignJWT({ deltaview: { admin: true } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode('another-secret-of-some-length'));
  const bad = await http(base, 'GET', '/v1/views', undefined, as(forged));
  assert.equal(bad.status, 401);
  assert.equal(bad.json<{ error: { code: string } }>().error.code, 'unauthorized');
  assert.equal((await http(base, 'GET', '/v1/views', undefined, as('static-admin'))).status, 200, 'DELTAVIEW_TOKEN is admin');

  // admin creates; a reader may not
  for (const [name, sql] of [['acct_v', 'SELECT id, tenant, amount FROM acct'], ['totals', 'SELECT tenant, sum(amount) AS total FROM acct GROUP BY tenant'], ['secret_v', 'SELECT id FROM acct']]) {
    const r = await http(base, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${sql}` }, as(admin));
    assert.equal(r.status, 201, r.text);
  }
  const denied = await http(base, 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW x AS SELECT id FROM acct' }, as(reader));
  assert.equal(denied.status, 403);
  assert.equal(denied.json<{ error: { code: string } }>().error.code, 'forbidden');
  assert.equal((await http(base, 'DELETE', '/v1/views/acct_v', undefined, as(reader))).status, 403);
  assert.equal((await http(base, 'GET', '/v1/sources', undefined, as(reader))).status, 403, 'readers do not see sources');
  assert.equal((await http(base, 'GET', '/v1/views/secret_v', undefined, as(reader))).status, 403);
  assert.equal((await http(base, 'GET', '/v1/views/secret_v/rows', undefined, as(reader))).status, 403);
  const listed = (await http(base, 'GET', '/v1/views', undefined, as(reader))).json<{ views: { name: string }[] }>().views.map((v) => v.name).sort();
  assert.deepEqual(listed, ['acct_v', 'totals'], 'a reader lists only its views');

  // rows through the row filter
  await h.db.query('UPDATE acct SET tenant = 1 WHERE id IN (2, 3)');
  const lsn = await currentLsn(h.db);
  const q = new URLSearchParams({ min_lsn: lsn, timeout_ms: '20000', limit: '7' });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    if (cursor !== null) q.set('cursor', cursor);
    const r = await http(base, 'GET', `/v1/views/acct_v/rows?${q}`, undefined, as(reader));
    assert.equal(r.status, 200, r.text);
    const page = parseLossless(r.text) as { rows: JValue[]; next: string | null };
    seen.push(...page.rows.map(stringifyLossless));
    cursor = page.next;
  } while (cursor !== null);
  assert.deepEqual(sortedCanonical(seen), await oracle(h.db, 'SELECT id, tenant, amount FROM acct WHERE tenant = 1'));

  // queries: over granted views through the row filter; over sources or other views, forbidden
  const qr = await http(base, 'POST', '/v1/query', { sql: 'SELECT count(*) AS n FROM acct_v', min_lsn: lsn, timeout_ms: 20000 }, as(reader));
  assert.equal(qr.status, 200, qr.text);
  assert.deepEqual(qr.json<{ rows: { n: number }[] }>().rows, [{ n: Number((await h.db.query('SELECT count(*) AS n FROM acct WHERE tenant = 1')).rows[0].n) }]);
  assert.equal((await http(base, 'POST', '/v1/query', { sql: 'SELECT count(*) AS n FROM acct' }, as(reader))).status, 403, 'a query over sources needs admin');
  assert.equal((await http(base, 'POST', '/v1/query', { sql: 'SELECT id FROM secret_v' }, as(reader))).status, 403);
  assert.equal((await http(base, 'POST', '/v1/query', { sql: 'SELECT count(*) AS n FROM acct' }, as(admin))).status, 200);

  // subscriptions: the row filter, ANDed with where; a view not granted is refused before the upgrade
  const ws = (path: string) => `${base.replace(/^http/, 'ws')}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(reader)}`;
  const direct = new WebSocket(ws(`/v1/views/acct_v/subscribe?where=${encodeURIComponent('amount > 30')}`));
  const got = new Map<string, string>();
  direct.on('message', (d) => {
    const f = parseLossless(d.toString()) as { type: string; rows?: { key: string; row: JValue }[]; changes?: { op: string; key: string; row: JValue }[] };
    for (const r of f.rows ?? []) got.set(r.key, canonical(r.row));
    for (const c of f.changes ?? []) if (c.op === 'delete') got.delete(c.key); else got.set(c.key, canonical(c.row));
  });
  await new Promise<void>((res, rej) => (direct.once('open', () => res()), direct.once('error', rej)));
  await h.db.query('UPDATE acct SET amount = amount + 100 WHERE id % 2 = 0');
  const lsn2 = await currentLsn(h.db);
  await waitUntil(async () => (await http(base, 'GET', `/v1/views/acct_v/rows?limit=1&min_lsn=${lsn2}`, undefined, as(admin))).status === 200, 20_000, 'the view reflects the update');
  const want = await oracle(h.db, 'SELECT id, tenant, amount FROM acct WHERE tenant = 1 AND amount > 30');
  await waitUntil(() => JSON.stringify([...got.values()].sort()) === JSON.stringify(want), 20_000, 'the filtered subscriber sees exactly its rows');
  direct.close();
  const refused = (await tryUpgrade(ws('/v1/views/secret_v/subscribe'))).status;
  assert.equal(refused, 403);

  // the multiplexed socket: a view not granted is an error naming its id, the others run
  const mux = new WebSocket(ws('/v1/subscribe'));
  const frames: { id?: string; type: string; code?: string }[] = [];
  mux.on('message', (d) => frames.push(JSON.parse(d.toString()) as (typeof frames)[number]));
  await new Promise<void>((res, rej) => (mux.once('open', () => res()), mux.once('error', rej)));
  mux.send(JSON.stringify({ type: 'subscribe', id: 's1', view: 'secret_v' }));
  mux.send(JSON.stringify({ type: 'subscribe', id: 't1', view: 'totals' }));
  await waitUntil(() => frames.some((f) => f.id === 't1' && f.type === 'ready') && frames.some((f) => f.id === 's1' && f.type === 'error'), 10_000, 'mux answers');
  assert.equal(frames.find((f) => f.id === 's1')?.code, 'forbidden');
  mux.close();
  const anon = (await tryUpgrade(`${base}/v1/subscribe`)).status;
  assert.equal(anon, 401, 'no credentials, no socket');
});

test('RS256 and ES256 tokens verify against a PEM public key', async () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const auth = createAuthenticator({ token: null, jwtSecret: null, jwtPublicKey: await exportSPKI(publicKey) });
    const ok = await new SignJWT({ deltaview: { views: { v: "region = 'EU'" } } }).setProtectedHeader({ alg }).setExpirationTime('5m').sign(privateKey);
    const g = await auth.grant(ok);
    assert.equal(g.admin, false);
    assert.deepEqual(g.admin ? null : [...g.views], [['v', "region = 'EU'"]]);
    const other = await generateKeyPair(alg);
    const forged = await new SignJWT({ deltaview: { admin: true } }).setProtectedHeader({ alg }).setExpirationTime('5m').sign(other.privateKey);
    await assert.rejects(auth.grant(forged), /invalid token/);
    await assert.rejects(auth.grant(null), /missing credentials/);
  }
});
