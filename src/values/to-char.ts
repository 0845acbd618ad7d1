/**
 * to_char(timestamp | timestamptz, text) with PostgreSQL 15's DCH format
 * engine (formatting.c): the keyword table and its first-match search, FM/TM
 * prefixes, TH/th/SP suffixes, double-quoted literals and backslash escapes,
 * C-locale month and day names, and a UTC session zone ('UTC' for
 * timestamptz, nothing for timestamp).
 */
import { daysFromCivil } from './datetime.ts';
import { UNIX_EPOCH_JDATE, dayOfWeek, isoWeek1Monday, isoWeekOf, timestampTm } from './timestamp-arith.ts';
import type { Timestamp } from './types.ts';

type Id =
  | 'A_D' | 'A_M' | 'AD' | 'AM' | 'B_C' | 'BC' | 'CC' | 'DAY' | 'DDD' | 'DD' | 'DY' | 'Day' | 'Dy' | 'D'
  | 'FF1' | 'FF2' | 'FF3' | 'FF4' | 'FF5' | 'FF6' | 'FX' | 'HH24' | 'HH12' | 'HH' | 'IDDD' | 'ID' | 'IW'
  | 'IYYY' | 'IYY' | 'IY' | 'I' | 'J' | 'MI' | 'MM' | 'MONTH' | 'MON' | 'MS' | 'Month' | 'Mon' | 'OF'
  | 'P_M' | 'PM' | 'Q' | 'RM' | 'SSSS' | 'SS' | 'TZH' | 'TZM' | 'TZ' | 'US' | 'WW' | 'W' | 'Y_YYY'
  | 'YYYY' | 'YYY' | 'YY' | 'Y' | 'a_d' | 'a_m' | 'ad' | 'am' | 'b_c' | 'bc' | 'day' | 'dy' | 'month'
  | 'mon' | 'p_m' | 'pm' | 'rm' | 'tz';

/** DCH_keywords in PostgreSQL's order: the first entry (of those sharing the first character) that prefixes the input wins. */
const KEYWORDS: readonly (readonly [string, Id])[] = [
  ['A.D.', 'A_D'], ['A.M.', 'A_M'], ['AD', 'AD'], ['AM', 'AM'], ['B.C.', 'B_C'], ['BC', 'BC'], ['CC', 'CC'],
  ['DAY', 'DAY'], ['DDD', 'DDD'], ['DD', 'DD'], ['DY', 'DY'], ['Day', 'Day'], ['Dy', 'Dy'], ['D', 'D'],
  ['FF1', 'FF1'], ['FF2', 'FF2'], ['FF3', 'FF3'], ['FF4', 'FF4'], ['FF5', 'FF5'], ['FF6', 'FF6'], ['FX', 'FX'],
  ['HH24', 'HH24'], ['HH12', 'HH12'], ['HH', 'HH'], ['IDDD', 'IDDD'], ['ID', 'ID'], ['IW', 'IW'],
  ['IYYY', 'IYYY'], ['IYY', 'IYY'], ['IY', 'IY'], ['I', 'I'], ['J', 'J'], ['MI', 'MI'], ['MM', 'MM'],
  ['MONTH', 'MONTH'], ['MON', 'MON'], ['MS', 'MS'], ['Month', 'Month'], ['Mon', 'Mon'], ['OF', 'OF'],
  ['P.M.', 'P_M'], ['PM', 'PM'], ['Q', 'Q'], ['RM', 'RM'], ['SSSSS', 'SSSS'], ['SSSS', 'SSSS'], ['SS', 'SS'],
  ['TZH', 'TZH'], ['TZM', 'TZM'], ['TZ', 'TZ'], ['US', 'US'], ['WW', 'WW'], ['W', 'W'], ['Y,YYY', 'Y_YYY'],
  ['YYYY', 'YYYY'], ['YYY', 'YYY'], ['YY', 'YY'], ['Y', 'Y'],
  ['a.d.', 'a_d'], ['a.m.', 'a_m'], ['ad', 'ad'], ['am', 'am'], ['b.c.', 'b_c'], ['bc', 'bc'], ['cc', 'CC'],
  ['day', 'day'], ['ddd', 'DDD'], ['dd', 'DD'], ['dy', 'dy'], ['d', 'D'],
  ['ff1', 'FF1'], ['ff2', 'FF2'], ['ff3', 'FF3'], ['ff4', 'FF4'], ['ff5', 'FF5'], ['ff6', 'FF6'], ['fx', 'FX'],
  ['hh24', 'HH24'], ['hh12', 'HH12'], ['hh', 'HH'], ['iddd', 'IDDD'], ['id', 'ID'], ['iw', 'IW'],
  ['iyyy', 'IYYY'], ['iyy', 'IYY'], ['iy', 'IY'], ['i', 'I'], ['j', 'J'], ['mi', 'MI'], ['mm', 'MM'],
  ['month', 'month'], ['mon', 'mon'], ['ms', 'MS'], ['of', 'OF'], ['p.m.', 'p_m'], ['pm', 'pm'], ['q', 'Q'],
  ['rm', 'rm'], ['sssss', 'SSSS'], ['ssss', 'SSSS'], ['ss', 'SS'], ['tzh', 'TZH'], ['tzm', 'TZM'], ['tz', 'tz'],
  ['us', 'US'], ['ww', 'WW'], ['w', 'W'], ['y,yyy', 'Y_YYY'], ['yyyy', 'YYYY'], ['yyy', 'YYY'], ['yy', 'YY'],
  ['y', 'Y'],
];

const BY_FIRST = new Map<string, (readonly [string, Id])[]>();
for (const k of KEYWORDS) {
  const c = k[0][0] as string;
  const list = BY_FIRST.get(c);
  if (list === undefined) BY_FIRST.set(c, [k]);
  else list.push(k);
}

/** Keywords whose output is a number (TH/th apply to them). */
const NUMERIC = new Set<Id>([
  'CC', 'DDD', 'DD', 'D', 'FF1', 'FF2', 'FF3', 'FF4', 'FF5', 'FF6', 'HH24', 'HH12', 'HH', 'IDDD', 'ID', 'IW',
  'IYYY', 'IYY', 'IY', 'I', 'J', 'MI', 'MM', 'MS', 'Q', 'SSSS', 'SS', 'US', 'WW', 'W', 'Y_YYY', 'YYYY', 'YYY',
  'YY', 'Y',
]);

const MONTHS_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAYS_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RM_UPPER = ['XII', 'XI', 'X', 'IX', 'VIII', 'VII', 'VI', 'V', 'IV', 'III', 'II', 'I'];

/** One parsed format node: a keyword with its FM/TM/TH flags, or literal text. */
type Node =
  | { readonly kind: 'action'; readonly id: Id; readonly fm: boolean; readonly tm: boolean; readonly th: 0 | 1 | 2 }
  | { readonly kind: 'char'; readonly text: string };

/** parse_format for DCH: prefixes, keywords, postfixes, quoted literals. */
function parseFormat(fmt: string): Node[] {
  const nodes: Node[] = [];
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    let fm = false;
    let tm = false;
    const p = fmt.slice(i, i + 2);
    if (p === 'FM' || p === 'fm') {
      fm = true;
      i += 2;
    } else if (p === 'TM' || p === 'tm') {
      tm = true;
      i += 2;
    }
    if (i >= n) break;
    const c = fmt.charCodeAt(i);
    let key: readonly [string, Id] | undefined;
    if (c > 32 && c < 126) {
      const list = BY_FIRST.get(fmt[i] as string);
      if (list !== undefined) key = list.find((k) => fmt.startsWith(k[0], i));
    }
    if (key !== undefined) {
      i += key[0].length;
      let th: 0 | 1 | 2 = 0;
      const s = fmt.slice(i, i + 2);
      if (s === 'TH') {
        th = 1;
        i += 2;
      } else if (s === 'th') {
        th = 2;
        i += 2;
      } else if (s === 'SP') i += 2;
      nodes.push({ kind: 'action', id: key[1], fm, tm, th });
      continue;
    }
    if (c === 34) {
      i++;
      while (i < n) {
        if (fmt.charCodeAt(i) === 34) {
          i++;
          break;
        }
        if (fmt.charCodeAt(i) === 92 && i + 1 < n) i++;
        const ch = String.fromCodePoint(fmt.codePointAt(i) as number);
        nodes.push({ kind: 'char', text: ch });
        i += ch.length;
      }
    } else {
      if (c === 92 && fmt.charCodeAt(i + 1) === 34) i++;
      const ch = String.fromCodePoint(fmt.codePointAt(i) as number);
      nodes.push({ kind: 'char', text: ch });
      i += ch.length;
    }
  }
  return nodes;
}

/** C's sprintf("%0*d", width, v). */
function zpad(v: number, width: number): string {
  const neg = v < 0;
  let s = String(Math.abs(v));
  const w = neg ? width - 1 : width;
  if (s.length < w) s = '0'.repeat(w - s.length) + s;
  return neg ? '-' + s : s;
}

/** C's sprintf("%-*s", width, s). */
function rpad(s: string, width: number): string {
  return s.length < width ? s + ' '.repeat(width - s.length) : s;
}

/** str_numth: 'st', 'nd', 'rd' or 'th' after a number (teens get 'th'). */
function ordinal(num: string, upper: boolean): string {
  const last = num[num.length - 1];
  let sfx = 'th';
  if (!(num.length > 1 && num[num.length - 2] === '1')) {
    if (last === '1') sfx = 'st';
    else if (last === '2') sfx = 'nd';
    else if (last === '3') sfx = 'rd';
  }
  return upper ? sfx.toUpperCase() : sfx;
}

/** ADJUST_YEAR: AD/BC year from an astronomical year. */
function adjustYear(y: number): number {
  return y <= 0 ? -(y - 1) : y;
}

/**
 * to_char(ts, fmt): NULL for an empty format or an infinite timestamp.
 * `withTz` selects timestamptz (TZ prints 'UTC'); dates are formatted as
 * timestamptz, as PostgreSQL resolves to_char(date, text).
 */
export function toChar(ts: Timestamp, fmt: string, withTz: boolean): string | null {
  if (fmt.length === 0 || ts.infinity !== 0) return null;
  const tm = timestampTm(ts.micros);
  const wday = dayOfWeek(tm.days);
  const yday = tm.days - daysFromCivil(tm.year, 1, 1) + 1;
  const tzn = withTz ? 'UTC' : null;
  let isoCache: [number, number] | null = null;
  const iso = (): [number, number] => (isoCache ??= isoWeekOf(tm.days));
  let out = '';
  for (const node of parseFormat(fmt)) {
    if (node.kind === 'char') {
      out += node.text;
      continue;
    }
    const { id, fm } = node;
    let s: string;
    switch (id) {
      case 'A_M':
      case 'P_M':
        s = tm.hour % 24 >= 12 ? 'P.M.' : 'A.M.';
        break;
      case 'AM':
      case 'PM':
        s = tm.hour % 24 >= 12 ? 'PM' : 'AM';
        break;
      case 'a_m':
      case 'p_m':
        s = tm.hour % 24 >= 12 ? 'p.m.' : 'a.m.';
        break;
      case 'am':
      case 'pm':
        s = tm.hour % 24 >= 12 ? 'pm' : 'am';
        break;
      case 'HH':
      case 'HH12':
        s = zpad(tm.hour % 12 === 0 ? 12 : tm.hour % 12, fm ? 0 : 2);
        break;
      case 'HH24':
        s = zpad(tm.hour, fm ? 0 : 2);
        break;
      case 'MI':
        s = zpad(tm.min, fm ? 0 : 2);
        break;
      case 'SS':
        s = zpad(tm.sec, fm ? 0 : 2);
        break;
      case 'FF1':
        s = zpad(Math.trunc(tm.fsec / 100000), 1);
        break;
      case 'FF2':
        s = zpad(Math.trunc(tm.fsec / 10000), 2);
        break;
      case 'FF3':
      case 'MS':
        s = zpad(Math.trunc(tm.fsec / 1000), 3);
        break;
      case 'FF4':
        s = zpad(Math.trunc(tm.fsec / 100), 4);
        break;
      case 'FF5':
        s = zpad(Math.trunc(tm.fsec / 10), 5);
        break;
      case 'FF6':
      case 'US':
        s = zpad(tm.fsec, 6);
        break;
      case 'SSSS':
        s = String(tm.hour * 3600 + tm.min * 60 + tm.sec);
        break;
      case 'tz':
        s = tzn === null ? '' : tzn.toLowerCase();
        break;
      case 'TZ':
        s = tzn ?? '';
        break;
      case 'TZH':
        s = '+00';
        break;
      case 'TZM':
        s = '00';
        break;
      case 'OF':
        s = '+' + zpad(0, fm ? 0 : 2);
        break;
      case 'A_D':
      case 'B_C':
        s = tm.year <= 0 ? 'B.C.' : 'A.D.';
        break;
      case 'AD':
      case 'BC':
        s = tm.year <= 0 ? 'BC' : 'AD';
        break;
      case 'a_d':
      case 'b_c':
        s = tm.year <= 0 ? 'b.c.' : 'a.d.';
        break;
      case 'ad':
      case 'bc':
        s = tm.year <= 0 ? 'bc' : 'ad';
        break;
      case 'MONTH':
      case 'Month':
      case 'month': {
        const name = MONTHS_FULL[tm.mon - 1] as string;
        const t = id === 'MONTH' ? name.toUpperCase() : id === 'month' ? name.toLowerCase() : name;
        s = fm || node.tm ? t : rpad(t, 9);
        break;
      }
      case 'MON':
      case 'Mon':
      case 'mon': {
        const name = MONTHS[tm.mon - 1] as string;
        s = id === 'MON' ? name.toUpperCase() : id === 'mon' ? name.toLowerCase() : name;
        break;
      }
      case 'MM':
        s = zpad(tm.mon, fm ? 0 : 2);
        break;
      case 'DAY':
      case 'Day':
      case 'day': {
        const name = DAYS[wday] as string;
        const t = id === 'DAY' ? name.toUpperCase() : id === 'day' ? name.toLowerCase() : name;
        s = fm || node.tm ? t : rpad(t, 9);
        break;
      }
      case 'DY':
      case 'Dy':
      case 'dy': {
        const name = DAYS_SHORT[wday] as string;
        s = id === 'DY' ? name.toUpperCase() : id === 'dy' ? name.toLowerCase() : name;
        break;
      }
      case 'DDD':
        s = zpad(yday, fm ? 0 : 3);
        break;
      case 'IDDD':
        s = zpad(tm.days - isoWeek1Monday(iso()[0]) + 1, fm ? 0 : 3);
        break;
      case 'DD':
        s = zpad(tm.mday, fm ? 0 : 2);
        break;
      case 'D':
        s = String(wday + 1);
        break;
      case 'ID':
        s = String(wday === 0 ? 7 : wday);
        break;
      case 'WW':
        s = zpad(Math.trunc((yday - 1) / 7) + 1, fm ? 0 : 2);
        break;
      case 'IW':
        s = zpad(iso()[1], fm ? 0 : 2);
        break;
      case 'Q':
        s = String(Math.trunc((tm.mon - 1) / 3) + 1);
        break;
      case 'CC': {
        const i = tm.year > 0 ? Math.trunc((tm.year - 1) / 100) + 1 : Math.trunc(tm.year / 100) - 1;
        s = i <= 99 && i >= -99 ? zpad(i, fm ? 0 : i >= 0 ? 2 : 3) : String(i);
        break;
      }
      case 'Y_YYY': {
        const y = adjustYear(tm.year);
        const i = Math.trunc(y / 1000);
        s = i + ',' + zpad(y - i * 1000, 3);
        break;
      }
      case 'YYYY':
      case 'IYYY':
        s = zpad(adjustYear(id === 'YYYY' ? tm.year : iso()[0]), fm ? 0 : 4);
        break;
      case 'YYY':
      case 'IYY':
        s = zpad(adjustYear(id === 'YYY' ? tm.year : iso()[0]) % 1000, fm ? 0 : 3);
        break;
      case 'YY':
      case 'IY':
        s = zpad(adjustYear(id === 'YY' ? tm.year : iso()[0]) % 100, fm ? 0 : 2);
        break;
      case 'Y':
      case 'I':
        s = String(adjustYear(id === 'Y' ? tm.year : iso()[0]) % 10);
        break;
      case 'RM':
      case 'rm': {
        const r = RM_UPPER[12 - tm.mon] as string;
        const t = id === 'rm' ? r.toLowerCase() : r;
        s = fm ? t : rpad(t, 4);
        break;
      }
      case 'W':
        s = String(Math.trunc((tm.mday - 1) / 7) + 1);
        break;
      case 'J':
        s = String(tm.days + UNIX_EPOCH_JDATE);
        break;
      case 'FX':
        s = '';
        break;
    }
    if (node.th !== 0 && NUMERIC.has(id)) s += ordinal(s, node.th === 1);
    out += s;
  }
  return out;
}
