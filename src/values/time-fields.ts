/**
 * date_trunc, date_part (double precision) and EXTRACT (numeric, as in
 * PostgreSQL ≥ 14) on timestamp, timestamptz (UTC session), date and
 * interval, with PostgreSQL 15's unit keywords, BC year conventions (no
 * year 0), ISO weeks, infinity handling and error messages.
 */
import { SqlRuntimeError } from '../errors.ts';
import { civilFromDays, daysFromCivil } from './datetime.ts';
import { Decimal } from './decimal.ts';
import { intervalFields, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC } from './interval.ts';
import { lookupDateToken, lookupDeltaToken, lowerUnits, type TimeUnit, type UnitToken } from './time-units.ts';
import { UNIX_EPOCH_JDATE, dayOfWeek, isoWeekOf, timestampTm, tmToMicros } from './timestamp-arith.ts';
import { PgDate, PgInterval, Timestamp } from './types.ts';

/** Which datetime type a function works on (its PostgreSQL name appears in error messages). */
export type TimeKind = 'timestamp' | 'timestamptz' | 'date' | 'interval';

const TYPE_LABEL: Record<TimeKind, string> = {
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  date: 'date',
  interval: 'interval',
};

function notRecognized(units: string, kind: TimeKind): SqlRuntimeError {
  return new SqlRuntimeError('22023', `unit "${units}" not recognized for type ${TYPE_LABEL[kind]}`);
}

function notSupported(units: string, kind: TimeKind): SqlRuntimeError {
  return new SqlRuntimeError('0A000', `unit "${units}" not supported for type ${TYPE_LABEL[kind]}`);
}

/** C integer division (truncates toward zero). */
function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

// ---------------------------------------------------------------------------
// date_trunc

/**
 * date_trunc(units, timestamp[tz]): microseconds … millennium, week = ISO
 * Monday. Infinite input is returned unchanged (before the units are
 * checked, as in PostgreSQL).
 */
export function dateTruncTimestamp(unitsText: string, ts: Timestamp, kind: 'timestamp' | 'timestamptz'): Timestamp {
  if (ts.infinity !== 0) return ts;
  const units = lowerUnits(unitsText);
  const tok = lookupDeltaToken(units);
  if (tok === null || tok.kind !== 'units') throw notRecognized(units, kind);
  const tm = timestampTm(ts.micros);
  let { year, mon, mday } = tm;
  let tod = tm.tod;
  const unit = tok.unit;
  switch (unit) {
    case 'week': {
      const dow = dayOfWeek(tm.days);
      const monday = tm.days - (dow === 0 ? 6 : dow - 1);
      [year, mon, mday] = civilFromDays(monday);
      return new Timestamp(tmToMicros(year, mon, mday, 0));
    }
    case 'millennium':
    case 'century':
    case 'decade':
    case 'year':
    case 'quarter':
    case 'month':
      if (unit === 'millennium') year = year > 0 ? idiv(year + 999, 1000) * 1000 - 999 : -idiv(999 - (year - 1), 1000) * 1000 + 1;
      if (unit === 'millennium' || unit === 'century') {
        year = year > 0 ? idiv(year + 99, 100) * 100 - 99 : -idiv(99 - (year - 1), 100) * 100 + 1;
      }
      if (unit === 'decade') year = year > 0 ? idiv(year, 10) * 10 : -idiv(8 - (year - 1), 10) * 10;
      if (unit !== 'quarter' && unit !== 'month') mon = 1;
      if (unit !== 'month') mon = 3 * idiv(mon - 1, 3) + 1;
      return new Timestamp(tmToMicros(year, mon, 1, 0));
    case 'day':
      tod = 0;
      break;
    case 'hour':
      tod = tm.hour * 3_600_000_000;
      break;
    case 'minute':
      tod = tm.hour * 3_600_000_000 + tm.min * 60_000_000;
      break;
    case 'second':
      tod -= tm.fsec;
      break;
    case 'millisecond':
      tod -= tm.fsec % 1000;
      break;
    case 'microsecond':
      break;
    default:
      throw notSupported(units, kind);
  }
  return new Timestamp(tmToMicros(year, mon, mday, tod));
}

/** date_trunc(units, interval): zeroes the fields below the unit (no 'week'). */
export function dateTruncInterval(unitsText: string, iv: PgInterval): PgInterval {
  const units = lowerUnits(unitsText);
  const tok = lookupDeltaToken(units);
  if (tok === null || tok.kind !== 'units') throw notRecognized(units, 'interval');
  let [year, mon, mday, hour, min, sec, usec] = intervalFields(iv);
  const order: TimeUnit[] = ['millennium', 'century', 'decade', 'year', 'quarter', 'month', 'day', 'hour', 'minute', 'second'];
  const unit = tok.unit;
  const level = order.indexOf(unit);
  if (level >= 0) {
    if (level <= 0) year = idiv(year, 1000) * 1000;
    if (level <= 1) year = idiv(year, 100) * 100;
    if (level <= 2) year = idiv(year, 10) * 10;
    if (level <= 3) mon = 0;
    if (level <= 4) mon = 3 * idiv(mon, 3);
    if (level <= 5) mday = 0;
    if (level <= 6) hour = 0n;
    if (level <= 7) min = 0;
    if (level <= 8) sec = 0;
    usec = 0;
  } else if (unit === 'millisecond') usec = idiv(usec, 1000) * 1000;
  else if (unit !== 'microsecond') throw notSupported(units, 'interval');
  const months = year * 12 + mon;
  if (months < -2147483648 || months > 2147483647) throw new SqlRuntimeError('22008', 'interval out of range');
  const micros = hour * USECS_PER_HOUR + BigInt(min) * USECS_PER_MINUTE + BigInt(sec) * USECS_PER_SEC + BigInt(usec);
  return new PgInterval(months === 0 ? 0 : months, mday, micros);
}

// ---------------------------------------------------------------------------
// date_part / extract

/** A field value: an integer, or an exact decimal with its float8 twin. */
type Part = { readonly int: number | bigint } | { readonly exact: Decimal; readonly float: number } | null;

/** DecodeUnits, then DecodeSpecial when the word is no interval unit. */
function partToken(units: string): UnitToken | null {
  const t = lookupDeltaToken(units);
  return t !== null ? t : lookupDateToken(units);
}

const OSCILLATING = new Set<TimeUnit>([
  'microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'month', 'quarter', 'week', 'dow', 'isodow', 'doy',
  'timezone', 'timezone_hour', 'timezone_minute',
]);
const MONOTONIC = new Set<TimeUnit>(['year', 'decade', 'century', 'millennium', 'julian', 'isoyear']);

function yearPart(year: number): number {
  return year > 0 ? year : year - 1;
}

function decadePart(year: number): number {
  return year >= 0 ? idiv(year, 10) : -idiv(8 - (year - 1), 10);
}

function centuryPart(year: number): number {
  return year > 0 ? idiv(year + 99, 100) : -idiv(99 - (year - 1), 100);
}

function millenniumPart(year: number): number {
  return year > 0 ? idiv(year + 999, 1000) : -idiv(999 - (year - 1), 1000);
}

/** The calendar fields common to dates and timestamps. */
function calendarPart(unit: TimeUnit, days: number, year: number, mon: number, mday: number): Part | undefined {
  switch (unit) {
    case 'day':
      return { int: mday };
    case 'month':
      return { int: mon };
    case 'quarter':
      return { int: idiv(mon - 1, 3) + 1 };
    case 'week':
      return { int: isoWeekOf(days)[1] };
    case 'year':
      return { int: yearPart(year) };
    case 'decade':
      return { int: decadePart(year) };
    case 'century':
      return { int: centuryPart(year) };
    case 'millennium':
      return { int: millenniumPart(year) };
    case 'isoyear': {
      const y = isoWeekOf(days)[0];
      return { int: y <= 0 ? y - 1 : y };
    }
    case 'dow':
      return { int: dayOfWeek(days) };
    case 'isodow': {
      const d = dayOfWeek(days);
      return { int: d === 0 ? 7 : d };
    }
    case 'doy':
      return { int: days - daysFromCivil(year, 1, 1) + 1 };
    default:
      return undefined;
  }
}

const PG_EPOCH_OFFSET = 946_684_800_000_000n;
const INT64_MAX = 9223372036854775807n;

function timestampPart(units: string, tok: UnitToken | null, ts: Timestamp, kind: 'timestamp' | 'timestamptz'): Part {
  if (ts.infinity !== 0) {
    if (tok === null || (tok.kind !== 'units' && tok.kind !== 'reserved')) throw notRecognized(units, kind);
    if (tok.kind === 'units' && OSCILLATING.has(tok.unit)) return null;
    if ((tok.kind === 'units' && MONOTONIC.has(tok.unit)) || (tok.kind === 'reserved' && tok.word === 'epoch')) {
      const inf = ts.infinity > 0;
      return { exact: inf ? Decimal.Infinity : Decimal.NegativeInfinity, float: inf ? Infinity : -Infinity };
    }
    throw notSupported(units, kind);
  }
  if (tok !== null && tok.kind === 'units') {
    const tm = timestampTm(ts.micros);
    const secMicros = tm.sec * 1_000_000 + tm.fsec;
    switch (tok.unit) {
      case 'microsecond':
        return { int: secMicros };
      case 'millisecond':
        return { exact: Decimal.of(BigInt(secMicros), 3), float: tm.sec * 1000.0 + tm.fsec / 1000.0 };
      case 'second':
        return { exact: Decimal.of(BigInt(secMicros), 6), float: tm.sec + tm.fsec / 1000000.0 };
      case 'minute':
        return { int: tm.min };
      case 'hour':
        return { int: tm.hour };
      case 'julian': {
        const j = tm.days + UNIX_EPOCH_JDATE;
        const exact = Decimal.fromBigInt(BigInt(j)).add(Decimal.fromBigInt(BigInt(tm.tod)).div(Decimal.fromBigInt(86_400_000_000n)));
        const float = j + ((tm.hour * 60 + tm.min) * 60 + tm.sec + tm.fsec / 1000000.0) / 86400;
        return { exact, float };
      }
      case 'timezone':
      case 'timezone_hour':
      case 'timezone_minute':
        if (kind === 'timestamptz') return { int: 0 };
        throw notSupported(units, kind);
      default: {
        const p = calendarPart(tok.unit, tm.days, tm.year, tm.mon, tm.mday);
        if (p === undefined) throw notSupported(units, kind);
        return p;
      }
    }
  }
  if (tok !== null && tok.kind === 'reserved') {
    if (tok.word !== 'epoch') throw notSupported(units, kind);
    const unix = ts.micros;
    const pg = unix - PG_EPOCH_OFFSET;
    // PostgreSQL subtracts in int64 when it cannot overflow, else in float8
    const float = pg < INT64_MAX - PG_EPOCH_OFFSET ? Number(unix) / 1000000.0 : (Number(pg) + Number(PG_EPOCH_OFFSET)) / 1000000.0;
    return { exact: Decimal.of(unix, 6), float };
  }
  throw notRecognized(units, kind);
}

function datePart(units: string, tok: UnitToken | null, d: PgDate): Part {
  const kind = 'date';
  if (d.infinity !== 0 && tok !== null && (tok.kind === 'units' || tok.kind === 'reserved')) {
    if (tok.kind === 'units' && ['day', 'month', 'quarter', 'week', 'dow', 'isodow', 'doy'].includes(tok.unit)) return null;
    if ((tok.kind === 'units' && MONOTONIC.has(tok.unit)) || (tok.kind === 'reserved' && tok.word === 'epoch')) {
      const inf = d.infinity > 0;
      return { exact: inf ? Decimal.Infinity : Decimal.NegativeInfinity, float: inf ? Infinity : -Infinity };
    }
    throw notSupported(units, kind);
  }
  if (tok !== null && tok.kind === 'units') {
    const [year, mon, mday] = civilFromDays(d.days);
    if (tok.unit === 'julian') return { int: d.days + UNIX_EPOCH_JDATE };
    const p = calendarPart(tok.unit, d.days, year, mon, mday);
    if (p === undefined) throw notSupported(units, kind);
    return p;
  }
  if (tok !== null && tok.kind === 'reserved') {
    if (tok.word !== 'epoch') throw notSupported(units, kind);
    return { int: BigInt(d.days) * 86400n };
  }
  throw notRecognized(units, kind);
}

function intervalPart(units: string, tok: UnitToken | null, iv: PgInterval): Part {
  const kind = 'interval';
  if (tok !== null && tok.kind === 'units') {
    const [year, mon, mday, hour, min, sec, usec] = intervalFields(iv);
    const secMicros = sec * 1_000_000 + usec;
    switch (tok.unit) {
      case 'microsecond':
        return { int: secMicros };
      case 'millisecond':
        return { exact: Decimal.of(BigInt(secMicros), 3), float: sec * 1000.0 + usec / 1000.0 };
      case 'second':
        return { exact: Decimal.of(BigInt(secMicros), 6), float: sec + usec / 1000000.0 };
      case 'minute':
        return { int: min };
      case 'hour':
        return { int: hour };
      case 'day':
        return { int: mday };
      case 'month':
        return { int: mon };
      case 'quarter':
        return { int: idiv(mon, 3) + 1 };
      case 'year':
        return { int: year };
      case 'decade':
        return { int: idiv(year, 10) };
      case 'century':
        return { int: idiv(year, 100) };
      case 'millennium':
        return { int: idiv(year, 1000) };
      default:
        throw notSupported(units, kind);
    }
  }
  if (tok !== null && tok.kind === 'reserved' && tok.word === 'epoch') {
    const yearsPart = BigInt(idiv(iv.months, 12));
    const monthsPart = BigInt(iv.months % 12);
    const secs = (1461n * yearsPart + 120n * monthsPart + 4n * BigInt(iv.days)) * 21600n;
    let float = Number(iv.micros) / 1000000.0;
    float += 365.25 * 86400 * Number(yearsPart);
    float += 30 * 86400 * Number(monthsPart);
    float += 86400 * iv.days;
    return { exact: Decimal.of(secs * 1_000_000n + iv.micros, 6), float };
  }
  throw notRecognized(units, kind);
}

function part(unitsText: string, v: Timestamp | PgDate | PgInterval, kind: TimeKind): Part {
  const units = lowerUnits(unitsText);
  const tok = partToken(units);
  if (v instanceof Timestamp) return timestampPart(units, tok, v, kind === 'timestamptz' ? 'timestamptz' : 'timestamp');
  if (v instanceof PgDate) return datePart(units, tok, v);
  return intervalPart(units, tok, v);
}

/**
 * date_part(units, x) → double precision (NULL for oscillating fields of
 * infinite input). For a date, PostgreSQL's date_part goes through
 * timestamp, so pass the date converted to a timestamp with kind 'timestamp'.
 */
export function datePartFloat(unitsText: string, v: Timestamp | PgInterval, kind: TimeKind): number | null {
  const p = part(unitsText, v, kind);
  if (p === null) return null;
  if ('int' in p) return Number(p.int);
  return p.float;
}

/** EXTRACT(field FROM x) → numeric (seconds keep 6 decimals, milliseconds 3, epoch 6; a date's epoch is integral). */
export function extractNumeric(unitsText: string, v: Timestamp | PgDate | PgInterval, kind: TimeKind): Decimal | null {
  const p = part(unitsText, v, kind);
  if (p === null) return null;
  if ('int' in p) return Decimal.fromBigInt(BigInt(p.int));
  return p.exact;
}

