import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCreateView, type ParsedView } from '../src/views/parse.ts';
import { figureColname, castTypeName } from '../src/views/column-names.ts';
import { peelCreateView, prepareForParser, splitStatements } from '../src/views/sql-text.ts';
import { SqlError } from '../src/errors.ts';
import type { Expr, SelectStmt } from '../src/views/syntax.ts';

/** The SELECT of a view that is not a set operation. */
function select(p: ParsedView): SelectStmt {
  assert.equal(p.query.kind, 'select');
  return (p.query as Extract<ParsedView['query'], { kind: 'select' }>).select;
}

function rejects(sql: string, code: string, message?: RegExp): void {
  assert.throws(
    () => parseCreateView(sql),
    (e: unknown) => {
      assert.ok(e instanceof SqlError, `expected SqlError, got ${String(e)}`);
      assert.equal(e.code, code, `${sql}: ${e.message}`);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

function names(sql: string): string[] {
  const p = parseCreateView(`CREATE MATERIALIZED VIEW v AS ${sql}`);
  return select(p).items.map((i) => (i.kind === 'star' ? '*' : (i.alias ?? figureColname(i.expr))));
}

test('statement head: names fold unless quoted, trailing semicolon, column list', () => {
  const a = parseCreateView('create materialized view MyView as select a from t;');
  assert.equal(a.name, 'myview');
  assert.equal(a.selectText, 'select a from t');
  const b = parseCreateView('CREATE MATERIALIZED VIEW "MyView" AS SELECT a FROM t ;  ');
  assert.equal(b.name, 'MyView');
  assert.equal(b.selectText, 'SELECT a FROM t');
  const c = parseCreateView('CREATE\n  MATERIALIZED -- comment\n VIEW v (x, "Y") AS\nSELECT a, b FROM t');
  assert.deepEqual(c.columnNames, ['x', 'Y']);
  assert.equal(c.selectText, 'SELECT a, b FROM t');
});

test('statement head errors', () => {
  rejects('CREATE VIEW v AS SELECT a FROM t', 'parse_error', /line 1, column 8/);
  rejects('SELECT a FROM t', 'parse_error');
  rejects('CREATE MATERIALIZED VIEW IF NOT EXISTS v AS SELECT a FROM t', 'unsupported', /IF NOT EXISTS/);
  rejects('CREATE MATERIALIZED VIEW v SELECT a FROM t', 'parse_error');
  rejects('CREATE MATERIALIZED VIEW v AS', 'parse_error');
  rejects('CREATE MATERIALIZED VIEW s.v AS SELECT 1 FROM t', 'unsupported');
});

test('parse errors carry line and column of the original statement', () => {
  rejects('CREATE MATERIALIZED VIEW v AS\nSELECT a FROM t WHERE a = = 1', 'parse_error', /line 2, column 2[67]/);
  rejects('CREATE MATERIALIZED VIEW v AS SELECT a FROM t WHERE', 'parse_error', /end of input/);
  rejects('CREATE MATERIALIZED VIEW v AS SELECT substring(a FROM 1 FOR) FROM t', 'parse_error', /"\)"/);
});

test('unsupported constructs are named', () => {
  const cases: [string, RegExp][] = [
    ['SELECT a FROM t NATURAL JOIN u', /NATURAL JOIN/],
    ['SELECT a FROM t JOIN (u JOIN w ON u.a = w.a) ON t.a = u.a', /parenthesized JOIN/],
    ['SELECT a FROM t GROUP BY ROLLUP (a)', /ROLLUP/],
    ['SELECT json_agg(a) FROM t', /aggregate function json_agg/],
    ['SELECT stddev(a) FROM t', /aggregate function stddev/],
    ['SELECT sum(a) OVER (PARTITION BY b) FROM t', /window function/],
    ['SELECT a FROM t LIMIT $1', /parameters|LIMIT/],
    ['WITH RECURSIVE q AS (SELECT a FROM t) SELECT * FROM q', /WITH RECURSIVE/],
    ['SELECT 1', /FROM/],
    ['SELECT a FROM t WHERE a + 1 IS DISTINCT FROM b', /IS \[NOT\] DISTINCT FROM next to another operator/],
    ['SELECT a FROM t WHERE a = b IS NOT DISTINCT FROM c', /IS \[NOT\] DISTINCT FROM next to another operator/],
    ["SELECT a FROM t WHERE d ?& '{x}'", /\?\| and \?&/],
  ];
  for (const [sel, re] of cases) rejects(`CREATE MATERIALIZED VIEW v AS ${sel}`, 'unsupported', re);
});

test('ORDER BY and LIMIT/OFFSET are kept; LIMIT ALL is no limit', () => {
  assert.deepEqual(select(parseCreateView('CREATE MATERIALIZED VIEW v AS SELECT a FROM t ORDER BY a DESC LIMIT 5 OFFSET 2')).limit, { count: 5, offset: 2 });
  assert.deepEqual(select(parseCreateView('CREATE MATERIALIZED VIEW v AS SELECT a FROM t OFFSET 3')).limit, { count: null, offset: 3 });
  assert.equal(select(parseCreateView('CREATE MATERIALIZED VIEW v AS SELECT a FROM t ORDER BY a LIMIT ALL')).limit, null);
  const p = parseCreateView('CREATE MATERIALIZED VIEW v AS SELECT a FROM t ORDER BY a DESC LIMIT ALL');
  assert.equal(select(p).items.length, 1);
});

test('identifiers: unquoted fold, quoted keep case; table aliases and schemas', () => {
  const p = parseCreateView('CREATE MATERIALIZED VIEW v AS SELECT O.Price, "Mixed", o.* FROM Public.Orders O WHERE "X" = 1');
  assert.deepEqual(select(p).from, { schema: 'public', name: 'orders', alias: 'o' });
  const [a, b, c] = select(p).items;
  assert.deepEqual(a, { kind: 'expr', expr: { kind: 'column', schema: null, table: 'o', name: 'price' }, alias: null });
  assert.deepEqual(b, { kind: 'expr', expr: { kind: 'column', schema: null, table: null, name: 'Mixed' }, alias: null });
  assert.deepEqual(c, { kind: 'star', table: 'o' });
  const w = select(p).where as Expr;
  assert.equal(w.kind, 'compare');
});

test('literals keep their exact text and type', () => {
  const p = parseCreateView(
    "CREATE MATERIALIZED VIEW v AS SELECT 1, 2147483648, 99999999999999999999, 1.50, -1.50, 1e3, 'it''s', E'a\\nb', TRUE, NULL FROM t",
  );
  const lits = select(p).items.map((i) => (i.kind === 'expr' && i.expr.kind === 'literal' ? i.expr.literal : null));
  assert.deepEqual(lits, [
    { kind: 'integer', text: '1' },
    { kind: 'integer', text: '2147483648' },
    { kind: 'integer', text: '99999999999999999999' },
    { kind: 'decimal', text: '1.50' },
    { kind: 'decimal', text: '-1.50' },
    { kind: 'decimal', text: '1e3' },
    { kind: 'string', value: "it's" },
    { kind: 'string', value: 'a\nb' },
    { kind: 'bool', value: true },
    { kind: 'null' },
  ]);
});

test('substring FROM/FOR and trim forms', () => {
  const p = parseCreateView(
    "CREATE MATERIALIZED VIEW v AS SELECT substring(b FROM 2 FOR 3), SUBSTRING(b from 2), substring(b for 2), trim(both 'x' from b), trim(leading from b), trim(b) FROM t",
  );
  const e = select(p).items.map((i) => (i.kind === 'expr' ? i.expr : null));
  const col = { kind: 'column', schema: null, table: null, name: 'b' };
  const int = (t: string) => ({ kind: 'literal', literal: { kind: 'integer', text: t } });
  assert.deepEqual(e[0], { kind: 'func', schema: null, name: 'substring', args: [col, int('2'), int('3')] });
  assert.deepEqual(e[1], { kind: 'func', schema: null, name: 'substring', args: [col, int('2')] });
  assert.deepEqual(e[2], { kind: 'func', schema: null, name: 'substring', args: [col, int('1'), int('2')] });
  assert.deepEqual(e[3], { kind: 'trim', side: 'both', chars: { kind: 'literal', literal: { kind: 'string', value: 'x' } }, source: col });
  assert.deepEqual(e[4], { kind: 'trim', side: 'leading', chars: null, source: col });
  assert.deepEqual(e[5], { kind: 'trim', side: 'both', chars: null, source: col });
});

test('column names follow PostgreSQL FigureColname (checked against PostgreSQL 15)', () => {
  assert.deepEqual(
    names(
      "SELECT true, null, 1, 'x', 'x'::text, 1::int, 1::integer, a::text, (a+1)::int, 1::numeric(10,2), 'x'::varchar(5), 1::double precision, 1::float, 1::real, 'x'::char(3), '2024-01-01'::timestamp with time zone, '1'::bigint, '1'::decimal, 't'::bool, 't'::boolean, '1'::int8, 'x'::character varying FROM t",
    ),
    ['?column?', '?column?', '?column?', '?column?', 'text', 'int4', 'int4', 'a', 'int4', 'numeric', 'varchar', 'float8', 'float8', 'float4', 'bpchar', 'timestamptz', 'int8', 'numeric', 'bool', 'bool', 'int8', 'varchar'],
  );
  assert.deepEqual(
    names(
      "SELECT trim(b), trim(both 'x' from b), trim(leading from b), trim(trailing 'o' from b), substring(b from 2 for 3), substring(b, 2), substr(b, 2), lower(b), coalesce(a, 1), nullif(a, 1), case when a > 1 then 1 end, case a when 1 then 'x' end, a IS NULL, a IN (1,2), a BETWEEN 1 AND 2, b LIKE 'x', not f, a + 1, -a, b || 'x' FROM t",
    ),
    ['btrim', 'btrim', 'ltrim', 'rtrim', 'substring', 'substring', 'substr', 'lower', 'coalesce', 'nullif', 'case', 'case', '?column?', '?column?', '?column?', '?column?', '?column?', '?column?', '?column?', '?column?'],
  );
  assert.deepEqual(names('SELECT a AS "X", b Y, t.*, "a", CAST(a AS text), CAST(1 AS text), (CASE WHEN a THEN 1 END)::text, a::int::text, 1::int::text FROM t'), [
    'X', 'y', '*', 'a', 'a', 'text', 'text', 'a', 'text',
  ]);
});

test('castTypeName maps SQL keyword types to internal names', () => {
  assert.equal(castTypeName('timestamp(3) with time zone'), 'timestamptz');
  assert.equal(castTypeName('timestamp without time zone'), 'timestamp');
  assert.equal(castTypeName('int[]'), 'int4');
  assert.equal(castTypeName('float(10)'), 'float4');
  assert.equal(castTypeName('jsonb'), 'jsonb');
});

test('prepareForParser keeps strings and quoted identifiers, maps offsets back', () => {
  const sel = `SELECT "AbC", 'XyZ', Foo, substring(x FROM 1 FOR 2) FROM T`;
  const p = prepareForParser(sel);
  assert.equal(p.text, `select "AbC", 'XyZ', foo, substring(x , 1 , 2) from t`);
  const at = p.text.indexOf(' from t');
  assert.equal(p.toOriginal(at), sel.indexOf(' FROM T'));
  assert.deepEqual(peelCreateView('create materialized view v as select 1 from t;').selectText, 'select 1 from t');
});

test('cast target types are taken from the original text', () => {
  const p = parseCreateView(
    'CREATE MATERIALIZED VIEW v AS SELECT a::character(3), CAST(a AS double precision), a::INT8, a::"MyType", a::timestamp(3) with time zone, a::varchar(3)[], a::pg_catalog.int4, CAST(CAST(a AS numeric (10, 2)) AS text) FROM t',
  );
  const types: string[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === 'cast') {
      walk(e.arg);
      types.push(e.type.text);
    }
  };
  for (const i of select(p).items) if (i.kind === 'expr') walk(i.expr);
  assert.deepEqual(types, [
    'character(3)', 'double precision', 'int8', 'MyType', 'timestamp(3) with time zone', 'varchar(3)[]', 'int4', 'numeric(10,2)', 'text',
  ]);
});

test('splitStatements splits a script at semicolons outside strings, quoted names and comments', () => {
  const script = "CREATE MATERIALIZED VIEW a AS SELECT ';' AS s FROM t;\n-- a comment; still a comment\nCREATE MATERIALIZED VIEW \"b;c\" AS SELECT $$;$$ AS d /* ; */ FROM t ;  ;\n\n";
  const st = splitStatements(script);
  assert.deepEqual(
    st.map((s) => s.text),
    ["CREATE MATERIALIZED VIEW a AS SELECT ';' AS s FROM t", '-- a comment; still a comment\nCREATE MATERIALIZED VIEW "b;c" AS SELECT $$;$$ AS d /* ; */ FROM t'],
  );
  assert.equal(script.slice(st[1]!.offset, st[1]!.offset + 4), '-- a');
  assert.deepEqual(splitStatements(' ; -- nothing\n'), []);
});
