/**
 * Property tests of compiled views: random tables and random change
 * sequences; after EVERY transaction the accumulated output equals a
 * from-scratch evaluation over the current table, and every delta obeys the
 * ViewDelta invariants (checked by applyDelta).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/values/index.ts';
import type { Row, Value } from '../src/values/types.ts';
import type { SourceChange } from '../src/views/types.ts';
import { applyDelta, catalog, compile, fromScratch, rng, table, type ViewState } from './unit-views-helpers.ts';

const T = table(
  't',
  [
    ['id', 'integer'],
    ['a', 'integer'],
    ['b', 'text'],
    ['c', 'numeric'],
    ['f', 'boolean'],
  ],
  ['id'],
);
const T2 = table(
  'pairs',
  [
    ['k1', 'integer'],
    ['k2', 'text'],
    ['v', 'integer'],
  ],
  ['k1', 'k2'],
);
const UNRELATED = table('other', [['id', 'integer']], ['id']);
const CAT = catalog(T, T2, UNRELATED);

const VIEWS_T = [
  'SELECT * FROM t',
  'SELECT id, a + 1 AS a1, b FROM t WHERE a > 3',
  "SELECT id AS ident, upper(b) FROM t WHERE b LIKE 'a%' OR a IS NULL",
  'SELECT a, b FROM t WHERE c BETWEEN 1 AND 5',
  "SELECT id, CASE WHEN a > 5 THEN 'big' WHEN a > 2 THEN 'mid' ELSE 'small' END AS size FROM t WHERE a IN (1, 3, 5, 7, NULL) OR NOT (a <> 2)",
  "SELECT id, coalesce(b, 'none') AS b, nullif(a, 0) AS a FROM t WHERE a NOT IN (2, 4)",
  'SELECT id, c * 2 AS c2 FROM t WHERE c IS NOT NULL AND (a % 2 = 0) IS NOT TRUE',
  'SELECT b FROM t WHERE f',
  "SELECT f, length(b) AS n FROM t WHERE f IS NOT FALSE AND b ILIKE '%B%'",
  "SELECT 1 AS one, 'x' AS s FROM t WHERE a NOT BETWEEN 2 AND 6",
];
const VIEWS_T2 = ['SELECT * FROM pairs', 'SELECT k2, v FROM pairs WHERE v > 4', 'SELECT k1, k2, v * 2 AS w FROM pairs WHERE k2 <> \'b\''];

type Gen = () => number;

function pick<X>(r: Gen, xs: readonly X[]): X {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomRowT(r: Gen, id: number): Row {
  const maybe = <X>(x: X): X | null => (r() < 0.2 ? null : x);
  return [
    id,
    maybe(Math.floor(r() * 9)),
    maybe(pick(r, ['a', 'ab', 'B', 'abc', 'b', 'Ba', ''])),
    maybe(Decimal.parse(pick(r, ['0', '1', '1.50', '2.25', '5', '5.01', '-3']))),
    maybe(r() < 0.5),
  ];
}

function randomRowT2(r: Gen, k1: number, k2: string): Row {
  return [k1, k2, r() < 0.2 ? null : Math.floor(r() * 9)];
}

interface Model {
  readonly tableId: string;
  readonly rows: Map<string, Row>;
  readonly keyOf: (row: Row) => string;
  readonly fresh: (r: Gen) => Row;
  readonly mutate: (r: Gen, old: Row) => Row;
}

/** One random transaction over the model; mutates it and returns the source changes. */
function randomTransaction(r: Gen, m: Model): SourceChange[] {
  const changes: SourceChange[] = [];
  const ins = (row: Row): void => {
    m.rows.set(m.keyOf(row), row);
    changes.push({ kind: 'insert', table: m.tableId, row });
  };
  const del = (row: Row): void => {
    m.rows.delete(m.keyOf(row));
    changes.push({ kind: 'delete', table: m.tableId, row });
  };
  const existing = (): Row | undefined => (m.rows.size === 0 ? undefined : pick(r, [...m.rows.values()]));
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const p = r();
    if (p < 0.25) {
      const row = m.fresh(r);
      if (!m.rows.has(m.keyOf(row))) ins(row);
    } else if (p < 0.4) {
      const row = existing();
      if (row) del(row);
    } else if (p < 0.7) {
      // update in place (same key), possibly several times
      const row = existing();
      if (row) {
        const times = r() < 0.3 ? 2 : 1;
        let cur = row;
        for (let k = 0; k < times; k++) {
          const next = m.mutate(r, cur);
          del(cur);
          ins(next);
          cur = next;
        }
      }
    } else if (p < 0.8) {
      // key change
      const row = existing();
      const next = m.fresh(r);
      if (row && !m.rows.has(m.keyOf(next))) {
        del(row);
        ins(next);
      }
    } else if (p < 0.85) {
      // insert then delete within the transaction (cancels)
      const row = m.fresh(r);
      if (!m.rows.has(m.keyOf(row))) {
        ins(row);
        del(row);
      }
    } else if (p < 0.88) {
      m.rows.clear();
      changes.push({ kind: 'truncate', table: m.tableId });
    } else if (p < 0.91) {
      for (const row of [...m.rows.values()]) del(row);
    } else if (p < 0.95) {
      changes.push({ kind: 'insert', table: UNRELATED.id, row: [Math.floor(r() * 1000)] });
    } else {
      // update that changes nothing visible
      const row = existing();
      if (row) {
        del(row);
        ins(row);
      }
    }
  }
  return changes;
}

async function checkView(sql: string, model: () => Model, seed: number, steps: number): Promise<void> {
  const r = rng(seed);
  const m = model();
  const view = await compile(`CREATE MATERIALIZED VIEW v AS ${sql}`, CAT);
  const state: ViewState = new Map();
  for (let step = 0; step < steps; step++) {
    const changes = randomTransaction(r, m);
    const delta = view.step(changes);
    try {
      applyDelta(state, delta);
      const expected = await fromScratch(`CREATE MATERIALIZED VIEW v AS ${sql}`, CAT, new Map([[m.tableId, [...m.rows.values()]]]));
      assert.deepEqual(new Map([...state].sort()), new Map([...expected].sort()));
    } catch (e) {
      throw new Error(`view ${sql}, seed ${seed}, step ${step}, changes ${JSON.stringify(changes, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Decimal ? v.toString() : v))}: ${(e as Error).message}`);
    }
  }
}

const modelT = (): Model => ({
  tableId: T.id,
  rows: new Map(),
  keyOf: (row) => String(row[0]),
  fresh: (r) => randomRowT(r, Math.floor(r() * 30)),
  mutate: (r, old) => randomRowT(r, old[0] as number),
});

const modelT2 = (): Model => ({
  tableId: T2.id,
  rows: new Map(),
  keyOf: (row) => `${String(row[0])}|${String(row[1])}`,
  fresh: (r) => randomRowT2(r, Math.floor(r() * 5), pick(r, ['a', 'b', 'c', 'd'])),
  mutate: (r, old) => randomRowT2(r, old[0] as number, old[1] as string),
});

for (const [i, sql] of VIEWS_T.entries()) {
  test(`random changes keep the view equal to a from-scratch evaluation: ${sql}`, async () => {
    for (let seed = 1; seed <= 6; seed++) await checkView(sql, modelT, seed * 1000 + i, 60);
  });
}

for (const [i, sql] of VIEWS_T2.entries()) {
  test(`composite keys: ${sql}`, async () => {
    for (let seed = 1; seed <= 4; seed++) await checkView(sql, modelT2, seed * 7919 + i, 60);
  });
}

test('truncate: reset drops earlier changes of the transaction and keeps later ones', async () => {
  const v = await compile('CREATE MATERIALIZED VIEW v AS SELECT id, a FROM t WHERE a > 0', CAT);
  const row = (id: number, a: Value): Row => [id, a, null, null, null];
  assert.equal(v.step([{ kind: 'insert', table: T.id, row: row(1, 1) }])?.changes.length, 1);
  const d = v.step([
    { kind: 'insert', table: T.id, row: row(2, 1) },
    { kind: 'truncate', table: T.id },
    { kind: 'insert', table: T.id, row: row(3, 1) },
    { kind: 'insert', table: T.id, row: row(4, 0) },
  ]);
  assert.deepEqual(d, { reset: true, changes: [{ op: 'insert', key: '[3]', row: '{"id":3,"a":1}' }], state: [] });
  assert.deepEqual(v.step([{ kind: 'truncate', table: T.id }]), { reset: true, changes: [], state: [] });
  assert.equal(v.step([{ kind: 'truncate', table: UNRELATED.id }]), null);
});

test('consolidation: cancelling pairs vanish, repeated updates collapse, invisible updates give null', async () => {
  const v = await compile('CREATE MATERIALIZED VIEW v AS SELECT id, b FROM t', CAT);
  const row = (id: number, a: Value, b: Value): Row => [id, a, b, null, null];
  v.step([{ kind: 'insert', table: T.id, row: row(1, 1, 'x') }]);
  // a changes but the view shows only id, b: nothing to report
  assert.equal(
    v.step([
      { kind: 'delete', table: T.id, row: row(1, 1, 'x') },
      { kind: 'insert', table: T.id, row: row(1, 2, 'x') },
    ]),
    null,
  );
  const d = v.step([
    { kind: 'delete', table: T.id, row: row(1, 2, 'x') },
    { kind: 'insert', table: T.id, row: row(1, 3, 'y') },
    { kind: 'delete', table: T.id, row: row(1, 3, 'y') },
    { kind: 'insert', table: T.id, row: row(1, 4, 'z') },
    { kind: 'insert', table: T.id, row: row(2, 4, 'w') },
    { kind: 'delete', table: T.id, row: row(2, 4, 'w') },
  ]);
  assert.deepEqual(d, { reset: false, changes: [{ op: 'update', key: '[1]', old: '{"id":1,"b":"x"}', row: '{"id":1,"b":"z"}' }], state: [] });
  assert.equal(v.step([]), null);
  assert.equal(v.step([{ kind: 'insert', table: UNRELATED.id, row: [1] }]), null);
});
