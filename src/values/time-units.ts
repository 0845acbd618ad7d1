/**
 * PostgreSQL's date/time unit keywords (datetime.c's deltatktbl and the
 * unit/reserved entries of datetktbl), shared by interval input and by
 * date_trunc / date_part / extract. Lookups compare the first 10
 * characters (TOKMAXLEN), so 'microseconds' matches 'microsecon'.
 */

/** A unit a keyword stands for (PostgreSQL's DTK_* values, by name). */
export type TimeUnit =
  | 'microsecond'
  | 'millisecond'
  | 'second'
  | 'minute'
  | 'hour'
  | 'day'
  | 'week'
  | 'month'
  | 'quarter'
  | 'year'
  | 'decade'
  | 'century'
  | 'millennium'
  | 'timezone'
  | 'timezone_hour'
  | 'timezone_minute'
  | 'julian'
  | 'dow'
  | 'doy'
  | 'isodow'
  | 'isoyear';

/** Reserved words that date_part accepts as a field ('epoch'), or rejects as "not supported". */
export type ReservedWord = 'epoch' | 'now' | 'today' | 'tomorrow' | 'yesterday' | 'infinity' | '-infinity' | 'allballs';

/** What a keyword is: a unit, "ago", the ignorable '@', a reserved word, or some other date keyword. */
export type UnitToken =
  | { readonly kind: 'units'; readonly unit: TimeUnit }
  | { readonly kind: 'ago' }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'reserved'; readonly word: ReservedWord }
  | { readonly kind: 'other' };

const TOKMAXLEN = 10;

function u(unit: TimeUnit): UnitToken {
  return { kind: 'units', unit };
}

/** deltatktbl: the interval unit words. */
const DELTA = new Map<string, UnitToken>([
  ['@', { kind: 'ignore' }],
  ['ago', { kind: 'ago' }],
  ['c', u('century')],
  ['cent', u('century')],
  ['centuries', u('century')],
  ['century', u('century')],
  ['d', u('day')],
  ['day', u('day')],
  ['days', u('day')],
  ['dec', u('decade')],
  ['decade', u('decade')],
  ['decades', u('decade')],
  ['decs', u('decade')],
  ['h', u('hour')],
  ['hour', u('hour')],
  ['hours', u('hour')],
  ['hr', u('hour')],
  ['hrs', u('hour')],
  ['m', u('minute')],
  ['microsecon', u('microsecond')],
  ['mil', u('millennium')],
  ['millennia', u('millennium')],
  ['millennium', u('millennium')],
  ['millisecon', u('millisecond')],
  ['mils', u('millennium')],
  ['min', u('minute')],
  ['mins', u('minute')],
  ['minute', u('minute')],
  ['minutes', u('minute')],
  ['mon', u('month')],
  ['mons', u('month')],
  ['month', u('month')],
  ['months', u('month')],
  ['ms', u('millisecond')],
  ['msec', u('millisecond')],
  ['msecond', u('millisecond')],
  ['mseconds', u('millisecond')],
  ['msecs', u('millisecond')],
  ['qtr', u('quarter')],
  ['quarter', u('quarter')],
  ['s', u('second')],
  ['sec', u('second')],
  ['second', u('second')],
  ['seconds', u('second')],
  ['secs', u('second')],
  ['timezone', u('timezone')],
  ['timezone_h', u('timezone_hour')],
  ['timezone_m', u('timezone_minute')],
  ['us', u('microsecond')],
  ['usec', u('microsecond')],
  ['usecond', u('microsecond')],
  ['useconds', u('microsecond')],
  ['usecs', u('microsecond')],
  ['w', u('week')],
  ['week', u('week')],
  ['weeks', u('week')],
  ['y', u('year')],
  ['year', u('year')],
  ['years', u('year')],
  ['yr', u('year')],
  ['yrs', u('year')],
]);

function r(word: ReservedWord): UnitToken {
  return { kind: 'reserved', word };
}

const OTHER: UnitToken = { kind: 'other' };

/** datetktbl: the date/time input keywords (only units and reserved words matter here). */
const DATE_TOKENS = new Map<string, UnitToken>([
  ['-infinity', r('-infinity')],
  ['ad', OTHER],
  ['allballs', r('allballs')],
  ['am', OTHER],
  ['apr', OTHER],
  ['april', OTHER],
  ['at', OTHER],
  ['aug', OTHER],
  ['august', OTHER],
  ['bc', OTHER],
  ['d', u('day')],
  ['dec', OTHER],
  ['december', OTHER],
  ['dow', u('dow')],
  ['doy', u('doy')],
  ['dst', OTHER],
  ['epoch', r('epoch')],
  ['feb', OTHER],
  ['february', OTHER],
  ['fri', OTHER],
  ['friday', OTHER],
  ['h', u('hour')],
  ['infinity', r('infinity')],
  ['isodow', u('isodow')],
  ['isoyear', u('isoyear')],
  ['j', u('julian')],
  ['jan', OTHER],
  ['january', OTHER],
  ['jd', u('julian')],
  ['jul', OTHER],
  ['julian', u('julian')],
  ['july', OTHER],
  ['jun', OTHER],
  ['june', OTHER],
  ['m', u('month')],
  ['mar', OTHER],
  ['march', OTHER],
  ['may', OTHER],
  ['mm', u('minute')],
  ['mon', OTHER],
  ['monday', OTHER],
  ['nov', OTHER],
  ['november', OTHER],
  ['now', r('now')],
  ['oct', OTHER],
  ['october', OTHER],
  ['on', OTHER],
  ['pm', OTHER],
  ['s', u('second')],
  ['sat', OTHER],
  ['saturday', OTHER],
  ['sep', OTHER],
  ['sept', OTHER],
  ['september', OTHER],
  ['sun', OTHER],
  ['sunday', OTHER],
  ['t', OTHER],
  ['thu', OTHER],
  ['thur', OTHER],
  ['thurs', OTHER],
  ['thursday', OTHER],
  ['today', r('today')],
  ['tomorrow', r('tomorrow')],
  ['tue', OTHER],
  ['tues', OTHER],
  ['tuesday', OTHER],
  ['wed', OTHER],
  ['wednesday', OTHER],
  ['weds', OTHER],
  ['y', u('year')],
  ['yesterday', r('yesterday')],
]);

/** DecodeUnits: an interval unit word (lower-case input), or null. */
export function lookupDeltaToken(lower: string): UnitToken | null {
  return DELTA.get(lower.length > TOKMAXLEN ? lower.slice(0, TOKMAXLEN) : lower) ?? null;
}

/** DecodeSpecial: a date keyword (lower-case input), or null. */
export function lookupDateToken(lower: string): UnitToken | null {
  return DATE_TOKENS.get(lower.length > TOKMAXLEN ? lower.slice(0, TOKMAXLEN) : lower) ?? null;
}

/**
 * PostgreSQL's downcase_truncate_identifier for a units argument: ASCII
 * letters lower-cased, clipped to 63 UTF-8 bytes at a character boundary.
 */
export function lowerUnits(text: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > 63) break;
    bytes += n;
    out += cp >= 65 && cp <= 90 ? String.fromCharCode(cp + 32) : ch;
  }
  return out;
}
