/**
 * Sources that changed while the server was down: on restart a table dropped
 * and created again (new OID), a read column retyped, a table taken out of the
 * publication (its changes meanwhile never reached the slot) or no longer
 * REPLICA IDENTITY FULL, and a table dropped for good are detected. Views whose
 * SQL still binds are rebuilt from a snapshot and equal PostgreSQL; the others
 * fail naming the table. Nothing stays silently stale.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, viewRows, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;

const VIEWS: Record<string, string> = {
  over_recreated: 'SELECT id, v FROM a WHERE v > 0',
  over_retyped: 'SELECT id, v FROM b',
  agg_retyped: 'SELECT count(*) AS n, sum(v) AS total FROM b',
  over_unpublished: 'SELECT id, v FROM c',
  over_identity: 'SELECT v, count(*) AS n FROM d GROUP BY v',
  over_dropped: 'SELECT id FROM e',
  untouched: 'SELECT id, v FROM f',
  unread_column_retyped: 'SELECT id FROM g',
};

before(async () => {
  h = await startHarness();
  for (const t of ['a', 'b', 'c', 'd', 'e', 'f']) {
    await h.db.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v int)`);
    await h.db.query(`INSERT INTO ${t} SELECT i, i % 5 FROM generate_series(1, 20) i`);
  }
  await h.db.query('CREATE TABLE g (id int PRIMARY KEY, w int)');
  await h.db.query('INSERT INTO g SELECT i, i FROM generate_series(1, 5) i');
});
after(async () => {
  await h?.stop();
});

test('a restart after the sources changed rebuilds or fails each affected view; the others resume', async () => {
  for (const [name, select] of Object.entries(VIEWS)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
  const lsn0 = await currentLsn(h.db);
  for (const name of Object.keys(VIEWS)) await viewRows(base(), name, lsn0);

  await h.server.stop();
  await h.db.query('DROP TABLE a');
  await h.db.query('CREATE TABLE a (id int PRIMARY KEY, v int)');
  await h.db.query('INSERT INTO a SELECT i, i % 3 FROM generate_series(100, 110) i');
  await h.db.query('ALTER TABLE b ALTER COLUMN v TYPE bigint');
  await h.db.query('UPDATE b SET v = v + 4000000000');
  await h.db.query('ALTER PUBLICATION deltaview DROP TABLE c');
  await h.db.query('UPDATE c SET v = v + 1 WHERE id < 10');
  await h.db.query('DELETE FROM c WHERE id > 15');
  await h.db.query('ALTER TABLE d REPLICA IDENTITY DEFAULT');
  await h.db.query('DROP TABLE e');
  await h.db.query('UPDATE f SET v = v + 1');
  await h.db.query('ALTER TABLE g ALTER COLUMN w TYPE bigint');
  const before = h.logs.length;
  h.server = await h.launch();
  const logs = h.logs.slice(before).join('\n');

  await h.db.query('INSERT INTO c VALUES (99, 9)');
  const lsn = await currentLsn(h.db);
  for (const name of ['over_recreated', 'over_retyped', 'agg_retyped', 'over_unpublished', 'over_identity', 'untouched', 'unread_column_retyped']) {
    const { rows } = await viewRows(base(), name, lsn);
    assert.deepEqual(sortedCanonical(rows), await oracle(h.db, VIEWS[name]!), `${name} equals PostgreSQL after the restart`);
  }
  assert.match(logs, /view over_recreated: source table "public"."a" was dropped and created again;.* rebuilding it from a snapshot/);
  assert.match(logs, /view over_retyped: columns of source table "public"."b" changed \(id integer, v integer → id integer, v bigint\)/);
  assert.match(logs, /view over_unpublished: source table "public"."c" was not streamed completely/);
  assert.match(logs, /view over_identity: source table "public"."d" was not streamed completely/);
  assert.doesNotMatch(logs, /view (untouched|unread_column_retyped): .*rebuilding/, 'views over unchanged sources (or columns they do not read) are not rebuilt');
  const info = (await http(base(), 'GET', '/v1/views/over_retyped')).json<{ columns: { name: string; type: string }[] }>();
  assert.deepEqual(info.columns, [{ name: 'id', type: 'integer' }, { name: 'v', type: 'bigint' }], 'the view object shows the new column type');
  const dropped = (await http(base(), 'GET', '/v1/views/over_dropped')).json<{ status: string; error: string }>();
  assert.equal(dropped.status, 'failed');
  assert.match(dropped.error, /cannot restore view: relation "e" does not exist/);
});
