/**
 * End-to-end oracle for joins and aggregates: four tables on a real
 * PostgreSQL (one without a primary key), views with inner, outer, multi-way
 * and self-joins, GROUP BY with every supported aggregate, FILTER, HAVING and
 * a global aggregate. After EVERY random transaction each view, read with
 * min_lsn = pg_current_wal_lsn(), equals `SELECT to_jsonb(q) FROM (<query>) q`;
 * WebSocket subscribers converge to the same rows; a restart restores the
 * operator state from Redis without reading a snapshot and stays exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sortedCanonical } from './harness/json.ts';
import { rng } from './harness/rng.ts';
import { createView, currentLsn, http, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const base = () => h.server.url;
const SEED = Number(process.env.DV_SEED ?? Date.now() % 100000);

const VIEWS: Record<string, string> = {
  order_details: `SELECT o.id, c.name AS customer, p.name AS product, o.amount, o.qty * p.price AS value
    FROM orders o JOIN customers c ON o.customer_id = c.id JOIN products p ON p.id = o.product_id`,
  orders_left: `SELECT o.id, o.status, c.name FROM orders o LEFT JOIN customers c ON o.customer_id = c.id AND c.tier > 1`,
  customers_right: `SELECT o.id AS oid, c.id AS cid, c.region FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id AND o.status <> 'void'`,
  customers_full: `SELECT c.id AS cid, o.id AS oid, o.status FROM customers c FULL OUTER JOIN orders o ON o.customer_id = c.id`,
  region_totals: `SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue, avg(o.qty) AS avg_qty, min(o.amount) AS smallest,
      max(o.placed) AS latest FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region`,
  status_stats: `SELECT status, count(*) AS n, count(DISTINCT customer_id) AS customers, sum(qty) FILTER (WHERE amount > 50) AS big_qty,
      bool_or(qty > 8) AS any_big, bool_and(amount IS NOT NULL) AS priced, string_agg(id::text, ',' ORDER BY id) AS ids
    FROM orders GROUP BY status HAVING count(*) > 1`,
  totals: `SELECT count(*) AS n, sum(amount) AS total, avg(amount) AS mean, max(qty) AS most FROM orders`,
  category_region: `SELECT p.category, c.region, sum(o.qty * p.price) AS value, array_agg(DISTINCT o.status ORDER BY o.status) AS statuses
    FROM orders o JOIN products p ON p.id = o.product_id JOIN customers c ON c.id = o.customer_id GROUP BY p.category, c.region`,
  event_counts: `SELECT kind, count(*) AS n, sum(n) AS total, min(n) AS low FROM events GROUP BY kind`,
  events_raw: `SELECT customer_id, kind, n FROM events WHERE n > 0`,
  customer_orders: `SELECT c.id, c.name, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS spent
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id`,
  order_pairs: `SELECT a.id, b.id AS later FROM orders a JOIN orders b ON b.customer_id = a.customer_id AND b.id > a.id AND b.id < a.id + 40`,
  paid_events: `SELECT customer_id, e.kind, o.id FROM events e JOIN orders o USING (customer_id) WHERE o.status = 'paid'`,
  by_tier: `SELECT c.tier, count(*) AS n, sum(o.qty) AS qty FROM orders o, customers c WHERE o.customer_id = c.id AND o.qty > 0 GROUP BY 1`,
  by_month: `SELECT date_trunc('month', placed) AS month, count(*) AS n, sum(amount) AS revenue, max(placed) - min(placed) AS span,
      avg(placed - '2024-01-01'::timestamptz) AS mean_offset, sum(interval '1 hour' * qty) AS hours
    FROM orders GROUP BY 1`,
  by_weekday: `SELECT extract(dow FROM placed) AS dow, to_char(placed, 'YYYY-MM') AS ym, count(*) AS n
    FROM orders WHERE placed > '2024-03-01'::timestamptz - interval '10 days' GROUP BY 1, 2`,
  distinct_tiers: `SELECT DISTINCT c.region, c.tier FROM customers c JOIN orders o ON o.customer_id = c.id`,
  ids_union: `SELECT customer_id FROM orders UNION SELECT customer_id FROM events`,
  all_labels: `SELECT customer_id, kind AS label FROM events UNION ALL SELECT customer_id, status FROM orders WHERE qty > 3`,
  ids_both: `SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM events`,
  ids_except_all: `SELECT customer_id FROM events EXCEPT ALL SELECT customer_id FROM orders WHERE status = 'paid'`,
  kinds_intersect_all: `SELECT kind FROM events INTERSECT ALL SELECT kind FROM events WHERE n > 1`,
  big_regions: `SELECT q.region, q.n FROM (SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region) q WHERE q.n > 5`,
  paid_totals: `WITH paid AS (SELECT customer_id, sum(amount) AS total, count(*) AS n FROM orders WHERE status = 'paid' GROUP BY customer_id)
    SELECT c.id, c.name, p.total, p.n FROM customers c LEFT JOIN paid p ON p.customer_id = c.id`,
  layered: `WITH k (cid, what) AS (SELECT customer_id, kind FROM events), per AS (SELECT cid, count(*) AS c FROM k GROUP BY cid)
    SELECT c.region, sum(per.c) AS events FROM per JOIN customers c ON c.id = per.cid GROUP BY c.region`,
  filtered_sub: `SELECT s.id, s.double_qty FROM (SELECT id, qty * 2 AS double_qty FROM orders WHERE qty > 2) s WHERE s.double_qty < 16`,
  exists_paid: `SELECT c.id, c.name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid')`,
  no_orders: `SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) AND c.tier > 0`,
  in_eu: `SELECT id, amount FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE region = 'eu')`,
  not_in_buyers: `SELECT id, customer_id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM events WHERE kind = 'buy' AND n > 1)`,
  busy_regions: `SELECT c.region, count(*) AS n FROM customers c WHERE c.id IN (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 12) GROUP BY c.region`,
  top_orders: `SELECT id, amount, customer_id FROM orders ORDER BY amount DESC NULLS LAST, id LIMIT 5`,
  orders_page2: `SELECT id, qty FROM orders ORDER BY qty NULLS FIRST, id LIMIT 5 OFFSET 5`,
  top_regions: `SELECT c.region, sum(o.amount) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id
    GROUP BY c.region ORDER BY revenue DESC NULLS LAST, region NULLS LAST LIMIT 2`,
  top_events: `SELECT customer_id, kind, n FROM events ORDER BY n DESC, customer_id NULLS FIRST, kind LIMIT 3`,
  heaviest: `SELECT id FROM orders ORDER BY amount * qty DESC NULLS LAST, id LIMIT 4`,
  latest_per_customer: `SELECT DISTINCT ON (customer_id) customer_id, id, placed FROM orders ORDER BY customer_id, placed DESC NULLS LAST, id`,
  first_event_kind: `SELECT DISTINCT ON (e.kind) e.kind, e.customer_id, e.n FROM events e ORDER BY e.kind, e.n DESC, e.customer_id NULLS FIRST`,
  top2_per_customer: `SELECT * FROM (SELECT id, customer_id, amount, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC NULLS LAST, id) AS rn FROM orders) q WHERE rn <= 2`,
  ranked_status: `SELECT q.id, q.r FROM (SELECT id, qty, rank() OVER (PARTITION BY status ORDER BY qty) AS r FROM orders) q WHERE q.r < 3`,
  dense_second: `SELECT id, d FROM (SELECT id, dense_rank() OVER (ORDER BY qty DESC NULLS FIRST) AS d FROM orders) x WHERE d = 2`,
  customer_counts: `SELECT c.id, c.name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS orders,
      (SELECT sum(o.amount) FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS paid,
      (SELECT count(*) FROM events) AS all_events FROM customers c`,
  case_in_aggregates: `SELECT customer_id, sum(CASE WHEN status = 'paid' THEN amount ELSE 0 END) AS paid, count(CASE WHEN qty > 3 THEN 1 END) AS big,
    coalesce(max(amount), 0) AS top, sum(qty)::numeric(12,2) AS qty_sum, (avg(qty) * 2)::int AS dbl, max(amount)::text AS top_text FROM orders GROUP BY customer_id`,
  above_own_avg: `SELECT o.id, o.amount FROM orders o WHERE o.amount > (SELECT avg(x.amount) FROM orders x WHERE x.customer_id = o.customer_id)`,
  order_names: `SELECT o.id, (SELECT c.name FROM customers c WHERE c.id = o.customer_id) AS customer, o.qty FROM orders o
    WHERE (SELECT count(*) FROM events e WHERE e.customer_id = o.customer_id) > 1 OR o.qty = (SELECT max(qty) FROM orders)`,
  due: `SELECT id, placed + interval '1 day 2 hours' AS due, date_part('hour', placed) AS hour FROM orders WHERE qty > 5`,
};

const REGIONS = ['eu', 'us', 'apac', null];
const STATUSES = ['paid', 'open', 'void', null];
const KINDS = ['click', 'view', 'buy'];

function lit(v: string | null): string {
  return v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function orderValues(r: () => number, id: number): string {
  const maybe = (s: string) => (r() < 0.1 ? 'NULL' : s);
  const amount = maybe((Math.floor(r() * 20000) / 100).toFixed(2));
  const placed = maybe(`'2024-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)} 1${Math.floor(r() * 9)}:00:00.${String(Math.floor(r() * 1e6)).padStart(6, '0')}+00'`);
  return `(${id}, ${maybe(String(Math.floor(r() * 14)))}, ${maybe(String(Math.floor(r() * 6)))}, ${amount}, ${maybe(String(Math.floor(r() * 11)))}, ${lit(pick(r, STATUSES))}, ${placed})`;
}

before(async () => {
  h = await startHarness();
  await h.db.query(`CREATE TABLE customers (id int PRIMARY KEY, name text, region text, tier int)`);
  await h.db.query(`CREATE TABLE products (id int PRIMARY KEY, name text, price numeric(8,2), category text)`);
  await h.db.query(`CREATE TABLE orders (id int PRIMARY KEY, customer_id int, product_id int, amount numeric(10,2), qty int, status text, placed timestamptz)`);
  await h.db.query(`CREATE TABLE events (customer_id int, kind text, n int)`);
  const r = rng(SEED);
  const customers = Array.from({ length: 12 }, (_, i) => `(${i}, 'cust${i}', ${lit(pick(r, REGIONS))}, ${Math.floor(r() * 4)})`);
  await h.db.query(`INSERT INTO customers VALUES ${customers.join(',')}`);
  const products = Array.from({ length: 5 }, (_, i) => `(${i}, 'prod${i}', ${(1 + r() * 99).toFixed(2)}, ${lit(pick(r, ['tools', 'toys', null]))})`);
  await h.db.query(`INSERT INTO products VALUES ${products.join(',')}`);
  await h.db.query(`INSERT INTO orders VALUES ${Array.from({ length: 150 }, (_, i) => orderValues(r, i + 1)).join(',')}`);
  const events = Array.from({ length: 60 }, () => `(${Math.floor(r() * 14)}, '${pick(r, KINDS)}', ${Math.floor(r() * 4)})`);
  await h.db.query(`INSERT INTO events VALUES ${events.join(',')}, ${events.slice(0, 10).join(',')}`); // duplicates
});

after(async () => {
  await h?.stop();
});

async function checkAll(label: string): Promise<void> {
  const lsn = await currentLsn(h.db);
  for (const [name, select] of Object.entries(VIEWS)) {
    const got = sortedCanonical((await viewRows(base(), name, lsn, 400)).rows);
    const want = await oracle(h.db, select);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      const missing = want.filter((x) => !got.includes(x)).slice(0, 3);
      const extra = got.filter((x) => !want.includes(x)).slice(0, 3);
      assert.fail(`${label}: view ${name} differs from PostgreSQL (seed ${SEED}); ${got.length} rows vs ${want.length}\nmissing: ${missing.join('\n')}\nextra: ${extra.join('\n')}`);
    }
  }
}

async function randomTransactions(r: () => number, count: number, nextId: { v: number }): Promise<void> {
  for (let t = 0; t < count; t++) {
    const stmts: string[] = [];
    const n = 1 + Math.floor(r() * 4);
    for (let s = 0; s < n; s++) {
      const p = r();
      const anyOrder = `(SELECT id FROM orders ORDER BY id OFFSET ${Math.floor(r() * 100)} LIMIT 1)`;
      if (p < 0.2) stmts.push(`INSERT INTO orders VALUES ${orderValues(r, nextId.v++)}`);
      else if (p < 0.35) stmts.push(`UPDATE orders SET customer_id = ${r() < 0.15 ? 'NULL' : Math.floor(r() * 14)} WHERE id = ${anyOrder}`);
      else if (p < 0.45) stmts.push(`UPDATE orders SET qty = coalesce(qty, 0) + 1, amount = ${(r() * 200).toFixed(2)}, status = ${lit(pick(r, STATUSES))} WHERE id = ${anyOrder}`);
      else if (p < 0.52) stmts.push(`UPDATE orders SET product_id = ${Math.floor(r() * 6)} WHERE customer_id = ${Math.floor(r() * 14)}`);
      else if (p < 0.6) stmts.push(`DELETE FROM orders WHERE id = ${anyOrder}`);
      else if (p < 0.68) stmts.push(`UPDATE customers SET region = ${lit(pick(r, REGIONS))}, tier = ${Math.floor(r() * 4)} WHERE id = ${Math.floor(r() * 14)}`);
      else if (p < 0.72) {
        const id = Math.floor(r() * 14);
        stmts.push(`DELETE FROM customers WHERE id = ${id}`, `INSERT INTO customers VALUES (${id}, 'cust${id}b', ${lit(pick(r, REGIONS))}, 2) ON CONFLICT (id) DO NOTHING`);
      } else if (p < 0.76) stmts.push(`UPDATE products SET price = price + 1.25, category = ${lit(pick(r, ['tools', 'toys', 'misc']))} WHERE id = ${Math.floor(r() * 6)}`);
      else if (p < 0.86) stmts.push(`INSERT INTO events VALUES (${r() < 0.1 ? 'NULL' : Math.floor(r() * 14)}, '${pick(r, KINDS)}', ${Math.floor(r() * 4)})`);
      else if (p < 0.94) stmts.push(`DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = '${pick(r, KINDS)}' LIMIT 1)`);
      else stmts.push(`UPDATE events SET n = n + 1 WHERE customer_id = ${Math.floor(r() * 14)}`);
    }
    if (t === 25) stmts.splice(0, stmts.length, 'TRUNCATE orders', `INSERT INTO orders VALUES ${orderValues(r, nextId.v++)}, ${orderValues(r, nextId.v++)}`);
    if (t === 40) stmts.splice(0, stmts.length, 'DELETE FROM customers', 'TRUNCATE events'); // remove all
    if (t === 41) {
      const cs = Array.from({ length: 12 }, (_, i) => `(${i}, 'again${i}', ${lit(pick(r, REGIONS))}, ${Math.floor(r() * 4)})`);
      stmts.splice(0, stmts.length, `INSERT INTO customers VALUES ${cs.join(',')}`, `INSERT INTO events SELECT g % 14, 'view', g % 3 FROM generate_series(1, 30) g`);
    }
    const rollback = r() < 0.08 && t !== 25 && t !== 40 && t !== 41;
    await h.db.query('BEGIN');
    for (const s of stmts) await h.db.query(s);
    await h.db.query(rollback ? 'ROLLBACK' : 'COMMIT');
    await checkAll(`transaction ${t}: ${stmts.join('; ').slice(0, 300)}`);
  }
}

describe(`joins and aggregates against PostgreSQL (seed ${SEED})`, () => {
  const subs: Subscriber[] = [];
  const nextId = { v: 1000 };

  test('views backfill to exactly what PostgreSQL returns, with the keys and types it gives', async () => {
    for (const [name, select] of Object.entries(VIEWS)) await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
    await checkAll('after backfill');
    const info = (await http(base(), 'GET', '/v1/views/region_totals')).json<{ key: string[]; columns: { name: string; type: string }[] }>();
    assert.deepEqual(info.key, ['region']);
    assert.deepEqual(info.columns.map((c) => `${c.name}:${c.type}`), [
      'region:text', 'orders:bigint', 'revenue:numeric', 'avg_qty:numeric', 'smallest:numeric', 'latest:timestamp with time zone',
    ]);
    const join = (await http(base(), 'GET', '/v1/views/customers_full')).json<{ key: string[] }>();
    assert.deepEqual(join.key, ['cid', 'oid']);
    for (const name of ['region_totals', 'customers_full', 'events_raw']) {
      const s = new Subscriber(base(), name);
      await s.open();
      subs.push(s);
    }
  });

  test('after every random transaction each view equals PostgreSQL', async () => {
    await randomTransactions(rng(SEED + 1), 60, nextId);
  });

  test('WebSocket subscribers converge to the same rows', async () => {
    const lsn = await currentLsn(h.db);
    for (const [i, name] of ['region_totals', 'customers_full', 'events_raw'].entries()) {
      const s = subs[i]!;
      const want = sortedCanonical((await viewRows(base(), name, lsn)).rows);
      await waitUntil(() => JSON.stringify(s.rows()) === JSON.stringify(want), 10_000, `subscriber of ${name}`).catch((e: Error) => {
        assert.fail(`${e.message}: ${s.rows().length} rows vs ${want.length}; errors: ${s.errors.slice(0, 5).join('; ')}`);
      });
      assert.deepEqual(s.errors, [], `protocol errors on ${name}`);
      s.close();
    }
  });

  test('a restart restores operator state from Redis, reads no snapshot, and stays exact', async () => {
    await h.server.stop();
    // changes while it is down arrive from the slot after the restart
    await h.db.query(`UPDATE orders SET customer_id = (customer_id + 1) % 14 WHERE id % 3 = 0`);
    await h.db.query(`INSERT INTO events VALUES (1, 'buy', 3), (1, 'buy', 3)`);
    const before = h.logs.length;
    await h.restart();
    await checkAll('after restart');
    const logs = h.logs.slice(before).join('\n');
    assert.doesNotMatch(logs, /backfilling from snapshot/, 'no view was backfilled again');
    assert.match(logs, /view region_totals: operator state restored from \d+ stored input rows/);
    await randomTransactions(rng(SEED + 2), 15, nextId);
  });

  test('views over views move with each source transaction; a view others read cannot be deleted', async () => {
    const layers: [string, string][] = [
      ['paid_orders', `SELECT id, customer_id, amount FROM orders WHERE status = 'paid'`],
      ['customer_paid', `SELECT customer_id, count(*) AS n, sum(amount) AS total FROM paid_orders GROUP BY customer_id`],
      ['repeat_customers', `SELECT cp.customer_id, cp.total, c.name FROM customer_paid cp JOIN customers c ON c.id = cp.customer_id WHERE cp.n > 1`],
    ];
    for (const [name, select] of layers) {
      await createView(base(), `CREATE MATERIALIZED VIEW ${name} AS ${select}`);
      // the same layers as PostgreSQL views, so that the oracle reads them by the same names
      await h.db.query(`CREATE VIEW ${name} AS ${select}`);
    }
    const top = new Subscriber(base(), 'repeat_customers');
    top.recordStates = true;
    await top.open();
    await waitUntil(() => top.ready, 5000, 'subscriber ready');
    const r = rng(SEED + 3);
    for (let t = 0; t < 25; t++) {
      const id = 1 + Math.floor(r() * 200);
      await h.db.query(`UPDATE orders SET status = ${lit(pick(r, STATUSES))}, customer_id = ${Math.floor(r() * 14)} WHERE id = (SELECT id FROM orders ORDER BY id OFFSET ${id % 100} LIMIT 1)`);
      const lsn = await currentLsn(h.db);
      for (const [name, select] of layers) {
        assert.deepEqual(sortedCanonical((await viewRows(base(), name, lsn)).rows), await oracle(h.db, select), `transaction ${t}: ${name}`);
      }
      // the writer waits: the subscriber's state after this transaction's diff is PostgreSQL's, and
      // so is its state after every diff frame it got for it (no frame shows one layer moved without the others)
      const want = await oracle(h.db, layers[2]![1]);
      await waitUntil(() => JSON.stringify(top.rows()) === JSON.stringify(want), 5000, `subscriber of repeat_customers after transaction ${t}`);
      for (const [i, state] of top.diffStates.entries()) assert.deepEqual(state, want, `transaction ${t}: the state after diff frame ${i} for it`);
      assert.ok(top.diffStates.length <= 1, `transaction ${t} arrived as ${top.diffStates.length} diff frames`);
      top.diffStates.length = 0;
    }
    assert.deepEqual(top.errors, []);
    top.close();
    const del = await http(base(), 'DELETE', '/v1/views/paid_orders');
    assert.equal(del.status, 409);
    const err = del.json<{ error: { code: string; message: string } }>().error;
    assert.equal(err.code, 'conflict');
    assert.match(err.message, /read by views "customer_paid", "repeat_customers"/);
    const info = (await http(base(), 'GET', '/v1/views/customer_paid')).json<{ key: string[] }>();
    assert.deepEqual(info.key, ['customer_id']);
  });

  test('deleting a stateful view removes its state from Redis', async () => {
    const r = await http(base(), 'DELETE', '/v1/views/order_pairs');
    assert.equal(r.status, 204);
    const keys = await h.server.store.client.sendCommand<string[]>(['KEYS', 'dv:{v:order_pairs}:*']);
    assert.deepEqual(keys, []);
  });
});
