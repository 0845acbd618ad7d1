/**
 * End-to-end oracle: random transactions on a real PostgreSQL flow through
 * logical replication, the views and Redis; after EVERY transaction each view
 * (read with min_lsn = pg_current_wal_lsn()) equals PostgreSQL's own answer
 * to the view's query, row for row and value for value, and WebSocket
 * subscribers that apply snapshot + diffs end in the same state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canonicalText, sortedCanonical } from './harness/json.ts';
import { rng } from './harness/rng.ts';
import { createView, currentLsn, http, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;

const SEED = Number(process.env.DV_SEED ?? Date.now() % 100000);

const VIEWS: Record<string, string> = {
  cheap: `SELECT id, name, price FROM items WHERE price < 50`,
  expr: `SELECT id AS item_id, lower(name) AS lname, price * qty AS total, qty / 3 AS third, qty % 3 AS m, -qty AS neg,
           coalesce(note, 'none') AS note, nullif(qty, 0) AS nz,
           CASE WHEN price > 100 THEN 'high' WHEN price > 50 THEN 'mid' ELSE 'low' END AS band,
           name || '-' || id AS label, length(name), substring(name from 2 for 3) AS sub, trim(both 'x' from name) AS tr,
           upper(name), CAST(price AS int) AS price_int, price::text AS price_text, big, big + 1 AS big1, ts, d, flag, data, tags, score, score * 2 AS score2
         FROM items WHERE (qty BETWEEN 2 AND 8 OR note IS NULL) AND NOT flag`,
  pattern: `SELECT * FROM items WHERE name LIKE 'a%' OR name ILIKE '%B_' OR cat IN ('x', 'y', NULL)`,
  nulls: `SELECT id, qty, note FROM items WHERE qty <> 5 AND note IS NOT NULL AND (flag OR qty > 3)`,
  nokey: `SELECT cat, price FROM items WHERE price >= 10 OR cat NOT IN ('x')`,
  regex: `SELECT id, name ~ '^a' AS starts_a, name ~* 'b.$' AS ends_b, name !~ '[0-9]' AS no_digit, name !~* '^[a-c]' AS not_abc,
           regexp_replace(name, '(a)(b)?', '<\\1|\\2>', 'g') AS repl, regexp_replace(name, 'x', 'X') AS first_x,
           regexp_match(coalesce(note, '') || name, '([a-z]+)([0-9]*)') AS m, cat ~ '^(x|y)$' AS xy
         FROM items WHERE name ~ '.' OR name = ''`,
  distinct_from: `SELECT id, qty IS DISTINCT FROM 5 AS d5, note IS NOT DISTINCT FROM 'n' AS nn, (cat IS DISTINCT FROM NULL) AS has_cat,
           (price * 2) IS NOT DISTINCT FROM 20.00 AS p10
         FROM items WHERE price IS DISTINCT FROM 10.00 AND (qty IS NOT DISTINCT FROM NULL OR qty > 2)`,
  jsonb: `SELECT id, data -> 'a' AS a, data ->> 'b' AS b, data #> '{n,a}' AS na, data #>> '{b,1}' AS b1, data -> 'b' -> 0 AS b0,
           data -> 'b' ->> -1 AS blast, data @> '{"a": 5}' AS has5, '{"n": {"z": 1}}' <@ data AS inside, data ? 'n' AS hasn,
           jsonb_array_length(data -> 'b') AS blen, jsonb_build_object('id', id, 'name', name, 'note', note, 'tags', tags) AS obj,
           position('a' IN name) AS pos
         FROM items WHERE data IS NOT NULL`,
};

const NAMES = ['apple', 'Banana', 'abc', 'xax', 'Ärger', 'zeta', 'aB1', 'quxBz', 'x', '', 'a b c', 'O\'Brien', 'emoji😀x'];
const CATS = ['x', 'y', 'z', null];

function lit(v: string | null): string {
  return v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
}

function randomRow(r: () => number, id: number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const maybe = (s: string) => (r() < 0.15 ? 'NULL' : s);
  const price = maybe((Math.floor(r() * 20000) / 100).toFixed(r() < 0.5 ? 2 : 1));
  const qty = maybe(String(Math.floor(r() * 11)));
  const big = maybe(`${r() < 0.5 ? '-' : ''}${9007199254740000n + BigInt(Math.floor(r() * 100000))}`);
  const ts = maybe(`'2024-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)} 1${Math.floor(r() * 9)}:0${Math.floor(r() * 9)}:3${Math.floor(r() * 9)}.${String(Math.floor(r() * 1000000)).padStart(6, '0')}+0${Math.floor(r() * 5)}'`);
  const d = maybe(`'202${Math.floor(r() * 5)}-02-2${Math.floor(r() * 9)}'`);
  const flag = maybe(r() < 0.5 ? 'true' : 'false');
  const data = maybe(`'{"a": ${Math.floor(r() * 100)}, "b": [1.10, "x", null], "n": {"z": 1, "a": 2.50}}'`);
  const tags = maybe(pick([`'{a,"b c",NULL}'`, `'{}'`, `'{x}'`, `'{"q\\"uote",y}'`]));
  const score = maybe(pick(['0.1', '0.30000000000000004', '1e20', '-2.5', '1e-7', '123.456']));
  return `(${id}, ${lit(pick(NAMES))}, ${lit(pick(CATS))}, ${price}, ${qty}, ${big}, ${ts}, ${d}, ${flag}, ${data}, ${tags}, ${maybe(lit(pick(['hello', 'n', 'xx'])))}, ${score})`;
}

const COLUMNS = '(id, name, cat, price, qty, big, ts, d, flag, data, tags, note, score)';

before(async () => {
  h = await startHarness();
  await h.db.query(`CREATE TABLE items (
    id int PRIMARY KEY, name text, cat text, price numeric(10,2), qty int, big bigint, ts timestamptz, d date,
    flag boolean, data jsonb, tags text[], note text, score double precision)`);
  const r = rng(SEED);
  const rows = Array.from({ length: 300 }, (_, i) => randomRow(r, i + 1));
  await h.db.query(`INSERT INTO items ${COLUMNS} VALUES ${rows.join(',')}`);
});

after(async () => {
  await h?.stop();
});

async function checkAll(label: string): Promise<void> {
  const lsn = await currentLsn(h.db);
  for (const [name, select] of Object.entries(VIEWS)) {
    const got = await viewRows(base(), name, lsn, 97);
    const want = await oracle(h.db, select);
    const have = sortedCanonical(got.rows);
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      const missing = want.filter((x) => !have.includes(x)).slice(0, 3);
      const extra = have.filter((x) => !want.includes(x)).slice(0, 3);
      assert.fail(`${label}: view ${name} differs from PostgreSQL (seed ${SEED}); ${have.length} rows vs ${want.length}\nmissing: ${missing.join('\n')}\nextra: ${extra.join('\n')}`);
    }
  }
}

describe(`end-to-end oracle (seed ${SEED})`, () => {
  const subs: Subscriber[] = [];

  test('views backfill to exactly what PostgreSQL returns', async () => {
    for (const [name, select] of Object.entries(VIEWS)) {
      await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
    }
    await checkAll('after backfill');
    const expr = await http(base(), 'GET', '/v1/views/expr');
    const info = expr.json<{ status: string; key: string[]; columns: { name: string; type: string }[] }>();
    assert.equal(info.status, 'running');
    assert.deepEqual(info.key, ['item_id']);
    assert.deepEqual(info.columns.slice(0, 4).map((c) => c.name), ['item_id', 'lname', 'total', 'third']);
    assert.ok(info.columns.some((c) => c.name === 'length') && info.columns.some((c) => c.name === 'upper'), 'PostgreSQL column names for function calls');
    for (const name of ['expr', 'nokey', 'pattern']) {
      const s = new Subscriber(base(), name);
      await s.open();
      subs.push(s);
    }
  });

  test('after every random transaction each view equals PostgreSQL', async () => {
    const r = rng(SEED + 1);
    let nextId = 1000;
    const ids = async () => (await h.db.query<{ id: number }>('SELECT id FROM items')).rows.map((x) => x.id);
    for (let t = 0; t < 120; t++) {
      const existing = await ids();
      const stmts: string[] = [];
      const n = 1 + Math.floor(r() * 4);
      for (let s = 0; s < n; s++) {
        const op = r();
        const target = existing.length ? existing[Math.floor(r() * existing.length)]! : null;
        if (op < 0.35 || target === null) {
          stmts.push(`INSERT INTO items ${COLUMNS} VALUES ${randomRow(r, nextId++)}`);
        } else if (op < 0.75) {
          // updates that move rows in and out of predicates, sometimes changing the key
          const sets = [
            `price = ${r() < 0.2 ? 'NULL' : (r() * 200).toFixed(2)}`,
            `qty = ${r() < 0.2 ? 'NULL' : Math.floor(r() * 11)}`,
            `flag = ${r() < 0.5 ? 'NOT coalesce(flag, false)' : 'NULL'}`,
            `note = ${r() < 0.4 ? 'NULL' : "'upd'"}`,
            `name = ${lit(NAMES[Math.floor(r() * NAMES.length)]!)}`,
            `cat = ${lit(CATS[Math.floor(r() * CATS.length)] ?? null)}`,
            `big = big * 2`,
            `ts = ts + interval '1 microsecond'`,
          ];
          const chosen = sets.filter(() => r() < 0.4);
          if (r() < 0.1) chosen.push(`id = ${nextId++}`);
          if (chosen.length === 0) chosen.push(sets[0]!);
          stmts.push(`UPDATE items SET ${chosen.join(', ')} WHERE id = ${target}`);
        } else if (op < 0.93) {
          stmts.push(`DELETE FROM items WHERE id = ${target}`);
        } else {
          stmts.push(`UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE id % 7 = ${Math.floor(r() * 7)}`);
        }
      }
      if (t === 60) stmts.splice(0, stmts.length, 'TRUNCATE items', `INSERT INTO items ${COLUMNS} VALUES ${randomRow(r, nextId++)}, ${randomRow(r, nextId++)}`);
      if (t === 90) stmts.splice(0, stmts.length, 'DELETE FROM items'); // remove all, then add back
      if (t === 91) {
        const rows = Array.from({ length: 150 }, () => randomRow(r, nextId++));
        stmts.splice(0, stmts.length, `INSERT INTO items ${COLUMNS} VALUES ${rows.join(',')}`);
      }
      if (t === 30 || t === 75) {
        // drop the replication connection: the stream must reconnect from its durable position
        const killed = await h.db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'walsender' AND application_name = 'deltaview'");
        assert.equal(killed.rowCount, 1, 'one walsender to terminate');
      }
      const rollback = r() < 0.1 && t !== 60 && t !== 90 && t !== 91;
      await h.db.query('BEGIN');
      for (const s of stmts) await h.db.query(s);
      await h.db.query(rollback ? 'ROLLBACK' : 'COMMIT');
      await checkAll(`transaction ${t}: ${stmts.join('; ').slice(0, 200)}`);
    }
  });

  test('WebSocket subscribers that applied snapshot and diffs hold the same state', async () => {
    const lsn = await currentLsn(h.db);
    for (const s of subs) {
      const name = s === subs[0] ? 'expr' : s === subs[1] ? 'nokey' : 'pattern';
      const { rows } = await viewRows(base(), name, lsn);
      const want = sortedCanonical(rows);
      await waitUntil(() => JSON.stringify(s.rows()) === JSON.stringify(want), 10_000, `subscriber of ${name} to converge`).catch((e: Error) => {
        assert.fail(`${e.message}: ${s.rows().length} rows vs ${want.length}; errors: ${s.errors.slice(0, 5).join('; ')}`);
      });
      assert.deepEqual(s.errors, [], `protocol errors on ${name}`);
      assert.ok(s.frames.some((f) => f.startsWith('{"type":"diff"')), `subscriber of ${name} received diffs`);
    }
    for (const s of subs) s.close();
  });

  test('a subscriber resuming with ?since= gets exactly what it missed', async () => {
    const s1 = new Subscriber(base(), 'expr');
    await s1.open();
    await waitUntil(() => s1.ready, 5000, 'ready');
    const token = s1.lastToken!;
    const state = new Map(s1.state);
    s1.close();
    await h.db.query(`UPDATE items SET flag = false, qty = 4, note = 'resumed' WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 5)`);
    await h.db.query(`DELETE FROM items WHERE id IN (SELECT id FROM items WHERE NOT flag ORDER BY id DESC LIMIT 2)`);
    const lsn = await currentLsn(h.db);
    const { rows } = await viewRows(base(), 'expr', lsn);
    const s2 = new Subscriber(base(), 'expr', token, state);
    await s2.open();
    await waitUntil(() => JSON.stringify(s2.rows()) === JSON.stringify(sortedCanonical(rows)), 10_000, 'resumed subscriber to converge');
    assert.ok(!s2.frames.some((f) => f.startsWith('{"type":"snapshot"')), 'resume sends no snapshot');
    assert.deepEqual(s2.errors, []);
    s2.close();
    const s3 = new Subscriber(base(), 'expr', '1-0');
    await s3.open();
    await waitUntil(() => s3.ready, 5000, 'ready after unknown token');
    assert.ok(s3.frames.some((f) => f.startsWith('{"type":"snapshot"')), 'an unknown token gets a fresh snapshot');
    assert.deepEqual(s3.rows(), sortedCanonical(rows));
    s3.close();
    // a token of one view is not a resume point of another, even where both logs have an entry at that position
    const other = new Subscriber(base(), 'nulls', token);
    await other.open();
    await waitUntil(() => other.ready, 5000, 'ready with another view\'s token');
    assert.ok(other.frames.some((f) => f.startsWith('{"type":"snapshot"')), "another view's token gets a fresh snapshot");
    const { rows: nullRows } = await viewRows(base(), 'nulls', lsn);
    assert.deepEqual(other.rows(), sortedCanonical(nullRows));
    assert.notEqual(other.lastToken, token);
    other.close();
  });

  test('a view created while writers run misses nothing and doubles nothing', async () => {
    let stop = false;
    let written = 0;
    const writer = (async () => {
      const r = rng(SEED + 2);
      let id = 500_000;
      while (!stop) {
        await h.db.query(`INSERT INTO items ${COLUMNS} VALUES ${randomRow(r, id++)}`);
        await h.db.query(`UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE id = ${id - 2}`);
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await createView(base(), `CREATE MATERIALIZED VIEW concurrent AS SELECT id, qty, price FROM items WHERE qty > 2`);
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await writer;
    assert.ok(written > 10, `writer made ${written} transactions`);
    const lsn = await currentLsn(h.db);
    const got = await viewRows(base(), 'concurrent', lsn);
    assert.deepEqual(sortedCanonical(got.rows), await oracle(h.db, 'SELECT id, qty, price FROM items WHERE qty > 2'));
  });

  test('a restart resumes from the checkpoint without re-reading snapshots', async () => {
    await h.server.stop();
    await h.db.query(`INSERT INTO items ${COLUMNS} VALUES ${randomRow(rng(7), 900_001)}`);
    await h.db.query(`UPDATE items SET price = 1.00, qty = 4, flag = false WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 3)`);
    const before = h.logs.length;
    await h.restart();
    await checkAll('after restart');
    const after = h.logs.slice(before).join('\n');
    assert.doesNotMatch(after, /backfilling from snapshot/, 'no view was backfilled again');
    const list = await http(base(), 'GET', '/v1/views');
    assert.equal(list.json<{ views: unknown[] }>().views.length, Object.keys(VIEWS).length + 1);
  });

  test('rows are the exact text PostgreSQL prints (spot check)', async () => {
    await h.db.query(`INSERT INTO items ${COLUMNS} VALUES (777777, 'apple', 'x', 12.30, 4, 9007199254740993, '2024-01-02 03:04:05.678901+00', '2024-02-29', false, '{"b": 1.10, "a": [1, "x"]}', '{a,"b c",NULL}', NULL, 0.1)`);
    const lsn = await currentLsn(h.db);
    const { rows } = await viewRows(base(), 'expr', lsn);
    const row = rows.map((x) => canonicalText(x)).find((x) => x.includes('"item_id":#777777'));
    assert.ok(row, 'row 777777 present');
    for (const part of ['"big":#9007199254740993', '"big1":#9007199254740994', '"total":#49.20', '"ts":"2024-01-02T03:04:05.678901+00:00"', '"d":"2024-02-29"', '"price_text":"12.30"', '"score":#0.1', '"score2":#0.2', '"tags":["a","b c",null]', '"third":#1', '"band":"low"']) {
      assert.ok(row.includes(part), `${part} in ${row}`);
    }
  });
});
