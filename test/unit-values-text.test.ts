// Expected strings were taken from PostgreSQL 15 output (UTC session, DateStyle=ISO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Decimal,
  Json,
  PgArray,
  PgDate,
  T,
  Timestamp,
  arrayOf,
  canonicalJson,
  decodeText,
  equalityKey,
  outputText,
  renderJson,
  renderRow,
  renderText,
  resolveCast,
  rowKey,
  type Datum,
  type Value,
} from '../src/values/index.ts';
import { SqlRuntimeError } from '../src/errors.ts';

function throwsSql(fn: () => unknown, sqlstate: string, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SqlRuntimeError && e.sqlstate === sqlstate && e.message === message);
}

function nn(v: Value): Datum {
  assert.notEqual(v, null);
  return v as Datum;
}
const tz = (s: string): Datum => nn(decodeText(s, T.timestamptz));
const ts = (s: string): Datum => nn(decodeText(s, T.timestamp));
const date = (s: string): Datum => nn(decodeText(s, T.date));

test('timestamptz text and to_jsonb', () => {
  const v = tz('2024-01-02 03:04:05.678901+00');
  assert.ok(v instanceof Timestamp);
  assert.equal(renderText(v, T.timestamptz), '2024-01-02 03:04:05.678901+00');
  assert.equal(renderJson(v, T.timestamptz), '"2024-01-02T03:04:05.678901+00:00"');
  assert.equal(renderJson(tz('2024-01-02 03:04:05.5+00'), T.timestamptz), '"2024-01-02T03:04:05.5+00:00"');
  assert.equal(renderJson(tz('2024-01-02 03:04:05+00'), T.timestamptz), '"2024-01-02T03:04:05+00:00"');
  assert.equal(renderText(tz('2024-01-02 03:04:05.5+00'), T.timestamptz), '2024-01-02 03:04:05.5+00');
  assert.equal(renderText(tz('2024-01-02 03:04:05+05:30'), T.timestamptz), '2024-01-01 21:34:05+00');
  assert.equal(renderText(tz('2024-01-02 03:04:05-08'), T.timestamptz), '2024-01-02 11:04:05+00');
  assert.equal(renderText(tz('2024-01-02 03:04:05+0530'), T.timestamptz), '2024-01-01 21:34:05+00');
  assert.equal(renderText(tz('2024-01-02 03:04:05.5-02:30'), T.timestamptz), '2024-01-02 05:34:05.5+00');
  assert.equal(renderText(tz('2024-01-02T03:04:05Z'), T.timestamptz), '2024-01-02 03:04:05+00');
  assert.equal(renderText(tz('epoch'), T.timestamptz), '1970-01-01 00:00:00+00');
  assert.equal(renderText(tz('1900-01-01 00:00:00+00'), T.timestamptz), '1900-01-01 00:00:00+00');
  assert.equal(renderText(tz('0044-03-15 12:00:00+00 BC'), T.timestamptz), '0044-03-15 12:00:00+00 BC');
  assert.equal(renderJson(tz('0044-03-15 12:00:00+00 BC'), T.timestamptz), '"0044-03-15T12:00:00+00:00 BC"');
  assert.equal(renderJson(tz('0001-01-01 00:00:00+00 BC'), T.timestamptz), '"0001-01-01T00:00:00+00:00 BC"');
  assert.equal(renderText(tz('infinity'), T.timestamptz), 'infinity');
  assert.equal(renderText(tz('-infinity'), T.timestamptz), '-infinity');
  assert.equal(renderJson(tz('infinity'), T.timestamptz), '"infinity"');
});

test('timestamp text and to_jsonb', () => {
  assert.equal(renderText(ts('2024-01-02 03:04:05.678901'), T.timestamp), '2024-01-02 03:04:05.678901');
  assert.equal(renderJson(ts('2024-01-02 03:04:05.678901'), T.timestamp), '"2024-01-02T03:04:05.678901"');
  assert.equal(renderJson(ts('2024-01-02 03:04:05.120'), T.timestamp), '"2024-01-02T03:04:05.12"');
  assert.equal(renderText(ts('2024-01-02 03:04:05.120'), T.timestamp), '2024-01-02 03:04:05.12');
  assert.equal(renderText(ts('0044-03-15 12:00:00 BC'), T.timestamp), '0044-03-15 12:00:00 BC');
  assert.equal(renderJson(ts('0044-03-15 12:00:00 BC'), T.timestamp), '"0044-03-15T12:00:00 BC"');
  assert.equal(renderJson(ts('-infinity'), T.timestamp), '"-infinity"');
  assert.equal(renderJson(ts('12345-01-01 10:00:00'), T.timestamp), '"12345-01-01T10:00:00"');
  assert.equal(renderText(ts('294276-12-31 23:59:59.999999'), T.timestamp), '294276-12-31 23:59:59.999999');
  assert.equal(renderText(ts('2024-01-02 03:04:05.1234567'), T.timestamp), '2024-01-02 03:04:05.123457');
  assert.equal(renderText(ts('2024-01-02 03:04:05.9999995'), T.timestamp), '2024-01-02 03:04:06');
  assert.equal(renderText(ts('2024-01-02T03:04:05Z'), T.timestamp), '2024-01-02 03:04:05');
  assert.equal(renderText(ts('2024-01-02 03:04'), T.timestamp), '2024-01-02 03:04:00');
  assert.equal(renderText(ts('2024-01-02'), T.timestamp), '2024-01-02 00:00:00');
  throwsSql(() => ts('294277-01-01'), '22008', 'timestamp out of range: "294277-01-01"');
  throwsSql(() => ts('garbage'), '22007', 'invalid input syntax for type timestamp: "garbage"');
});

test('date text and to_jsonb', () => {
  assert.ok(date('2024-02-29') instanceof PgDate);
  assert.equal(renderText(date('2024-02-29'), T.date), '2024-02-29');
  assert.equal(renderJson(date('2024-02-29'), T.date), '"2024-02-29"');
  assert.equal(renderText(date('0044-03-15 BC'), T.date), '0044-03-15 BC');
  assert.equal(renderJson(date('0044-03-15 BC'), T.date), '"0044-03-15 BC"');
  assert.equal(renderJson(date('12345-01-01'), T.date), '"12345-01-01"');
  assert.equal(renderText(date('4713-01-01 BC'), T.date), '4713-01-01 BC');
  assert.equal(renderText(date('5874897-12-31'), T.date), '5874897-12-31');
  assert.equal(renderJson(date('infinity'), T.date), '"infinity"');
  assert.equal(renderText(date(' 2024-01-02 '), T.date), '2024-01-02');
  assert.equal(renderText(date('20240102'), T.date), '2024-01-02');
  throwsSql(() => date('2024-02-30'), '22008', 'date/time field value out of range: "2024-02-30"');
  throwsSql(() => date('2024-13-01'), '22008', 'date/time field value out of range: "2024-13-01"');
  throwsSql(() => date('garbage'), '22007', 'invalid input syntax for type date: "garbage"');
});

test('date/timestamp casts (UTC session)', () => {
  const toDate = resolveCast(T.timestamptz, T.date);
  assert.equal(renderText(toDate(tz('2024-01-02 23:30:00+00') as Timestamp) as PgDate, T.date), '2024-01-02');
  assert.equal(renderText(toDate(tz('0044-03-15 12:00:00+00 BC') as Timestamp) as PgDate, T.date), '0044-03-15 BC');
  const d2tz = resolveCast(T.date, T.timestamptz);
  assert.equal(renderText(d2tz(date('2024-01-02') as PgDate) as Timestamp, T.timestamptz), '2024-01-02 00:00:00+00');
  const tz2ts = resolveCast(T.timestamptz, T.timestamp);
  assert.equal(renderText(tz2ts(tz('2024-01-02 03:04:05+00') as Timestamp) as Timestamp, T.timestamp), '2024-01-02 03:04:05');
});

test('arrays: decode, text output, to_jsonb', () => {
  const int4a = arrayOf(T.int4);
  const texta = arrayOf(T.text);
  const a = decodeText('{1,2,NULL}', int4a);
  assert.ok(a instanceof PgArray);
  assert.deepEqual((a as PgArray).elements, [1, 2, null]);
  assert.equal(renderText(a as PgArray, int4a), '{1,2,NULL}');
  assert.equal(renderJson(a, int4a), '[1, 2, null]');
  const nested = decodeText('{{1,2},{3,4}}', int4a);
  assert.equal(renderText(nested as PgArray, int4a), '{{1,2},{3,4}}');
  assert.equal(renderJson(nested, int4a), '[[1, 2], [3, 4]]');
  const strs = new PgArray(['a b', 'c"d', 'NULL', '', 'x,y', 'a\\b', '{', ' s']);
  assert.equal(renderText(strs, texta), '{"a b","c\\"d","NULL","","x,y","a\\\\b","{"," s"}');
  assert.deepEqual((decodeText(renderText(strs, texta), texta) as PgArray).elements, strs.elements);
  assert.equal(renderJson(new PgArray(['a', null]), texta), '["a", null]');
  assert.equal(renderText(decodeText('{}', int4a) as PgArray, int4a), '{}');
  assert.equal(renderJson(decodeText('{}', int4a), int4a), '[]');
  assert.equal(renderText(decodeText('{1, 2 ,NULL, "3"}', int4a) as PgArray, int4a), '{1,2,NULL,3}');
  assert.equal(renderText(decodeText('{"NULL", null}', texta) as PgArray, texta), '{"NULL",NULL}');
  assert.equal(renderJson(decodeText('[0:1]={1,2}', int4a), int4a), '[1, 2]');
  assert.equal(renderText(decodeText('{1.50,2}', arrayOf(T.numeric)) as PgArray, arrayOf(T.numeric)), '{1.50,2}');
  assert.equal(renderText(new PgArray([true, false]), arrayOf(T.bool)), '{t,f}');
  assert.equal(renderText(decodeText('{"2024-01-02 03:04:05+00"}', arrayOf(T.timestamptz)) as PgArray, arrayOf(T.timestamptz)), '{"2024-01-02 03:04:05+00"}');
  assert.equal(renderJson(decodeText('{"2024-01-02 03:04:05+00"}', arrayOf(T.timestamptz)), arrayOf(T.timestamptz)), '["2024-01-02T03:04:05+00:00"]');
  assert.equal(renderJson(new PgArray(['ab  ']), arrayOf(T.bpchar)), '["ab  "]');
  assert.equal(renderText(new PgArray(['ab  ']), arrayOf(T.bpchar)), '{"ab  "}');
  assert.equal(renderJson(new PgArray([1.5, 1e20]), arrayOf(T.float8)), '[1.5, 100000000000000000000]');
  assert.equal(renderText(new PgArray([1e20, NaN]), arrayOf(T.float8)), '{1e+20,NaN}');
  assert.equal(renderJson(new PgArray([NaN]), arrayOf(T.float8)), '["NaN"]');
  const jsonba = arrayOf(T.jsonb);
  assert.equal(renderText(new PgArray([new Json('{"a": 1}'), new Json('[1, 2]')]), jsonba), '{"{\\"a\\": 1}","[1, 2]"}');
  assert.equal(renderText(new PgArray([' x', 'y ', 'a"b', 'a\\b', '']), texta), '{" x","y ","a\\"b","a\\\\b",""}');
  assert.equal(renderText(new PgArray(['null', 'NULLX']), texta), '{"null",NULLX}');
  assert.equal(renderText(new PgArray(['a\tb']), texta), '{"a\tb"}');
  throwsSql(() => decodeText('x', int4a), '22P02', 'malformed array literal: "x"');
});

test('json canonicalisation (jsonb_out form)', () => {
  assert.equal(canonicalJson('{"b":1,"a":2,"aa":3,"a":4}'), '{"a": 4, "b": 1, "aa": 3}');
  assert.equal(
    canonicalJson('[1.0, 1e2, -0, 1E-2, 0.00, -0.0, 1.5e+3, 12345678901234567890]'),
    '[1.0, 100, 0, 0.01, 0.00, 0.0, 1500, 12345678901234567890]',
  );
  assert.equal(
    canonicalJson('{"a":{"c":[1,{"z":null,"y":true}],"b":"\\u00e9\\n\\t\\"x"}}'),
    '{"a": {"b": "é\\n\\t\\"x", "c": [1, {"y": true, "z": null}]}}',
  );
  assert.equal(canonicalJson('"\\u0041\\u00e9\\ud83d\\ude00\\u0001"'), '"Aé😀\\u0001"');
  assert.equal(canonicalJson('" \\/ "'), '" / "');
  assert.equal(canonicalJson('{}'), '{}');
  assert.equal(canonicalJson('[]'), '[]');
  assert.equal(canonicalJson('  null '), 'null');
  assert.equal(canonicalJson('1e1000'), '1' + '0'.repeat(1000));
  // keys: shorter UTF-8 length first ("é" is 2 bytes)
  assert.equal(canonicalJson('{"é":1,"b":2,"ab":3}'), '{"b": 2, "ab": 3, "é": 1}');
  assert.throws(() => canonicalJson('{"a":}'), SqlRuntimeError);
  assert.throws(() => canonicalJson('[1,]'), SqlRuntimeError);
  assert.throws(() => canonicalJson('01'), SqlRuntimeError);
  throwsSql(() => canonicalJson('"\\u0000"'), '22P05', 'unsupported Unicode escape sequence');
  const j = decodeText('{"b":1,"a":2,"a":4}', T.json);
  assert.equal(renderJson(j, T.json), '{"a": 4, "b": 1}');
  assert.equal(renderJson(decodeText('{"a": [1, 2]}', T.jsonb), T.jsonb), '{"a": [1, 2]}');
});

test('to_jsonb of text: PostgreSQL escaping', () => {
  assert.equal(renderJson('a\u0001b\u007f\u0080é\\/"', T.text), '"a\\u0001b\u007f\u0080é\\\\/\\""');
  assert.equal(renderJson('\b\f\n\r\t', T.text), '"\\b\\f\\n\\r\\t"');
  assert.equal(renderJson('ab   ', T.bpchar), '"ab   "');
  assert.equal(renderJson('ab', T.varchar), '"ab"');
  assert.equal(renderJson(null, T.text), 'null');
  assert.equal(renderJson('1 day', { name: 'other', oid: 1186, typmod: -1, display: 'interval' }), '"1 day"');
});

test('bool text forms', () => {
  for (const s of ['yes', 'on', ' TRUE ', '1', 't', 'y']) assert.equal(decodeText(s, T.bool), true, s);
  for (const s of ['of', 'n', 'f', 'false', '0', 'OFF']) assert.equal(decodeText(s, T.bool), false, s);
  throwsSql(() => decodeText('maybe', T.bool), '22P02', 'invalid input syntax for type boolean: "maybe"');
  throwsSql(() => decodeText('o', T.bool), '22P02', 'invalid input syntax for type boolean: "o"');
  assert.equal(renderText(true, T.bool), 'true');
  assert.equal(outputText(true, T.bool), 't');
  assert.equal(renderJson(true, T.bool), 'true');
});

test('uuid input', () => {
  for (const s of ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{a0eebc999c0b4ef8bb6d6bb9bd380a11}', 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11']) {
    assert.equal(decodeText(s, T.uuid), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  }
  throwsSql(() => decodeText('xyz', T.uuid), '22P02', 'invalid input syntax for type uuid: "xyz"');
});

test('text casts: bpchar, varchar, ::text', () => {
  const vc3 = { ...T.varchar, typmod: 7, display: 'character varying(3)' };
  const bp3 = { ...T.bpchar, typmod: 7, display: 'character(3)' };
  const bp5 = { ...T.bpchar, typmod: 9, display: 'character(5)' };
  assert.equal(resolveCast(T.unknown, vc3)('abcdef'), 'abc');
  assert.equal(resolveCast(T.text, vc3)('abcdef'), 'abc');
  assert.equal(resolveCast(T.unknown, bp3)('abcdef'), 'abc');
  assert.equal(resolveCast(T.unknown, bp5)('ab'), 'ab   ');
  assert.equal(resolveCast(bp5, T.text)('ab   '), 'ab');
  assert.equal(renderText('ab   ', bp5), 'ab');
  assert.equal(resolveCast(T.bool, T.text)(true), 'true');
  assert.equal(resolveCast(T.int4, T.bool)(5), true);
  assert.equal(resolveCast(T.bool, T.int4)(true), 1);
  assert.equal(resolveCast(T.numeric, T.text)(Decimal.parse('1.50')), '1.50');
});

test('renderRow, rowKey, equalityKey', () => {
  const cols = [
    { name: 'id', type: T.int8 },
    { name: 'amount', type: T.numeric },
    { name: 'na"me', type: T.text },
    { name: 'at', type: T.timestamptz },
  ];
  const row: Value[] = [1n, Decimal.parse('1.50'), 'x', tz('2024-01-02 03:04:05.5+00')];
  assert.equal(renderRow(row, cols), '{"id":1,"amount":1.50,"na\\"me":"x","at":"2024-01-02T03:04:05.5+00:00"}');
  assert.equal(renderRow([null, null, null, null], cols), '{"id":null,"amount":null,"na\\"me":null,"at":null}');
  assert.equal(rowKey([1n, 'a'], [T.int8, T.text]), '[1,"a"]');
  assert.equal(rowKey([Decimal.parse('1.50')], [T.numeric]), '[1.50]');
  assert.equal(equalityKey([Decimal.parse('1.50')], [T.numeric]), equalityKey([Decimal.parse('1.5')], [T.numeric]));
  assert.equal(equalityKey(['ab  '], [T.bpchar]), equalityKey(['ab'], [T.bpchar]));
});
