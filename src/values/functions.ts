/**
 * Built-in scalar functions with PostgreSQL's overload resolution (for the
 * argument types we support) and exact semantics.
 */
import { SqlError, SqlRuntimeError } from '../errors.ts';
import { checkInt, checkInt8, rint } from './casts.ts';
import { lowerText, upperText } from './case-mapping.ts';
import { renderJson, renderText } from './codec.ts';
import { Decimal } from './decimal.ts';
import { justifyDays, justifyHours, justifyInterval, makeInterval } from './interval.ts';
import { utf8Length } from './json.ts';
import { NUMERIC_RANK, plainType, T } from './sql-types.ts';
import { dateTruncInterval, dateTruncTimestamp, datePartFloat, extractNumeric } from './time-fields.ts';
import { makeDate } from './timestamp-arith.ts';
import { toChar } from './to-char.ts';
import { Json, PgDate, PgInterval, Timestamp, type SqlType, type Value } from './types.ts';

/**
 * A resolved function call: cast the arguments to `args` first, then call
 * fn. When `strict` (the default for all but a few), the caller returns NULL
 * for any NULL argument without calling fn; otherwise fn sees the nulls.
 */
export interface ResolvedFunction {
  readonly args: readonly SqlType[];
  readonly result: SqlType;
  readonly strict: boolean;
  fn(args: readonly Value[]): Value;
}

type Fn = (args: readonly Value[]) => Value;

const STRINGS = new Set<SqlType['name']>(['text', 'varchar', 'bpchar', 'name', 'unknown']);
const INTS = new Set<SqlType['name']>(['int2', 'int4', 'unknown']);

function noFunction(name: string, args: readonly SqlType[]): SqlError {
  return new SqlError('unsupported', `function ${name}(${args.map((a) => a.display).join(', ')}) does not exist`);
}

/** Code points of a string as an array of strings (surrogate pairs kept together). */
function codePoints(s: string): string[] {
  return Array.from(s);
}

function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Number of code points. */
export function charLength(s: string): number {
  if (!hasSurrogates(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(s.charCodeAt(i - 1)))) n++;
  }
  return n;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** PostgreSQL substring/substr by code points: start may be < 1, negative length is an error (22011). */
export function substringText(s: string, start: number, length?: number): string {
  if (length !== undefined && length < 0) {
    throw new SqlRuntimeError('22011', 'negative substring length not allowed');
  }
  const from = Math.max(start, 1);
  const endExcl = length === undefined ? Infinity : start + length; // 1-based, exclusive
  if (endExcl <= from) return '';
  if (!hasSurrogates(s)) return s.slice(from - 1, endExcl === Infinity ? undefined : endExcl - 1);
  const cps = codePoints(s);
  return cps.slice(from - 1, endExcl === Infinity ? undefined : endExcl - 1).join('');
}

/** PostgreSQL btrim/ltrim/rtrim with a set of characters (code points). */
export function trimText(s: string, chars: string, leading: boolean, trailing: boolean): string {
  if (chars === ' ' && !hasSurrogates(s)) {
    let a = 0;
    let b = s.length;
    if (leading) while (a < b && s.charCodeAt(a) === 32) a++;
    if (trailing) while (b > a && s.charCodeAt(b - 1) === 32) b--;
    return s.slice(a, b);
  }
  const set = new Set(codePoints(chars));
  const cps = codePoints(s);
  let a = 0;
  let b = cps.length;
  if (leading) while (a < b && set.has(cps[a] as string)) a++;
  if (trailing) while (b > a && set.has(cps[b - 1] as string)) b--;
  return cps.slice(a, b).join('');
}

function numericArg(t: SqlType): SqlType | null {
  if (t.name === 'unknown') return T.numeric;
  return NUMERIC_RANK[t.name] !== undefined ? t : null;
}


function floatOrNumeric(t: SqlType): SqlType {
  // PostgreSQL picks float8 for integer/float arguments (preferred type), numeric for numeric.
  return t.name === 'numeric' || t.name === 'unknown' ? T.numeric : T.float8;
}

function strict(args: readonly SqlType[], result: SqlType, fn: Fn): ResolvedFunction {
  return { args, result, strict: true, fn };
}

/** Integer argument (int2/int4/unknown → int4); null otherwise. */
function intArg(t: SqlType | undefined): boolean {
  return t !== undefined && INTS.has(t.name);
}

function strArg(t: SqlType | undefined): boolean {
  return t !== undefined && STRINGS.has(t.name);
}

/**
 * Resolves a scalar function call by name (case-insensitive) and argument
 * types: lower, upper, length/char_length/character_length, octet_length,
 * substring/substr (2 or 3 args), btrim/ltrim/rtrim/trim (1 or 2 args),
 * replace, strpos/position, left, right, reverse, repeat, starts_with,
 * concat (not strict: skips NULLs), abs, round (numeric[, int]; float8),
 * trunc, ceil/ceiling, floor, mod, sign, to_jsonb, and the date/time
 * functions of resolveTimeFunction. Text arguments are cast to text (bpchar
 * loses its padding, as in PostgreSQL). Throws SqlError('unsupported') for
 * unknown functions or argument types.
 */
export function resolveFunction(name: string, args: readonly SqlType[]): ResolvedFunction {
  const n = name.toLowerCase();
  const a0 = args[0];
  const a1 = args[1];
  const a2 = args[2];
  const argc = args.length;
  const time = resolveTimeFunction(n, args);
  if (time !== null) return time;
  switch (n) {
    case 'lower':
    case 'upper':
      if (argc === 1 && strArg(a0)) {
        const f = n === 'lower' ? lowerText : upperText;
        return strict([T.text], T.text, (v) => f(v[0] as string));
      }
      break;
    case 'length':
    case 'char_length':
    case 'character_length':
      if (argc === 1 && strArg(a0)) return strict([T.text], T.int4, (v) => charLength(v[0] as string));
      break;
    case 'octet_length':
      if (argc === 1 && strArg(a0)) {
        const t = a0 !== undefined && a0.name === 'bpchar' ? a0 : T.text;
        return strict([t], T.int4, (v) => utf8Length(v[0] as string));
      }
      break;
    case 'substring':
    case 'substr':
      if ((argc === 2 || argc === 3) && strArg(a0) && intArg(a1) && (argc === 2 || intArg(a2))) {
        if (argc === 2) return strict([T.text, T.int4], T.text, (v) => substringText(v[0] as string, v[1] as number));
        return strict([T.text, T.int4, T.int4], T.text, (v) =>
          substringText(v[0] as string, v[1] as number, v[2] as number),
        );
      }
      break;
    case 'btrim':
    case 'trim':
    case 'ltrim':
    case 'rtrim':
      if ((argc === 1 || argc === 2) && strArg(a0) && (argc === 1 || strArg(a1))) {
        const lead = n !== 'rtrim';
        const trail = n !== 'ltrim';
        if (argc === 1) return strict([T.text], T.text, (v) => trimText(v[0] as string, ' ', lead, trail));
        return strict([T.text, T.text], T.text, (v) => trimText(v[0] as string, v[1] as string, lead, trail));
      }
      break;
    case 'replace':
      if (argc === 3 && strArg(a0) && strArg(a1) && strArg(a2)) {
        return strict([T.text, T.text, T.text], T.text, (v) => {
          const from = v[1] as string;
          return from === '' ? (v[0] as string) : (v[0] as string).split(from).join(v[2] as string);
        });
      }
      break;
    case 'strpos':
    case 'position':
      if (argc === 2 && strArg(a0) && strArg(a1)) {
        return strict([T.text, T.text], T.int4, (v) => {
          const s = v[0] as string;
          const i = s.indexOf(v[1] as string);
          return i < 0 ? 0 : charLength(s.slice(0, i)) + 1;
        });
      }
      break;
    case 'left':
    case 'right':
      if (argc === 2 && strArg(a0) && intArg(a1)) {
        const isLeft = n === 'left';
        return strict([T.text, T.int4], T.text, (v) => {
          const cps = codePoints(v[0] as string);
          const k = v[1] as number;
          const len = cps.length;
          const take = k >= 0 ? Math.min(k, len) : Math.max(len + k, 0);
          return (isLeft ? cps.slice(0, take) : cps.slice(len - take)).join('');
        });
      }
      break;
    case 'reverse':
      if (argc === 1 && strArg(a0)) return strict([T.text], T.text, (v) => codePoints(v[0] as string).reverse().join(''));
      break;
    case 'repeat':
      if (argc === 2 && strArg(a0) && intArg(a1)) {
        return strict([T.text, T.int4], T.text, (v) => {
          const k = v[1] as number;
          return k <= 0 ? '' : (v[0] as string).repeat(k);
        });
      }
      break;
    case 'starts_with':
      if (argc === 2 && strArg(a0) && strArg(a1)) {
        return strict([T.text, T.text], T.bool, (v) => (v[0] as string).startsWith(v[1] as string));
      }
      break;
    case 'concat':
      if (argc >= 1) {
        const types = args.map((t) => (t.name === 'unknown' ? T.text : t));
        return {
          args: types,
          result: T.text,
          strict: false,
          fn: (v) => {
            let out = '';
            for (let i = 0; i < v.length; i++) {
              const x = v[i];
              if (x !== null && x !== undefined) out += renderText(x, types[i] as SqlType);
            }
            return out;
          },
        };
      }
      break;
    case 'to_jsonb':
      if (argc === 1 && a0 !== undefined) {
        const t = a0.name === 'unknown' ? T.text : a0;
        return strict([t], T.jsonb, (v) => new Json(renderJson(v[0] ?? null, t)));
      }
      break;
    case 'abs':
      if (argc === 1 && a0 !== undefined && numericArg(a0) !== null) {
        const t = plainType((numericArg(a0) as SqlType).name);
        return strict([t], t, absFn(t));
      }
      break;
    case 'sign':
      if (argc === 1 && a0 !== undefined && numericArg(a0) !== null) {
        const t = floatOrNumeric(a0);
        if (t.name === 'numeric') {
          return strict([t], t, (v) => {
            const d = v[0] as Decimal;
            return d.isNaN() ? d : Decimal.fromBigInt(BigInt(d.sign()));
          });
        }
        return strict([t], t, (v) => {
          const x = v[0] as number;
          return Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0;
        });
      }
      break;
    case 'round':
    case 'trunc':
      if (argc === 1 && a0 !== undefined && numericArg(a0) !== null) {
        const t = floatOrNumeric(a0);
        if (t.name === 'numeric') {
          return strict([t], t, (v) => (n === 'round' ? (v[0] as Decimal).round(0) : (v[0] as Decimal).trunc(0)));
        }
        return strict([t], t, (v) => (n === 'round' ? rint(v[0] as number) : Math.trunc(v[0] as number)));
      }
      if (argc === 2 && a0 !== undefined && numericArg(a0) !== null && a0.name !== 'float4' && a0.name !== 'float8' && intArg(a1)) {
        return strict([T.numeric, T.int4], T.numeric, (v) =>
          n === 'round' ? (v[0] as Decimal).round(v[1] as number) : (v[0] as Decimal).trunc(v[1] as number),
        );
      }
      break;
    case 'ceil':
    case 'ceiling':
    case 'floor':
      if (argc === 1 && a0 !== undefined && numericArg(a0) !== null) {
        const t = floatOrNumeric(a0);
        const up = n !== 'floor';
        if (t.name === 'numeric') return strict([t], t, (v) => ceilFloor(v[0] as Decimal, up));
        return strict([t], t, (v) => (up ? Math.ceil(v[0] as number) : Math.floor(v[0] as number)));
      }
      break;
    case 'mod':
      if (argc === 2 && a0 !== undefined && a1 !== undefined) {
        const l = numericArg(a0);
        const r = numericArg(a1);
        if (l !== null && r !== null) {
          const lr = NUMERIC_RANK[l.name] as number;
          const rr = NUMERIC_RANK[r.name] as number;
          const c = Math.max(lr, rr);
          if (c <= 3) {
            const t = plainType((lr >= rr ? l : r).name);
            return strict([t, t], t, modFn(t));
          }
        }
      }
      break;
  }
  throw noFunction(n, args);
}

function absFn(t: SqlType): Fn {
  switch (t.name) {
    case 'int2':
    case 'int4': {
      const name = t.name;
      return (v) => checkInt(Math.abs(v[0] as number), name);
    }
    case 'int8':
      return (v) => {
        const b = v[0] as bigint;
        return checkInt8(b < 0n ? -b : b);
      };
    case 'numeric':
      return (v) => (v[0] as Decimal).abs();
    default:
      return (v) => Math.abs(v[0] as number);
  }
}

function modFn(t: SqlType): Fn {
  switch (t.name) {
    case 'int8':
      return (v) => {
        if (v[1] === 0n) throw new SqlRuntimeError('22012', 'division by zero');
        return (v[0] as bigint) % (v[1] as bigint);
      };
    case 'numeric':
      return (v) => (v[0] as Decimal).mod(v[1] as Decimal);
    default:
      return (v) => {
        if (v[1] === 0) throw new SqlRuntimeError('22012', 'division by zero');
        const r = (v[0] as number) % (v[1] as number);
        return r === 0 ? 0 : r;
      };
  }
}

function ceilFloor(d: Decimal, up: boolean): Decimal {
  if (!d.isFinite()) return d;
  const t = d.trunc(0);
  if (t.equals(d)) return t;
  const positive = d.sign() > 0;
  if (up === positive) return t.add(Decimal.fromBigInt(positive ? 1n : -1n));
  return t;
}

const TIME_ARGS = new Set<SqlType['name']>(['timestamp', 'timestamptz', 'date', 'interval']);

/**
 * The date/time functions (name already lower-case), or null when `name`
 * is none of them:
 * - date_trunc(text, timestamp | timestamptz | interval) → same type; a date
 *   argument is promoted to timestamptz (PostgreSQL's choice), so the
 *   result is timestamptz.
 * - date_part(text, timestamp | timestamptz | date | interval) → double
 *   precision (a date goes through timestamp, as in PostgreSQL).
 * - extract(text, timestamp | timestamptz | date | interval) → numeric: the
 *   function behind EXTRACT(field FROM x), which the parser maps to
 *   extract('field', x).
 * - to_char(timestamp | timestamptz | date, text) → text (a date formats as
 *   timestamptz); NULL for an empty format or an infinite timestamp.
 * - make_date(int, int, int) → date; make_interval([years[, months[, weeks[,
 *   days[, hours[, mins[, secs]]]]]]]) → interval (positional);
 *   justify_days / justify_hours / justify_interval(interval) → interval.
 */
function resolveTimeFunction(n: string, args: readonly SqlType[]): ResolvedFunction | null {
  const a0 = args[0];
  const a1 = args[1];
  const argc = args.length;
  switch (n) {
    case 'date_trunc':
      if (argc === 2 && strArg(a0) && a1 !== undefined && TIME_ARGS.has(a1.name)) {
        if (a1.name === 'interval') {
          return strict([T.text, T.interval], T.interval, (v) => dateTruncInterval(v[0] as string, v[1] as PgInterval));
        }
        const t = a1.name === 'timestamp' ? T.timestamp : T.timestamptz;
        const kind = t.name === 'timestamp' ? 'timestamp' : 'timestamptz';
        return strict([T.text, t], t, (v) => dateTruncTimestamp(v[0] as string, v[1] as Timestamp, kind));
      }
      break;
    case 'date_part':
      if (argc === 2 && strArg(a0) && a1 !== undefined && TIME_ARGS.has(a1.name)) {
        const t = a1.name === 'date' ? T.timestamp : plainType(a1.name);
        const kind = t.name === 'timestamptz' ? 'timestamptz' : t.name === 'interval' ? 'interval' : 'timestamp';
        return strict([T.text, t], T.float8, (v) => datePartFloat(v[0] as string, v[1] as Timestamp | PgInterval, kind));
      }
      break;
    case 'extract':
      if (argc === 2 && strArg(a0) && a1 !== undefined && TIME_ARGS.has(a1.name)) {
        const t = plainType(a1.name);
        const kind = t.name === 'timestamp' ? 'timestamp' : t.name === 'timestamptz' ? 'timestamptz' : t.name === 'date' ? 'date' : 'interval';
        return strict([T.text, t], T.numeric, (v) => extractNumeric(v[0] as string, v[1] as Timestamp | PgDate | PgInterval, kind));
      }
      break;
    case 'to_char':
      if (argc === 2 && a0 !== undefined && (a0.name === 'timestamp' || a0.name === 'timestamptz' || a0.name === 'date') && strArg(a1)) {
        const t = a0.name === 'timestamp' ? T.timestamp : T.timestamptz;
        const withTz = t.name === 'timestamptz';
        return strict([t, T.text], T.text, (v) => toChar(v[0] as Timestamp, v[1] as string, withTz));
      }
      break;
    case 'make_date':
      if (argc === 3 && args.every((t) => intArg(t))) {
        return strict([T.int4, T.int4, T.int4], T.date, (v) => makeDate(v[0] as number, v[1] as number, v[2] as number));
      }
      break;
    case 'make_interval':
      if (argc <= 7 && args.every((t, i) => (i < 6 ? intArg(t) : numericArg(t) !== null))) {
        const types = args.map((_t, i) => (i < 6 ? T.int4 : T.float8));
        return strict(types, T.interval, (v) => {
          const num = (i: number): number => (v[i] as number | undefined) ?? 0;
          return makeInterval(num(0), num(1), num(2), num(3), num(4), num(5), num(6));
        });
      }
      break;
    case 'justify_days':
    case 'justify_hours':
    case 'justify_interval':
      if (argc === 1 && a0 !== undefined && a0.name === 'interval') {
        const f = n === 'justify_days' ? justifyDays : n === 'justify_hours' ? justifyHours : justifyInterval;
        return strict([T.interval], T.interval, (v) => f(v[0] as PgInterval));
      }
      break;
  }
  return null;
}

