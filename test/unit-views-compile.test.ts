import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../src/errors.ts';
import { Decimal, Timestamp } from '../src/values/index.ts';
import type { Row } from '../src/values/types.ts';
import { C_SETTINGS, applyDelta, catalog, compile, table, type ViewState } from './unit-views-helpers.ts';

const T1 = table(
  't',
  [
    ['id', 'integer'],
    ['a', 'integer'],
    ['b', 'text'],
    ['c', 'numeric(10,2)'],
    ['d', 'varchar(5)'],
    ['e', 'timestamptz'],
    ['f', 'boolean'],
    ['g', 'bigint'],
    ['h', 'char(3)'],
  ],
  ['id'],
);
const NOPK = table('nopk', [['x', 'integer']], []);
const OTHER = table('orders', [['id', 'integer'], ['price', 'numeric']], ['id'], 'oid-orders', 'sales');
const CAT = catalog(T1, NOPK, OTHER);

const ROW: Row = [1, 2, 'Hello', Decimal.parse('1.50'), 'abc', new Timestamp(1704067200000000n), true, 5n, 'ab '];

async function run(select: string, rows: Row[] = [ROW], settings = C_SETTINGS): Promise<{ names: string[]; types: string[]; rows: unknown[] }> {
  const v = await compile(`CREATE MATERIALIZED VIEW v AS ${select}`, CAT, settings);
  const state: ViewState = new Map();
  applyDelta(state, v.step(rows.map((row) => ({ kind: 'insert', table: T1.id, row }))));
  return { names: v.columns.map((c) => c.name), types: v.columns.map((c) => c.type.display), rows: [...state.values()].map((s) => JSON.parse(s)) };
}

async function rejects(select: string, code: string, message?: RegExp, settings = C_SETTINGS): Promise<void> {
  await assert.rejects(compile(`CREATE MATERIALIZED VIEW v AS ${select}`, CAT, settings), (e: unknown) => {
    assert.ok(e instanceof SqlError, `expected SqlError, got ${String(e)}`);
    assert.equal(e.code, code, `${select}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('output names and types match PostgreSQL 15', async () => {
  const r = await run(
    "SELECT 'x'::text, 1::int, a::text, 1::numeric(10,2), 'x'::varchar(5), 1::double precision, 1::real, 'x'::char(3), '1'::bigint FROM t",
  );
  assert.deepEqual(r.names, ['text', 'int4', 'a', 'numeric', 'varchar', 'float8', 'float4', 'bpchar', 'int8']);
  assert.deepEqual(r.types, ['text', 'integer', 'text', 'numeric(10,2)', 'character varying(5)', 'double precision', 'real', 'character(3)', 'bigint']);
  // Unnamed columns get "?column?" (a view needs distinct names, so rename them here).
  const v = await compile(
    "CREATE MATERIALIZED VIEW v (c1, c2, c3, c4, c5, c6, c7, c8, c9) AS SELECT true, null, 1, 2147483648, 99999999999999999999, 1.5, 1e3, -1, 'x' FROM t",
    CAT,
  );
  assert.deepEqual(v.columns.map((c) => c.type.display), ['boolean', 'text', 'integer', 'bigint', 'numeric', 'numeric', 'numeric', 'integer', 'text']);
});

test('view columns keep the source column types and typmods', async () => {
  const r = await run('SELECT * FROM t');
  assert.deepEqual(r.names, ['id', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  assert.deepEqual(r.types, ['integer', 'integer', 'text', 'numeric(10,2)', 'character varying(5)', 'timestamp with time zone', 'boolean', 'bigint', 'character(3)']);
  assert.deepEqual(r.rows, [{ id: 1, a: 2, b: 'Hello', c: 1.5, d: 'abc', e: '2024-01-01T00:00:00+00:00', f: true, g: 5, h: 'ab ' }]);
  const raw = await compile('CREATE MATERIALIZED VIEW v AS SELECT c FROM t', CAT);
  const d = raw.step([{ kind: 'insert', table: T1.id, row: ROW }]);
  assert.equal(d?.changes[0]?.op === 'insert' ? d.changes[0].row : '', '{"c":1.50}');
});

test('expression types and values', async () => {
  const r = await run(
    "SELECT a + 1 AS x1, c * 2 AS x2, a / 2 AS x3, c / 3 AS x4, g % 3 AS x5, coalesce(a, 1) AS x6, CASE WHEN a > 1 THEN 1 END AS x7, CASE a WHEN 2 THEN 'two' END AS x8, b || 'x' AS x9, h || 'x' AS x10, -a AS x11, upper(b) AS x12, length(h) AS x13, substring(b FROM 2 FOR 3) AS x14, trim(both 'H' from b) AS x15 FROM t",
  );
  assert.deepEqual(r.types, ['integer', 'numeric', 'integer', 'numeric', 'bigint', 'integer', 'integer', 'text', 'text', 'text', 'integer', 'text', 'integer', 'text', 'text']);
  assert.deepEqual(r.rows, [
    { x1: 3, x2: 3.0, x3: 1, x4: 0.5, x5: 2, x6: 2, x7: 1, x8: 'two', x9: 'Hellox', x10: 'abx', x11: -2, x12: 'HELLO', x13: 2, x14: 'ell', x15: 'ello' },
  ]);
});

test('unknown literals take the type of the other operand', async () => {
  // price > '10' compares as numeric; ts > '2024-01-01' as timestamptz; int = '2' as int4.
  const rows: Row[] = [
    [1, 2, 'x', Decimal.parse('9.50'), null, new Timestamp(1704067200000000n), null, null, null],
    [2, 3, 'y', Decimal.parse('10.50'), null, new Timestamp(1704153600000000n), null, null, null],
  ];
  const r = await run("SELECT id FROM t WHERE c > '10' AND e > '2024-01-01' AND a = '3'", rows);
  assert.deepEqual(r.rows, [{ id: 2 }]);
  await rejects("SELECT id FROM t WHERE a = '1.5'", 'bad_request', /invalid input syntax for type integer/);
  await rejects("SELECT id FROM t WHERE e > 'garbage'", 'bad_request', /invalid input syntax for type timestamp with time zone/);
  const all = await run("SELECT 'a' || 'b' AS s, coalesce(null, 'x') AS c FROM t");
  assert.deepEqual(all.types, ['text', 'text']);
  assert.deepEqual(all.rows, [{ s: 'ab', c: 'x' }]);
});

test('three-valued logic, IN, BETWEEN, IS tests', async () => {
  const r = await run(
    'SELECT 1 IN (1, NULL) AS a1, 3 IN (1, NULL) AS a2, 3 NOT IN (1, NULL) AS a3, 3 NOT IN (1, 2) AS a4, NULL::int BETWEEN 1 AND 2 AS a5, 5 BETWEEN 6 AND 1 AS a6, ' +
      '(NULL::bool AND false) AS a7, (NULL::bool OR true) AS a8, NOT NULL::bool AS a9, NULL::bool IS NOT TRUE AS a10, NULL::bool IS UNKNOWN AS a11, a IS NOT NULL AS a12, f IS FALSE AS a13 FROM t',
  );
  assert.deepEqual(r.rows, [{ a1: true, a2: null, a3: null, a4: true, a5: null, a6: false, a7: false, a8: true, a9: null, a10: true, a11: true, a12: true, a13: false }]);
});

test('WHERE keeps a row only when TRUE', async () => {
  const rows: Row[] = [
    [1, null, 'x', null, null, null, null, null, null],
    [2, 5, 'y', null, null, null, null, null, null],
    [3, 1, 'z', null, null, null, null, null, null],
  ];
  assert.deepEqual((await run('SELECT id FROM t WHERE a > 2', rows)).rows, [{ id: 2 }]);
  assert.deepEqual((await run('SELECT id FROM t WHERE NOT (a > 2)', rows)).rows, [{ id: 3 }]);
  assert.deepEqual((await run('SELECT id FROM t WHERE a NOT IN (5, NULL)', rows)).rows, []);
  assert.deepEqual((await run("SELECT id FROM t WHERE b LIKE 'y%' OR b ILIKE 'Z'", rows)).rows, [{ id: 2 }, { id: 3 }]);
});

test('column references: aliases, qualified names, schemas, star', async () => {
  const r = await run('SELECT o.a, t2.* FROM (SELECT 1) x', [ROW]).catch((e: unknown) => e);
  assert.ok(r instanceof SqlError);
  const q = await run('SELECT o.a AS x, o.* FROM public.t o WHERE o.id = 1');
  assert.deepEqual(q.names, ['x', 'id', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  const s = await compile('CREATE MATERIALIZED VIEW v AS SELECT sales.orders.price FROM sales.orders', CAT);
  assert.deepEqual(s.columns.map((c) => c.name), ['price']);
  await rejects('SELECT t.a FROM t o', 'unknown_relation', /invalid reference to FROM-clause entry for table "t"/);
  await rejects('SELECT q.a FROM t o', 'unknown_relation', /missing FROM-clause entry for table "q"/);
  await rejects('SELECT x FROM t', 'unknown_column', /column "x" does not exist/);
  await rejects('SELECT o.x FROM t o', 'unknown_column', /column o.x does not exist/);
  await rejects('SELECT a FROM nosuch', 'unknown_relation', /relation "nosuch" does not exist/);
  await rejects('SELECT a FROM other.t', 'unknown_relation', /relation "other.t" does not exist/);
  const nopk = await compile('CREATE MATERIALIZED VIEW v AS SELECT x FROM nopk', CAT);
  assert.deepEqual([nopk.key, nopk.stateful], [[], true], 'a table without a primary key is a multiset: stateful, internal keys');
});

test('duplicate output names are refused like PostgreSQL does', async () => {
  await rejects('SELECT a, a FROM t', 'bad_request', /column "a" specified more than once/);
  await rejects('SELECT a + 1, a + 2 FROM t', 'bad_request', /column "\?column\?" specified more than once/);
  await rejects('SELECT a AS id, id FROM t', 'bad_request', /column "id" specified more than once/);
  const v = await compile('CREATE MATERIALIZED VIEW v (x, y) AS SELECT a + 1, a + 2 FROM t', CAT);
  assert.deepEqual(v.columns.map((c) => c.name), ['x', 'y']);
});

test('view key: primary key columns projected as plain references', async () => {
  const k = async (sel: string) => (await compile(`CREATE MATERIALIZED VIEW v AS ${sel}`, CAT)).key;
  assert.deepEqual(await k('SELECT * FROM t'), ['id']);
  assert.deepEqual(await k('SELECT a, id AS ident FROM t'), ['ident']);
  assert.deepEqual(await k('SELECT a FROM t'), []);
  assert.deepEqual(await k('SELECT id + 0 AS id FROM t'), []);
});

test('type errors, collation and non-determinism', async () => {
  await rejects('SELECT id FROM t WHERE a', 'bad_request', /argument of WHERE must be type boolean, not type integer/);
  await rejects('SELECT id FROM t WHERE a AND f', 'bad_request', /argument of AND must be type boolean/);
  await rejects('SELECT now() FROM t', 'unsupported', /function now\(\) \(not deterministic\)/);
  await rejects('SELECT random() FROM t', 'unsupported', /not deterministic/);
  await rejects('SELECT 1/0 AS x FROM t', 'bad_request', /division by zero/);
  const noC = { asciiCaseMapping: false, cCollation: false };
  await rejects("SELECT id FROM t WHERE b < 'x'", 'unsupported', /collation/, noC);
  await rejects("SELECT id FROM t WHERE d BETWEEN 'a' AND 'b'", 'unsupported', /collation/, noC);
  // Equality and LIKE are collation-independent (deterministic collations).
  await run("SELECT id FROM t WHERE b = 'x' AND b LIKE 'x%'", [ROW], noC);
});

test('constant folding follows PostgreSQL: dead CASE arms and decided AND/OR are not evaluated', async () => {
  const r = await run('SELECT CASE WHEN false THEN 1/0 ELSE 1 END AS x, (false AND 1/0 = 1) AS y, coalesce(1, 1/0) AS z FROM t');
  assert.deepEqual(r.rows, [{ x: 1, y: false, z: 1 }]);
  await rejects('SELECT CASE WHEN a > 0 THEN 1/0 ELSE 0 END AS x FROM t', 'bad_request', /division by zero/);
});

test('runtime errors surface from step as SqlRuntimeError', async () => {
  const v = await compile('CREATE MATERIALIZED VIEW v AS SELECT 10 / a AS q FROM t', CAT);
  assert.throws(() => v.step([{ kind: 'insert', table: T1.id, row: [1, 0, null, null, null, null, null, null, null] }]), /division by zero/);
});

test('selectSql is the SELECT as written', async () => {
  const v = await compile('create materialized view "V" as\n  SELECT A FROM T;', CAT);
  assert.equal(v.name, 'V');
  assert.equal(v.selectSql, 'SELECT A FROM T');
  assert.equal(v.sources.length, 1);
});

test('refusals of constructs that are still out name the construct and its line and column', async () => {
  // "CREATE MATERIALIZED VIEW v AS " is 30 characters: a construct at offset i of the SELECT is at column 31 + i
  const cases: [string, RegExp][] = [
    ['WITH RECURSIVE q AS (SELECT a FROM t) SELECT * FROM q', /WITH RECURSIVE \(recursive CTEs\) \(line 1, column 36\)/],
    ['SELECT id,\n  lag(a) OVER (ORDER BY id) AS p FROM t', /window function lag .*\(line 2, column 3\)/],
    ['SELECT id, sum(a) OVER (PARTITION BY b) AS s FROM t', /window function sum .*\(line 1, column 49\)/],
    ['SELECT id, ntile(4) OVER (ORDER BY a) AS s FROM t', /window function ntile .*\(line 1, column 42\)/],
    ['SELECT id FROM t\nWHERE e < now()', /function now\(\) \(not deterministic\) \(line 2, column 11\)/],
    ['SELECT random() AS r FROM t', /function random\(\) \(not deterministic\) \(line 1, column 38\)/],
    ['SELECT t.id FROM t, LATERAL (SELECT a FROM nopk) q', /LATERAL \(line 1, column 51\)/],
    ['SELECT b, count(*) AS n FROM t GROUP BY ROLLUP (b)', /GROUP BY ROLLUP \(line 1, column 71\)/],
    ['SELECT b, count(*) AS n FROM t GROUP BY CUBE (b)', /GROUP BY CUBE \(line 1, column 71\)/],
    ['SELECT b, count(*) AS n FROM t GROUP BY GROUPING SETS ((b), ())', /GROUP BY GROUPING SETS \(line 1, column 71\)/],
    ['SELECT "Nope" FROM t', /column "Nope" does not exist \(line 1, column 38\)/],
  ];
  for (const [sel, re] of cases) {
    const code = /Nope/.test(sel) ? 'unknown_column' : 'unsupported';
    await rejects(sel, code, re);
  }
  await rejects('SELECT a FROM\n  nosuch', 'unknown_relation', /relation "nosuch" does not exist \(line 2, column 3\)/);
});

test('a view knows which columns of each source it reads (named, starred, or identifying rows)', async () => {
  const reads = async (select: string) => {
    const v = await compile(`CREATE MATERIALIZED VIEW v AS ${select}`, CAT, C_SETTINGS);
    return Object.fromEntries([...v.reads].map(([id, cols]) => [id, [...cols].sort((x, y) => x - y)]));
  };
  const t = T1.id;
  assert.deepEqual(await reads("SELECT a FROM t WHERE b = 'x'"), { [t]: [0, 1, 2] });
  assert.deepEqual(await reads('SELECT * FROM t'), { [t]: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
  assert.deepEqual(await reads('SELECT q.s FROM (SELECT a + g AS s, c FROM t) q'), { [t]: [0, 1, 3, 7] });
  assert.deepEqual(await reads('SELECT x.a FROM t x JOIN t y USING (id) WHERE y.f'), { [t]: [0, 1, 6] });
  assert.deepEqual(await reads('SELECT count(*) FROM nopk'), { [NOPK.id]: [0] }, 'a table without a key: every column identifies its rows');
  assert.deepEqual(await reads('SELECT id FROM t WHERE a IN (SELECT a FROM t WHERE h IS NULL)'), { [t]: [0, 1, 8] });
});
