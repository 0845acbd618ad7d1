/**
 * date / timestamp / timestamptz: parsing PostgreSQL's ISO text forms and
 * printing them exactly as PostgreSQL does (DateStyle=ISO, TimeZone=UTC),
 * both as text output and as to_jsonb's XSD form. Proleptic Gregorian
 * calendar; astronomical year 0 is 1 BC. No JS Date anywhere.
 */
import { SqlRuntimeError } from '../errors.ts';
import { PgDate, Timestamp } from './types.ts';

const MICROS_PER_DAY = 86_400_000_000;
const MICROS_PER_DAY_N = 86_400_000_000n;
/** Days of 4714-11-24 BC (Julian day 0), PostgreSQL's lower bound for dates and timestamps. */
export const MIN_DAYS = -2_440_588;
/** Days of 5874897-12-31, the last valid date. */
export const MAX_DATE_DAYS = 2_145_042_905;
/** First invalid timestamp day: 294277-01-01. */
const END_TIMESTAMP_DAYS = 106_762_940;

/** Days since 1970-01-01 of a proleptic Gregorian civil date (astronomical year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date [year (astronomical), month, day] of days since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Days in month m (1–12) of astronomical year y. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? '0' + n : n >= 10 ? '00' + n : '000' + n;
}

/** 'YYYY-MM-DD' plus the BC flag, for the civil date of `days`. */
function dateParts(days: number): [string, boolean] {
  const [y, m, d] = civilFromDays(days);
  const bc = y <= 0;
  return [pad4(bc ? 1 - y : y) + '-' + pad2(m) + '-' + pad2(d), bc];
}

/** PostgreSQL date text (and to_jsonb string content): '2024-02-29', '0044-03-15 BC', 'infinity'. */
export function dateText(d: PgDate): string {
  if (d.infinity !== 0) return d.infinity > 0 ? 'infinity' : '-infinity';
  const [s, bc] = dateParts(d.days);
  return bc ? s + ' BC' : s;
}

/**
 * PostgreSQL timestamp text. `json` selects to_jsonb's XSD form ('T'
 * separator, '+00:00' zone) instead of the text output ('2024-01-02
 * 03:04:05.5+00'). Fractional seconds are trimmed of trailing zeros; BC
 * years get a ' BC' suffix in both forms (as PostgreSQL does).
 */
export function timestampText(ts: Timestamp, withTz: boolean, json: boolean): string {
  if (ts.infinity !== 0) return ts.infinity > 0 ? 'infinity' : '-infinity';
  let days: number;
  let tod: number;
  const m = ts.micros;
  if (m >= -9007199254740991n && m <= 9007199254740991n) {
    const n = Number(m);
    days = Math.floor(n / MICROS_PER_DAY);
    tod = n - days * MICROS_PER_DAY;
  } else {
    let dq = m / MICROS_PER_DAY_N;
    let r = m - dq * MICROS_PER_DAY_N;
    if (r < 0n) {
      dq -= 1n;
      r += MICROS_PER_DAY_N;
    }
    days = Number(dq);
    tod = Number(r);
  }
  const [date, bc] = dateParts(days);
  const secs = Math.floor(tod / 1_000_000);
  const us = tod - secs * 1_000_000;
  const hh = Math.floor(secs / 3600);
  const mi = Math.floor((secs - hh * 3600) / 60);
  const ss = secs - hh * 3600 - mi * 60;
  let out = date + (json ? 'T' : ' ') + pad2(hh) + ':' + pad2(mi) + ':' + pad2(ss);
  if (us !== 0) {
    let f = String(us);
    if (f.length < 6) f = '000000'.slice(f.length) + f;
    let e = 6;
    while (f.charCodeAt(e - 1) === 48) e--;
    out += '.' + f.slice(0, e);
  }
  if (withTz) out += json ? '+00:00' : '+00';
  return bc ? out + ' BC' : out;
}

/** The three input flavours, for error messages. */
type Kind = 'date' | 'timestamp' | 'timestamptz';

function typeLabel(kind: Kind): string {
  return kind === 'timestamptz' ? 'timestamp with time zone' : kind;
}

function syntaxError(kind: Kind, text: string): SqlRuntimeError {
  return new SqlRuntimeError('22007', `invalid input syntax for type ${typeLabel(kind)}: "${text}"`);
}

function fieldError(text: string): SqlRuntimeError {
  return new SqlRuntimeError('22008', `date/time field value out of range: "${text}"`);
}

interface Parsed {
  days: number;
  /** micros since midnight */
  tod: number;
  /** zone offset east of UTC in seconds; null when absent */
  offset: number | null;
  infinity: 0 | 1 | -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Integer value of the decimal digits text[from, to) (caller guarantees digits, short runs). */
function digitsValue(text: string, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (text.charCodeAt(k) - 48);
  return v;
}

/** Parses the ISO forms PostgreSQL prints (and common ISO 8601 variants). */
function parseDateTime(text: string, kind: Kind): Parsed {
  let i = 0;
  let end = text.length;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  const c0 = text.charCodeAt(i);
  if (!isDigit(c0)) {
    const w = text.slice(i, end).toLowerCase();
    if (w === 'infinity' || w === '+infinity') return { days: 0, tod: 0, offset: null, infinity: 1 };
    if (w === '-infinity') return { days: 0, tod: 0, offset: null, infinity: -1 };
    if (w === 'epoch') return { days: 0, tod: 0, offset: 0, infinity: 0 };
    throw syntaxError(kind, text);
  }
  // date: Y+-MM-DD or YYYYMMDD
  let y = 0;
  let m = 0;
  let d = 0;
  let s = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const ylen = i - s;
  if (i < end && text.charCodeAt(i) === 45) {
    y = digitsValue(text, s, i);
    i++;
    s = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i - s < 1 || i - s > 2 || text.charCodeAt(i) !== 45) throw syntaxError(kind, text);
    m = digitsValue(text, s, i);
    i++;
    s = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i - s < 1 || i - s > 2) throw syntaxError(kind, text);
    d = digitsValue(text, s, i);
  } else if (ylen === 8) {
    y = digitsValue(text, s, s + 4);
    m = digitsValue(text, s + 4, s + 6);
    d = digitsValue(text, s + 6, s + 8);
  } else throw syntaxError(kind, text);
  let tod = 0;
  let offset: number | null = null;
  let bc = false;
  // time
  let c = text.charCodeAt(i);
  if (i < end && (c === 84 || c === 116 || c === 32)) {
    let j = i + 1;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j < end && isDigit(text.charCodeAt(j))) {
      i = j;
      const hs = i;
      while (i < end && isDigit(text.charCodeAt(i))) i++;
      if (i - hs < 1 || i - hs > 2 || text.charCodeAt(i) !== 58) throw syntaxError(kind, text);
      const hh = digitsValue(text, hs, i);
      i++;
      const ms = i;
      while (i < end && isDigit(text.charCodeAt(i))) i++;
      if (i - ms !== 2) throw syntaxError(kind, text);
      const mi = digitsValue(text, ms, i);
      let ss = 0;
      let us = 0;
      if (text.charCodeAt(i) === 58) {
        i++;
        const ssStart = i;
        while (i < end && isDigit(text.charCodeAt(i))) i++;
        if (i - ssStart !== 2) throw syntaxError(kind, text);
        ss = digitsValue(text, ssStart, i);
        if (text.charCodeAt(i) === 46) {
          i++;
          const fs = i;
          while (i < end && isDigit(text.charCodeAt(i))) i++;
          const n = i - fs;
          if (n <= 6) {
            if (n > 0) us = digitsValue(text, fs, i) * 10 ** (6 - n);
          } else {
            us = digitsValue(text, fs, fs + 6);
            if (text.charCodeAt(fs + 6) >= 53) us++; // round half up on the 7th digit
          }
        }
      }
      if (hh > 24 || mi > 59 || ss > 60 || (hh === 24 && (mi > 0 || ss > 0 || us > 0))) throw fieldError(text);
      tod = ((hh * 60 + mi) * 60 + ss) * 1_000_000 + us;
    } else if (c === 84 || c === 116) throw syntaxError(kind, text);
  }
  // zone
  c = text.charCodeAt(i);
  while (i < end && c === 32) c = text.charCodeAt(++i);
  if (i < end && (c === 43 || c === 45)) {
    const sign = c === 45 ? -1 : 1;
    i++;
    const zs = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    let zh: number;
    let zm = 0;
    let zsec = 0;
    const n = i - zs;
    if (n === 1 || n === 2) zh = digitsValue(text, zs, i);
    else if (n === 4) {
      zh = digitsValue(text, zs, zs + 2);
      zm = digitsValue(text, zs + 2, zs + 4);
    } else throw syntaxError(kind, text);
    if (n <= 2 && text.charCodeAt(i) === 58) {
      i++;
      const a = i;
      while (i < end && isDigit(text.charCodeAt(i))) i++;
      if (i - a !== 2) throw syntaxError(kind, text);
      zm = digitsValue(text, a, i);
      if (text.charCodeAt(i) === 58) {
        i++;
        const b = i;
        while (i < end && isDigit(text.charCodeAt(i))) i++;
        if (i - b !== 2) throw syntaxError(kind, text);
        zsec = digitsValue(text, b, i);
      }
    }
    if (zh > 15 || zm > 59 || zsec > 59) throw new SqlRuntimeError('22009', `time zone displacement out of range: "${text}"`);
    offset = sign * (zh * 3600 + zm * 60 + zsec);
  } else if (i < end && (c === 90 || c === 122)) {
    offset = 0;
    i++;
  } else if (i + 2 < end && (c === 85 || c === 117) && text.slice(i, i + 3).toUpperCase() === 'UTC') {
    offset = 0;
    i += 3;
  }
  // era
  c = text.charCodeAt(i);
  while (i < end && c === 32) c = text.charCodeAt(++i);
  if (i < end && (c === 66 || c === 98 || c === 65 || c === 97)) {
    const era = text.slice(i, i + 2).toUpperCase();
    if (era === 'BC') {
      bc = true;
      i += 2;
    } else if (era === 'AD') i += 2;
  }
  if (i !== end) throw syntaxError(kind, text);
  if (bc) {
    if (y === 0) throw fieldError(text);
    y = 1 - y;
  } else if (y === 0) throw fieldError(text);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw fieldError(text);
  return { days: daysFromCivil(y, m, d), tod, offset, infinity: 0 };
}

/** PostgreSQL date_in for ISO forms ('2024-02-29', '0044-03-15 BC', 'infinity'). Throws 22007/22008. */
export function parseDate(text: string): PgDate {
  const p = parseDateTime(text, 'date');
  if (p.infinity !== 0) return new PgDate(0, p.infinity);
  if (p.days < MIN_DAYS || p.days > MAX_DATE_DAYS) {
    throw new SqlRuntimeError('22008', `date out of range: "${text}"`);
  }
  return new PgDate(p.days);
}

/**
 * PostgreSQL timestamp_in / timestamptz_in for ISO forms. For timestamptz an
 * explicit offset is applied (absent → UTC, the session zone); for timestamp
 * any offset is ignored, as PostgreSQL does. Throws 22007/22008.
 */
export function parseTimestamp(text: string, withTz: boolean): Timestamp {
  const p = parseDateTime(text, withTz ? 'timestamptz' : 'timestamp');
  if (p.infinity !== 0) return new Timestamp(0n, p.infinity);
  const offsetSecs = withTz && p.offset !== null ? p.offset : 0;
  const secs = p.days * 86400 - offsetSecs;
  const total = secs * 1_000_000 + p.tod;
  const micros = Number.isSafeInteger(total) ? BigInt(total) : BigInt(secs) * 1_000_000n + BigInt(p.tod);
  if (!timestampInRange(micros)) throw new SqlRuntimeError('22008', `timestamp out of range: "${text}"`);
  return new Timestamp(micros);
}

const MIN_TS_MICROS = BigInt(MIN_DAYS) * MICROS_PER_DAY_N;
const END_TS_MICROS = BigInt(END_TIMESTAMP_DAYS) * MICROS_PER_DAY_N;

/** Whether epoch micros lie in PostgreSQL's timestamp range (4714-11-24 BC .. 294276-12-31). */
export function timestampInRange(micros: bigint): boolean {
  return micros >= MIN_TS_MICROS && micros < END_TS_MICROS;
}

/** [days since 1970-01-01, microseconds since midnight] of epoch microseconds (floor division). */
export function splitMicros(m: bigint): [number, number] {
  if (m >= -9007199254740991n && m <= 9007199254740991n) {
    const n = Number(m);
    const days = Math.floor(n / MICROS_PER_DAY);
    return [days, n - days * MICROS_PER_DAY];
  }
  let dq = m / MICROS_PER_DAY_N;
  let r = m - dq * MICROS_PER_DAY_N;
  if (r < 0n) {
    dq -= 1n;
    r += MICROS_PER_DAY_N;
  }
  return [Number(dq), Number(r)];
}

/** The timestamp at midnight of a date (date → timestamp[tz] cast, UTC session). */
export function dateToTimestamp(d: PgDate): Timestamp {
  if (d.infinity !== 0) return new Timestamp(0n, d.infinity);
  const micros = BigInt(d.days) * MICROS_PER_DAY_N;
  if (!timestampInRange(micros)) throw new SqlRuntimeError('22008', 'date out of range for timestamp');
  return new Timestamp(micros);
}

/** The date part of a timestamp (timestamp[tz] → date cast, UTC session). */
export function timestampToDate(ts: Timestamp): PgDate {
  if (ts.infinity !== 0) return new PgDate(0, ts.infinity);
  let q = ts.micros / MICROS_PER_DAY_N;
  if (ts.micros < 0n && q * MICROS_PER_DAY_N !== ts.micros) q -= 1n;
  return new PgDate(Number(q));
}

/** Rounds a timestamp to `precision` fractional digits (timestamp(p) typmod), half up as PostgreSQL. */
export function roundTimestamp(ts: Timestamp, precision: number): Timestamp {
  if (ts.infinity !== 0 || precision >= 6 || precision < 0) return ts;
  const unit = 10n ** BigInt(6 - precision);
  const m = ts.micros;
  const rounded = m >= 0n ? ((m + unit / 2n) / unit) * unit : -(((-m + unit / 2n) / unit) * unit);
  return new Timestamp(rounded);
}
