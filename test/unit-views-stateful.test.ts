/**
 * Property tests of stateful views (joins, aggregates, tables without a
 * primary key): random changes over three tables — rows moving across join
 * keys and groups, NULL keys, duplicates, TRUNCATE, removing everything and
 * adding it back. After EVERY transaction the accumulated output equals a
 * from-scratch evaluation, and at random points the view is replaced by a
 * fresh compile restored from its persisted state, which must carry on
 * exactly where the original was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/values/index.ts';
import type { Row } from '../src/values/types.ts';
import type { CompiledView, SourceChange } from '../src/views/types.ts';
import { applyDelta, catalog, compile, fromScratch, rng, table, type ViewState } from './unit-views-helpers.ts';

const CUSTOMERS = table('customers', [['id', 'integer'], ['region', 'text'], ['vip', 'boolean']], ['id']);
const ORDERS = table('orders', [['id', 'integer'], ['customer_id', 'integer'], ['amount', 'numeric'], ['status', 'text'], ['qty', 'integer']], ['id']);
const EVENTS = table('events', [['customer_id', 'integer'], ['kind', 'text']], []);
const CAT = catalog(CUSTOMERS, ORDERS, EVENTS);

const VIEWS = [
  'SELECT o.id, o.amount, c.region FROM orders o JOIN customers c ON o.customer_id = c.id',
  "SELECT o.id, c.id AS cid, c.region FROM orders o LEFT JOIN customers c ON o.customer_id = c.id AND o.status = 'paid'",
  'SELECT o.id, c.id AS cid FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id',
  'SELECT o.id, c.id AS cid, c.vip FROM orders o FULL OUTER JOIN customers c ON o.customer_id = c.id AND o.qty > c.id',
  'SELECT c.region, count(*) AS n, sum(o.amount) AS total, avg(o.qty) AS q FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region',
  "SELECT c.region, count(o.id) AS orders, sum(o.amount) FILTER (WHERE o.status = 'paid') AS paid FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY 1",
  'SELECT status, min(amount), max(amount), min(qty) AS minq, max(qty) AS maxq, count(DISTINCT customer_id) FROM orders GROUP BY status',
  'SELECT count(*), sum(qty), avg(amount), bool_and(qty > 2), bool_or(status = \'paid\') FROM orders',
  "SELECT customer_id, string_agg(status, ',' ORDER BY id DESC) AS s, array_agg(qty ORDER BY qty NULLS FIRST, id) AS a FROM orders GROUP BY customer_id",
  'SELECT customer_id, kind FROM events',
  'SELECT e.kind, o.id FROM events e JOIN orders o USING (customer_id) WHERE o.qty > 1',
  'SELECT kind, count(*) FROM events GROUP BY kind HAVING count(*) > 1',
  'SELECT c.id, c.region, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id',
  'SELECT o.id, c.region, e.kind FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN events e ON e.customer_id = c.id',
  'SELECT a.id, b.id AS other FROM orders a JOIN orders b ON a.customer_id = b.customer_id AND a.id < b.id',
  'SELECT o.id, c.region FROM orders o, customers c WHERE o.customer_id = c.id AND o.qty > 1',
  'SELECT sum(o.qty) AS q FROM orders o JOIN customers c ON o.customer_id = c.id WHERE c.region IN (\'eu\', \'us\')',
  'SELECT DISTINCT status, qty FROM orders',
  'SELECT DISTINCT c.region FROM orders o JOIN customers c ON o.customer_id = c.id',
  'SELECT customer_id FROM orders UNION SELECT customer_id FROM events',
  'SELECT customer_id, kind FROM events UNION ALL SELECT id, status FROM orders',
  'SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM events',
  'SELECT customer_id FROM events EXCEPT ALL SELECT customer_id FROM orders',
  "SELECT customer_id FROM events INTERSECT ALL SELECT customer_id FROM events WHERE kind = 'click'",
  'SELECT region FROM customers EXCEPT SELECT status FROM orders UNION SELECT kind FROM events',
  'SELECT q.region, q.n FROM (SELECT c.region, count(*) AS n FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region) q WHERE q.n > 2',
  "WITH paid AS (SELECT customer_id, sum(amount) AS total FROM orders WHERE status = 'paid' GROUP BY customer_id) SELECT c.id, c.region, p.total FROM customers c LEFT JOIN paid p ON p.customer_id = c.id",
  'SELECT id, qty FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND c.vip)',
  'SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)',
  "SELECT id FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE region = 'eu')",
  'SELECT id, customer_id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM events)',
  'SELECT c.region, count(*) FROM customers c WHERE c.id IN (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 1) GROUP BY c.region',
  "SELECT kind FROM events e WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id AND o.status = 'paid')",
  'SELECT id FROM customers WHERE EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM orders WHERE qty > 3)',
  'SELECT id, amount FROM orders ORDER BY amount DESC NULLS LAST, id LIMIT 5',
  'SELECT id FROM orders ORDER BY qty, id DESC LIMIT 3 OFFSET 2',
  'SELECT customer_id, kind FROM events ORDER BY customer_id NULLS FIRST, kind LIMIT 4',
  'SELECT c.region, count(*) AS n FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region ORDER BY n DESC, region LIMIT 2',
  'SELECT id FROM orders ORDER BY amount * qty DESC NULLS LAST, id LIMIT 4',
  'SELECT DISTINCT status FROM orders ORDER BY status LIMIT 2',
  'SELECT DISTINCT ON (customer_id) customer_id, id, amount FROM orders ORDER BY customer_id, amount DESC NULLS LAST, id',
  'SELECT DISTINCT ON (kind) kind, customer_id FROM events ORDER BY kind, customer_id NULLS FIRST',
  'SELECT DISTINCT ON (c.region) c.region, o.id FROM orders o JOIN customers c ON o.customer_id = c.id ORDER BY c.region, o.qty DESC NULLS LAST, o.id',
  'SELECT * FROM (SELECT id, customer_id, amount, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC NULLS LAST, id) AS rn FROM orders) q WHERE rn <= 2',
  'SELECT q.id, q.r FROM (SELECT id, qty, rank() OVER (PARTITION BY status ORDER BY qty) AS r FROM orders) q WHERE q.r < 3',
  'SELECT id, d FROM (SELECT id, status, dense_rank() OVER (ORDER BY qty DESC NULLS FIRST) AS d FROM orders) x WHERE d = 2',
  'SELECT c.id, c.region, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS n, (SELECT max(amount) FROM orders o WHERE o.customer_id = c.id AND o.status = \'paid\') AS top FROM customers c',
  'SELECT id, qty, (SELECT count(*) FROM events) AS all_events, (SELECT sum(qty) FROM orders x WHERE x.status = orders.status) AS same_status FROM orders',
  'SELECT id, qty FROM orders o WHERE o.qty > (SELECT avg(qty) FROM orders x WHERE x.customer_id = o.customer_id)',
  'SELECT o.id, (SELECT c.region FROM customers c WHERE c.id = o.customer_id) AS region, (SELECT c.vip FROM customers c WHERE c.id = o.qty AND c.region <> \'eu\') AS v FROM orders o',
  'SELECT c.region, count(*) FROM customers c WHERE (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) >= 2 OR c.vip GROUP BY c.region',
  'SELECT id, status FROM orders WHERE qty = (SELECT max(qty) FROM orders) AND (SELECT count(*) FROM events e WHERE e.customer_id = orders.customer_id) > 0',
  'WITH k (cid, what) AS (SELECT customer_id, kind FROM events), n AS (SELECT cid, count(*) AS c FROM k GROUP BY cid) SELECT region, sum(c) FROM n JOIN customers ON customers.id = n.cid GROUP BY region',
];

type Gen = () => number;
const pick = <X>(r: Gen, xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
const maybe = <X>(r: Gen, x: X): X | null => (r() < 0.15 ? null : x);

interface Tables {
  customers: Map<number, Row>;
  orders: Map<number, Row>;
  events: Row[];
}

const customer = (r: Gen, id: number): Row => [id, maybe(r, pick(r, ['eu', 'us', 'apac'])), maybe(r, r() < 0.5)];
const order = (r: Gen, id: number): Row => [
  id,
  maybe(r, Math.floor(r() * 8)),
  maybe(r, Decimal.parse(pick(r, ['1', '2.50', '10.125', '-3', '0.1']))),
  maybe(r, pick(r, ['paid', 'open', 'void'])),
  maybe(r, Math.floor(r() * 5)),
];
const event = (r: Gen): Row => [maybe(r, Math.floor(r() * 8)), pick(r, ['click', 'view'])];

function randomTransaction(r: Gen, t: Tables): SourceChange[] {
  const out: SourceChange[] = [];
  const ins = (table: string, row: Row) => out.push({ kind: 'insert', table, row });
  const del = (table: string, row: Row) => out.push({ kind: 'delete', table, row });
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const p = r();
    if (p < 0.2) {
      const id = Math.floor(r() * 8);
      const old = t.customers.get(id);
      const row = customer(r, id);
      if (old) del(CUSTOMERS.id, old);
      t.customers.set(id, row);
      ins(CUSTOMERS.id, row);
    } else if (p < 0.5) {
      const id = Math.floor(r() * 25);
      const old = t.orders.get(id);
      if (old) del(ORDERS.id, old);
      if (old && r() < 0.3) t.orders.delete(id);
      else {
        // often only the join key or the group moves
        const row = old && r() < 0.5 ? [old[0]!, maybe(r, Math.floor(r() * 8)), old[2]!, old[3]!, old[4]!] : order(r, id);
        t.orders.set(id, row);
        ins(ORDERS.id, row);
      }
    } else if (p < 0.65) {
      const id = pick(r, [...t.customers.keys(), 99]);
      const old = t.customers.get(id);
      if (old) {
        del(CUSTOMERS.id, old);
        t.customers.delete(id);
      }
    } else if (p < 0.8) {
      const e = r() < 0.3 && t.events.length > 0 ? pick(r, t.events) : event(r);
      t.events.push(e);
      ins(EVENTS.id, e); // duplicates on purpose
    } else if (p < 0.9) {
      if (t.events.length > 0) {
        const i = Math.floor(r() * t.events.length);
        del(EVENTS.id, t.events[i]!);
        t.events.splice(i, 1);
      }
    } else if (p < 0.93) {
      out.push({ kind: 'truncate', table: ORDERS.id });
      t.orders.clear();
    } else if (p < 0.95) {
      out.push({ kind: 'truncate', table: EVENTS.id });
      t.events = [];
    } else if (p < 0.97) {
      for (const row of t.orders.values()) del(ORDERS.id, row);
      t.orders.clear();
    } else {
      // a row that comes and goes within the transaction
      const row = order(r, 100);
      ins(ORDERS.id, row);
      del(ORDERS.id, row);
    }
  }
  return out;
}

const show = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Decimal ? v.toString() : v));

async function checkView(select: string, seed: number, steps: number): Promise<void> {
  const sql = `CREATE MATERIALIZED VIEW v AS ${select}`;
  const r = rng(seed);
  const t: Tables = { customers: new Map(), orders: new Map(), events: [] };
  let view: CompiledView = await compile(sql, CAT);
  assert.equal(view.stateful, true);
  const out: ViewState = new Map();
  const persisted = new Map<string, string>();
  const apply = (d: ReturnType<CompiledView['step']>) => {
    applyDelta(out, d);
    for (const s of d?.state ?? []) {
      if (s.value === null) persisted.delete(s.field);
      else persisted.set(s.field, s.value);
    }
  };
  apply(view.initialize());
  for (let step = 0; step < steps; step++) {
    if (r() < 0.08) {
      // a restart: rebuild the operators from the persisted state only
      view = await compile(sql, CAT);
      view.restore(persisted);
    }
    const changes = randomTransaction(r, t);
    try {
      apply(view.step(changes));
      const expected = await fromScratch(sql, CAT, new Map([
        [CUSTOMERS.id, [...t.customers.values()]],
        [ORDERS.id, [...t.orders.values()]],
        [EVENTS.id, t.events],
      ]));
      assert.deepEqual(new Map([...out].sort()), new Map([...expected].sort()));
    } catch (e) {
      throw new Error(`${select}\nseed ${seed}, step ${step}, changes ${show(changes)}:\n${(e as Error).message}`);
    }
  }
}

for (const [i, select] of VIEWS.entries()) {
  test(`stateful view equals a from-scratch evaluation after every transaction: ${select}`, async () => {
    for (let seed = 1; seed <= 5; seed++) await checkView(select, seed * 104729 + i, 50);
  });
}

test('a global aggregate has one row over an empty input, and keeps it when everything is deleted', async () => {
  const v = await compile('CREATE MATERIALIZED VIEW v AS SELECT count(*), sum(qty), max(status) FROM orders', CAT);
  const out: ViewState = new Map();
  applyDelta(out, v.initialize());
  assert.deepEqual([...out.values()], ['{"count":0,"sum":null,"max":null}']);
  applyDelta(out, v.step([{ kind: 'insert', table: ORDERS.id, row: [1, 1, null, 'paid', 3] }]));
  assert.deepEqual([...out.values()], ['{"count":1,"sum":3,"max":"paid"}']);
  applyDelta(out, v.step([{ kind: 'truncate', table: ORDERS.id }]));
  assert.deepEqual([...out.values()], ['{"count":0,"sum":null,"max":null}']);
});

test('duplicate rows of a table without a primary key get distinct, stable keys', async () => {
  const v = await compile('CREATE MATERIALIZED VIEW v AS SELECT kind FROM events', CAT);
  const out: ViewState = new Map();
  const e: Row = [1, 'click'];
  applyDelta(out, v.step([{ kind: 'insert', table: EVENTS.id, row: e }, { kind: 'insert', table: EVENTS.id, row: e }]));
  assert.deepEqual([...out.keys()].sort(), ['[1,"click"]', '[1,"click"]#2']);
  const d = v.step([{ kind: 'delete', table: EVENTS.id, row: e }]);
  assert.deepEqual(d?.changes, [{ op: 'delete', key: '[1,"click"]#2', row: '{"kind":"click"}' }]);
});

test('view keys: join views name every input key, aggregates their group columns', async () => {
  const j = await compile('CREATE MATERIALIZED VIEW v AS SELECT o.id, c.id AS cid, c.region FROM orders o JOIN customers c ON o.customer_id = c.id', CAT);
  assert.deepEqual(j.key, ['id', 'cid']);
  const a = await compile('CREATE MATERIALIZED VIEW v AS SELECT c.region, count(*) FROM customers c GROUP BY c.region', CAT);
  assert.deepEqual(a.key, ['region']);
  const out: ViewState = new Map();
  applyDelta(out, j.step([
    { kind: 'insert', table: CUSTOMERS.id, row: [7, 'eu', true] },
    { kind: 'insert', table: ORDERS.id, row: [1, 7, null, null, null] },
  ]));
  assert.deepEqual([...out.keys()], ['[[1],[7]]']);
});

test('grouping and join errors are PostgreSQL\'s', async () => {
  const rejects = async (select: string, code: string, re: RegExp) =>
    assert.rejects(compile(`CREATE MATERIALIZED VIEW v AS ${select}`, CAT), (e: unknown) => (e as { code: string }).code === code && re.test((e as Error).message));
  await rejects('SELECT region, vip, count(*) FROM customers GROUP BY region', 'bad_request', /column "customers.vip" must appear in the GROUP BY clause/);
  await rejects('SELECT count(*) FROM orders WHERE sum(qty) > 1', 'bad_request', /aggregate functions are not allowed in WHERE/);
  await rejects('SELECT sum(count(*)) FROM orders', 'bad_request', /cannot be nested/);
  await rejects('SELECT id FROM orders o JOIN customers c ON o.customer_id = c.id', 'bad_request', /column reference "id" is ambiguous/);
  await rejects('SELECT 1 FROM orders JOIN orders ON true', 'bad_request', /specified more than once/);
  await rejects('SELECT sum(status) FROM orders', 'unsupported', /function sum\(text\) does not exist/);
  await rejects('SELECT 1 FROM orders JOIN customers USING (nope)', 'unknown_column', /USING clause does not exist in left table/);
  await rejects('SELECT status FROM orders GROUP BY 3', 'bad_request', /GROUP BY position 3 is not in select list/);
  await rejects('SELECT id FROM orders WHERE customer_id IN (SELECT id FROM customers) OR qty > 1', 'unsupported', /subquery outside the top-level AND of WHERE/);
  await rejects('SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id > o.customer_id)', 'unsupported', /other than inner = outer equalities/);
  await rejects('SELECT id FROM orders o WHERE customer_id NOT IN (SELECT c.id FROM customers c WHERE c.id = o.qty)', 'unsupported', /correlated NOT IN/);
  await rejects('SELECT id FROM orders WHERE customer_id IN (SELECT id, region FROM customers)', 'bad_request', /subquery has too many columns/);
  await rejects('SELECT DISTINCT ON (status) status, id FROM orders ORDER BY id', 'bad_request', /DISTINCT ON expressions must match initial ORDER BY expressions/);
  await rejects('SELECT id FROM orders OFFSET 3', 'unsupported', /OFFSET without LIMIT/);
  await rejects("SELECT id FROM orders WHERE status ~ '[[:alpha:]]+'", 'unsupported', /POSIX bracket classes/);
  await rejects("SELECT id FROM orders WHERE status ~ '\\mpaid'", 'unsupported', /start of word/);
  await rejects("SELECT regexp_replace(status, 'a+?', 'x') FROM orders", 'unsupported', /non-greedy quantifiers/);
  await rejects("SELECT id FROM orders WHERE status ~ '(a'", 'bad_request', /invalid regular expression/);
  await rejects('SELECT id, (SELECT region FROM customers c WHERE c.region = o.status) FROM orders o', 'unsupported', /scalar subquery other than/);
  await rejects('SELECT id, (SELECT kind FROM events e WHERE e.customer_id = o.customer_id) FROM orders o', 'unsupported', /scalar subquery other than/);
  await rejects('SELECT status, count(*), (SELECT count(*) FROM events) FROM orders GROUP BY status', 'unsupported', /scalar subquery in the select list of a grouped query/);
  await rejects('SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND c.id > (SELECT count(*) FROM events))', 'unsupported', /scalar subquery inside a correlated subquery/);
  await rejects('SELECT * FROM (SELECT id, row_number() OVER (ORDER BY qty) AS rn FROM orders) q', 'unsupported', /without a bound on it/);
  await rejects('SELECT id FROM orders UNION SELECT id FROM orders LIMIT 3', 'unsupported', /LIMIT\/OFFSET in a UNION/);
});

test('joins on keys with many rows (an arrangement grows past its small form and shrinks back) equal a from-scratch evaluation', async () => {
  const selects = [
    'SELECT o.id, o.qty, c.region FROM orders o JOIN customers c ON o.customer_id = c.id',
    'SELECT o.id, c.id AS cid FROM orders o FULL OUTER JOIN customers c ON o.customer_id = c.id AND o.qty > 1',
    'SELECT c.region, count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.region',
  ];
  for (const select of selects) {
    const sql = `CREATE MATERIALIZED VIEW v AS ${select}`;
    const r = rng(4242);
    const view = await compile(sql, CAT);
    const out: ViewState = new Map();
    applyDelta(out, view.initialize());
    const customers = new Map<number, Row>();
    const orders = new Map<number, Row>();
    let most = 0;
    for (let step = 0; step < 120; step++) {
      const changes: SourceChange[] = [];
      // up to 80 orders over 3 customers: 20 to 40 rows under one join key, then back down
      const grow = step < 60 ? 0.8 : 0.25;
      for (let i = 0; i < 4; i++) {
        if (r() < 0.1) {
          const id = Math.floor(r() * 3);
          const old = customers.get(id);
          if (old) changes.push({ kind: 'delete', table: CUSTOMERS.id, row: old });
          const row: Row = [id, pick(r, ['eu', 'us']), r() < 0.5];
          customers.set(id, row);
          changes.push({ kind: 'insert', table: CUSTOMERS.id, row });
          continue;
        }
        const id = Math.floor(r() * 80);
        const old = orders.get(id);
        if (old) changes.push({ kind: 'delete', table: ORDERS.id, row: old });
        if (r() < grow) {
          const row: Row = [id, Math.floor(r() * 3), Decimal.parse('1.00'), 'paid', Math.floor(r() * 3)];
          orders.set(id, row);
          changes.push({ kind: 'insert', table: ORDERS.id, row });
        } else orders.delete(id);
      }
      most = Math.max(most, orders.size);
      applyDelta(out, view.step(changes));
      const expected = await fromScratch(sql, CAT, new Map([[CUSTOMERS.id, [...customers.values()]], [ORDERS.id, [...orders.values()]], [EVENTS.id, []]]));
      assert.deepEqual(new Map([...out].sort()), new Map([...expected].sort()), `${select}, step ${step}`);
    }
    assert.ok(most >= 55, `orders grew to ${most}: more than 16 under some customer`);
    assert.ok(orders.size < 40, 'the tables shrank back');
  }
});
