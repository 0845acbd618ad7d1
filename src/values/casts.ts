/**
 * PostgreSQL cast semantics (explicit casts, `x::t` / CAST(x AS t)).
 */
import { SqlError, SqlRuntimeError } from '../errors.ts';
import { decodeText, renderText } from './codec.ts';
import { dateToTimestamp, roundTimestamp, timestampToDate } from './datetime.ts';
import { Decimal } from './decimal.ts';
import { floatToDecimalText } from './float-format.ts';
import { applyIntervalTypmod, parseInterval } from './interval.ts';
import { utf8Length } from './json.ts';
import { numericTypmod, sameBaseType } from './sql-types.ts';
import { Json, PgArray, PgDate, PgInterval, Timestamp, type Datum, type SqlType, type Value } from './types.ts';

/** A cast function: non-null datum in, value out. */
export type CastFn = (v: Datum) => Value;

const identity: CastFn = (v) => v;

/** Range error of an integer type, PostgreSQL wording. */
export function intOutOfRange(name: 'int2' | 'int4' | 'int8'): SqlRuntimeError {
  const label = name === 'int2' ? 'smallint' : name === 'int4' ? 'integer' : 'bigint';
  return new SqlRuntimeError('22003', `${label} out of range`);
}

/** Checks a JS integer against int2/int4 range; returns it (never -0). */
export function checkInt(n: number, name: 'int2' | 'int4'): number {
  const max = name === 'int2' ? 32767 : 2147483647;
  if (n > max || n < -max - 1 || Number.isNaN(n)) throw intOutOfRange(name);
  return n === 0 ? 0 : n;
}

const INT8_MAX = 9223372036854775807n;
const INT8_MIN = -9223372036854775808n;

/** Checks a bigint against int8 range. */
export function checkInt8(b: bigint): bigint {
  if (b > INT8_MAX || b < INT8_MIN) throw intOutOfRange('int8');
  return b;
}

/** C rint(): round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** float8→float4 with PostgreSQL's overflow/underflow checks. */
export function toFloat4(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) && Number.isFinite(x)) throw new SqlRuntimeError('22003', 'value out of range: overflow');
  if (f === 0 && x !== 0) throw new SqlRuntimeError('22003', 'value out of range: underflow');
  return f;
}

function floatToInt(x: number, name: 'int2' | 'int4' | 'int8'): number | bigint {
  if (!Number.isFinite(x)) throw intOutOfRange(name);
  const r = rint(x);
  if (name === 'int8') {
    if (r >= 9223372036854775808 || r < -9223372036854775808) throw intOutOfRange(name);
    return BigInt(r);
  }
  return checkInt(r, name);
}

function decimalToInt(d: Decimal, name: 'int2' | 'int4' | 'int8'): number | bigint {
  const b = d.toIntegerHalfAway();
  if (name === 'int8') return checkInt8(b);
  const max = name === 'int2' ? 32767n : 2147483647n;
  if (b > max || b < -max - 1n) throw intOutOfRange(name);
  return Number(b);
}

/** Applies a numeric(p,s) typmod: round to s, then check the precision. */
export function applyNumericTypmod(d: Decimal, typmod: number): Decimal {
  const ps = numericTypmod(typmod);
  if (ps === null || d.isNaN()) return d;
  const [p, s] = ps;
  if (!d.isFinite()) {
    const e = new SqlRuntimeError('22003', 'numeric field overflow');
    (e as { detail?: string }).detail = `A field with precision ${p}, scale ${s} cannot hold an infinite value.`;
    throw e;
  }
  const r = d.round(s);
  const abs = r.unscaled < 0n ? -r.unscaled : r.unscaled;
  const intDigits = abs === 0n ? 0 : Math.max(0, abs.toString().length - s);
  if (intDigits > p - s) {
    const e = new SqlRuntimeError('22003', 'numeric field overflow');
    (e as { detail?: string }).detail =
      `A field with precision ${p}, scale ${s} must round to an absolute value less than ${p - s === 0 ? '1' : '10^' + (p - s)}.`;
    throw e;
  }
  return r;
}

function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The first n code points of s. */
function takeCodePoints(s: string, n: number): string {
  let i = 0;
  let k = 0;
  while (i < s.length && k < n) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    k++;
  }
  return s.slice(0, i);
}

/** Applies a string typmod: varchar(n) truncates, bpchar(n) pads/truncates, name clips to 63 bytes. */
function applyStringTypmod(s: string, type: SqlType): string {
  if (type.name === 'name') {
    if (utf8Length(s) <= 63) return s;
    let out = '';
    for (const ch of s) {
      if (utf8Length(out + ch) > 63) break;
      out += ch;
    }
    return out;
  }
  if (type.typmod < 4) return s;
  const n = type.typmod - 4;
  const len = codePointLength(s);
  if (type.name === 'varchar') return len > n ? takeCodePoints(s, n) : s;
  if (type.name === 'bpchar') return len > n ? takeCodePoints(s, n) : len < n ? s + ' '.repeat(n - len) : s;
  return s;
}

/** A function applying `to`'s typmod to a value already of `to`'s base type; null when none applies. */
function typmodApplier(to: SqlType): CastFn | null {
  switch (to.name) {
    case 'numeric':
      return to.typmod >= 4 ? (v) => applyNumericTypmod(v as Decimal, to.typmod) : null;
    case 'varchar':
    case 'bpchar':
      return to.typmod >= 4 ? (v) => applyStringTypmod(v as string, to) : null;
    case 'timestamp':
    case 'timestamptz':
      return to.typmod >= 0 && to.typmod < 6 ? (v) => roundTimestamp(v as Timestamp, to.typmod) : null;
    case 'interval':
      return to.typmod >= 0 ? (v) => applyIntervalTypmod(v as PgInterval, to.typmod) : null;
    case 'array': {
      const elem = to.elem;
      if (elem === undefined) return null;
      const f = typmodApplier(elem);
      return f === null ? null : (v) => mapArray(v as PgArray, f);
    }
    default:
      return null;
  }
}

function mapArray(a: PgArray, f: CastFn): PgArray {
  return new PgArray(a.elements.map((e) => (e === null ? null : e instanceof PgArray ? mapArray(e, f) : f(e))));
}

function isStringType(t: SqlType): boolean {
  return t.name === 'text' || t.name === 'varchar' || t.name === 'bpchar' || t.name === 'name' || t.name === 'unknown';
}

function isNumericType(t: SqlType): boolean {
  switch (t.name) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'numeric':
    case 'float4':
    case 'float8':
      return true;
    default:
      return false;
  }
}

function noCast(from: SqlType, to: SqlType): SqlError {
  return new SqlError('unsupported', `cannot cast type ${from.display} to ${to.display}`);
}

function then(f: CastFn, g: CastFn | null): CastFn {
  return g === null ? f : (v) => {
    const r = f(v);
    return r === null ? null : g(r);
  };
}

function numericCast(from: SqlType, to: SqlType): CastFn {
  const f = from.name;
  const t = to.name;
  switch (t) {
    case 'int2':
    case 'int4':
      if (f === 'int2' || f === 'int4') return (v) => checkInt(v as number, t);
      if (f === 'int8') return (v) => checkInt(Number(checkRangeBig(v as bigint, t)), t);
      if (f === 'numeric') return (v) => decimalToInt(v as Decimal, t);
      return (v) => floatToInt(v as number, t);
    case 'int8':
      if (f === 'int2' || f === 'int4') return (v) => BigInt(v as number);
      if (f === 'int8') return identity;
      if (f === 'numeric') return (v) => decimalToInt(v as Decimal, 'int8');
      return (v) => floatToInt(v as number, 'int8');
    case 'numeric':
      if (f === 'int2' || f === 'int4') return (v) => Decimal.fromBigInt(BigInt(v as number));
      if (f === 'int8') return (v) => Decimal.fromBigInt(v as bigint);
      if (f === 'numeric') return identity;
      return (v) => floatToDecimal(v as number, f === 'float4' ? 6 : 15);
    case 'float8':
      if (f === 'numeric') return (v) => (v as Decimal).toNumber();
      return (v) => Number(v as number | bigint);
    case 'float4':
      if (f === 'numeric') return (v) => toFloat4((v as Decimal).toNumber());
      if (f === 'float8') return (v) => toFloat4(v as number);
      return (v) => Math.fround(Number(v as number | bigint));
    default:
      throw noCast(from, to);
  }
}

function checkRangeBig(b: bigint, t: 'int2' | 'int4'): bigint {
  const max = t === 'int2' ? 32767n : 2147483647n;
  if (b > max || b < -max - 1n) throw intOutOfRange(t);
  return b;
}

function floatToDecimal(x: number, digits: number): Decimal {
  if (Number.isNaN(x)) return Decimal.NaN;
  if (x === Infinity) return Decimal.Infinity;
  if (x === -Infinity) return Decimal.NegativeInfinity;
  return Decimal.parse(floatToDecimalText(x, digits));
}

function jsonbScalarKind(text: string): string {
  const c = text.charCodeAt(0);
  if (c === 123) return 'object';
  if (c === 91) return 'array';
  if (c === 34) return 'string';
  if (c === 116 || c === 102) return 'boolean';
  if (c === 110) return 'null';
  return 'numeric';
}

function jsonbCast(to: SqlType): CastFn {
  const label = to.display;
  return (v) => {
    const text = (v as Json).text;
    const kind = jsonbScalarKind(text);
    if (to.name === 'bool') {
      if (kind !== 'boolean') throw new SqlRuntimeError('22023', `cannot cast jsonb ${kind} to type ${label}`);
      return text === 'true';
    }
    if (kind === 'null') return null;
    if (kind !== 'numeric') throw new SqlRuntimeError('22023', `cannot cast jsonb ${kind} to type ${label}`);
    return numericCast({ name: 'numeric', oid: 1700, typmod: -1, display: 'numeric' }, to)(Decimal.parse(text));
  };
}

/**
 * PostgreSQL explicit-cast semantics from `from` to `to`: numeric→int rounds
 * half away from zero, float→int half to even, integer range errors (22003),
 * float→numeric via 15 (float4: 6) significant digits, text-like and
 * unknown → anything through the input function (22P02 on bad input),
 * anything → text via renderText (bool → 'true', bpchar trimmed),
 * varchar(n)/char(n) truncate (char pads), numeric(p,s) rounds and checks
 * (22003 numeric field overflow), timestamp(p) rounds, interval(p) and
 * interval field ranges truncate/round (and steer text input), date ⇄ timestamp ⇄
 * timestamptz in UTC, bool ⇄ int4, json ⇄ jsonb, jsonb → bool/numbers,
 * arrays element-wise. A same-type cast applies the target typmod.
 * Throws SqlError('unsupported') when PostgreSQL has no such cast.
 */
export function resolveCast(from: SqlType, to: SqlType): CastFn {
  if (to.name === 'unknown') throw noCast(from, to);
  const typmod = typmodApplier(to);
  if (sameBaseType(from, to)) return typmod ?? identity;
  const tn = to.name;
  // → string types
  if (tn === 'text' || tn === 'varchar' || tn === 'bpchar' || tn === 'name') {
    if (from.name === 'unknown') return then((v) => decodeText(v as string, to), typmod ?? applierForName(to));
    return then((v) => renderText(v, from), typmod ?? applierForName(to));
  }
  // string types → anything (input function)
  if (isStringType(from)) {
    const strip = from.name === 'bpchar';
    if (tn === 'interval' && to.typmod >= 0 && from.name === 'unknown') {
      // for a literal, interval_in gets the typmod: its field range decides what a bare
      // number means ('1'::interval day is 1 day; '1'::text::interval day is 00:00:00)
      const typmodValue = to.typmod;
      return (v) => applyIntervalTypmod(parseInterval(v as string, typmodValue), typmodValue);
    }
    return then((v) => decodeText(strip ? rtrimForInput(v as string) : (v as string), to), typmod);
  }
  if (from.name === 'other' && to.name !== 'other') {
    // Only the text representation is known; PostgreSQL may have a cast but we cannot evaluate it.
    throw noCast(from, to);
  }
  if (isNumericType(from) && isNumericType(to)) return then(numericCast(from, to), typmod);
  if (from.name === 'bool' && tn === 'int4') return (v) => (v ? 1 : 0);
  if (from.name === 'int4' && tn === 'bool') return (v) => v !== 0;
  if (from.name === 'date' && (tn === 'timestamp' || tn === 'timestamptz')) {
    return then((v) => dateToTimestamp(v as PgDate), typmod);
  }
  if ((from.name === 'timestamp' || from.name === 'timestamptz') && (tn === 'timestamp' || tn === 'timestamptz')) {
    return typmod ?? identity;
  }
  if ((from.name === 'timestamp' || from.name === 'timestamptz') && tn === 'date') {
    return (v) => timestampToDate(v as Timestamp);
  }
  if ((from.name === 'json' || from.name === 'jsonb') && (tn === 'json' || tn === 'jsonb')) return identity;
  if (from.name === 'jsonb' && (tn === 'bool' || isNumericType(to))) return then(jsonbCast(to), typmod);
  if (from.name === 'array' && tn === 'array' && from.elem !== undefined && to.elem !== undefined) {
    const f = resolveCast(from.elem, to.elem);
    return (v) => mapArray(v as PgArray, f);
  }
  throw noCast(from, to);
}

function rtrimForInput(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return s.slice(0, e);
}

function applierForName(to: SqlType): CastFn | null {
  return to.name === 'name' ? (v) => applyStringTypmod(v as string, to) : null;
}
