// Expected strings were taken from PostgreSQL 15 output (to_jsonb(...)::text and ::text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal, T, decodeText, renderJson, renderText, resolveCast } from '../src/values/index.ts';
import { SqlRuntimeError } from '../src/errors.ts';

const f8 = (s: string): number => decodeText(s, T.float8) as number;
const f4 = (s: string): number => decodeText(s, T.float4) as number;
const dec = (s: string): Decimal => Decimal.parse(s);

function throwsSql(fn: () => unknown, sqlstate: string, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SqlRuntimeError && e.sqlstate === sqlstate && e.message === message);
}

test('float8 to_jsonb forms', () => {
  assert.equal(renderJson(1e20, T.float8), '100000000000000000000');
  assert.equal(renderJson(1e-7, T.float8), '0.0000001');
  assert.equal(renderJson(0.1 + 0.2, T.float8), '0.30000000000000004');
  assert.equal(renderJson(-0, T.float8), '0');
  assert.equal(renderJson(NaN, T.float8), '"NaN"');
  assert.equal(renderJson(Infinity, T.float8), '"Infinity"');
  assert.equal(renderJson(-Infinity, T.float8), '"-Infinity"');
  assert.equal(renderJson(1e15, T.float8), '1000000000000000');
  assert.equal(renderJson(1e16, T.float8), '10000000000000000');
  assert.equal(renderJson(1.5e-5, T.float8), '0.000015');
  assert.equal(renderJson(123.456, T.float8), '123.456');
  assert.equal(
    renderJson(1.7976931348623157e308, T.float8),
    '17976931348623157' + '0'.repeat(292),
  );
  assert.equal(renderJson(5e-324, T.float8), '0.' + '0'.repeat(323) + '5');
  // Ryu does not accept an interval bound: 17 digits where JS prints 16
  assert.equal(renderJson(-24210913892847952, T.float8), '-24210913892847952');
});

test('float8 text forms (float8out, extra_float_digits=1)', () => {
  assert.equal(renderText(1e20, T.float8), '1e+20');
  assert.equal(renderText(1e-7, T.float8), '1e-07');
  assert.equal(renderText(0.1 + 0.2, T.float8), '0.30000000000000004');
  assert.equal(renderText(-0, T.float8), '-0');
  assert.equal(renderText(1e15, T.float8), '1e+15');
  assert.equal(renderText(1e14, T.float8), '100000000000000');
  assert.equal(renderText(123456789012345678, T.float8), '1.2345678901234568e+17');
  assert.equal(renderText(1.5e-5, T.float8), '1.5e-05');
  assert.equal(renderText(0.0001, T.float8), '0.0001');
  assert.equal(renderText(1.7976931348623157e308, T.float8), '1.7976931348623157e+308');
  assert.equal(renderText(5e-324, T.float8), '5e-324');
  assert.equal(renderText(-24210913892847952, T.float8), '-2.4210913892847952e+16');
  assert.equal(renderText(1125899906842624.25, T.float8), '1.1258999068426242e+15');
  assert.equal(renderText(NaN, T.float8), 'NaN');
  assert.equal(renderText(-Infinity, T.float8), '-Infinity');
});

test('float4 shortest float32 forms', () => {
  assert.equal(renderJson(f4('0.1'), T.float4), '0.1');
  assert.equal(renderJson(f4('1e20'), T.float4), '100000000000000000000');
  assert.equal(renderJson(f4('3.4028235e38'), T.float4), '340282350000000000000000000000000000000');
  assert.equal(renderJson(f4('1.1'), T.float4), '1.1');
  assert.equal(renderText(f4('1.1'), T.float4), '1.1');
  assert.equal(renderText(f4('1e20'), T.float4), '1e+20');
  assert.equal(renderText(f4('1e-7'), T.float4), '1e-07');
  assert.equal(renderJson(f4('1e-7'), T.float4), '0.0000001');
  assert.equal(renderText(f4('1e6'), T.float4), '1e+06');
  assert.equal(renderText(f4('100000'), T.float4), '100000');
  assert.equal(renderText(f4('1234567'), T.float4), '1.234567e+06');
  assert.equal(renderText(f4('16777217'), T.float4), '1.6777216e+07');
  // exact tie between two 8-digit candidates: PostgreSQL rounds to even
  assert.equal(renderText(f4('-2881188.351332031'), T.float4), '-2.8811882e+06');
  assert.equal(renderJson(f4('297006.6236370592'), T.float4), '297006.62');
  assert.equal(renderJson(f4('-117388781.37165476'), T.float4), '-117388784');
});

test('float input', () => {
  assert.equal(f8(' 1.5 '), 1.5);
  assert.equal(f8('1.'), 1);
  assert.equal(f8('.5e1'), 5);
  assert.equal(f8('-INF'), -Infinity);
  assert.ok(Number.isNaN(f8('nan')));
  throwsSql(() => f8('abc'), '22P02', 'invalid input syntax for type double precision: "abc"');
  throwsSql(() => f8('1e400'), '22003', '"1e400" is out of range for type double precision');
  throwsSql(() => f8('1e-400'), '22003', '"1e-400" is out of range for type double precision');
  throwsSql(() => f4('1e40'), '22003', '"1e40" is out of range for type real');
});

test('numeric parse and text forms', () => {
  assert.equal(dec('1e3').toString(), '1000');
  assert.equal(dec('-0.00').toString(), '0.00');
  assert.equal(renderJson(dec('-0.00'), T.numeric), '0.00');
  assert.equal(renderJson(dec('1e3'), T.numeric), '1000');
  assert.equal(renderJson(dec('1.50'), T.numeric), '1.50');
  assert.equal(dec(' 12.5 ').toString(), '12.5');
  assert.equal(dec('.5').toString(), '0.5');
  assert.equal(dec('5.').toString(), '5');
  assert.equal(dec('1e-3').toString(), '0.001');
  assert.equal(dec('1.5E-2').toString(), '0.015');
  assert.equal(dec('  1.5e+2  ').toString(), '150');
  assert.equal(dec('NaN').toString(), 'NaN');
  assert.equal(renderJson(dec('NaN'), T.numeric), '"NaN"');
  assert.equal(dec('-Infinity').toString(), '-Infinity');
  assert.equal(dec('+inf').toString(), 'Infinity');
  assert.equal(renderJson(dec('Infinity'), T.numeric), '"Infinity"');
  throwsSql(() => dec('abc'), '22P02', 'invalid input syntax for type numeric: "abc"');
  throwsSql(() => dec(''), '22P02', 'invalid input syntax for type numeric: ""');
});

test('numeric arithmetic scales', () => {
  assert.equal(dec('1').div(dec('3')).toString(), '0.33333333333333333333');
  assert.equal(dec('10').div(dec('4')).toString(), '2.5000000000000000');
  assert.equal(dec('1.0').div(dec('3')).toString(), '0.33333333333333333333');
  assert.equal(dec('100000').div(dec('3')).toString(), '33333.333333333333');
  assert.equal(dec('0.0001').div(dec('3')).toString(), '0.000033333333333333333333');
  assert.equal(dec('1e-20').div(dec('3')).toString(), '0.0000000000000000000033333333333333333333');
  assert.equal(dec('123456789.123').div(dec('7.1')).toString(), '17388280.158169014085');
  assert.equal(dec('2').div(dec('1e-10')).toString(), '20000000000.0000000000');
  assert.equal(dec('1').div(dec('1e10')).toString(), '0.0000000001000000000000000000');
  assert.equal(dec('999999999999').div(dec('0.000001')).toString(), '999999999999000000.000000');
  assert.equal(dec('1.50').mul(dec('2.0')).toString(), '3.000');
  assert.equal(dec('1.50').add(dec('2.125')).toString(), '3.625');
  assert.equal(dec('7.5').mod(dec('2')).toString(), '1.5');
  assert.equal(dec('-7.5').mod(dec('2')).toString(), '-1.5');
  assert.equal(dec('10.50').mod(dec('3')).toString(), '1.50');
  assert.equal(dec('1').div(dec('Infinity')).toString(), '0');
  assert.equal(dec('Infinity').sub(dec('Infinity')).toString(), 'NaN');
  assert.equal(dec('Infinity').mul(dec('0')).toString(), 'NaN');
  assert.equal(dec('5').mod(dec('Infinity')).toString(), '5');
  assert.equal(dec('NaN').div(dec('0')).toString(), 'NaN');
  throwsSql(() => dec('1.0').div(dec('0')), '22012', 'division by zero');
  throwsSql(() => dec('Infinity').div(dec('0')), '22012', 'division by zero');
  throwsSql(() => dec('5.0').mod(dec('0.0')), '22012', 'division by zero');
});

test('numeric round / compare', () => {
  assert.equal(dec('2.5').round(0).toString(), '3');
  assert.equal(dec('-2.5').round(0).toString(), '-3');
  assert.equal(dec('2.567').round(2).toString(), '2.57');
  assert.equal(dec('1234.5').round(-2).toString(), '1200');
  assert.equal(dec('1.5').round(0).toString(), '2');
  assert.equal(dec('1.5').cmp(dec('1.50')), 0);
  assert.ok(dec('1.5').equals(dec('1.50')));
  assert.equal(dec('NaN').cmp(dec('Infinity')), 1);
  assert.equal(dec('NaN').cmp(dec('NaN')), 0);
  assert.equal(dec('-Infinity').cmp(dec('-1e100')), -1);
  assert.equal(Decimal.fromNumber(0.1).toString(), '0.1');
  assert.equal(Decimal.fromBigInt(-5n).toString(), '-5');
});

test('integer input and overflow messages', () => {
  assert.equal(decodeText(' 42 ', T.int4), 42);
  assert.equal(decodeText('+42', T.int4), 42);
  assert.ok(Object.is(decodeText('-0', T.int4), 0));
  assert.equal(decodeText('9223372036854775807', T.int8), 9223372036854775807n);
  throwsSql(() => decodeText('99999999999', T.int4), '22003', 'value "99999999999" is out of range for type integer');
  throwsSql(() => decodeText('abc', T.int4), '22P02', 'invalid input syntax for type integer: "abc"');
  throwsSql(() => decodeText('4 2', T.int4), '22P02', 'invalid input syntax for type integer: "4 2"');
  throwsSql(() => decodeText('1.5', T.int4), '22P02', 'invalid input syntax for type integer: "1.5"');
  throwsSql(() => decodeText('', T.int4), '22P02', 'invalid input syntax for type integer: ""');
  throwsSql(
    () => decodeText('9223372036854775808', T.int8),
    '22003',
    'value "9223372036854775808" is out of range for type bigint',
  );
});

test('numeric and float casts to int', () => {
  const n2i = resolveCast(T.numeric, T.int4);
  assert.equal(n2i(dec('2.5')), 3);
  assert.equal(n2i(dec('3.5')), 4);
  assert.equal(n2i(dec('-2.5')), -3);
  const f2i = resolveCast(T.float8, T.int4);
  assert.equal(f2i(2.5), 2);
  assert.equal(f2i(3.5), 4);
  assert.equal(f2i(-2.5), -2);
  assert.equal(f2i(0.5), 0);
  throwsSql(() => f2i(2147483647.5), '22003', 'integer out of range');
  throwsSql(() => f2i(2147483648), '22003', 'integer out of range');
  throwsSql(() => resolveCast(T.int4, T.int2)(32768), '22003', 'smallint out of range');
  const t2i = resolveCast(T.text, T.int4);
  assert.equal(t2i(' 42 '), 42);
  throwsSql(() => t2i('abc'), '22P02', 'invalid input syntax for type integer: "abc"');
});

test('casts between numeric types', () => {
  assert.equal(String(resolveCast(T.float8, T.numeric)(0.30000000000000004)), '0.3');
  assert.equal(String(resolveCast(T.float8, T.numeric)(123456789.123456789)), '123456789.123457');
  assert.equal(String(resolveCast(T.float4, T.numeric)(f4('1.1'))), '1.1');
  assert.equal(String(resolveCast(T.float4, T.numeric)(f4('3.4028235e38'))), '340282000000000000000000000000000000000');
  assert.equal(String(resolveCast(T.float8, T.numeric)(12345678901234567)), '12345678901234600');
  assert.equal(String(resolveCast(T.float8, T.numeric)(1e-7)), '0.0000001');
  assert.equal(renderText(resolveCast(T.float4, T.float8)(f4('0.1')) as number, T.float8), '0.10000000149011612');
  assert.equal(resolveCast(T.numeric, T.float8)(dec('1.5')), 1.5);
  const num52 = resolveCast(T.numeric, { ...T.numeric, typmod: ((5 << 16) | 2) + 4, display: 'numeric(5,2)' });
  assert.equal(String(num52(dec('12.345'))), '12.35');
  assert.equal(String(num52(dec('0.005'))), '0.01');
  assert.equal(String(num52(dec('NaN'))), 'NaN');
  throwsSql(() => num52(dec('999.995')), '22003', 'numeric field overflow');
  throwsSql(() => num52(dec('Infinity')), '22003', 'numeric field overflow');
});
