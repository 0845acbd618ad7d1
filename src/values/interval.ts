/**
 * interval: PostgreSQL 15's interval_in (DecodeInterval and the ISO 8601
 * forms, with its float rounding of fractional fields), interval_out in the
 * default `postgres` IntervalStyle, the comparison value (30-day months,
 * 24-hour days), interval arithmetic (+, -, unary -, * and / by float8)
 * with PostgreSQL's overflow errors, justify_*, and the interval typmod
 * (interval(p), interval day to second, …).
 */
import { SqlRuntimeError } from '../errors.ts';
import { lookupDeltaToken, type TimeUnit } from './time-units.ts';
import { PgInterval } from './types.ts';

export const USECS_PER_SEC = 1_000_000n;
export const USECS_PER_MINUTE = 60_000_000n;
export const USECS_PER_HOUR = 3_600_000_000n;
export const USECS_PER_DAY = 86_400_000_000n;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/** Interval typmod field masks (INTERVAL_MASK of PostgreSQL's field numbers). */
export const IMASK = {
  month: 1 << 1,
  year: 1 << 2,
  day: 1 << 3,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
} as const;
export const INTERVAL_FULL_RANGE = 0x7fff;
export const INTERVAL_FULL_PRECISION = 0xffff;

/** The interval typmod of a field range and precision (PostgreSQL's INTERVAL_TYPMOD). */
export function intervalTypmod(precision: number, range: number): number {
  return ((range & 0x7fff) << 16) | (precision & 0xffff);
}

export function intervalOutOfRange(): SqlRuntimeError {
  return new SqlRuntimeError('22008', 'interval out of range');
}

/** C rint(): round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

function isInt32(n: number): boolean {
  return n >= INT32_MIN && n <= INT32_MAX;
}

function isInt64(b: bigint): boolean {
  return b >= INT64_MIN && b <= INT64_MAX;
}

/** Wraps to int32 as C's unchecked arithmetic does. */
function wrap32(n: number): number {
  return Number(BigInt.asIntN(32, BigInt(n)));
}

// ---------------------------------------------------------------------------
// input

/** A parse failure: DTERR_BAD_FORMAT or DTERR_FIELD_OVERFLOW. */
class DtErr {
  constructor(readonly overflow: boolean) {}
}
const BAD = new DtErr(false);
const OVERFLOW = new DtErr(true);

/** pg_itm_in: the fields being accumulated. */
interface ItmIn {
  usec: bigint;
  mday: number;
  mon: number;
  year: number;
}

/** Field types of ParseDateTime (DTK_NUMBER, DTK_STRING, DTK_DATE, DTK_TIME, DTK_TZ, DTK_SPECIAL). */
const Ft = { Number: 0, String: 1, Date: 2, Time: 3, Tz: 4, Special: 6 } as const;
type FieldType = (typeof Ft)[keyof typeof Ft];

interface Field {
  readonly text: string;
  readonly type: FieldType;
}

function isDigitC(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlphaC(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isSpaceC(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isPunctC(c: number): boolean {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}
function lowerC(ch: string): string {
  const c = ch.charCodeAt(0);
  return c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : ch;
}

const MAXDATEFIELDS = 25;
const WORKBUF = 256;

/** ParseDateTime: splits the input into typed fields (interval_in's 256-byte work buffer included). */
function tokenize(str: string): Field[] {
  const fields: Field[] = [];
  let used = 0;
  let cp = 0;
  const n = str.length;
  const at = (k: number): number => (k < n ? str.charCodeAt(k) : 0);
  while (cp < n) {
    const c = at(cp);
    if (isSpaceC(c)) {
      cp++;
      continue;
    }
    if (fields.length >= MAXDATEFIELDS) throw BAD;
    let buf = '';
    const append = (ch: string): void => {
      if (used + 1 >= WORKBUF) throw BAD;
      used++;
      buf += ch;
    };
    let type: FieldType;
    if (isDigitC(c)) {
      append(str[cp++] as string);
      while (isDigitC(at(cp))) append(str[cp++] as string);
      const d = at(cp);
      if (d === 58) {
        type = Ft.Time;
        append(str[cp++] as string);
        while (isDigitC(at(cp)) || at(cp) === 58 || at(cp) === 46) append(str[cp++] as string);
      } else if (d === 45 || d === 47 || d === 46) {
        const delim = d;
        append(str[cp++] as string);
        if (isDigitC(at(cp))) {
          type = delim === 46 ? Ft.Number : Ft.Date;
          while (isDigitC(at(cp))) append(str[cp++] as string);
          if (at(cp) === delim) {
            type = Ft.Date;
            append(str[cp++] as string);
            while (isDigitC(at(cp)) || at(cp) === delim) append(str[cp++] as string);
          }
        } else {
          type = Ft.Date;
          while (isAlphaC(at(cp)) || isDigitC(at(cp)) || at(cp) === delim) append(lowerC(str[cp++] as string));
        }
      } else type = Ft.Number;
    } else if (c === 46) {
      append(str[cp++] as string);
      while (isDigitC(at(cp))) append(str[cp++] as string);
      type = Ft.Number;
    } else if (isAlphaC(c)) {
      type = Ft.String;
      append(lowerC(str[cp++] as string));
      while (isAlphaC(at(cp))) append(lowerC(str[cp++] as string));
      const d = at(cp);
      let isDate = false;
      if (d === 45 || d === 47 || d === 46) isDate = true;
      else if (d === 43 || isDigitC(d)) isDate = !DATE_KEYWORDS.has(buf);
      if (isDate) {
        type = Ft.Date;
        do append(lowerC(str[cp++] as string));
        while (
          cp < n &&
          (at(cp) === 43 || at(cp) === 45 || at(cp) === 47 || at(cp) === 95 || at(cp) === 46 || at(cp) === 58 || isAlphaC(at(cp)) || isDigitC(at(cp)))
        );
      }
    } else if (c === 43 || c === 45) {
      append(str[cp++] as string);
      while (isSpaceC(at(cp))) cp++;
      if (isDigitC(at(cp))) {
        type = Ft.Tz;
        append(str[cp++] as string);
        while (isDigitC(at(cp)) || at(cp) === 58 || at(cp) === 46 || at(cp) === 45) append(str[cp++] as string);
      } else if (isAlphaC(at(cp))) {
        type = Ft.Special;
        append(lowerC(str[cp++] as string));
        while (isAlphaC(at(cp))) append(lowerC(str[cp++] as string));
      } else throw BAD;
    } else if (isPunctC(c)) {
      cp++;
      continue;
    } else throw BAD;
    used++; // the field's terminating NUL
    fields.push({ text: buf, type });
  }
  return fields;
}

/** Keywords of datetktbl (ParseDateTime checks them before treating "word<digit>" as a date field). */
const DATE_KEYWORDS = new Set([
  '-infinity', 'ad', 'allballs', 'am', 'apr', 'april', 'at', 'aug', 'august', 'bc', 'd', 'dec', 'december',
  'dow', 'doy', 'dst', 'epoch', 'feb', 'february', 'fri', 'friday', 'h', 'infinity', 'isodow', 'isoyear', 'j',
  'jan', 'january', 'jd', 'jul', 'julian', 'july', 'jun', 'june', 'm', 'mar', 'march', 'may', 'mm', 'mon',
  'monday', 'nov', 'november', 'now', 'oct', 'october', 'on', 'pm', 's', 'sat', 'saturday', 'sep', 'sept',
  'september', 'sun', 'sunday', 't', 'thu', 'thur', 'thurs', 'thursday', 'today', 'tomorrow', 'tue', 'tues',
  'tuesday', 'wed', 'wednesday', 'weds', 'y', 'yesterday', 'z', 'zulu',
]);

/** C strtoi64 on s[i..]: optional sign and digits; [value, end, overflow]. No digits → [0n, i]. */
function strtoi64(s: string, i: number): [bigint, number, boolean] {
  let k = i;
  let neg = false;
  const c = s.charCodeAt(k);
  if (c === 43 || c === 45) {
    neg = c === 45;
    k++;
  }
  const ds = k;
  while (k < s.length && isDigitC(s.charCodeAt(k))) k++;
  if (k === ds) return [0n, i, false];
  let v = BigInt(s.slice(ds, k));
  if (neg) v = -v;
  if (!isInt64(v)) return [v < 0n ? INT64_MIN : INT64_MAX, k, true];
  return [v, k, false];
}

/** C strtoint (strtol clipped to int). */
function strtoint(s: string, i: number): [number, number, boolean] {
  const [v, end, ovf] = strtoi64(s, i);
  if (ovf || v < BigInt(INT32_MIN) || v > BigInt(INT32_MAX)) return [0, end, true];
  return [Number(v), end, false];
}

/** C strtod on s[i..] for decimal input (sign, digits, '.', exponent, inf/nan); null when nothing converts. */
function strtod(s: string, i: number): [number, number] | null {
  let k = i;
  const c = s.charCodeAt(k);
  if (c === 43 || c === 45) k++;
  const rest = s.slice(k, k + 8).toLowerCase();
  if (rest.startsWith('infinity')) return [c === 45 ? -Infinity : Infinity, k + 8];
  if (rest.startsWith('inf')) return [c === 45 ? -Infinity : Infinity, k + 3];
  if (rest.startsWith('nan')) return [NaN, k + 3];
  const ds = k;
  while (isDigitC(s.charCodeAt(k))) k++;
  let digits = k - ds;
  if (s.charCodeAt(k) === 46) {
    k++;
    const fs = k;
    while (isDigitC(s.charCodeAt(k))) k++;
    digits += k - fs;
  }
  if (digits === 0) return null;
  const e = s.charCodeAt(k);
  if (e === 101 || e === 69) {
    let j = k + 1;
    const sc = s.charCodeAt(j);
    if (sc === 43 || sc === 45) j++;
    if (isDigitC(s.charCodeAt(j))) {
      while (isDigitC(s.charCodeAt(j))) j++;
      k = j;
    }
  }
  return [Number(s.slice(i, k)), k];
}

function addUsec(itm: ItmIn, v: bigint): void {
  const r = itm.usec + v;
  if (!isInt64(r)) throw OVERFLOW;
  itm.usec = r;
}

function addMday(itm: ItmIn, v: number): void {
  const r = itm.mday + v;
  if (!isInt32(r)) throw OVERFLOW;
  itm.mday = r;
}

function adjustFractMicroseconds(frac: number, scale: number, itm: ItmIn): void {
  if (frac === 0) return;
  let f = frac * scale;
  let usec = Math.trunc(f);
  f -= usec;
  if (f > 0.5) usec++;
  else if (f < -0.5) usec--;
  addUsec(itm, BigInt(usec));
}

function adjustFractDays(frac: number, scale: number, itm: ItmIn): void {
  if (frac === 0) return;
  let f = frac * scale;
  const extra = Math.trunc(f);
  addMday(itm, extra);
  f -= extra;
  adjustFractMicroseconds(f, 86_400_000_000, itm);
}

function adjustFractYears(frac: number, scale: number, itm: ItmIn): void {
  const x = frac * scale * 12;
  const extra = Math.sign(x) * Math.round(Math.abs(x));
  const r = itm.mon + extra;
  if (!isInt32(r)) throw OVERFLOW;
  itm.mon = r === 0 ? 0 : r;
}

function adjustMicroseconds(val: bigint, fval: number, scale: bigint, itm: ItmIn): void {
  const usec = val * scale;
  if (!isInt64(usec)) throw OVERFLOW;
  addUsec(itm, usec);
  adjustFractMicroseconds(fval, Number(scale), itm);
}

function adjustDays(val: bigint, scale: number, itm: ItmIn): void {
  if (val < BigInt(INT32_MIN) || val > BigInt(INT32_MAX)) throw OVERFLOW;
  const days = Number(val) * scale;
  if (!isInt32(days)) throw OVERFLOW;
  addMday(itm, days);
}

function adjustMonths(val: bigint, itm: ItmIn): void {
  if (val < BigInt(INT32_MIN) || val > BigInt(INT32_MAX)) throw OVERFLOW;
  const r = itm.mon + Number(val);
  if (!isInt32(r)) throw OVERFLOW;
  itm.mon = r;
}

function adjustYears(val: bigint, scale: number, itm: ItmIn): void {
  if (val < BigInt(INT32_MIN) || val > BigInt(INT32_MAX)) throw OVERFLOW;
  const years = Number(val) * scale;
  if (!isInt32(years)) throw OVERFLOW;
  const r = itm.year + years;
  if (!isInt32(r)) throw OVERFLOW;
  itm.year = r;
}

/**
 * Adds `val` (and its fraction `fval`) of one unit to the interval being built, cascading the
 * fraction down as PostgreSQL does; false for a unit that is not a time span.
 */
function addUnit(unit: TimeUnit, val: bigint, fval: number, itm: ItmIn): boolean {
  switch (unit) {
    case 'microsecond':
      adjustMicroseconds(val, fval, 1n, itm);
      return true;
    case 'millisecond':
      adjustMicroseconds(val, fval, 1000n, itm);
      return true;
    case 'second':
      adjustMicroseconds(val, fval, USECS_PER_SEC, itm);
      return true;
    case 'minute':
      adjustMicroseconds(val, fval, USECS_PER_MINUTE, itm);
      return true;
    case 'hour':
      adjustMicroseconds(val, fval, USECS_PER_HOUR, itm);
      return true;
    case 'day':
      adjustDays(val, 1, itm);
      adjustFractMicroseconds(fval, 86_400_000_000, itm);
      return true;
    case 'week':
      adjustDays(val, 7, itm);
      adjustFractDays(fval, 7, itm);
      return true;
    case 'month':
      adjustMonths(val, itm);
      adjustFractDays(fval, 30, itm);
      return true;
    case 'year':
    case 'decade':
    case 'century':
    case 'millennium': {
      const years = YEARS_PER[unit];
      adjustYears(val, years, itm);
      adjustFractYears(fval, years, itm);
      return true;
    }
    default:
      return false;
  }
}

const YEARS_PER = { year: 1, decade: 10, century: 100, millennium: 1000 } as const;

/** The units of ISO 8601 interval designators, in the date part and in the time part. */
const ISO_DATE_UNITS = { Y: 'year', M: 'month', W: 'week', D: 'day' } as const;
const ISO_TIME_UNITS = { H: 'hour', M: 'minute', S: 'second' } as const;

/** ParseFraction: ".ddd" (or just ".") to a double. */
function parseFraction(s: string, i: number): number {
  if (i + 1 === s.length) return 0;
  const r = strtod(s, i);
  if (r === null || r[1] !== s.length) throw BAD;
  return r[0];
}

/** ParseFractionalSecond: ".ddd" (or just ".") → microseconds (rint). */
function parseFractionalSecond(s: string, i: number): number {
  return rint(parseFraction(s, i) * 1_000_000);
}

const TIME_MASK = (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14);

/** DecodeTimeForInterval: "h:m[:s[.f]]" or "m:s.f" → micros (the caller replaces tm_usec with it). */
function decodeTime(str: string, range: number): bigint {
  let [hour, cp, ovf] = strtoi64(str, 0);
  if (ovf) throw OVERFLOW;
  if (str.charCodeAt(cp) !== 58) throw BAD;
  let min: number;
  let sec = 0;
  let fsec = 0;
  [min, cp, ovf] = strtoint(str, cp + 1);
  if (ovf) throw OVERFLOW;
  if (cp === str.length) {
    if (range === (IMASK.minute | IMASK.second)) {
      if (hour > BigInt(INT32_MAX) || hour < BigInt(INT32_MIN)) throw OVERFLOW;
      sec = min;
      min = Number(hour);
      hour = 0n;
    }
  } else if (str.charCodeAt(cp) === 46) {
    fsec = parseFractionalSecond(str, cp);
    if (hour > BigInt(INT32_MAX) || hour < BigInt(INT32_MIN)) throw OVERFLOW;
    sec = min;
    min = Number(hour);
    hour = 0n;
  } else if (str.charCodeAt(cp) === 58) {
    [sec, cp, ovf] = strtoint(str, cp + 1);
    if (ovf) throw OVERFLOW;
    if (str.charCodeAt(cp) === 46) fsec = parseFractionalSecond(str, cp);
    else if (cp !== str.length) throw BAD;
  } else throw BAD;
  if (hour < 0n || min < 0 || min > 59 || sec < 0 || sec > 60 || fsec < 0 || fsec > 1_000_000) throw OVERFLOW;
  let usec = BigInt(fsec);
  for (const [v, m] of [
    [hour, USECS_PER_HOUR],
    [BigInt(min), USECS_PER_MINUTE],
    [BigInt(sec), USECS_PER_SEC],
  ] as const) {
    const p = v * m;
    if (!isInt64(p)) throw OVERFLOW;
    usec += p;
    if (!isInt64(usec)) throw OVERFLOW;
  }
  return usec;
}

/** The unit a bare rightmost number has under an interval typmod range. */
function defaultUnit(range: number): TimeUnit {
  const { year, month, day, hour, minute } = IMASK;
  switch (range) {
    case year:
      return 'year';
    case month:
    case year | month:
      return 'month';
    case day:
      return 'day';
    case hour:
    case day | hour:
      return 'hour';
    case minute:
    case hour | minute:
    case day | hour | minute:
      return 'minute';
    default:
      return 'second';
  }
}

/** tmask bits of the units (DTK_M of PostgreSQL's field numbers). */
const UNIT_MASK: Partial<Record<TimeUnit, number>> = {
  month: 1 << 1,
  year: 1 << 2,
  day: 1 << 3,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
  millisecond: 1 << 13,
  microsecond: 1 << 14,
  week: 1 << 24,
  decade: 1 << 25,
  century: 1 << 26,
  millennium: 1 << 27,
};
const ALL_SECS_MASK = (1 << 12) | (1 << 13) | (1 << 14);

/** The unit state of DecodeInterval: none yet (IGNORE_DTF), a unit, or the stray value "ago" leaves. */
type UnitState = TimeUnit | 'none' | 'ago';

/** DecodeInterval, reading the fields right to left so units come before their values. */
function decodeFields(fields: readonly Field[], range: number): ItmIn {
  const itm: ItmIn = { usec: 0n, mday: 0, mon: 0, year: 0 };
  let isBefore = false;
  let fmask = 0;
  let type: UnitState = 'none';
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i] as Field;
    let tmask = 0;
    let asNumber = false;
    switch (f.type) {
      case Ft.Time:
        itm.usec = decodeTime(f.text, range);
        tmask = TIME_MASK;
        type = 'day';
        break;
      case Ft.Tz: {
        if (f.text.indexOf(':', 1) >= 0) {
          let t: bigint | null;
          try {
            t = decodeTime(f.text.slice(1), range);
          } catch (e) {
            if (!(e instanceof DtErr)) throw e;
            t = null; // not a signed time: read it as a signed number below
          }
          if (t !== null) {
            itm.usec = f.text.charCodeAt(0) === 45 ? -t : t;
            tmask = TIME_MASK;
            type = 'day';
            break;
          }
        }
        asNumber = true;
        break;
      }
      case Ft.Date:
      case Ft.Number:
        asNumber = true;
        break;
      case Ft.String:
      case Ft.Special: {
        const tok = lookupDeltaToken(f.text);
        if (tok === null) throw BAD;
        if (tok.kind === 'ignore') continue;
        if (tok.kind === 'units') type = tok.unit;
        else if (tok.kind === 'ago') {
          isBefore = true;
          type = 'ago';
        } else throw BAD;
        break;
      }
    }
    if (asNumber) {
      if (type === 'none') type = defaultUnit(range);
      const s = f.text;
      const [val0, cp0, ovf] = strtoi64(s, 0);
      if (ovf) throw OVERFLOW;
      let val = val0;
      let cp = cp0;
      let fval: number;
      if (s.charCodeAt(cp) === 45) {
        // SQL "years-months" syntax
        let val2: number;
        let ovf2: boolean;
        [val2, cp, ovf2] = strtoint(s, cp + 1);
        if (ovf2 || val2 < 0 || val2 >= 12) throw OVERFLOW;
        if (cp !== s.length) throw BAD;
        type = 'month';
        if (s.charCodeAt(0) === 45) val2 = -val2;
        val = val * 12n;
        if (!isInt64(val)) throw OVERFLOW;
        val += BigInt(val2);
        if (!isInt64(val)) throw OVERFLOW;
        fval = 0;
      } else if (s.charCodeAt(cp) === 46) {
        fval = parseFraction(s, cp);
        if (s.charCodeAt(0) === 45) fval = -fval;
      } else if (cp === s.length) fval = 0;
      else throw BAD;
      if (type === 'ago' || !addUnit(type, val, fval, itm)) throw BAD;
      tmask = type === 'second' && fval !== 0 ? ALL_SECS_MASK : (UNIT_MASK[type] as number);
      if (type === 'hour') type = 'day';
    }
    if ((tmask & fmask) !== 0) throw BAD;
    fmask |= tmask;
  }
  // (PostgreSQL 15 still accepts a unit without a number, e.g. '1 day day')
  if (fmask === 0) throw BAD;
  if (isBefore) {
    if (itm.usec === INT64_MIN || itm.mday === INT32_MIN || itm.mon === INT32_MIN || itm.year === INT32_MIN) throw OVERFLOW;
    itm.usec = -itm.usec;
    itm.mday = -itm.mday | 0;
    itm.mon = -itm.mon | 0;
    itm.year = -itm.year | 0;
  }
  return itm;
}

/** ParseISO8601Number: a strtod number within ±1e15, split into integer and fraction parts. */
function iso8601Number(s: string, i: number): [bigint, number, number] {
  const c = s.charCodeAt(i);
  if (!(isDigitC(c) || c === 45 || c === 46)) throw BAD;
  const r = strtod(s, i);
  if (r === null) throw BAD;
  const v = r[0];
  if (Number.isNaN(v) || v < -1e15 || v > 1e15) throw OVERFLOW;
  const ip = v >= 0 ? Math.floor(v) : -Math.floor(-v);
  return [BigInt(ip), v - ip, r[1]];
}

function iso8601IntegerWidth(s: string, i: number): number {
  let k = i;
  if (s.charCodeAt(k) === 45) k++;
  const st = k;
  while (isDigitC(s.charCodeAt(k))) k++;
  return k - st;
}

/** DecodeISO8601Interval: 'P1Y2M3DT4H5M6S', 'P0001-02-03T04:05:06', 'P00010203T040506'. */
function decodeIso8601(str: string): ItmIn {
  const itm: ItmIn = { usec: 0n, mday: 0, mon: 0, year: 0 };
  if (str.length < 2 || str.charCodeAt(0) !== 80) throw BAD;
  let datepart = true;
  let havefield = false;
  let i = 1;
  const n = str.length;
  while (i < n) {
    if (str.charCodeAt(i) === 84) {
      datepart = false;
      havefield = false;
      i++;
      continue;
    }
    const fieldstart = i;
    let [val, fval, end] = iso8601Number(str, i);
    i = end;
    const unit = i < n ? (str[i] as string) : '';
    i++;
    if (datepart) {
      switch (unit) {
        case 'Y':
        case 'M':
        case 'W':
        case 'D':
          addUnit(ISO_DATE_UNITS[unit], val, fval, itm);
          break;
        case 'T':
        case '':
        case '-': {
          if ((unit === 'T' || unit === '') && iso8601IntegerWidth(str, fieldstart) === 8 && !havefield) {
            adjustYears(val / 10000n, 1, itm);
            adjustMonths((val / 100n) % 100n, itm);
            adjustDays(val % 100n, 1, itm);
            adjustFractMicroseconds(fval, 86_400_000_000, itm);
            if (unit === '') return itm;
            datepart = false;
            havefield = false;
            continue;
          }
          if (havefield) throw BAD;
          adjustYears(val, 1, itm);
          adjustFractYears(fval, 1, itm);
          if (unit === '') return itm;
          if (unit === 'T') {
            datepart = false;
            havefield = false;
            continue;
          }
          [val, fval, end] = iso8601Number(str, i);
          i = end;
          adjustMonths(val, itm);
          adjustFractDays(fval, 30, itm);
          if (i >= n) return itm;
          if (str.charCodeAt(i) === 84) {
            datepart = false;
            havefield = false;
            continue;
          }
          if (str.charCodeAt(i) !== 45) throw BAD;
          i++;
          [val, fval, end] = iso8601Number(str, i);
          i = end;
          adjustDays(val, 1, itm);
          adjustFractMicroseconds(fval, 86_400_000_000, itm);
          if (i >= n) return itm;
          if (str.charCodeAt(i) === 84) {
            datepart = false;
            havefield = false;
            continue;
          }
          throw BAD;
        }
        default:
          throw BAD;
      }
    } else {
      switch (unit) {
        case 'H':
        case 'M':
        case 'S':
          addUnit(ISO_TIME_UNITS[unit], val, fval, itm);
          break;
        case '':
        case ':': {
          if (unit === '' && iso8601IntegerWidth(str, fieldstart) === 6 && !havefield) {
            adjustMicroseconds(val / 10000n, 0, USECS_PER_HOUR, itm);
            adjustMicroseconds((val / 100n) % 100n, 0, USECS_PER_MINUTE, itm);
            adjustMicroseconds(val % 100n, 0, USECS_PER_SEC, itm);
            adjustFractMicroseconds(fval, 1, itm);
            return itm;
          }
          if (havefield) throw BAD;
          adjustMicroseconds(val, fval, USECS_PER_HOUR, itm);
          if (unit === '') return itm;
          [val, fval, end] = iso8601Number(str, i);
          i = end;
          adjustMicroseconds(val, fval, USECS_PER_MINUTE, itm);
          if (i >= n) return itm;
          if (str.charCodeAt(i) !== 58) throw BAD;
          i++;
          [val, fval, end] = iso8601Number(str, i);
          i = end;
          adjustMicroseconds(val, fval, USECS_PER_SEC, itm);
          if (i >= n) return itm;
          throw BAD;
        }
        default:
          throw BAD;
      }
    }
    havefield = true;
  }
  return itm;
}

/**
 * PostgreSQL interval_in: '1 year 2 mons 3 days 04:05:06.789', '-1 days
 * +02:00:00', '1.5 hours', '3 days 04:00', '1-2', '@ 1 day ago', ISO 8601
 * ('P1Y2M3DT4H', 'P0001-02-03T04:05:06'). `typmod` (an interval field
 * range) only decides what a bare trailing number means; the caller
 * applies the typmod itself (applyIntervalTypmod). Throws 22007 (syntax),
 * 22015 (field out of range) or 22008 (out of range).
 */
export function parseInterval(text: string, typmod = -1): PgInterval {
  const range = typmod < 0 ? INTERVAL_FULL_RANGE : (typmod >> 16) & 0x7fff;
  let itm: ItmIn;
  try {
    try {
      itm = decodeFields(tokenize(text), range);
    } catch (e) {
      if (e !== BAD) throw e;
      itm = decodeIso8601(text);
    }
  } catch (e) {
    if (e instanceof DtErr) {
      if (e.overflow) throw new SqlRuntimeError('22015', `interval field value out of range: "${text}"`);
      throw new SqlRuntimeError('22007', `invalid input syntax for type interval: "${text}"`);
    }
    throw e;
  }
  const months = itm.year * 12 + itm.mon;
  if (!isInt32(months)) throw intervalOutOfRange();
  return new PgInterval(months === 0 ? 0 : months, itm.mday === 0 ? 0 : itm.mday, itm.usec);
}

// ---------------------------------------------------------------------------
// output

function pad2(n: bigint | number): string {
  const s = String(n);
  return s.length < 2 ? '0' + s : s;
}

/** interval2itm: [years, months, days, hours, minutes, seconds, micros], each truncated toward zero. */
export function intervalFields(iv: PgInterval): [number, number, number, bigint, number, number, number] {
  const year = Math.trunc(iv.months / 12);
  const mon = iv.months - year * 12;
  let t = iv.micros;
  const hour = t / USECS_PER_HOUR;
  t -= hour * USECS_PER_HOUR;
  const min = t / USECS_PER_MINUTE;
  t -= min * USECS_PER_MINUTE;
  const sec = t / USECS_PER_SEC;
  t -= sec * USECS_PER_SEC;
  return [year === 0 ? 0 : year, mon === 0 ? 0 : mon, iv.days, hour, Number(min), Number(sec), Number(t)];
}

/** PostgreSQL interval_out (IntervalStyle postgres): '1 year 2 mons -3 days +04:05:06.5', '00:00:00'. */
export function intervalText(iv: PgInterval): string {
  const [year, mon, mday, hour, min, sec, usec] = intervalFields(iv);
  let out = '';
  let isZero = true;
  let isBefore = false;
  const part = (value: number, unit: string): void => {
    if (value === 0) return;
    out += (isZero ? '' : ' ') + (isBefore && value > 0 ? '+' : '') + value + ' ' + unit + (value !== 1 ? 's' : '');
    isBefore = value < 0;
    isZero = false;
  };
  part(year, 'year');
  part(mon, 'mon');
  part(mday, 'day');
  if (isZero || hour !== 0n || min !== 0 || sec !== 0 || usec !== 0) {
    const minus = hour < 0n || min < 0 || sec < 0 || usec < 0;
    out += (isZero ? '' : ' ') + (minus ? '-' : isBefore ? '+' : '');
    out += pad2(hour < 0n ? -hour : hour) + ':' + pad2(Math.abs(min)) + ':' + pad2(Math.abs(sec));
    if (usec !== 0) {
      let f = String(Math.abs(usec)).padStart(6, '0');
      let e = 6;
      while (f.charCodeAt(e - 1) === 48) e--;
      f = f.slice(0, e);
      out += '.' + f;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// comparison and arithmetic

/** interval_cmp_value: the total in micros with 30-day months and 24-hour days. */
export function intervalCmpValue(iv: PgInterval): bigint {
  return iv.micros + (BigInt(iv.months) * 30n + BigInt(iv.days)) * USECS_PER_DAY;
}

export function compareIntervals(a: PgInterval, b: PgInterval): number {
  const x = intervalCmpValue(a);
  const y = intervalCmpValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** interval_um. */
export function intervalNeg(a: PgInterval): PgInterval {
  if (a.months === INT32_MIN || a.days === INT32_MIN || a.micros === INT64_MIN) throw intervalOutOfRange();
  return new PgInterval(-a.months | 0, -a.days | 0, -a.micros);
}

/** interval_pl / interval_mi. */
export function intervalAdd(a: PgInterval, b: PgInterval, sign: 1 | -1): PgInterval {
  const months = a.months + sign * b.months;
  const days = a.days + sign * b.days;
  const micros = sign > 0 ? a.micros + b.micros : a.micros - b.micros;
  if (!isInt32(months) || !isInt32(days) || !isInt64(micros)) throw intervalOutOfRange();
  return new PgInterval(months | 0, days | 0, micros);
}

function tsround(x: number): number {
  return rint(x * 1e6) / 1e6;
}

function fitsInt64(x: number): boolean {
  return x >= -9223372036854775808 && x < 9223372036854775808;
}

function fitsInt32(x: number): boolean {
  return x >= INT32_MIN && x < 2147483648;
}

/** interval_mul: interval * float8, cascading fractional months/days down (30-day months). */
export function intervalMul(span: PgInterval, factor: number): PgInterval {
  // interval_mul checks the scaled fields against INT_MAX inclusive, interval_div with FLOAT8_FITS_IN_INT32
  return scaleInterval(span, (x) => x * factor, (r) => r <= INT32_MAX && r >= INT32_MIN);
}

/** interval_div: interval / float8 (22012 on zero). */
export function intervalDiv(span: PgInterval, factor: number): PgInterval {
  if (factor === 0) throw new SqlRuntimeError('22012', 'division by zero');
  return scaleInterval(span, (x) => x / factor, fitsInt32);
}

/** The body PostgreSQL's interval_mul and interval_div share: each field scaled, fractions cascaded down. */
function scaleInterval(span: PgInterval, scale: (x: number) => number, fits: (x: number) => boolean): PgInterval {
  let r = scale(span.months);
  if (Number.isNaN(r) || !fits(r)) throw intervalOutOfRange();
  const month = Math.trunc(r) | 0;
  r = scale(span.days);
  if (Number.isNaN(r) || !fits(r)) throw intervalOutOfRange();
  let day = Math.trunc(r) | 0;
  let monthRemainderDays = (scale(span.months) - month) * 30;
  monthRemainderDays = tsround(monthRemainderDays);
  let secRemainder = (scale(span.days) - day + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400;
  secRemainder = tsround(secRemainder);
  if (Math.abs(secRemainder) >= 86400) {
    const extra = Math.trunc(secRemainder / 86400);
    day += extra;
    if (!isInt32(day)) throw intervalOutOfRange();
    secRemainder -= extra * 86400;
  }
  day += Math.trunc(monthRemainderDays);
  if (!isInt32(day)) throw intervalOutOfRange();
  const t = rint(scale(Number(span.micros)) + secRemainder * 1e6);
  if (Number.isNaN(t) || !fitsInt64(t)) throw intervalOutOfRange();
  return new PgInterval(month === 0 ? 0 : month, day === 0 ? 0 : day, BigInt(t));
}

/** justify_hours: whole 24-hour periods of the time part move to days (signs made consistent). */
export function justifyHours(span: PgInterval): PgInterval {
  let time = span.micros;
  const wholeday = time / USECS_PER_DAY;
  time -= wholeday * USECS_PER_DAY;
  let day = span.days + Number(wholeday);
  if (!isInt32(day)) throw intervalOutOfRange();
  if (day > 0 && time < 0n) {
    time += USECS_PER_DAY;
    day--;
  } else if (day < 0 && time > 0n) {
    time -= USECS_PER_DAY;
    day++;
  }
  return new PgInterval(span.months, day, time);
}

/** justify_days: whole 30-day periods move to months (signs made consistent). */
export function justifyDays(span: PgInterval): PgInterval {
  const wholemonth = Math.trunc(span.days / 30);
  let day = span.days - wholemonth * 30;
  let month = span.months + wholemonth;
  if (!isInt32(month)) throw intervalOutOfRange();
  if (month > 0 && day < 0) {
    day += 30;
    month--;
  } else if (month < 0 && day > 0) {
    day -= 30;
    month++;
  }
  return new PgInterval(month === 0 ? 0 : month, day === 0 ? 0 : day, span.micros);
}

/** justify_interval: justify_days and justify_hours together, with one sign throughout. */
export function justifyInterval(span: PgInterval): PgInterval {
  let month = span.months;
  let day = span.days;
  let time = span.micros;
  if ((day > 0 && time > 0n) || (day < 0 && time < 0n)) {
    // pre-justify days (as PostgreSQL does, to avoid overflow)
    const wm = Math.trunc(day / 30);
    day -= wm * 30;
    month += wm;
    if (!isInt32(month)) throw intervalOutOfRange();
  }
  const wholeday = time / USECS_PER_DAY;
  time -= wholeday * USECS_PER_DAY;
  day += Number(wholeday);
  const wholemonth = Math.trunc(day / 30);
  day -= wholemonth * 30;
  month += wholemonth;
  if (!isInt32(month)) throw intervalOutOfRange();
  if (month > 0 && (day < 0 || (day === 0 && time < 0n))) {
    day += 30;
    month--;
  } else if (month < 0 && (day > 0 || (day === 0 && time > 0n))) {
    day -= 30;
    month++;
  }
  if (day > 0 && time < 0n) {
    time += USECS_PER_DAY;
    day--;
  } else if (day < 0 && time > 0n) {
    time -= USECS_PER_DAY;
    day++;
  }
  return new PgInterval(month === 0 ? 0 : month, day === 0 ? 0 : day, time);
}

/**
 * make_interval(years, months, weeks, days, hours, mins, secs) with
 * PostgreSQL 15's arithmetic (fields wrap as in C, an out-of-range secs
 * becomes INT64_MIN microseconds as x86-64 does; infinite/NaN secs → 22008).
 */
export function makeInterval(years: number, months: number, weeks: number, days: number, hours: number, mins: number, secs: number): PgInterval {
  if (!Number.isFinite(secs)) throw intervalOutOfRange();
  const us = rint(secs * 1e6);
  // C's (int64) of an out-of-range double is INT64_MIN on x86-64
  const usec = fitsInt64(us) ? BigInt(us) : INT64_MIN;
  const month = wrap32(years * 12 + months);
  const day = wrap32(weeks * 7 + days);
  const time = BigInt.asIntN(64, BigInt(hours) * USECS_PER_HOUR + BigInt(mins) * USECS_PER_MINUTE + usec);
  return new PgInterval(month, day, time);
}

// ---------------------------------------------------------------------------
// typmod

const INTERVAL_SCALES = [1000000n, 100000n, 10000n, 1000n, 100n, 10n, 1n];

/** AdjustIntervalForTypmod: truncates to the typmod's field range and rounds to its precision. */
export function applyIntervalTypmod(iv: PgInterval, typmod: number): PgInterval {
  if (typmod < 0) return iv;
  const range = (typmod >> 16) & 0x7fff;
  const precision = typmod & 0xffff;
  const { year, month, day, hour, minute, second } = IMASK;
  let m = iv.months;
  let d = iv.days;
  let t = iv.micros;
  switch (range) {
    case INTERVAL_FULL_RANGE:
    case second:
    case day | hour | minute | second:
    case hour | minute | second:
    case minute | second:
      break;
    case year:
      m = Math.trunc(m / 12) * 12;
      d = 0;
      t = 0n;
      break;
    case month:
    case year | month:
      d = 0;
      t = 0n;
      break;
    case day:
      t = 0n;
      break;
    case hour:
    case day | hour:
      t = (t / USECS_PER_HOUR) * USECS_PER_HOUR;
      break;
    case minute:
    case day | hour | minute:
    case hour | minute:
      t = (t / USECS_PER_MINUTE) * USECS_PER_MINUTE;
      break;
    default:
      throw new SqlRuntimeError('XX000', `unrecognized interval typmod: ${typmod}`);
  }
  if (precision !== INTERVAL_FULL_PRECISION && precision < 6) {
    const scale = INTERVAL_SCALES[precision] as bigint;
    const offset = scale / 2n;
    t = t >= 0n ? ((t + offset) / scale) * scale : -(((-t + offset) / scale) * scale);
  }
  if (m === iv.months && d === iv.days && t === iv.micros) return iv;
  return new PgInterval(m === 0 ? 0 : m, d, t);
}

/** format_type's rendering of an interval typmod: 'interval', 'interval(3)', 'interval day to second(3)'. */
export function intervalDisplay(typmod: number): string {
  if (typmod < 0) return 'interval';
  const range = (typmod >> 16) & 0x7fff;
  const precision = typmod & 0xffff;
  const { year, month, day, hour, minute, second } = IMASK;
  const names: Record<number, string> = {
    [year]: ' year',
    [month]: ' month',
    [day]: ' day',
    [hour]: ' hour',
    [minute]: ' minute',
    [second]: ' second',
    [year | month]: ' year to month',
    [day | hour]: ' day to hour',
    [day | hour | minute]: ' day to minute',
    [day | hour | minute | second]: ' day to second',
    [hour | minute]: ' hour to minute',
    [hour | minute | second]: ' hour to second',
    [minute | second]: ' minute to second',
    [INTERVAL_FULL_RANGE]: '',
  };
  const f = names[range] ?? '';
  return 'interval' + f + (precision !== INTERVAL_FULL_PRECISION ? `(${precision})` : '');
}

/** Field-range words of an interval type name ('day to second') → range mask; null when not valid. */
export function intervalRangeOf(words: string): number | null {
  const { year, month, day, hour, minute, second } = IMASK;
  const table: Record<string, number> = {
    '': INTERVAL_FULL_RANGE,
    year,
    month,
    day,
    hour,
    minute,
    second,
    'year to month': year | month,
    'day to hour': day | hour,
    'day to minute': day | hour | minute,
    'day to second': day | hour | minute | second,
    'hour to minute': hour | minute,
    'hour to second': hour | minute | second,
    'minute to second': minute | second,
  };
  return table[words] ?? null;
}
