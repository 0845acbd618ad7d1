/**
 * The HTTP and WebSocket contract: errors exactly as the contract says, bad
 * input never crashes the server or damages state, deleting removes state
 * from Redis, auth when DELTAVIEW_TOKEN is set.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { createApp } from '../src/server/app.ts';
import { createAuthenticator } from '../src/server/auth.ts';
import { createMetrics } from '../src/server/metrics.ts';
import { UPGRADE_PATHS } from '../src/server/openapi.ts';
import { attachSubscriptions } from '../src/server/subscriptions.ts';
import { Activity } from '../src/server/status.ts';
import { createView, currentLsn, http, maintainer, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';
import { sortedCanonical } from './harness/json.ts';

let h: Harness;
const base = () => h.server.url;

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE t (id int PRIMARY KEY, a int, b text)');
  await h.db.query("INSERT INTO t SELECT g, g % 10, 'row ' || g FROM generate_series(1, 2500) g");
  await h.db.query('CREATE TABLE nopk (a int, b text)');
});
after(async () => {
  await h?.stop();
});

async function expectError(method: string, path: string, body: unknown, status: number, code: string, messagePart?: RegExp): Promise<string> {
  const r = await http(base(), method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  const e = r.json<{ error: { code: string; message: string } }>().error;
  assert.equal(e.code, code, r.text);
  assert.ok(e.message.length > 0);
  if (messagePart) assert.match(e.message, messagePart);
  return e.message;
}

describe('HTTP API', () => {
  test('healthz answers 200', async () => {
    const r = await http(base(), 'GET', '/healthz');
    assert.equal(r.status, 200);
  });

  test('SQL errors carry the contract codes and say what and where', async () => {
    const create = (sql: string) => ({ sql });
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELEC id FROM t'), 400, 'parse_error');
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT id FROM t WHERE (a > 1'), 400, 'parse_error');
    await expectError('POST', '/v1/views', create('SELECT 1'), 400, 'parse_error', /CREATE MATERIALIZED VIEW/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT id FROM nosuch'), 400, 'unknown_relation', /nosuch/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT nosuchcol FROM t'), 400, 'unknown_column', /nosuchcol/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT a, json_agg(a) FROM t GROUP BY a'), 400, 'unsupported', /aggregate function json_agg/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT t.id FROM t NATURAL JOIN t u'), 400, 'unsupported', /NATURAL JOIN/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT a, id FROM t GROUP BY a'), 400, 'bad_request', /must appear in the GROUP BY clause/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW "a}b" AS SELECT id FROM t'), 400, 'bad_request', /identifiers/);
    await expectError('POST', '/v1/views', create('CREATE MATERIALIZED VIEW x AS SELECT id FROM t; DROP TABLE t'), 400, 'unsupported', /more than one statement/);
    const list = await http(base(), 'GET', '/v1/views');
    assert.deepEqual(list.json<{ views: unknown[] }>().views, [], 'failed creates leave nothing behind');
  });

  test('bad request bodies and parameters are clear 400s', async () => {
    await expectError('POST', '/v1/views', '{not json', 400, 'bad_request', /JSON/);
    await expectError('POST', '/v1/views', { query: 'x' }, 400, 'bad_request', /sql/);
    await expectError('POST', '/v1/views', 'x'.repeat(2 << 20), 400, 'bad_request', /limit/);
    await createView(base(), 'CREATE MATERIALIZED VIEW small AS SELECT id, b FROM t WHERE a = 3');
    await expectError('POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW small AS SELECT id FROM t' }, 409, 'already_exists');
    await expectError('GET', '/v1/views/small/rows?min_lsn=banana', undefined, 400, 'bad_request', /min_lsn/);
    await expectError('GET', '/v1/views/small/rows?limit=0', undefined, 400, 'bad_request', /limit/);
    await expectError('GET', '/v1/views/small/rows?limit=10001', undefined, 400, 'bad_request', /limit/);
    await expectError('GET', '/v1/views/small/rows?cursor=%%%', undefined, 400, 'bad_request', /cursor/);
    await expectError('GET', '/v1/views/nope', undefined, 404, 'not_found');
    await expectError('GET', '/v1/views/nope/rows', undefined, 404, 'not_found');
    await expectError('DELETE', '/v1/views/nope', undefined, 404, 'not_found');
    await expectError('POST', '/v1/sources', { name: 'bids', type: 'kafka' }, 400, 'bad_request', /KAFKA_BROKERS/);
    // over-large queries name the limit instead of overflowing the stack
    const create = (sql: string) => ({ sql });
    const deep = `CREATE MATERIALIZED VIEW x AS SELECT id FROM t WHERE ${'('.repeat(3000)}a = 1${')'.repeat(3000)}`;
    await expectError('POST', '/v1/views', create(deep), 400, 'bad_request', /parentheses are nested more than 100 deep \(line 1, column \d+\); that is the limit/);
    const ors = `CREATE MATERIALIZED VIEW x AS SELECT id FROM t WHERE ${Array.from({ length: 5000 }, (_, i) => `a = ${i}`).join(' OR ')}`;
    await expectError('POST', '/v1/views', create(ors), 400, 'bad_request', /the statement has 20\d{3} tokens; the limit is 5000/);
    const sum = `CREATE MATERIALIZED VIEW x AS SELECT ${Array.from({ length: 2450 }, () => 'a').join(' + ')} AS s FROM t`;
    await expectError('POST', '/v1/views', create(sum), 400, 'bad_request', /nests expressions too deeply to compile/);
    const wide = `CREATE MATERIALIZED VIEW x AS SELECT ${Array.from({ length: 1601 }, (_, i) => `a c${i}`).join(', ')} FROM t`;
    await expectError('POST', '/v1/views', create(wide), 400, 'bad_request', /the view has 1601 columns; the limit is 1600/);
    // and the view is intact after all that
    const lsn = await currentLsn(h.db);
    assert.deepEqual(sortedCanonical((await viewRows(base(), 'small', lsn)).rows), await oracle(h.db, 'SELECT id, b FROM t WHERE a = 3'));
  });

  test('rows page through every row exactly once; min_lsn gives read-your-writes; timeouts are 504', async () => {
    await createView(base(), 'CREATE MATERIALIZED VIEW allrows AS SELECT * FROM t');
    const { rows } = await viewRows(base(), 'allrows', null, 333);
    assert.equal(rows.length, 2500);
    assert.equal(new Set(rows).size, 2500);
    await h.db.query("INSERT INTO t VALUES (100000, 1, 'fresh')");
    const lsn = await currentLsn(h.db);
    const r = await http(base(), 'GET', `/v1/views/allrows/rows?limit=10000&min_lsn=${lsn}`);
    assert.equal(r.status, 200);
    assert.match(r.text, /"fresh"/, 'a write is visible to a read at its LSN');
    const far = await http(base(), 'GET', '/v1/views/allrows/rows?min_lsn=FF/0&timeout_ms=200');
    assert.equal(far.status, 504);
    assert.equal(far.json<{ error: { code: string } }>().error.code, 'timeout');
  });

  test('the view object has the contract fields', async () => {
    const r = await http(base(), 'GET', '/v1/views/small');
    const v = r.json<Record<string, unknown>>();
    assert.equal(v.name, 'small');
    assert.equal(v.status, 'running');
    assert.deepEqual(v.columns, [{ name: 'id', type: 'integer' }, { name: 'b', type: 'text' }]);
    assert.deepEqual(v.key, ['id']);
    assert.equal(v.rows, 250);
    assert.match(String(v.lsn), /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.match(String(v.sql), /CREATE MATERIALIZED VIEW small/);
  });

  test('a backfilling view shows its progress: rows done, rows estimated, rate', async () => {
    await h.db.query('CREATE TABLE wide AS SELECT i AS id, i % 10 AS k FROM generate_series(1, 150000) i');
    await h.db.query('ALTER TABLE wide ADD PRIMARY KEY (id)');
    await h.db.query('ANALYZE wide');
    assert.equal((await http(base(), 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW wide_v AS SELECT id, k FROM wide' })).status, 201);
    const seen: { rows_done: number; rows_estimated: number; rows_per_second: number }[] = [];
    for (;;) {
      const v = (await http(base(), 'GET', '/v1/views/wide_v')).json<{ status: string; backfill?: (typeof seen)[number] }>();
      if (v.status !== 'backfilling') break;
      if (v.backfill) seen.push(v.backfill);
      await new Promise((r) => setTimeout(r, 5));
    }
    const moving = seen.filter((b) => b.rows_done > 0);
    assert.ok(moving.length > 0, `progress was shown while backfilling (${seen.length} polls)`);
    for (const b of moving) {
      assert.ok(b.rows_done <= b.rows_estimated, JSON.stringify(b));
      assert.ok(b.rows_estimated >= 140_000 && b.rows_estimated <= 160_000, `estimate ${b.rows_estimated}`);
      assert.ok(b.rows_per_second > 0);
    }
    assert.equal((await http(base(), 'DELETE', '/v1/views/wide_v')).status, 204);
  });

  test('DELETE removes the view and its Redis state', async () => {
    await createView(base(), 'CREATE MATERIALIZED VIEW doomed AS SELECT id FROM t WHERE a = 1');
    const redis = createClient({ url: h.services.redis.url });
    await redis.connect();
    try {
      assert.ok((await redis.keys('dv:{v:doomed}:*')).length >= 3);
      const r = await http(base(), 'DELETE', '/v1/views/doomed');
      assert.equal(r.status, 204);
      assert.deepEqual(await redis.keys('dv:{v:doomed}:*'), []);
      assert.equal(await redis.hGet('dv:{dv}:views', 'doomed'), null);
      await expectError('GET', '/v1/views/doomed', undefined, 404, 'not_found');
      // Users can read views straight from Redis under the documented layout.
      const row = await redis.hGet('dv:{v:small}:rows', '[3]');
      assert.equal(row, '{"id":3,"b":"row 3"}');
    } finally {
      await redis.close();
    }
  });
});

describe('WebSocket protocol', () => {
  test('garbage frames get an error frame and the subscription keeps working', async () => {
    const ws = new WebSocket(`${base().replace('http', 'ws')}/v1/views/small/subscribe`);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send('this is not json');
    ws.send(Buffer.from([0, 1, 2, 255]));
    ws.send(JSON.stringify({ type: 'ping' }));
    // the change after the snapshot (were it before, the snapshot would hold it and no diff would come)
    const ready = Date.now() + 5000;
    while (!frames.some((f) => f.startsWith('{"type":"ready"')) && Date.now() < ready) await new Promise((r) => setTimeout(r, 20));
    await h.db.query("UPDATE t SET b = 'changed' WHERE id = 3");
    const deadline = Date.now() + 5000;
    while (!frames.some((f) => f.includes('"changed"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const types = frames.map((f) => (JSON.parse(f) as { type: string }).type);
    assert.ok(types.includes('snapshot') && types.includes('ready'), types.join(','));
    assert.equal(types.filter((t) => t === 'error').length, 2, 'one error frame per garbage frame');
    assert.ok(types.includes('pong'));
    const diff = frames.map((f) => JSON.parse(f) as { type: string; changes?: { op: string; key: string; old?: { b: string }; row: { b: string } }[] }).find((f) => f.type === 'diff');
    assert.ok(diff, 'diff after garbage');
    assert.deepEqual(diff.changes, [{ op: 'update', key: '[3]', old: { id: 3, b: 'row 3' }, row: { id: 3, b: 'changed' } }]);
    ws.close();
  });

  test('oversized frames close the socket, not the server; unknown views are 404', async () => {
    const ws = new WebSocket(`${base().replace('http', 'ws')}/v1/views/small/subscribe`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(1 << 20));
    assert.equal(await closed, 1009);
    const bad = new WebSocket(`${base().replace('http', 'ws')}/v1/views/nope/subscribe`);
    const status = await new Promise<number>((r) => bad.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    assert.equal(status, 404);
    assert.equal((await http(base(), 'GET', '/healthz')).status, 200);
  });
});

describe('WebSocket robustness', () => {
  test('malformed upgrade requests get a 400, and the server lives on', async () => {
    const { connect } = await import('node:net');
    for (const path of ['/v1/views/%E0%A4%A/subscribe', 'http://[/v1']) {
      const reply = await new Promise<string>((resolve) => {
        const s = connect(h.server.port, '127.0.0.1');
        s.on('data', (d) => resolve(d.toString().split('\r\n')[0]!));
        s.on('error', () => resolve('socket error'));
        s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      });
      assert.match(reply, /^HTTP\/1\.1 400/, path);
    }
    assert.equal((await http(base(), 'GET', '/healthz')).status, 200);
  });

  test('a snapshot larger than the backlog limit is paced, not cut off as lagging', async () => {
    const deps = { views: maintainer(h.server), pipeline: maintainer(h.server), store: h.server.store, auth: createAuthenticator({ token: null, jwtSecret: null, jwtPublicKey: null }), log: () => {}, snapshotChunk: 100, maxBacklog: 16 * 1024 };
    const server = createServer();
    const subs = attachSubscriptions(server, deps);
    maintainer(h.server).addListener(subs.listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/views/allrows/subscribe`);
      let rows = 0;
      const types: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (d) => {
          const f = JSON.parse(d.toString()) as { type: string; rows?: unknown[] };
          types.push(f.type);
          if (f.type === 'snapshot') rows += f.rows!.length;
          if (f.type === 'ready' || f.type === 'error') resolve();
        });
        ws.on('error', reject);
      });
      ws.close();
      assert.ok(!types.includes('error'), types.join(','));
      assert.equal(rows, Number((await http(base(), 'GET', '/v1/views/allrows')).json<{ rows: number }>().rows));
      assert.ok(rows * 20 > deps.maxBacklog, 'the snapshot is larger than the backlog limit');
    } finally {
      subs.close();
      server.close();
    }
  });
});

describe('auth', () => {
  test('with a token, /v1 and WebSockets need it', async () => {
    const deps = { views: maintainer(h.server), pipeline: maintainer(h.server), store: h.server.store, auth: createAuthenticator({ token: 'sekret', jwtSecret: null, jwtPublicKey: null }), metricsToken: null, metrics: createMetrics().registry, kafkaBrokers: [], activity: new Activity(), log: () => {} };
    const app = createApp(deps);
    assert.equal((await app.request('/v1/views')).status, 401);
    assert.equal((await app.request('/v1/views', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await app.request('/v1/views', { headers: { authorization: 'Bearer sekret' } })).status, 200);
    assert.equal((await app.request('/healthz')).status, 200);
    const server = createServer();
    const subs = attachSubscriptions(server, deps);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const denied = new WebSocket(`ws://127.0.0.1:${port}/v1/views/small/subscribe`);
      assert.equal(await new Promise<number>((r) => denied.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0))), 401);
      const allowed = new WebSocket(`ws://127.0.0.1:${port}/v1/views/small/subscribe?token=sekret`);
      await new Promise((r, j) => {
        allowed.once('open', r);
        allowed.once('error', j);
      });
      allowed.close();
    } finally {
      subs.close();
      server.close();
    }
  });
});

describe('replication slot', () => {
  test('heartbeats are answered: the connection outlives wal_sender_timeout while idle', async () => {
    await h.db.query("ALTER SYSTEM SET wal_sender_timeout = '1s'");
    await h.db.query('SELECT pg_reload_conf()');
    try {
      const pid = async () => (await h.db.query<{ pid: number }>("SELECT pid FROM pg_stat_replication WHERE application_name = 'deltaview'")).rows.map((r) => r.pid);
      const before = await pid();
      assert.equal(before.length, 1);
      await new Promise((r) => setTimeout(r, 3500));
      assert.deepEqual(await pid(), before, 'the same walsender is still connected');
    } finally {
      await h.db.query('ALTER SYSTEM RESET wal_sender_timeout');
      await h.db.query('SELECT pg_reload_conf()');
    }
  });

  test('the slot is acknowledged only up to the checkpoint stored in Redis', async () => {
    await h.db.query("UPDATE t SET b = b || '!' WHERE id <= 50");
    const lsn = await currentLsn(h.db);
    await viewRows(base(), 'allrows', lsn);
    const redis = createClient({ url: h.services.redis.url });
    await redis.connect();
    try {
      // wait for a checkpoint to cover the write, then compare with the slot
      let checkpoint = 0n;
      for (let i = 0; i < 100 && checkpoint === 0n; i++) {
        const cp = await redis.hGet('dv:{dv}:source:pg', 'checkpoint');
        const slot = (await h.db.query<{ c: string; l: string }>("SELECT confirmed_flush_lsn::text AS c, $1::pg_lsn::text AS l FROM pg_replication_slots WHERE slot_name = 'deltaview'", [lsn])).rows[0]!;
        const flushed = lsnBig(slot.c);
        const stored = cp ? BigInt(`0x${cp}`) : 0n;
        assert.ok(flushed <= stored, `slot confirmed ${slot.c} is not beyond the stored checkpoint ${cp}`);
        if (stored >= lsnBig(lsn)) checkpoint = stored;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(checkpoint > 0n, 'a checkpoint covered the write');
      for (const name of ['allrows', 'small']) {
        const meta = await redis.hGet(`dv:{v:${name}}:meta`, 'lsn');
        assert.ok(meta && BigInt(`0x${meta}`) >= checkpoint, `${name} stored position covers the checkpoint`);
      }
    } finally {
      await redis.close();
    }
  });
});

function lsnBig(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

describe('metrics', () => {
  test('GET /metrics: per-view rows, status, commits and their latency, replication lag, retained WAL, subscribers, process metrics', async () => {
    await h.db.query('CREATE TABLE metered (id int PRIMARY KEY, v int)');
    await createView(h.server.url, 'CREATE MATERIALIZED VIEW metered_v AS SELECT id, v FROM metered WHERE v > 0');
    const sub = new Subscriber(h.server.url, 'metered_v');
    await sub.open();
    for (let i = 1; i <= 5; i++) await h.db.query('INSERT INTO metered VALUES ($1, $2)', [i, i]);
    await viewRows(h.server.url, 'metered_v', await currentLsn(h.db));
    await waitUntil(() => sub.state.size === 5, 10_000, 'the subscriber has the rows');
    const r = await http(h.server.url, 'GET', '/metrics');
    assert.equal(r.status, 200);
    const value = (line: string) => {
      const m = r.text.split('\n').find((l) => l.startsWith(`${line} `));
      assert.ok(m !== undefined, `metrics lack ${line}`);
      return Number(m.slice(line.length + 1));
    };
    assert.equal(value('deltaview_view_rows{view="metered_v"}'), 5);
    assert.equal(value('deltaview_view_status{view="metered_v",status="running"}'), 1);
    assert.equal(value('deltaview_view_status{view="metered_v",status="failed"}'), 0);
    assert.equal(value('deltaview_view_commits_total{view="metered_v"}'), 5);
    assert.equal(value('deltaview_view_apply_seconds_count{view="metered_v"}'), 5);
    assert.ok(value('deltaview_view_apply_seconds_sum{view="metered_v"}') > 0);
    assert.ok(value('deltaview_replication_lag_bytes') >= 0);
    assert.ok(value('deltaview_replication_lag_seconds') >= 0);
    assert.ok(value('deltaview_slot_retained_wal_bytes') > 0);
    assert.equal(value('deltaview_subscribers{view="metered_v"}'), 1);
    assert.ok(value('process_cpu_seconds_total') > 0);
    assert.match(r.text, /# TYPE deltaview_view_apply_seconds histogram/);
    sub.close();

    // a metrics token guards it (and only it)
    const app = createApp({ views: maintainer(h.server), pipeline: maintainer(h.server), store: h.server.store, auth: createAuthenticator({ token: null, jwtSecret: null, jwtPublicKey: null }), metricsToken: 'm3', metrics: createMetrics().registry, kafkaBrokers: [], activity: new Activity(), log: () => {} });
    assert.equal((await app.request('/metrics')).status, 401);
    assert.equal((await app.request('/metrics', { headers: { authorization: 'Bearer m3' } })).status, 200);
  });
});

describe('openapi', () => {
  test('/v1/openapi.json describes exactly the routes the app serves', async () => {
    const r = await http(h.server.url, 'GET', '/v1/openapi.json');
    assert.equal(r.status, 200);
    const spec = r.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    assert.equal(spec.openapi, '3.1.0');
    const app = createApp({ views: maintainer(h.server), pipeline: maintainer(h.server), store: h.server.store, auth: createAuthenticator({ token: null, jwtSecret: null, jwtPublicKey: null }), metricsToken: null, metrics: createMetrics().registry, kafkaBrokers: [], activity: new Activity(), log: () => {} });
    const served = [...new Set(app.routes.filter((x) => x.method !== 'ALL').map((x) => `${x.method} ${x.path.replace(/:(\w+)/g, '{$1}')}`))].sort();
    const described = Object.entries(spec.paths)
      .filter(([p]) => !UPGRADE_PATHS.includes(p))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    assert.deepEqual(described, served);
    for (const p of UPGRADE_PATHS) assert.ok(spec.paths[p]?.get, `${p} is described`);
  });
});
