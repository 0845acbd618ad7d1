/**
 * One value that cannot be read never stops the stream: a json value holding
 * \u0000 (which to_jsonb, and so deltaview's rendering, cannot take) fails
 * only the views that read that column, naming the table, the column and
 * PostgreSQL's message. Views over the same table that do not read it, and
 * views over other tables, keep running and equal PostgreSQL; the slot keeps
 * advancing; a view created later over the other columns backfills.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE docs (id int PRIMARY KEY, n int, doc json)');
  await h.db.query('CREATE TABLE other (id int PRIMARY KEY, v text)');
  await h.db.query(`INSERT INTO docs VALUES (1, 10, '{"a": 1}'), (2, 20, null)`);
  await h.db.query(`INSERT INTO other VALUES (1, 'x')`);
});
after(async () => {
  await h?.stop();
});

const VIEWS: Record<string, string> = {
  with_doc: 'SELECT id, doc FROM docs',
  doc_key: "SELECT id, doc::jsonb -> 'a' AS a FROM docs WHERE n > 0",
  star: 'SELECT * FROM docs',
  without_doc: 'SELECT id, n FROM docs WHERE n > 5',
  counts: 'SELECT n % 2 AS parity, count(*) AS c FROM docs GROUP BY 1',
  others: 'SELECT id, v FROM other',
};

async function status(name: string): Promise<{ status: string; error?: string }> {
  return (await http(base(), 'GET', `/v1/views/${name}`)).json<{ status: string; error?: string }>();
}

test('a value that cannot be read fails only the views that read its column', async () => {
  for (const [name, select] of Object.entries(VIEWS)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
  const lsn0 = await currentLsn(h.db);
  for (const name of Object.keys(VIEWS)) await viewRows(base(), name, lsn0);

  // PostgreSQL's json keeps the text as written; jsonb (and to_jsonb) refuse \u0000
  await h.db.query(`INSERT INTO docs VALUES (3, 30, '{"a": "\\u0000"}')`);
  await h.db.query(`UPDATE docs SET n = n + 1 WHERE id = 1`);
  await h.db.query(`INSERT INTO other VALUES (2, 'y')`);
  const lsn = await currentLsn(h.db);

  for (const name of ['without_doc', 'counts', 'others']) {
    const { rows } = await viewRows(base(), name, lsn);
    assert.deepEqual(sortedCanonical(rows), await oracle(h.db, VIEWS[name]!), `${name} goes on and equals PostgreSQL`);
  }
  for (const name of ['with_doc', 'doc_key', 'star']) {
    await waitUntil(async () => (await status(name)).status === 'failed', 10_000, `${name} failed`);
    const s = await status(name);
    assert.match(s.error ?? '', /column "doc" of source table "public"."docs" holds a value that cannot be read: unsupported Unicode escape sequence/, name);
  }

  // the stream and the slot move on past the poisoned transaction
  await h.db.query(`INSERT INTO other VALUES (3, 'z')`);
  const later = await currentLsn(h.db);
  assert.deepEqual(sortedCanonical((await viewRows(base(), 'others', later)).rows), await oracle(h.db, VIEWS.others!));
  await waitUntil(
    async () => {
      const r = await h.db.query<{ ok: boolean }>(`SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = 'deltaview'`, [lsn]);
      return r.rows[0]?.ok === true;
    },
    15_000,
    'the slot to confirm past the poisoned transaction',
  );
  assert.ok(!h.logs.some((l) => /replication stream failed|retrying/i.test(l)), 'the stream never failed');
});

test('backfills read only the columns a view reads: the poisoned row backfills views without that column', async () => {
  await createView(base(), 'CREATE MATERIALIZED VIEW late_without AS SELECT id, n * 2 AS n2 FROM docs');
  const lsn = await currentLsn(h.db);
  assert.deepEqual(sortedCanonical((await viewRows(base(), 'late_without', lsn)).rows), await oracle(h.db, 'SELECT id, n * 2 AS n2 FROM docs'));
  const r = await http(base(), 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW late_with AS SELECT id, doc FROM docs' });
  assert.equal(r.status, 201);
  await waitUntil(async () => (await status('late_with')).status === 'failed', 15_000, 'late_with failed');
  assert.match((await status('late_with')).error ?? '', /backfill failed: column "doc" of source table "public"."docs" holds a value that cannot be read: unsupported Unicode escape sequence/);
  // after a restart the running views carry on; the failed ones stay failed with their message
  await h.restart();
  await h.db.query(`UPDATE docs SET n = n + 5`);
  const after = await currentLsn(h.db);
  assert.deepEqual(sortedCanonical((await viewRows(base(), 'without_doc', after)).rows), await oracle(h.db, VIEWS.without_doc!));
  assert.equal((await status('with_doc')).status, 'failed');
});
