/**
 * POST /v1/query: SELECTs over views (filters, aggregates, joins of views,
 * ORDER BY / LIMIT / OFFSET, min_lsn) and over sources (answered once from a
 * consistent snapshot) give exactly PostgreSQL's rows, in PostgreSQL's order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { canonical, parseLossless, type JValue } from './harness/json.ts';
import { createView, currentLsn, http, startHarness, type Harness } from './harness/server.ts';
import { rng } from './harness/rng.ts';

let h: Harness;
const seed = Number(process.env.SEED ?? Date.now() % 100000);

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE customers (id int PRIMARY KEY, name text, region text)');
  await h.db.query("INSERT INTO customers SELECT g, 'customer ' || g, (ARRAY['EU','US','APAC'])[1 + g % 3] FROM generate_series(1, 40) g");
  await h.db.query('CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total numeric(10,2), placed timestamptz)');
  await h.db.query("INSERT INTO orders SELECT g, 1 + g % 40, (g * 37 % 1000) / 3.0, '2024-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 500) g");
});
after(async () => {
  await h?.stop();
});

/** PostgreSQL's rows for `sql`, in its order, as canonical text. */
async function pgRows(sql: string): Promise<string[]> {
  const r = await h.db.query<{ j: string }>(`SELECT to_jsonb(q)::text AS j FROM (${sql}) q`);
  return r.rows.map((x) => canonical(parseLossless(x.j)));
}

async function query(sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; rows: string[]; lsn: string; error?: { code: string; message: string } }> {
  const r = await http(h.server.url, 'POST', '/v1/query', { sql, ...extra });
  const body = parseLossless(r.text) as { rows?: JValue[]; lsn?: string; error?: { code: string; message: string } };
  return { status: r.status, rows: (body.rows ?? []).map(canonical), lsn: body.lsn ?? '', ...(body.error ? { error: body.error } : {}) };
}

test('queries over views and sources equal PostgreSQL, in order', async () => {
  const base = h.server.url;
  await createView(base, 'CREATE MATERIALIZED VIEW orders_v AS SELECT id, customer_id, total, placed FROM orders');
  await createView(base, 'CREATE MATERIALIZED VIEW customers_v AS SELECT id, name, region FROM customers');
  await createView(base, 'CREATE MATERIALIZED VIEW spend AS SELECT customer_id, count(*) AS n, sum(total) AS total FROM orders GROUP BY customer_id');
  const r = rng(seed);
  for (let i = 0; i < 60; i++) {
    const id = 1 + Math.floor(r() * 600);
    if (r() < 0.6) await h.db.query('INSERT INTO orders VALUES ($1, $2, $3, now()) ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total', [id, 1 + Math.floor(r() * 40), (r() * 500).toFixed(2)]);
    else await h.db.query('DELETE FROM orders WHERE id = $1', [id]);
  }
  const lsn = await currentLsn(h.db);
  const cases: [string, string][] = [
    ['SELECT id, total FROM orders_v WHERE total > 100 ORDER BY total DESC, id LIMIT 7 OFFSET 3', 'SELECT id, total FROM orders WHERE total > 100 ORDER BY total DESC, id LIMIT 7 OFFSET 3'],
    ['SELECT customer_id, n, total FROM spend ORDER BY total DESC NULLS LAST, customer_id', 'SELECT customer_id, count(*) AS n, sum(total) AS total FROM orders GROUP BY customer_id ORDER BY total DESC NULLS LAST, customer_id'],
    ['SELECT c.region, sum(s.total) AS total, max(s.n) AS top FROM spend s JOIN customers_v c ON c.id = s.customer_id GROUP BY c.region ORDER BY 1', 'SELECT c.region, sum(s.total) AS total, max(s.n) AS top FROM (SELECT customer_id, count(*) AS n, sum(total) AS total FROM orders GROUP BY customer_id) s JOIN customers c ON c.id = s.customer_id GROUP BY c.region ORDER BY 1'],
    ["SELECT count(*) AS n, min(placed) AS first FROM orders_v WHERE placed >= '2024-01-05'", "SELECT count(*) AS n, min(placed) AS first FROM orders WHERE placed >= '2024-01-05'"],
    // over sources: once, from a consistent snapshot
    ['SELECT c.name, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY n DESC, name LIMIT 5', 'SELECT c.name, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY n DESC, name LIMIT 5'],
  ];
  for (const [q, pgSql] of cases) {
    const got = await query(q, { min_lsn: lsn, timeout_ms: 20000 });
    assert.equal(got.status, 200, `${q}: ${JSON.stringify(got.error)}`);
    assert.deepEqual(got.rows, await pgRows(pgSql), `${q} (seed ${seed})`);
    assert.match(got.lsn, /^[0-9A-F]+\/[0-9A-F]+$/);
  }

  // read-your-writes: a row committed just now is in the answer
  await h.db.query("INSERT INTO orders VALUES (9999, 1, 12345.67, now())");
  const after = await query('SELECT id, total FROM orders_v WHERE id = 9999', { min_lsn: await currentLsn(h.db), timeout_ms: 20000 });
  assert.deepEqual(after.rows, await pgRows('SELECT id, total FROM orders WHERE id = 9999'));
  assert.equal(after.rows.length, 1);

  // errors name the problem
  const bad = [
    ['SELEC id FROM orders_v', 'parse_error'],
    ['SELECT nope FROM orders_v', 'unknown_column'],
    ['DELETE FROM orders_v', 'parse_error'],
    ['SELECT id FROM orders_v ORDER BY total + 1', 'unsupported'],
  ] as const;
  for (const [q, code] of bad) {
    const got = await query(q);
    assert.equal(got.status, 400, q);
    assert.equal(got.error?.code, code, `${q}: ${got.error?.message}`);
    if (code === 'unknown_column') assert.match(got.error!.message, /"nope" does not exist \(line 1, column 8\)/, 'the position is in the query’s own text');
  }
  assert.equal((await http(base, 'POST', '/v1/query', { sql: 'SELECT 1', min_lsn: 'x' })).status, 400);
});

test('a query that pins a view\'s key reads only those rows, and gives what PostgreSQL gives', async () => {
  const base = h.server.url;
  await createView(base, 'CREATE MATERIALIZED VIEW by_id AS SELECT id, customer_id, total FROM orders');
  await createView(base, 'CREATE MATERIALIZED VIEW by_region AS SELECT region, count(*) AS n FROM customers GROUP BY region');
  const redis = createClient({ url: h.services.redis.url });
  await redis.connect();
  const scans = async () => Number(/cmdstat_hscan:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
  try {
    await h.db.query('UPDATE orders SET total = 1.25 WHERE id = 7');
    const lsn = await currentLsn(h.db);
    const cases: [string, string][] = [
      ['SELECT id, total FROM by_id WHERE id = 7', 'SELECT id, total FROM orders WHERE id = 7'],
      ['SELECT id, total FROM by_id WHERE id IN (3, 9, 100000, 3) AND total > 0 ORDER BY id', 'SELECT id, total FROM orders WHERE id IN (3, 9, 100000, 3) AND total > 0 ORDER BY id'],
      ['SELECT count(*) AS n FROM by_id WHERE id = 100000', 'SELECT count(*) AS n FROM orders WHERE id = 100000'],
      ["SELECT n FROM by_region WHERE region = 'EU'", "SELECT count(*) AS n FROM customers WHERE region = 'EU'"],
    ];
    for (const [q, pgSql] of cases) {
      const before = await scans();
      const got = await query(q, { min_lsn: lsn });
      assert.equal(got.status, 200, `${q}: ${JSON.stringify(got.error)}`);
      assert.deepEqual(got.rows, await pgRows(pgSql), q);
      assert.equal(await scans(), before, `${q}: answered without scanning the view`);
    }
    // a filter that does not pin the key reads the whole view
    const before = await scans();
    const all = await query('SELECT count(*) AS n FROM by_id WHERE id > 5 OR id = 1');
    assert.deepEqual(all.rows, await pgRows('SELECT count(*) AS n FROM orders WHERE id > 5 OR id = 1'));
    assert.ok((await scans()) > before, 'a whole-view query scans it');
  } finally {
    await redis.close();
  }
});

test('a query over several views reads them all at one position, while writes go on', async () => {
  const base = h.server.url;
  await h.db.query('CREATE TABLE pairs (id int PRIMARY KEY, v int NOT NULL)');
  await h.db.query('INSERT INTO pairs SELECT g, 0 FROM generate_series(1, 200) g');
  await createView(base, 'CREATE MATERIALIZED VIEW pairs_a AS SELECT id, v FROM pairs');
  await createView(base, 'CREATE MATERIALIZED VIEW pairs_b AS SELECT id, v * 2 AS w FROM pairs');
  let writing = true;
  const writer = (async () => {
    for (let i = 1; writing; i++) await h.db.query('UPDATE pairs SET v = $1 WHERE id % 10 = $2', [i, i % 10]);
  })();
  try {
    let moved = 0;
    let last = '';
    for (let q = 0; q < 40; q++) {
      // the two views are the same rows: read at one position, they always agree
      const r = await query('SELECT count(*) AS n, sum(a.v) AS va, sum(b.w) AS wb FROM pairs_a a JOIN pairs_b b ON b.id = a.id AND b.w <> a.v * 2');
      assert.equal(r.status, 200, JSON.stringify(r.error));
      assert.deepEqual(r.rows, ['{"n":#0,"va":null,"wb":null}'], `query ${q} read the views at different positions`);
      if (r.lsn !== last) moved++;
      last = r.lsn;
    }
    assert.ok(moved > 10, `the writes went on during the queries (${moved} positions)`);
  } finally {
    writing = false;
    await writer;
  }
});
