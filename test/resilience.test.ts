/**
 * Failures around the pipeline: Redis connections dropped mid-stream, an
 * expression that fails at run time, source tables altered under a view.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE r (id int PRIMARY KEY, v int NOT NULL, d int, s text)');
  await h.db.query("INSERT INTO r SELECT g, g, 1 + g % 4, 's' || g FROM generate_series(1, 500) g");
});
after(async () => {
  await h?.stop();
});

async function same(name: string, select: string): Promise<void> {
  const lsn = await currentLsn(h.db);
  assert.deepEqual(sortedCanonical((await viewRows(base(), name, lsn)).rows), await oracle(h.db, select));
}

describe('resilience', () => {
  test('Redis connections killed mid-stream: the pipeline restarts from its checkpoint and loses nothing', async () => {
    const select = 'SELECT id, v, s FROM r WHERE v % 2 = 0';
    await createView(base(), `CREATE MATERIALIZED VIEW evens AS ${select}`);
    // a stateful view: its operators must be rebuilt from stored state, not replayed into twice
    const grouped = 'SELECT d, count(*) AS n, sum(v) AS total, max(s) AS top FROM r GROUP BY d';
    await createView(base(), `CREATE MATERIALIZED VIEW by_d AS ${grouped}`);
    const before = h.logs.length;
    const admin = createClient({ url: h.services.redis.url });
    await admin.connect();
    let stop = false;
    const writer = (async () => {
      const w = new pg.Client({ connectionString: h.services.pg.url });
      await w.connect();
      let i = 0;
      while (!stop) {
        await w.query(`UPDATE r SET v = v + 1, s = 'w${i++}' WHERE id = ${1 + (i * 37) % 500}`);
      }
      await w.end();
      return i;
    })();
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 150));
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    }
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    const writes = await writer;
    await admin.close();
    assert.ok(writes > 20, `writer made ${writes} updates`);
    await same('evens', select);
    await same('by_d', grouped);
    assert.match(h.logs.slice(before).join('\n'), /view by_d: operator state restored/, 'recovery rebuilt the aggregate from Redis');
  });

  test('an expression that fails at run time fails the view with PostgreSQL\'s message', async () => {
    await createView(base(), 'CREATE MATERIALIZED VIEW ratio AS SELECT id, 100 / d AS q FROM r');
    const sub = new Subscriber(base(), 'ratio');
    await sub.open();
    await waitUntil(() => sub.ready, 5000, 'subscriber ready');
    await h.db.query('UPDATE r SET d = 0 WHERE id = 7');
    await waitUntil(async () => (await http(base(), 'GET', '/v1/views/ratio')).json<{ status: string }>().status === 'failed', 5000, 'view to fail');
    const v = (await http(base(), 'GET', '/v1/views/ratio')).json<{ error: string }>();
    assert.match(v.error, /division by zero/);
    const rows = await http(base(), 'GET', '/v1/views/ratio/rows');
    assert.equal(rows.status, 400);
    assert.match(rows.text, /division by zero/);
    await waitUntil(() => sub.errors.length > 0, 5000, 'error frame');
    assert.match(sub.errors[0]!, /view_failed.*division by zero/);
    // other views are unaffected, and the failed one can be dropped and recreated once the data allows
    await same('evens', 'SELECT id, v, s FROM r WHERE v % 2 = 0');
    assert.equal((await http(base(), 'DELETE', '/v1/views/ratio')).status, 204);
    const again = await http(base(), 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW ratio AS SELECT id, 100 / d AS q FROM r' });
    assert.equal(again.status, 201);
    await waitUntil(async () => (await http(base(), 'GET', '/v1/views/ratio')).json<{ status: string }>().status === 'failed', 10_000, 'backfill to fail on the same row');
  });

  test('ALTER TABLE: an added column is ignored, a dropped column a view reads fails that view by name', async () => {
    await createView(base(), 'CREATE MATERIALIZED VIEW alt AS SELECT id, s FROM r WHERE id < 50');
    await h.db.query('ALTER TABLE r ADD COLUMN extra int DEFAULT 5');
    await h.db.query("UPDATE r SET s = 'after add' WHERE id < 10");
    await same('alt', 'SELECT id, s FROM r WHERE id < 50');
    await same('evens', 'SELECT id, v, s FROM r WHERE v % 2 = 0');
    await h.db.query('ALTER TABLE r DROP COLUMN s');
    await h.db.query('UPDATE r SET v = v + 1 WHERE id = 3');
    await waitUntil(async () => (await http(base(), 'GET', '/v1/views/alt')).json<{ status: string }>().status === 'failed', 5000, 'view to fail');
    const v = (await http(base(), 'GET', '/v1/views/alt')).json<{ error: string }>();
    assert.match(v.error, /column "s"/);
    assert.equal((await http(base(), 'GET', '/healthz')).status, 200);
  });
});
