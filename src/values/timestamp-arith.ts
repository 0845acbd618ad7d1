/**
 * Calendar arithmetic on timestamps (PostgreSQL 15, UTC session):
 * broken-down fields of a timestamp (timestamp2tm) and back (tm2timestamp),
 * timestamp ± interval (months first with end-of-month clamping, then
 * days, then time), timestamp - timestamp (justify_hours of the
 * difference), date ± interval, and the ISO 8601 week calendar.
 * timestamptz uses the same code: in a UTC session the zone offset is 0.
 */
import { SqlRuntimeError } from '../errors.ts';
import {
  MAX_DATE_DAYS,
  MIN_DAYS,
  civilFromDays,
  dateToTimestamp,
  daysFromCivil,
  daysInMonth,
  splitMicros,
  timestampInRange,
} from './datetime.ts';
import { justifyHours } from './interval.ts';
import { PgDate, PgInterval, Timestamp } from './types.ts';

const MICROS_PER_DAY_N = 86_400_000_000n;

/** Julian day number of 1970-01-01. */
export const UNIX_EPOCH_JDATE = 2_440_588;

/** Broken-down timestamp: astronomical year (0 = 1 BC), month 1–12, day, time of day. */
export interface Tm {
  readonly year: number;
  readonly mon: number;
  readonly mday: number;
  readonly hour: number;
  readonly min: number;
  readonly sec: number;
  /** microseconds within the second */
  readonly fsec: number;
  /** days since 1970-01-01 */
  readonly days: number;
  /** microseconds since midnight */
  readonly tod: number;
}

/** timestamp2tm for a finite timestamp. */
export function timestampTm(micros: bigint): Tm {
  const [days, tod] = splitMicros(micros);
  const [year, mon, mday] = civilFromDays(days);
  const secs = Math.floor(tod / 1_000_000);
  const fsec = tod - secs * 1_000_000;
  const hour = Math.floor(secs / 3600);
  const min = Math.floor((secs - hour * 3600) / 60);
  return { year, mon, mday, hour, min, sec: secs - hour * 3600 - min * 60, fsec, days, tod };
}

/** Day of week of days since 1970-01-01: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** [ISO year, ISO week] of days since 1970-01-01. */
export function isoWeekOf(days: number): [number, number] {
  const dow = dayOfWeek(days);
  const thursday = days - (dow === 0 ? 7 : dow) + 4;
  const [y] = civilFromDays(thursday);
  return [y, Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1];
}

/** Days since 1970-01-01 of the Monday starting ISO week 1 of `isoYear`. */
export function isoWeek1Monday(isoYear: number): number {
  const jan4 = daysFromCivil(isoYear, 1, 4);
  const dow = dayOfWeek(jan4);
  return jan4 - ((dow === 0 ? 7 : dow) - 1);
}

function timestampOutOfRange(): SqlRuntimeError {
  return new SqlRuntimeError('22008', 'timestamp out of range');
}

/** PostgreSQL's IS_VALID_JULIAN on an astronomical civil date. */
function validJulian(y: number, m: number): boolean {
  return (y > -4713 || (y === -4713 && m >= 11)) && (y < 5874898 || (y === 5874898 && m < 6));
}

/** tm2timestamp: epoch micros of a civil date and time of day; throws 22008 when out of range. */
export function tmToMicros(y: number, m: number, d: number, tod: number | bigint): bigint {
  if (!validJulian(y, m)) throw timestampOutOfRange();
  const micros = BigInt(daysFromCivil(y, m, d)) * MICROS_PER_DAY_N + BigInt(tod);
  if (!timestampInRange(micros)) throw timestampOutOfRange();
  return micros;
}

/** timestamp_pl_interval (also timestamptz in a UTC session). Infinite timestamps are returned unchanged. */
export function timestampPlusInterval(ts: Timestamp, span: PgInterval): Timestamp {
  if (ts.infinity !== 0) return ts;
  let micros = ts.micros;
  if (span.months !== 0) {
    const tm = timestampTm(micros);
    let year = tm.year;
    let mon = tm.mon + span.months;
    if (mon > 12) {
      year += Math.trunc((mon - 1) / 12);
      mon = ((mon - 1) % 12) + 1;
    } else if (mon < 1) {
      year += Math.trunc(mon / 12) - 1;
      mon = (mon % 12) + 12;
    }
    if (!validJulian(year, mon)) throw timestampOutOfRange();
    const mday = Math.min(tm.mday, daysInMonth(year, mon));
    micros = tmToMicros(year, mon, mday, tm.tod);
  }
  if (span.days !== 0) {
    const [days, tod] = splitMicros(micros);
    const [y, m, d] = civilFromDays(days + span.days);
    micros = tmToMicros(y, m, d, tod);
  }
  micros += span.micros;
  if (!timestampInRange(micros)) throw timestampOutOfRange();
  return new Timestamp(micros);
}

/** timestamp_mi_interval: adds the negated interval (negation unchecked, as in PostgreSQL 15). */
export function timestampMinusInterval(ts: Timestamp, span: PgInterval): Timestamp {
  return timestampPlusInterval(ts, new PgInterval(-span.months | 0, -span.days | 0, BigInt.asIntN(64, -span.micros)));
}

/** date + interval → timestamp. */
export function datePlusInterval(d: PgDate, span: PgInterval): Timestamp {
  return timestampPlusInterval(dateToTimestamp(d), span);
}

/** date - interval → timestamp. */
export function dateMinusInterval(d: PgDate, span: PgInterval): Timestamp {
  return timestampMinusInterval(dateToTimestamp(d), span);
}

const PG_EPOCH_OFFSET = 946_684_800_000_000n;

/**
 * timestamp_mi (also timestamptz): the difference as an interval of days
 * and time (justify_hours), never months. 22008 for infinite operands. The
 * int64 subtraction wraps as PostgreSQL 15's does for the extreme ends.
 */
export function timestampDiff(a: Timestamp, b: Timestamp): PgInterval {
  if (a.infinity !== 0 || b.infinity !== 0) throw new SqlRuntimeError('22008', 'cannot subtract infinite timestamps');
  const time = BigInt.asIntN(64, a.micros - PG_EPOCH_OFFSET - (b.micros - PG_EPOCH_OFFSET));
  return justifyHours(new PgInterval(0, 0, time));
}

/**
 * make_date(year, month, day): negative years are BC. Errors as PostgreSQL
 * 15 (22008), whose messages show the year after BC conversion.
 */
export function makeDate(year: number, month: number, day: number): PgDate {
  const bc = year < 0;
  let y = bc ? -year : year;
  const shown = (): string => `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (y === 0) throw new SqlRuntimeError('22008', `date field value out of range: ${shown()}`);
  if (bc) y = -(y - 1);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(y, month)) {
    throw new SqlRuntimeError('22008', `date field value out of range: ${shown()}`);
  }
  if (!validJulian(y, month)) throw new SqlRuntimeError('22008', `date out of range: ${shown()}`);
  const days = daysFromCivil(y, month, day);
  if (days > MAX_DATE_DAYS || days < MIN_DAYS) throw new SqlRuntimeError('22008', `date out of range: ${shown()}`);
  return new PgDate(days);
}
