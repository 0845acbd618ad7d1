// Expected results were taken from PostgreSQL 15 (database with C.UTF-8 lc_ctype).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Decimal,
  Json,
  PgArray,
  T,
  arrayOf,
  commonType,
  compareDatums,
  decodeText,
  likeMatcher,
  parseTypeName,
  renderText,
  resolveBinary,
  resolveCast,
  resolveFunction,
  resolveUnary,
  setCaseMapping,
  typeFromOid,
  type BinaryOp,
  type Datum,
  type SqlType,
  type Value,
} from '../src/values/index.ts';
import { SqlError, SqlRuntimeError } from '../src/errors.ts';

function throwsSql(fn: () => unknown, sqlstate: string, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SqlRuntimeError && e.sqlstate === sqlstate && e.message === message);
}

/** Evaluates `a op b` like the compiler would: cast operands, then apply. */
function evalBin(op: BinaryOp, lt: SqlType, a: Datum, rt: SqlType, b: Datum): Value {
  const r = resolveBinary(op, lt, rt);
  const ca = r.left === lt ? a : resolveCast(lt, r.left)(a);
  const cb = r.right === rt ? b : resolveCast(rt, r.right)(b);
  assert.ok(ca !== null && cb !== null);
  return r.fn(ca, cb);
}

function call(name: string, types: SqlType[], args: Datum[]): Value {
  const f = resolveFunction(name, types);
  const cast = args.map((a, i) => {
    const from = types[i] as SqlType;
    const to = f.args[i] as SqlType;
    return from === to ? a : resolveCast(from, to)(a);
  });
  return f.fn(cast);
}

const dec = (s: string): Decimal => Decimal.parse(s);

test('result types follow PostgreSQL', () => {
  assert.equal(resolveBinary('+', T.int4, T.numeric).result.name, 'numeric');
  assert.equal(resolveBinary('+', T.int2, T.int2).result.name, 'int2');
  assert.equal(resolveBinary('+', T.int2, T.int8).result.name, 'int8');
  assert.equal(resolveBinary('+', T.numeric, T.float4).result.name, 'float8');
  assert.equal(resolveBinary('+', T.float4, T.int8).result.name, 'float8');
  assert.equal(resolveBinary('+', T.float4, T.int4).result.name, 'float8');
  assert.equal(resolveBinary('+', T.float4, T.float4).result.name, 'float4');
  assert.equal(resolveBinary('/', T.int4, T.int8).result.name, 'int8');
  assert.equal(resolveBinary('%', T.int8, T.int2).result.name, 'int8');
  assert.equal(resolveBinary('*', T.int2, T.numeric).result.name, 'numeric');
  assert.equal(resolveBinary('+', T.date, T.int4).result.name, 'date');
  assert.equal(resolveBinary('-', T.date, T.date).result.name, 'int4');
  assert.equal(resolveBinary('||', T.varchar, T.varchar).result.name, 'text');
  assert.equal(resolveBinary('||', T.int4, T.unknown).result.name, 'text');
  assert.equal(resolveBinary('=', T.int4, T.unknown).right.name, 'int4');
  assert.throws(() => resolveBinary('%', T.float8, T.float8), SqlError);
  assert.throws(() => resolveBinary('||', T.int4, T.int4), SqlError);
  assert.throws(() => resolveBinary('+', T.date, T.int8), SqlError);
});

test('integer arithmetic and overflow', () => {
  assert.equal(evalBin('/', T.int4, -7, T.int4, 2), -3);
  assert.equal(evalBin('%', T.int4, -7, T.int4, 2), -1);
  assert.equal(evalBin('%', T.int4, 5, T.int4, -3), 2);
  assert.equal(evalBin('%', T.int4, -5, T.int4, 3), -2);
  assert.equal(evalBin('/', T.int8, 7n, T.int2, 2), 3n);
  assert.equal(evalBin('%', T.int4, -2147483648, T.int4, -1), 0);
  throwsSql(() => evalBin('+', T.int4, 2147483647, T.int4, 1), '22003', 'integer out of range');
  throwsSql(() => evalBin('*', T.int4, 2147483647, T.int4, 2), '22003', 'integer out of range');
  throwsSql(() => evalBin('/', T.int4, -2147483648, T.int4, -1), '22003', 'integer out of range');
  throwsSql(() => evalBin('-', T.int2, -32768, T.int2, 1), '22003', 'smallint out of range');
  throwsSql(() => evalBin('+', T.int8, 9223372036854775807n, T.int8, 1n), '22003', 'bigint out of range');
  throwsSql(() => evalBin('/', T.int4, 1, T.int4, 0), '22012', 'division by zero');
  throwsSql(() => evalBin('%', T.int4, 5, T.int4, 0), '22012', 'division by zero');
  throwsSql(() => evalBin('/', T.float8, 1, T.float8, 0), '22012', 'division by zero');
  throwsSql(() => evalBin('*', T.float8, 1e308, T.float8, 10), '22003', 'value out of range: overflow');
  throwsSql(() => resolveUnary('-', T.int2).fn(-32768), '22003', 'smallint out of range');
  throwsSql(() => call('abs', [T.int4], [-2147483648]), '22003', 'integer out of range');
});

test('mixed numeric arithmetic and comparison', () => {
  assert.equal(String(evalBin('+', T.int4, 1, T.numeric, dec('1.5'))), '2.5');
  assert.equal(String(evalBin('%', T.numeric, dec('7.5'), T.int4, 2)), '1.5');
  assert.equal(evalBin('=', T.int4, 1, T.numeric, dec('1.0')), true);
  assert.equal(evalBin('<', T.int8, 1n, T.numeric, dec('2.5')), true);
  assert.equal(evalBin('=', T.float8, 1.5, T.numeric, dec('1.5')), true);
  assert.equal(evalBin('=', T.float8, NaN, T.float8, NaN), true);
  assert.equal(evalBin('>', T.float8, NaN, T.float8, Infinity), true);
  assert.equal(evalBin('=', T.float8, -0, T.float8, 0), true);
  assert.equal(evalBin('>', T.numeric, dec('NaN'), T.numeric, dec('Infinity')), true);
});

test('date arithmetic', () => {
  const d = (s: string): Datum => decodeText(s, T.date) as Datum;
  assert.equal(renderText(evalBin('-', T.date, d('2024-03-01'), T.int4, 1) as Datum, T.date), '2024-02-29');
  assert.equal(evalBin('-', T.date, d('2024-03-01'), T.date, d('2024-02-01')), 29);
  assert.equal(renderText(evalBin('+', T.int4, 1, T.date, d('2024-03-01')) as Datum, T.date), '2024-03-02');
  assert.equal(renderText(evalBin('+', T.date, d('infinity'), T.int4, 1) as Datum, T.date), 'infinity');
  throwsSql(() => evalBin('-', T.date, d('infinity'), T.date, d('2024-01-01')), '22008', 'cannot subtract infinite dates');
  assert.equal(evalBin('<', T.date, d('2024-01-01'), T.timestamp, decodeText('2024-01-01 00:00:01', T.timestamp) as Datum), true);
});

test('concatenation', () => {
  assert.equal(evalBin('||', T.text, 'a', T.int4, 1), 'a1');
  assert.equal(evalBin('||', T.int4, 1, T.text, 'a'), '1a');
  assert.equal(evalBin('||', T.text, 'x', T.numeric, dec('1.50')), 'x1.50');
  assert.equal(evalBin('||', T.text, 'x', T.bool, true), 'xtrue');
  assert.equal(evalBin('||', T.text, 'x', T.date, decodeText('2024-01-01', T.date) as Datum), 'x2024-01-01');
  assert.equal(evalBin('||', T.text, 'x', T.float8, 2.5), 'x2.5');
  assert.equal(evalBin('||', { ...T.bpchar, typmod: 7 }, 'ab ', T.unknown, '|'), 'ab|');
});

test('string comparison: code points, bpchar padding', () => {
  assert.equal(evalBin('<', T.text, 'B', T.text, 'a'), true);
  assert.equal(evalBin('>', T.text, 'é', T.text, 'z'), true);
  assert.equal(evalBin('<', T.text, '\uffff', T.text, '😀'), true);
  assert.equal(evalBin('=', T.bpchar, 'ab ', T.unknown, 'ab'), true);
  assert.equal(evalBin('<', T.bpchar, 'ab   ', T.unknown, 'ab!'), true);
  assert.equal(evalBin('=', T.bpchar, 'ab ', T.bpchar, 'ab   '), true);
  assert.equal(evalBin('=', T.varchar, 'ab ', T.text, 'ab'), false);
});

test('array and jsonb ordering', () => {
  const ia = arrayOf(T.int4);
  assert.ok(compareDatums(new PgArray([1, null]), new PgArray([1, 2]), ia) > 0);
  assert.ok(compareDatums(new PgArray([1, 2]), new PgArray([1, 2, 0]), ia) < 0);
  assert.ok(compareDatums(new PgArray([2]), new PgArray([1, 5]), ia) > 0);
  const j = (s: string): Json => decodeText(s, T.jsonb) as Json;
  const lt = (a: string, b: string): boolean => compareDatums(j(a), j(b), T.jsonb) < 0;
  assert.equal(lt('[]', 'null'), true);
  assert.equal(lt('null', '[]'), false);
  assert.equal(lt('[1]', '1'), false);
  assert.equal(lt('1', '[1]'), true);
  assert.equal(lt('[1,2,3]', '{"a":1}'), true);
  assert.equal(lt('"a"', '1'), true);
  assert.equal(lt('1', 'true'), true);
  assert.equal(lt('[3]', '[1,2]'), true);
  assert.equal(lt('{"a":2}', '{"b":1}'), true);
  assert.equal(lt('{"b":1}', '{"aa":1}'), false);
  assert.equal(lt('10', '2'), false);
  assert.equal(lt('[1]', '2'), false);
  assert.equal(compareDatums(j('{"a":1.0}'), j('{"a":1}'), T.jsonb), 0);
});

test('string functions', () => {
  assert.equal(call('substring', [T.text, T.int4, T.int4], ['hello', 0, 3]), 'he');
  assert.equal(call('substring', [T.text, T.int4, T.int4], ['hello', -1, 3]), 'h');
  assert.equal(call('substring', [T.text, T.int4], ['hello', 2]), 'ello');
  assert.equal(call('substring', [T.text, T.int4, T.int4], ['hello', 4, 100]), 'lo');
  assert.equal(call('substr', [T.text, T.int4, T.int4], ['hello', -5, 7]), 'h');
  assert.equal(call('substring', [T.text, T.int4], ['hello', 10]), '');
  assert.equal(call('substring', [T.text, T.int4, T.int4], ['😀abc', 2, 2]), 'ab');
  throwsSql(() => call('substring', [T.text, T.int4, T.int4], ['hello', 2, -1]), '22011', 'negative substring length not allowed');
  assert.equal(call('btrim', [T.text, T.text], ['xxhixyx', 'xy']), 'hi');
  assert.equal(call('ltrim', [T.text], ['  hi  ']), 'hi  ');
  assert.equal(call('rtrim', [T.text], ['  hi  ']), '  hi');
  assert.equal(call('btrim', [T.text], ['  hi  ']), 'hi');
  assert.equal(call('ltrim', [T.text, T.text], ['abcba', 'ab']), 'cba');
  assert.equal(call('rtrim', [T.text, T.text], ['abcba', 'ab']), 'abc');
  assert.equal(call('btrim', [T.text, T.text], ['aaa', 'a']), '');
  assert.equal(call('length', [T.text], ['héllo😀']), 6);
  assert.equal(call('char_length', [T.text], ['日本']), 2);
  assert.equal(call('octet_length', [T.text], ['日本']), 6);
  assert.equal(call('length', [{ ...T.bpchar, typmod: 9 }], ['ab   ']), 2);
  assert.equal(call('length', [{ ...T.varchar, typmod: 9 }], ['ab ']), 3);
  assert.equal(call('upper', [T.text], ['héllo']), 'HÉLLO');
  assert.equal(call('lower', [T.text], ['ÉCOLE']), 'école');
  assert.equal(call('upper', [T.text], ['ß']), 'ß');
  assert.equal(call('lower', [T.text], ['İ']), 'i');
  assert.equal(call('upper', [T.text], ['ᾀ']), 'ᾈ');
  assert.equal(call('upper', [T.text], ['ǅ']), 'Ǆ');
  assert.equal(call('lower', [T.text], ['ΟΔΟΣ']), 'οδοσ');
  assert.equal(call('upper', [{ ...T.bpchar, typmod: 8 }], ['ab  ']), 'AB');
  assert.equal(call('replace', [T.text, T.text, T.text], ['abcabc', 'bc', 'X']), 'aXaX');
  assert.equal(call('strpos', [T.text, T.text], ['hello', 'l']), 3);
  assert.equal(call('left', [T.text, T.int4], ['hello', -2]), 'hel');
  assert.equal(call('right', [T.text, T.int4], ['hello', -2]), 'llo');
  assert.equal(call('reverse', [T.text], ['héllo']), 'olléh');
  assert.equal(call('repeat', [T.text, T.int4], ['ab', -1]), '');
  setCaseMapping('ascii');
  try {
    assert.equal(call('upper', [T.text], ['héllo']), 'HéLLO');
  } finally {
    setCaseMapping('unicode');
  }
});

test('numeric functions', () => {
  assert.equal(String(call('abs', [T.numeric], [dec('-1.50')])), '1.50');
  assert.equal(call('abs', [T.int2], [-2]), 2);
  assert.equal(String(call('round', [T.numeric], [dec('2.5')])), '3');
  assert.equal(String(call('round', [T.numeric], [dec('-2.5')])), '-3');
  assert.equal(String(call('round', [T.numeric, T.int4], [dec('2.567'), 2])), '2.57');
  assert.equal(String(call('round', [T.numeric, T.int4], [dec('1234.5'), -2])), '1200');
  assert.equal(call('round', [T.float8], [2.5]), 2);
  assert.equal(call('round', [T.float8], [3.5]), 4);
  assert.ok(Object.is(call('round', [T.float8], [-0.5]), -0));
  assert.equal(resolveFunction('round', [T.int4]).result.name, 'float8');
  assert.equal(String(call('ceil', [T.numeric], [dec('1.5')])), '2');
  assert.equal(String(call('ceil', [T.numeric], [dec('-1.5')])), '-1');
  assert.equal(String(call('floor', [T.numeric], [dec('-1.5')])), '-2');
  assert.equal(String(call('trunc', [T.numeric, T.int4], [dec('-1.57'), 1])), '-1.5');
  assert.equal(String(call('ceil', [T.numeric], [dec('1.50')])), '2');
  assert.equal(String(call('mod', [T.numeric, T.int4], [dec('7.5'), 2])), '1.5');
  assert.throws(() => resolveFunction('no_such_fn', [T.int4]), SqlError);
  assert.throws(() => resolveFunction('lower', [T.int4]), SqlError);
});

test('LIKE / ILIKE', () => {
  const like = (s: string, p: string): boolean => likeMatcher(p, false)(s);
  assert.equal(like('abc', 'a_c'), true);
  assert.equal(like('abc', 'a%'), true);
  assert.equal(like('a%c', 'a\\%c'), true);
  assert.equal(like('abc', 'a\\%c'), false);
  assert.equal(like('a_c', 'a\\_c'), true);
  assert.equal(like('abc', 'a\\_c'), false);
  assert.equal(like('a\\c', 'a\\\\c'), true);
  assert.equal(like('', '%'), true);
  assert.equal(like('x', ''), false);
  assert.equal(like('anc', '%\\n%'), true);
  assert.equal(like('ab', 'a\\b'), true);
  assert.equal(like('a😀b', 'a_b'), true);
  assert.equal(like('abc', '%b%'), true);
  assert.equal(like('xabc', '%abc'), true);
  assert.equal(like('abc', '_b_'), true);
  assert.equal(like('ab', 'ab\\'), false);
  throwsSql(() => like('ab\\', 'ab\\'), '22025', 'LIKE pattern must not end with escape character');
  throwsSql(() => like('abc', 'ab%\\'), '22025', 'LIKE pattern must not end with escape character');
  assert.equal(likeMatcher('a%', true)('ABC'), true);
  assert.equal(likeMatcher('é%', true)('ÉCOLE'), true);
});

test('type catalog', () => {
  assert.equal(parseTypeName('int').name, 'int4');
  assert.equal(parseTypeName('Double Precision').name, 'float8');
  const n = parseTypeName('numeric(10,2)');
  assert.equal(n.name, 'numeric');
  assert.equal(n.display, 'numeric(10,2)');
  assert.equal(parseTypeName('varchar(20)').display, 'character varying(20)');
  assert.equal(parseTypeName('char(3)').display, 'character(3)');
  assert.equal(parseTypeName('timestamp with time zone').name, 'timestamptz');
  assert.equal(parseTypeName('timestamp(3) without time zone').display, 'timestamp(3) without time zone');
  const ia = parseTypeName('int[]');
  assert.equal(ia.name, 'array');
  assert.equal(ia.elem?.name, 'int4');
  assert.equal(ia.oid, 1007);
  assert.equal(parseTypeName('text[]').display, 'text[]');
  assert.equal(parseTypeName('interval').name, 'interval');
  assert.throws(() => parseTypeName('frobnicate'), SqlError);
  assert.equal(typeFromOid(1007, -1).elem?.name, 'int4');
  assert.equal(typeFromOid(1700, ((10 << 16) | 2) + 4).display, 'numeric(10,2)');
  assert.equal(typeFromOid(1186, -1).name, 'interval');
  assert.equal(typeFromOid(1043, 24).display, 'character varying(20)');
});

test('commonType (select_common_type)', () => {
  assert.equal(commonType([T.varchar, T.text], 'COALESCE').name, 'text');
  assert.equal(commonType([T.text, T.varchar], 'COALESCE').name, 'text');
  assert.equal(commonType([T.varchar, T.bpchar], 'COALESCE').name, 'varchar');
  assert.equal(commonType([T.bpchar, T.varchar], 'COALESCE').name, 'bpchar');
  assert.equal(commonType([T.numeric, T.float4], 'COALESCE').name, 'float4');
  assert.equal(commonType([T.int4, T.int8, T.unknown], 'CASE').name, 'int8');
  assert.equal(commonType([T.date, T.timestamptz], 'COALESCE').name, 'timestamptz');
  assert.equal(commonType([T.unknown, T.unknown], 'UNION').name, 'text');
  assert.throws(() => commonType([T.int4, T.text], 'CASE'), SqlError);
});
