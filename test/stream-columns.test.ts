/**
 * The change stream decodes only the columns some view reads and skips the tables no view
 * reads (src/cdc/pg/row-messages.ts). What it leaves out must never show: views over the same
 * table that read other columns, a TOASTed value left unchanged by an update (pgoutput sends
 * it only in the old row), a view created later over columns or a table that were not being
 * decoded, and a view dropped while another keeps reading: every view equals PostgreSQL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, viewRows, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE wide (id int PRIMARY KEY, n int, big text, note text)');
  await h.db.query('ALTER TABLE wide REPLICA IDENTITY FULL');
  await h.db.query('CREATE TABLE unread (id int PRIMARY KEY, v text)');
  await h.db.query('ALTER TABLE unread REPLICA IDENTITY FULL');
  // 20 kB of md5 text does not compress below the TOAST threshold: stored out of line
  await h.db.query(`INSERT INTO wide SELECT g, g, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 640) i), 'note ' || g FROM generate_series(1, 20) g`);
  await h.db.query(`INSERT INTO unread SELECT g, 'v' || g FROM generate_series(1, 10) g`);
});
after(async () => {
  await h?.stop();
});

const VIEWS: Record<string, string> = {
  small: 'SELECT id, n FROM wide WHERE n % 2 = 0',
  with_big: 'SELECT id, n, big FROM wide',
  big_len: 'SELECT n % 3 AS k, sum(length(big)) AS len, count(*) AS c FROM wide GROUP BY 1',
};

async function check(names: string[], lsn: string, views: Record<string, string>): Promise<void> {
  for (const name of names) {
    const { rows } = await viewRows(base(), name, lsn);
    assert.deepEqual(sortedCanonical(rows), await oracle(h.db, views[name]!), `${name} equals PostgreSQL`);
  }
}

test('views reading different columns of one table, unchanged TOAST values, and views created or dropped later equal PostgreSQL', async () => {
  for (const [name, select] of Object.entries(VIEWS)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
  const toasted = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM wide WHERE pg_column_size(big) < length(big) OR pg_column_size(big) > 2000`);
  assert.equal(toasted.rows[0]!.n, '20', 'the big values are TOASTed');

  // updates that leave the TOASTed column alone: the new tuple carries it as "unchanged"
  await h.db.query('UPDATE wide SET n = n + 1 WHERE id <= 10');
  await h.db.query("UPDATE wide SET note = note || '!' WHERE id > 15");
  await h.db.query("UPDATE wide SET big = 'short ' || id WHERE id = 3");
  await h.db.query('DELETE FROM wide WHERE id IN (4, 12)');
  // a table no view reads changes meanwhile
  await h.db.query("UPDATE unread SET v = v || '?' WHERE id <= 5");
  await h.db.query('DELETE FROM unread WHERE id = 10');
  await check(Object.keys(VIEWS), await currentLsn(h.db), VIEWS);

  // created later: a column nobody read (note) and the table nobody read
  const later: Record<string, string> = {
    notes: 'SELECT id, note FROM wide',
    unread_v: 'SELECT id, v FROM unread',
  };
  for (const [name, select] of Object.entries(later)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
  await h.db.query("UPDATE wide SET note = 'renoted ' || id, n = n * 2 WHERE id % 3 = 0");
  await h.db.query("INSERT INTO unread VALUES (11, 'v11')");
  await h.db.query("UPDATE unread SET v = 'w' || id WHERE id % 2 = 0");
  const all = { ...VIEWS, ...later };
  await check(Object.keys(all), await currentLsn(h.db), all);

  // dropping the only view that read `big` leaves the others exact
  for (const name of ['with_big', 'big_len']) assert.equal((await http(base(), 'DELETE', `/v1/views/${name}`)).status, 204);
  await h.db.query('UPDATE wide SET n = n - 1, note = note || id');
  await h.db.query("INSERT INTO wide VALUES (50, 50, repeat('z', 30000), 'fifty')");
  await check(['small', 'notes', 'unread_v'], await currentLsn(h.db), all);
});
