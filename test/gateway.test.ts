/**
 * Fan-out across instances: a gateway instance (DELTAVIEW_ROLE=gateway) on
 * the same PostgreSQL and Redis serves the views another instance maintains.
 * Its subscribers (whole and filtered) converge to exactly what PostgreSQL
 * returns, receive the same diffs under the same tokens as subscribers of the
 * maintaining instance, resume across instances, and its reads honour
 * min_lsn; what only a maintaining instance can do is refused by name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '../src/server/server.ts';
import { createView, currentLsn, http, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';
import { sortedCanonical } from './harness/json.ts';
import { rng as seeded } from './harness/rng.ts';

let h: Harness;
let gw: RunningGateway;
const logs: string[] = [];

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE accounts (id int PRIMARY KEY, tenant int NOT NULL, balance numeric(12,2) NOT NULL, note text)');
  await h.db.query('CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL)');
  await h.db.query("INSERT INTO tenants SELECT g, 'tenant ' || g FROM generate_series(1, 5) g");
  await h.db.query('INSERT INTO accounts SELECT g, g % 5 + 1, g * 1.5, NULL FROM generate_series(1, 300) g');
  await createView(h.server.url, 'CREATE MATERIALIZED VIEW accts AS SELECT id, tenant, balance FROM accounts');
  await createView(h.server.url, 'CREATE MATERIALIZED VIEW per_tenant AS SELECT t.name, count(*) AS n, sum(a.balance) AS total FROM accounts a JOIN tenants t ON t.id = a.tenant GROUP BY t.name');
  gw = await startGateway(gatewayOptions());
});
after(async () => {
  await gw?.stop();
  await h?.stop();
});

/** A gateway on the harness's services; `advertiseUrl` as DELTAVIEW_ADVERTISE_URL sets it. */
function gatewayOptions(advertiseUrl: string | null = null): Parameters<typeof startGateway>[0] {
  return { pgUrl: h.services.pg.url, redisUrl: h.services.redis.url, port: 0, host: '127.0.0.1', token: null, slot: 'deltaview', publication: 'deltaview', kafkaBrokers: [], advertiseUrl, log: (m) => logs.push(m) };
}

const ACCTS = 'SELECT id, tenant, balance FROM accounts';
const PER_TENANT = 'SELECT t.name, count(*) AS n, sum(a.balance) AS total FROM accounts a JOIN tenants t ON t.id = a.tenant GROUP BY t.name';

describe('gateway', () => {
  test('lists and reads the views, with min_lsn', async () => {
    const list = (await http(gw.url, 'GET', '/v1/views')).json<{ views: { name: string; status: string; rows: number }[] }>();
    assert.deepEqual(list.views.map((v) => [v.name, v.status, v.rows]).sort(), [['accts', 'running', 300], ['per_tenant', 'running', 5]]);
    await h.db.query('INSERT INTO accounts VALUES (1000, 2, 7.25, NULL)');
    const lsn = await currentLsn(h.db);
    const started = Date.now();
    const rows = await viewRows(gw.url, 'accts', lsn);
    assert.ok(Date.now() - started < 2000, `min_lsn answered after ${Date.now() - started} ms`);
    assert.deepEqual(sortedCanonical(rows.rows), await oracle(h.db, ACCTS));
    const q = await http(gw.url, 'POST', '/v1/query', { sql: 'SELECT name, n FROM per_tenant ORDER BY n DESC, name LIMIT 2', min_lsn: lsn });
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(sortedCanonical(q.json<{ rows: unknown[] }>().rows.map((r) => JSON.stringify(r))), await oracle(h.db, `SELECT name, n FROM (${PER_TENANT}) x ORDER BY n DESC, name LIMIT 2`));
  });

  test('forwards what only the maintaining instance does to it, and refuses by name a request forwarded already', async () => {
    const created = await http(gw.url, 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW via_gw AS SELECT id, tenant FROM accounts WHERE tenant = 2' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers['x-deltaview-maintainer'], h.server.url, 'answered by the maintaining instance');
    assert.equal((await http(h.server.url, 'GET', '/v1/views/via_gw')).status, 200, 'the view was created on the maintaining instance');
    const sources = await http(gw.url, 'GET', '/v1/sources');
    assert.equal(sources.status, 200, sources.text);
    const q = await http(gw.url, 'POST', '/v1/query', { sql: 'SELECT id FROM accounts WHERE tenant = 1' });
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(sortedCanonical(q.json<{ rows: unknown[] }>().rows.map((r) => JSON.stringify(r))), await oracle(h.db, 'SELECT id FROM accounts WHERE tenant = 1'));
    const bad = await http(gw.url, 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW broken AS SELECT nope FROM accounts' });
    assert.equal(bad.status, 400, 'the maintaining instance\'s error comes back as it answered');
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'unknown_column');
    const deleted = await http(gw.url, 'DELETE', '/v1/views/via_gw');
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal((await http(h.server.url, 'GET', '/v1/views/via_gw')).status, 404);
    for (const [method, path, body] of [
      ['POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW x AS SELECT id FROM accounts' }],
      ['DELETE', '/v1/views/accts', undefined],
      ['GET', '/v1/sources', undefined],
      ['POST', '/v1/query', { sql: 'SELECT id FROM accounts' }],
    ] as const) {
      const r = await http(gw.url, method, path, body, { 'x-deltaview-forwarded': 'another-instance' });
      assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
      const e = r.json<{ error: { code: string; message: string } }>().error;
      assert.equal(e.code, 'unavailable');
      assert.match(e.message, /gateway \(DELTAVIEW_ROLE=gateway\)/);
    }
    assert.equal((await http(h.server.url, 'GET', '/v1/views/accts')).status, 200, 'nothing was deleted');
  });

  test('subscribers of both instances converge to PostgreSQL under random writes, with the same diffs under the same tokens', async () => {
    const random = seeded(7);
    const rng = { int: (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)) };
    const onMain = new Subscriber(h.server.url, 'accts');
    const onGw = [new Subscriber(gw.url, 'accts'), new Subscriber(gw.url, 'accts'), new Subscriber(gw.url, 'per_tenant')];
    const filtered = [1, 2, 3].map((t) => new Subscriber(gw.url, 'accts', undefined, undefined, `tenant = ${t}`));
    const all = [onMain, ...onGw, ...filtered];
    for (const s of all) await s.open();
    await waitUntil(() => all.every((s) => s.ready), 10_000, 'every subscriber to be ready');
    // diffs both instances send for `accts`, by token
    const seen = (s: Subscriber) => s.frames.filter((f) => f.startsWith('{"type":"diff"')).map((f) => /"token":"([^"]+)"/.exec(f)![1]!);
    let next = 2000;
    for (let tx = 0; tx < 60; tx++) {
      await h.db.query('BEGIN');
      for (let i = 0; i < rng.int(1, 4); i++) {
        const r = rng.int(0, 9);
        if (r < 4) await h.db.query('INSERT INTO accounts VALUES ($1, $2, $3, NULL)', [next++, rng.int(1, 5), (rng.int(0, 100_000) / 100).toFixed(2)]);
        else if (r < 7) await h.db.query('UPDATE accounts SET balance = balance + $1, tenant = CASE WHEN $2 THEN tenant % 5 + 1 ELSE tenant END WHERE id = (SELECT id FROM accounts ORDER BY md5(id::text || $3) LIMIT 1)', [rng.int(1, 50), rng.int(0, 3) === 0, String(tx * 10 + i)]);
        else await h.db.query('DELETE FROM accounts WHERE id = (SELECT id FROM accounts ORDER BY md5(id::text || $1) LIMIT 1)', [String(tx * 7 + i)]);
      }
      await h.db.query(rng.int(0, 9) === 0 ? 'ROLLBACK' : 'COMMIT');
    }
    const lsn = await currentLsn(h.db);
    await viewRows(h.server.url, 'accts', lsn);
    await viewRows(h.server.url, 'per_tenant', lsn);
    const want = await oracle(h.db, ACCTS);
    const wantPerTenant = await oracle(h.db, PER_TENANT);
    const matches = async (s: Subscriber, rows: string[]) => JSON.stringify(s.rows()) === JSON.stringify(rows);
    await waitUntil(async () => (await matches(onMain, want)) && (await matches(onGw[0]!, want)) && (await matches(onGw[1]!, want)) && (await matches(onGw[2]!, wantPerTenant)), 10_000, 'subscribers to converge');
    for (const [i, s] of filtered.entries()) {
      const wantSlice = await oracle(h.db, `${ACCTS} WHERE tenant = ${i + 1}`);
      await waitUntil(() => matches(s, wantSlice), 10_000, `the tenant ${i + 1} subscriber to converge`);
    }
    for (const s of all) assert.deepEqual(s.errors, [], s.frames.slice(-3).join('\n'));
    assert.ok(seen(onMain).length > 10);
    assert.deepEqual(seen(onGw[0]!), seen(onMain), 'the gateway sends the same diffs under the same tokens');
    assert.deepEqual(seen(onGw[1]!), seen(onMain));
    // the gateway counts the commits it saw in the diff logs (GET /v1/status, the console's charts)
    const status = (await http(gw.url, 'GET', '/v1/status')).json<{ views: Record<string, { commits: number; subscribers: number }> }>();
    assert.ok(status.views.accts!.commits >= seen(onMain).length, JSON.stringify(status.views.accts));
    assert.equal(status.views.accts!.subscribers, 5);
    for (const s of all) s.close();

    // a token from one instance resumes on the other
    const resumeFrom = onMain.lastToken!;
    await h.db.query('INSERT INTO accounts VALUES (5000, 1, 1.00, NULL)');
    const resumed = new Subscriber(gw.url, 'accts', resumeFrom, new Map(onMain.state));
    await resumed.open();
    await waitUntil(() => resumed.state.size === onMain.state.size + 1, 10_000, 'the resumed subscriber to get the missed insert');
    assert.equal(resumed.frames.filter((f) => f.startsWith('{"type":"snapshot"')).length, 0, 'a resume, not a fresh snapshot');
    assert.deepEqual(resumed.rows(), await oracle(h.db, ACCTS));
    assert.deepEqual(resumed.errors, []);
    resumed.close();
  });

  test('a view created on the maintaining instance appears on the gateway; one deleted there ends its gateway subscribers', async () => {
    await createView(h.server.url, 'CREATE MATERIALIZED VIEW rich AS SELECT id, balance FROM accounts WHERE balance > 400');
    await waitUntil(async () => (await http(gw.url, 'GET', '/v1/views/rich')).json<{ status?: string }>().status === 'running', 5000, 'the gateway to see the new view');
    const s = new Subscriber(gw.url, 'rich');
    await s.open();
    await waitUntil(() => s.ready, 5000, 'ready');
    assert.deepEqual(s.rows(), await oracle(h.db, 'SELECT id, balance FROM accounts WHERE balance > 400'));
    assert.equal((await http(h.server.url, 'DELETE', '/v1/views/rich')).status, 204);
    await waitUntil(() => s.errors.some((e) => /not_found/.test(e)), 5000, 'the gateway subscriber to be told');
    assert.equal((await http(gw.url, 'GET', '/v1/views/rich')).status, 404);
  });

  test('GET /v1/cluster on every instance lists the instances, their roles and the views each maintains; one that stops or falls silent leaves the list', async () => {
    type Cluster = { self: string; instances: { id: string; url: string; role: string; views: string[]; lag: { bytes: number | null } | null; self: boolean; heartbeat_at: string }[] };
    // advertised under another address than it binds (DELTAVIEW_ADVERTISE_URL)
    const secondUrl = 'http://gateway-2.internal:8080';
    const second = await startGateway(gatewayOptions(secondUrl));
    let secondStopped = false;
    try {
      for (const [url, listed] of [[h.server.url, h.server.url], [gw.url, gw.url], [second.url, secondUrl]] as const) {
        const r = await http(url, 'GET', '/v1/cluster');
        assert.equal(r.status, 200, r.text);
        const c = r.json<Cluster>();
        const byUrl = new Map(c.instances.map((i) => [i.url, i]));
        assert.deepEqual([...byUrl.keys()].sort(), [h.server.url, gw.url, secondUrl].sort(), `instances seen from ${url}`);
        assert.equal(c.instances[0]!.url, listed, 'this instance comes first');
        assert.equal(c.instances[0]!.id, c.self);
        assert.deepEqual(c.instances.map((i) => i.self), [true, false, false]);
        const engine = byUrl.get(h.server.url)!;
        assert.equal(engine.role, 'maintain');
        assert.ok(engine.views.includes('accts') && engine.views.includes('per_tenant'), JSON.stringify(engine.views));
        assert.ok(engine.lag !== null && typeof engine.lag.bytes === 'number', `the engine reports its lag: ${JSON.stringify(engine.lag)}`);
        for (const g of [gw.url, secondUrl]) {
          assert.equal(byUrl.get(g)!.role, 'gateway');
          assert.deepEqual(byUrl.get(g)!.views, []);
          assert.equal(byUrl.get(g)!.lag, null);
        }
      }
      // a graceful stop removes the entry at once
      await second.stop();
      secondStopped = true;
      const after = (await http(h.server.url, 'GET', '/v1/cluster')).json<Cluster>();
      assert.ok(!after.instances.some((i) => i.url === secondUrl), 'a stopped instance is gone');
      // an instance killed without stopping: its last heartbeat ages out and its entry is pruned
      const stale = { id: 'elsewhere:1:dead', url: 'http://127.0.0.1:1', role: 'maintain', started_at: new Date(Date.now() - 60_000).toISOString(), heartbeat_at: new Date(Date.now() - 30_000).toISOString(), views: ['accts'], lag: null };
      await h.server.store.putInstance(stale.id, JSON.stringify(stale));
      const pruned = (await http(gw.url, 'GET', '/v1/cluster')).json<Cluster>();
      assert.deepEqual(pruned.instances.map((i) => i.url).sort(), [h.server.url, gw.url].sort());
      assert.ok(!(await h.server.store.listInstances()).has(stale.id), 'the silent entry was pruned from Redis');
    } finally {
      if (!secondStopped) await second.stop();
    }
  });
});
