/**
 * Redis is derived state: losing it never yields wrong rows. The view
 * definitions and an epoch of the Redis data set live in the source database
 * too (schema deltaview), so when Redis restarts empty mid-stream, or the
 * server starts against an empty Redis, every view is rebuilt from a fresh
 * snapshot and equals PostgreSQL again; reads with min_lsn wait for the
 * rebuild instead of answering from empty keys.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startRedisServer, type RunningRedis } from '../src/services/redis-server.ts';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
let replacement: RunningRedis | null = null;
const base = () => h.server.url;

const VIEWS: Record<string, string> = {
  cheap: 'SELECT id, price FROM items WHERE price < 50',
  by_cat: 'SELECT c.name, count(*) AS n, sum(i.price) AS total FROM items i JOIN cats c ON c.id = i.cat GROUP BY c.name',
};

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE cats (id int PRIMARY KEY, name text)');
  await h.db.query('CREATE TABLE items (id int PRIMARY KEY, cat int, price numeric)');
  await h.db.query(`INSERT INTO cats SELECT i, 'cat' || i FROM generate_series(1, 5) i`);
  await h.db.query('INSERT INTO items SELECT i, i % 5 + 1, i % 97 FROM generate_series(1, 500) i');
});
after(async () => {
  await h?.stop();
  await replacement?.stop();
});

async function allEqual(what: string): Promise<void> {
  const lsn = await currentLsn(h.db);
  for (const [name, select] of Object.entries(VIEWS)) {
    assert.deepEqual(sortedCanonical((await viewRows(base(), name, lsn)).rows), await oracle(h.db, select), `${what}: ${name}`);
  }
}

test('Redis restarting empty mid-stream: every view is rebuilt and equals PostgreSQL again', async () => {
  for (const [name, select] of Object.entries(VIEWS)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
  await allEqual('before');
  const stored = await h.db.query<{ name: string }>('SELECT name FROM deltaview.views ORDER BY name');
  assert.deepEqual(stored.rows.map((r) => r.name), ['by_cat', 'cheap'], 'the definitions are kept in the source database');

  const port = h.services.redis.port;
  h.services.redis.process.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  replacement = await startRedisServer({ port });
  await h.db.query('UPDATE items SET price = price + 1 WHERE id % 7 = 0');
  await h.db.query('INSERT INTO items SELECT i, i % 5 + 1, 3 FROM generate_series(501, 520) i');
  await waitUntil(() => h.logs.some((l) => /rebuilding every view from a fresh snapshot/.test(l)), 20_000, 'the server to notice the empty Redis');
  await allEqual('after Redis lost its data');
  // and the definitions are back in Redis: a restart finds them there
  await h.restart();
  await h.db.query('DELETE FROM items WHERE id > 510');
  await allEqual('after a restart');
});

test('a server started against an empty Redis rebuilds the views from the source database', async () => {
  await h.server.stop();
  const admin = createClient({ url: replacement!.url });
  await admin.connect();
  await admin.sendCommand(['FLUSHALL']);
  await admin.close();
  await h.db.query('UPDATE items SET cat = 1 WHERE id < 50');
  const before = h.logs.length;
  h.server = await h.launch();
  assert.ok(h.logs.slice(before).some((l) => /Redis holds none of the data the views were written to \(it lost its data\); rebuilding every view/.test(l)));
  const list = (await http(base(), 'GET', '/v1/views')).json<{ views: { name: string }[] }>();
  assert.deepEqual(list.views.map((v) => v.name).sort(), ['by_cat', 'cheap']);
  await allEqual('after starting on an empty Redis');
  // deleting a view removes it from the source database's catalog too
  assert.equal((await http(base(), 'DELETE', '/v1/views/cheap')).status, 204);
  const stored = await h.db.query<{ name: string }>('SELECT name FROM deltaview.views ORDER BY name');
  assert.deepEqual(stored.rows.map((r) => r.name), ['by_cat']);
});
