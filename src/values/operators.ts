/**
 * Operator resolution and evaluation with PostgreSQL's semantics: type
 * promotion, integer overflow checks, integer division, exact numeric,
 * code-point string comparison (C collation), and a total order per type.
 * Also re-exports casts, functions and LIKE so the compiler can import
 * everything operator-related from here.
 */
import { SqlError, SqlRuntimeError } from '../errors.ts';
import { checkInt, checkInt8 } from './casts.ts';
import { rtrimSpaces } from './codec.ts';
import { MAX_DATE_DAYS, MIN_DAYS } from './datetime.ts';
import { Decimal } from './decimal.ts';
import { compareIntervals, intervalAdd, intervalDiv, intervalMul, intervalNeg } from './interval.ts';
import { compareCodePoints, compareJsonb } from './json.ts';
import { NUMERIC_RANK, plainType, T, sameBaseType, withoutTypmod } from './sql-types.ts';
import {
  dateMinusInterval,
  datePlusInterval,
  timestampDiff,
  timestampMinusInterval,
  timestampPlusInterval,
} from './timestamp-arith.ts';
import { PgArray, PgDate, PgInterval, Timestamp, type Datum, type Json, type SqlType, type Value } from './types.ts';

export { resolveCast, type CastFn } from './casts.ts';
export { resolveFunction, type ResolvedFunction } from './functions.ts';
export { likeMatcher } from './like.ts';
export { setCaseMapping } from './case-mapping.ts';

/** Binary operators resolveBinary knows. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A resolved binary operator: cast the operands to left/right first, then call fn (non-null operands only). */
export interface ResolvedBinary {
  readonly left: SqlType;
  readonly right: SqlType;
  readonly result: SqlType;
  fn(a: Datum, b: Datum): Value;
}

/** A resolved unary operator. */
export interface ResolvedUnary {
  readonly arg: SqlType;
  readonly result: SqlType;
  fn(a: Datum): Value;
}


const STRINGS = new Set<SqlType['name']>(['text', 'varchar', 'bpchar', 'name']);
const DATETIME_RANK: Partial<Record<SqlType['name'], number>> = { date: 0, timestamp: 1, timestamptz: 2 };

function isNumeric(t: SqlType): boolean {
  return NUMERIC_RANK[t.name] !== undefined;
}

/** The operand type: the original type when only the typmod differs (no cast needed). */
function target(orig: SqlType, t: SqlType): SqlType {
  return sameBaseType(orig, t) ? orig : t;
}

function noOperator(op: string, l: SqlType, r: SqlType): SqlError {
  return new SqlError('unsupported', `operator does not exist: ${l.display} ${op} ${r.display}`);
}

/** The type both numeric operands are brought to for arithmetic/comparison (PostgreSQL's operator choice). */
function numericCommon(l: SqlType, r: SqlType): SqlType {
  const a = NUMERIC_RANK[l.name] as number;
  const b = NUMERIC_RANK[r.name] as number;
  if (a >= 4 || b >= 4) return a === 4 && b === 4 ? T.float4 : T.float8;
  return plainType(l.name === r.name ? l.name : a > b ? l.name : r.name);
}

function overflow(): SqlRuntimeError {
  return new SqlRuntimeError('22003', 'value out of range: overflow');
}
function underflow(): SqlRuntimeError {
  return new SqlRuntimeError('22003', 'value out of range: underflow');
}
function divZero(): SqlRuntimeError {
  return new SqlRuntimeError('22012', 'division by zero');
}

type Arith = (a: Datum, b: Datum) => Value;

function intArith(op: string, name: 'int2' | 'int4'): Arith {
  switch (op) {
    case '+':
      return (a, b) => checkInt((a as number) + (b as number), name);
    case '-':
      return (a, b) => checkInt((a as number) - (b as number), name);
    case '*':
      return (a, b) => checkInt((a as number) * (b as number), name);
    case '/':
      return (a, b) => {
        if (b === 0) throw divZero();
        return checkInt(Math.trunc((a as number) / (b as number)), name);
      };
    default:
      return (a, b) => {
        if (b === 0) throw divZero();
        const r = (a as number) % (b as number);
        return r === 0 ? 0 : r;
      };
  }
}

function int8Arith(op: string): Arith {
  switch (op) {
    case '+':
      return (a, b) => checkInt8((a as bigint) + (b as bigint));
    case '-':
      return (a, b) => checkInt8((a as bigint) - (b as bigint));
    case '*':
      return (a, b) => checkInt8((a as bigint) * (b as bigint));
    case '/':
      return (a, b) => {
        if (b === 0n) throw divZero();
        return checkInt8((a as bigint) / (b as bigint));
      };
    default:
      return (a, b) => {
        if (b === 0n) throw divZero();
        return (a as bigint) % (b as bigint);
      };
  }
}

function numericArith(op: string): Arith {
  switch (op) {
    case '+':
      return (a, b) => (a as Decimal).add(b as Decimal);
    case '-':
      return (a, b) => (a as Decimal).sub(b as Decimal);
    case '*':
      return (a, b) => (a as Decimal).mul(b as Decimal);
    case '/':
      return (a, b) => (a as Decimal).div(b as Decimal);
    default:
      return (a, b) => (a as Decimal).mod(b as Decimal);
  }
}

function floatArith(op: string, f4: boolean): Arith {
  const fin = Number.isFinite;
  const out = f4 ? (x: number): number => Math.fround(x) : (x: number): number => x;
  switch (op) {
    case '+':
    case '-':
      return (a, b) => {
        const x = a as number;
        const y = b as number;
        const r = out(op === '+' ? x + y : x - y);
        if (!fin(r) && !Number.isNaN(r) && fin(x) && fin(y)) throw overflow();
        return r;
      };
    case '*':
      return (a, b) => {
        const x = a as number;
        const y = b as number;
        const r = out(x * y);
        if (!fin(r) && !Number.isNaN(r) && fin(x) && fin(y)) throw overflow();
        if (r === 0 && x !== 0 && y !== 0) throw underflow();
        return r;
      };
    default:
      return (a, b) => {
        const x = a as number;
        const y = b as number;
        if (y === 0 && !Number.isNaN(x)) throw divZero();
        const r = out(x / y);
        if (!fin(r) && !Number.isNaN(r) && fin(x)) throw overflow();
        if (r === 0 && x !== 0 && fin(y)) throw underflow();
        return r;
      };
  }
}

function arithFor(op: string, t: SqlType): Arith {
  switch (t.name) {
    case 'int2':
    case 'int4':
      return intArith(op, t.name);
    case 'int8':
      return int8Arith(op);
    case 'numeric':
      return numericArith(op);
    case 'float4':
      return floatArith(op, true);
    default:
      return floatArith(op, false);
  }
}

function dateOutOfRange(): SqlRuntimeError {
  return new SqlRuntimeError('22008', 'date out of range');
}

function datePlus(d: PgDate, n: number): PgDate {
  if (d.infinity !== 0) return d;
  const r = d.days + n;
  if (r < MIN_DAYS || r > MAX_DATE_DAYS) throw dateOutOfRange();
  return new PgDate(r);
}

function comparison(op: string, t: SqlType): (a: Datum, b: Datum) => Value {
  switch (op) {
    case '=':
      return (a, b) => compareDatums(a, b, t) === 0;
    case '<>':
      return (a, b) => compareDatums(a, b, t) !== 0;
    case '<':
      return (a, b) => compareDatums(a, b, t) < 0;
    case '<=':
      return (a, b) => compareDatums(a, b, t) <= 0;
    case '>':
      return (a, b) => compareDatums(a, b, t) > 0;
    default:
      return (a, b) => compareDatums(a, b, t) >= 0;
  }
}

/** The common type two operands are compared in, or null when PostgreSQL has no such comparison. */
function comparisonType(l: SqlType, r: SqlType): [SqlType, SqlType] | null {
  if (isNumeric(l) && isNumeric(r)) {
    const c = numericCommon(l, r);
    return [c, c];
  }
  if (STRINGS.has(l.name) && STRINGS.has(r.name)) {
    if (l.name === r.name) return [l, r];
    return [T.text, T.text];
  }
  const dl = DATETIME_RANK[l.name];
  const dr = DATETIME_RANK[r.name];
  if (dl !== undefined && dr !== undefined) {
    const c = plainType(dl >= dr ? l.name : r.name);
    return [c, c];
  }
  if (sameBaseType(l, r)) {
    switch (l.name) {
      case 'bool':
      case 'uuid':
      case 'jsonb':
      case 'interval':
        return [l, r];
      case 'array':
        if (l.elem !== undefined && comparisonType(l.elem, l.elem) !== null) return [l, r];
        return null;
      default:
        return null;
    }
  }
  return null;
}

/**
 * Resolves `left op right` as PostgreSQL would: numeric promotion
 * int2<int4<int8<numeric<float4<float8 (mixing float4 with anything but
 * float4 gives float8), integer arithmetic with overflow errors and
 * truncating division, numeric with PostgreSQL's scales, text || anything
 * non-array → text (both operands cast to text), date ± int → date,
 * date - date → int4, timestamp[tz] ± interval → same type, date ±
 * interval → timestamp, timestamp[tz] - timestamp[tz] → interval, interval
 * ± interval, interval * / float8 (any number), comparisons in the common type (strings by code
 * point, bpchar ignoring trailing spaces). An 'unknown' operand takes the
 * other side's type (both unknown → text). `left`/`right` of the result are
 * the types the operands must be cast to (the original type when no cast is
 * needed). Throws SqlError('unsupported') when there is no such operator.
 */
export function resolveBinary(op: BinaryOp, left: SqlType, right: SqlType): ResolvedBinary {
  let l = left;
  let r = right;
  if (op === '||') return resolveConcat(left, right);
  const special = unknownDatetimeOperand(op, left, right);
  if (special !== null) [l, r] = special;
  else if (l.name === 'unknown' && r.name === 'unknown') {
    if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') throw noOperator(op, left, right);
    l = T.text;
    r = T.text;
  } else if (l.name === 'unknown') l = r;
  else if (r.name === 'unknown') r = l;

  switch (op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      if (isNumeric(l) && isNumeric(r)) {
        const c = numericCommon(l, r);
        if (op === '%' && (c.name === 'float4' || c.name === 'float8')) throw noOperator(op, left, right);
        return { left: target(left, c), right: target(right, c), result: c, fn: arithFor(op, c) };
      }
      const isInt = (t: SqlType): boolean => t.name === 'int4' || t.name === 'int2';
      if (l.name === 'date' && isInt(r) && (op === '+' || op === '-')) {
        const sign = op === '+' ? 1 : -1;
        return { left: target(left, T.date), right: target(right, T.int4), result: T.date, fn: (a, b) => datePlus(a as PgDate, sign * (b as number)) };
      }
      if (isInt(l) && r.name === 'date' && op === '+') {
        return { left: target(left, T.int4), right: target(right, T.date), result: T.date, fn: (a, b) => datePlus(b as PgDate, a as number) };
      }
      const dt = resolveDatetimeArith(op, left, right, l, r);
      if (dt !== null) return dt;
      if (l.name === 'date' && r.name === 'date' && op === '-') {
        return {
          left: target(left, T.date),
          right: target(right, T.date),
          result: T.int4,
          fn: (a, b) => {
            const x = a as PgDate;
            const y = b as PgDate;
            if (x.infinity !== 0 || y.infinity !== 0) throw new SqlRuntimeError('22008', 'cannot subtract infinite dates');
            return x.days - y.days;
          },
        };
      }
      throw noOperator(op, left, right);
    }
    default: {
      const ct = comparisonType(l, r);
      if (ct === null) throw noOperator(op, left, right);
      return { left: target(left, ct[0]), right: target(right, ct[1]), result: T.bool, fn: comparison(op, ct[0]) };
    }
  }
}

const TIMESTAMPS = new Set<SqlType['name']>(['timestamp', 'timestamptz']);

/**
 * PostgreSQL's choice for an unknown literal next to a timestamp, date or
 * interval where "same type as the other side" has no operator:
 * ts + '1 day' and '1 day' + ts take interval, interval * '2' and
 * interval / '2' take float8; date + unknown is ambiguous. Null when the
 * ordinary rule applies.
 */
function unknownDatetimeOperand(op: BinaryOp, left: SqlType, right: SqlType): [SqlType, SqlType] | null {
  const lu = left.name === 'unknown';
  const ru = right.name === 'unknown';
  if (lu === ru) return null;
  const other = lu ? right : left;
  if (op === '+' && TIMESTAMPS.has(other.name)) return lu ? [T.interval, right] : [left, T.interval];
  if (op === '+' && other.name === 'date') {
    throw new SqlError('unsupported', `operator is not unique: ${left.display} + ${right.display}`);
  }
  if (other.name === 'interval' && (op === '*' || (op === '/' && ru))) return lu ? [T.float8, right] : [left, T.float8];
  return null;
}

type BinFn = (a: Datum, b: Datum) => Value;

function datetimeOp(left: SqlType, right: SqlType, l: SqlType, r: SqlType, result: SqlType, fn: BinFn): ResolvedBinary {
  return { left: target(left, l), right: target(right, r), result, fn };
}

/** timestamp/date/interval arithmetic; null when the operands are not such a pair. */
function resolveDatetimeArith(op: BinaryOp, left: SqlType, right: SqlType, l: SqlType, r: SqlType): ResolvedBinary | null {
  const iv = T.interval;
  const li = l.name === 'interval';
  const ri = r.name === 'interval';
  if (op === '+' || op === '-') {
    const sign = op === '+' ? 1 : -1;
    if (li && ri) return datetimeOp(left, right, iv, iv, iv, (a, b) => intervalAdd(a as PgInterval, b as PgInterval, sign));
    if (TIMESTAMPS.has(l.name) && ri) {
      const t = plainType(l.name);
      const f = op === '+' ? timestampPlusInterval : timestampMinusInterval;
      return datetimeOp(left, right, t, iv, t, (a, b) => f(a as Timestamp, b as PgInterval));
    }
    if (l.name === 'date' && ri) {
      const f = op === '+' ? datePlusInterval : dateMinusInterval;
      return datetimeOp(left, right, T.date, iv, T.timestamp, (a, b) => f(a as PgDate, b as PgInterval));
    }
    if (op === '+' && li && TIMESTAMPS.has(r.name)) {
      const t = plainType(r.name);
      return datetimeOp(left, right, iv, t, t, (a, b) => timestampPlusInterval(b as Timestamp, a as PgInterval));
    }
    if (op === '+' && li && r.name === 'date') {
      return datetimeOp(left, right, iv, T.date, T.timestamp, (a, b) => datePlusInterval(b as PgDate, a as PgInterval));
    }
    const dl = DATETIME_RANK[l.name];
    const dr = DATETIME_RANK[r.name];
    if (op === '-' && dl !== undefined && dr !== undefined && (dl > 0 || dr > 0)) {
      const t = plainType(dl >= dr ? l.name : r.name);
      return datetimeOp(left, right, t, t, iv, (a, b) => timestampDiff(a as Timestamp, b as Timestamp));
    }
    return null;
  }
  if (op === '*' && li && isNumeric(r)) {
    return datetimeOp(left, right, iv, T.float8, iv, (a, b) => intervalMul(a as PgInterval, b as number));
  }
  if (op === '*' && isNumeric(l) && ri) {
    return datetimeOp(left, right, T.float8, iv, iv, (a, b) => intervalMul(b as PgInterval, a as number));
  }
  if (op === '/' && li && isNumeric(r)) {
    return datetimeOp(left, right, iv, T.float8, iv, (a, b) => intervalDiv(a as PgInterval, b as number));
  }
  return null;
}

function resolveConcat(left: SqlType, right: SqlType): ResolvedBinary {
  const ls = STRINGS.has(left.name);
  const rs = STRINGS.has(right.name);
  const lu = left.name === 'unknown';
  const ru = right.name === 'unknown';
  const ok =
    (ls || lu || rs || ru) &&
    left.name !== 'array' &&
    right.name !== 'array' &&
    // jsonb || unknown is jsonb concatenation in PostgreSQL, not text
    !((left.name === 'jsonb' && ru) || (right.name === 'jsonb' && lu));
  if (!ok) throw noOperator('||', left, right);
  return {
    left: left.name === 'text' || left.name === 'varchar' ? left : T.text,
    right: right.name === 'text' || right.name === 'varchar' ? right : T.text,
    result: T.text,
    fn: (a, b) => (a as string) + (b as string),
  };
}

/**
 * Resolves unary `-` / `+` on numeric types (int overflow checked: -(-32768)::int2 fails)
 * and unary `-` on interval (PostgreSQL has no unary `+` for interval).
 */
export function resolveUnary(op: '-' | '+', t: SqlType): ResolvedUnary {
  if (op === '-' && t.name === 'interval') return { arg: t, result: T.interval, fn: (a) => intervalNeg(a as PgInterval) };
  if (!isNumeric(t)) throw new SqlError('unsupported', `operator does not exist: ${op} ${t.display}`);
  if (op === '+') return { arg: t, result: withoutMod(t), fn: (a) => a };
  switch (t.name) {
    case 'int2':
    case 'int4': {
      const name = t.name;
      return { arg: t, result: withoutMod(t), fn: (a) => checkInt(-(a as number), name) };
    }
    case 'int8':
      return { arg: t, result: T.int8, fn: (a) => checkInt8(-(a as bigint)) };
    case 'numeric':
      return { arg: t, result: T.numeric, fn: (a) => (a as Decimal).neg() };
    default:
      return { arg: t, result: withoutMod(t), fn: (a) => -(a as number) };
  }
}

function withoutMod(t: SqlType): SqlType {
  return withoutTypmod(t);
}

function floatCmp(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn && yn ? 0 : xn ? 1 : -1;
}

function decimalTextCmp(a: string, b: string): number {
  return Decimal.parse(a).cmp(Decimal.parse(b));
}

/**
 * Total order of two non-null datums of `type`, as PostgreSQL's btree
 * comparison: numbers exactly (float NaN above everything and equal to
 * itself, -0 = 0), numeric 1.5 = 1.50 with NaN last, strings by code point,
 * bpchar ignoring trailing spaces, false < true, -infinity < dates/timestamps
 * < infinity, intervals by total with 30-day months ('1 mon' = '30 days'), jsonb by jsonb ordering, arrays element-wise (NULL elements
 * last, then shorter first). Returns negative, 0 or positive.
 */
export function compareDatums(a: Datum, b: Datum, type: SqlType): number {
  switch (type.name) {
    case 'int2':
    case 'int4':
      return (a as number) - (b as number);
    case 'int8':
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 'numeric':
      return (a as Decimal).cmp(b as Decimal);
    case 'float4':
    case 'float8':
      return floatCmp(a as number, b as number);
    case 'bool':
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 'bpchar':
      return compareCodePoints(rtrimSpaces(a as string), rtrimSpaces(b as string));
    case 'date': {
      const x = a as PgDate;
      const y = b as PgDate;
      if (x.infinity !== 0 || y.infinity !== 0) return x.infinity - y.infinity;
      return x.days - y.days;
    }
    case 'timestamp':
    case 'timestamptz': {
      const x = a as Timestamp;
      const y = b as Timestamp;
      if (x.infinity !== 0 || y.infinity !== 0) return x.infinity - y.infinity;
      return x.micros < y.micros ? -1 : x.micros > y.micros ? 1 : 0;
    }
    case 'interval':
      return compareIntervals(a as PgInterval, b as PgInterval);
    case 'json':
    case 'jsonb':
      return compareJsonb((a as Json).text, (b as Json).text, decimalTextCmp);
    case 'array': {
      const elem = type.elem;
      if (elem === undefined) return 0;
      return compareArrays(a as PgArray, b as PgArray, elem);
    }
    default:
      return compareCodePoints(a as string, b as string);
  }
}

function compareArrays(x: PgArray, y: PgArray, elem: SqlType): number {
  const n = Math.min(x.elements.length, y.elements.length);
  for (let i = 0; i < n; i++) {
    const p = x.elements[i] ?? null;
    const q = y.elements[i] ?? null;
    if (p === null || q === null) {
      if (p === null && q === null) continue;
      return p === null ? 1 : -1;
    }
    const c = p instanceof PgArray && q instanceof PgArray ? compareArrays(p, q, elem) : compareDatums(p, q, elem);
    if (c !== 0) return c;
  }
  return x.elements.length - y.elements.length;
}

/**
 * PostgreSQL's common-type resolution for UNION / CASE / COALESCE / IN /
 * VALUES (select_common_type): unknowns are ignored (all unknown → text);
 * numeric types → the widest of int2<int4<int8<numeric<float4<float8;
 * string types → the first unless text appears (text wins); date <
 * timestamp < timestamptz; otherwise all must be the same type (typmod kept
 * only when all agree). Throws SqlError('unsupported') naming `context`
 * ("CASE", "UNION", …) when the types cannot be matched.
 */
export function commonType(types: readonly SqlType[], context: string): SqlType {
  let p: SqlType | undefined;
  let sameMod = true;
  for (const t of types) {
    if (t.name === 'unknown') continue;
    if (p === undefined) {
      p = t;
      continue;
    }
    if (sameBaseType(p, t)) {
      if (p.typmod !== t.typmod) sameMod = false;
      continue;
    }
    sameMod = false;
    const pn = NUMERIC_RANK[p.name];
    const tn = NUMERIC_RANK[t.name];
    if (pn !== undefined && tn !== undefined) {
      if (tn > pn) p = t;
      continue;
    }
    if (STRINGS.has(p.name) && STRINGS.has(t.name)) {
      if (t.name === 'text') p = t;
      continue;
    }
    const pd = DATETIME_RANK[p.name];
    const td = DATETIME_RANK[t.name];
    if (pd !== undefined && td !== undefined) {
      if (td > pd) p = t;
      continue;
    }
    throw new SqlError('unsupported', `${context} types ${p.display} and ${t.display} cannot be matched`);
  }
  if (p === undefined) return T.text;
  if (!sameMod && p.typmod >= 0) return withoutMod(p);
  return p;
}
