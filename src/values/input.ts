/**
 * PostgreSQL input functions for scalar types (boolin, int2in/int4in/int8in,
 * uuid_in): the exact accepted syntax and error messages of PostgreSQL 15.
 */
import { SqlRuntimeError } from '../errors.ts';

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** PostgreSQL boolin: t/true/y/yes/on/1 and f/false/n/no/off/0 (case-insensitive prefixes, trimmed). */
export function parseBool(text: string): boolean {
  if (text === 't') return true;
  if (text === 'f') return false;
  let i = 0;
  let end = text.length;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  const s = text.slice(i, end).toLowerCase();
  const len = s.length;
  if (len > 0) {
    switch (s[0]) {
      case 't':
        if ('true'.startsWith(s)) return true;
        break;
      case 'f':
        if ('false'.startsWith(s)) return false;
        break;
      case 'y':
        if ('yes'.startsWith(s)) return true;
        break;
      case 'n':
        if ('no'.startsWith(s)) return false;
        break;
      case 'o':
        if (len >= 2 && 'on'.startsWith(s)) return true;
        if (len >= 2 && 'off'.startsWith(s)) return false;
        break;
      case '1':
        if (len === 1) return true;
        break;
      case '0':
        if (len === 1) return false;
        break;
    }
  }
  throw new SqlRuntimeError('22P02', `invalid input syntax for type boolean: "${text}"`);
}

const INT_NAMES = { int2: 'smallint', int4: 'integer', int8: 'bigint' } as const;
const INT_MAX = { int2: 32767, int4: 2147483647 } as const;

/** Validates PostgreSQL integer syntax; returns [start, end] of the trimmed number text or null. */
function scanInt(text: string): [number, number] | null {
  let i = 0;
  let end = text.length;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  const start = i;
  const c = text.charCodeAt(i);
  if (c === 43 || c === 45) i++;
  if (i === end) return null;
  for (; i < end; i++) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) return null;
  }
  return [start, end];
}

/** PostgreSQL int2in/int4in: surrounding whitespace, optional sign, decimal digits. Throws 22P02/22003. */
export function parseInt4(text: string, type: 'int2' | 'int4' = 'int4'): number {
  const r = scanInt(text);
  if (r === null) throw new SqlRuntimeError('22P02', `invalid input syntax for type ${INT_NAMES[type]}: "${text}"`);
  const n = r[0] === 0 && r[1] === text.length ? Number(text) : Number(text.slice(r[0], r[1]));
  const max = INT_MAX[type];
  if (n > max || n < -max - 1) {
    throw new SqlRuntimeError('22003', `value "${text}" is out of range for type ${INT_NAMES[type]}`);
  }
  return n === 0 ? 0 : n; // no -0
}

const INT8_MAX = 9223372036854775807n;

/** PostgreSQL int8in. Throws 22P02/22003. */
export function parseInt8(text: string): bigint {
  const r = scanInt(text);
  if (r === null) throw new SqlRuntimeError('22P02', `invalid input syntax for type bigint: "${text}"`);
  const s = r[0] === 0 && r[1] === text.length ? text : text.slice(r[0], r[1]);
  const b = s.length < 16 ? BigInt(Number(s)) : BigInt(s.charCodeAt(0) === 43 ? s.slice(1) : s);
  if (b > INT8_MAX || b < -INT8_MAX - 1n) {
    throw new SqlRuntimeError('22003', `value "${text}" is out of range for type bigint`);
  }
  return b;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const HEX = '0123456789abcdef';

/**
 * PostgreSQL uuid_in: 32 hex digits, optionally in braces, with a hyphen
 * allowed after any group of four digits; → canonical lowercase 8-4-4-4-12.
 */
export function parseUuid(text: string): string {
  const bad = (): SqlRuntimeError => new SqlRuntimeError('22P02', `invalid input syntax for type uuid: "${text}"`);
  let i = 0;
  let end = text.length;
  if (text.charCodeAt(0) === 123) {
    if (text.charCodeAt(end - 1) !== 125) throw bad();
    i = 1;
    end--;
  }
  let out = '';
  let n = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    const h = hexVal(c);
    if (h >= 0) {
      if (n === 32) throw bad();
      if (n === 8 || n === 12 || n === 16 || n === 20) out += '-';
      out += HEX[h];
      n++;
    } else if (c === 45 && n > 0 && n % 4 === 0 && i + 1 < end && hexVal(text.charCodeAt(i + 1)) >= 0) {
      continue;
    } else throw bad();
  }
  if (n !== 32) throw bad();
  return out;
}
