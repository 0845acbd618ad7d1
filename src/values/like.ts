/**
 * LIKE / ILIKE matching, a port of PostgreSQL's MatchText (like_match.c)
 * with the default escape character backslash.
 */
import { SqlRuntimeError } from '../errors.ts';
import { lowerText } from './case-mapping.ts';

const TRUE = 1;
const FALSE = 0;
const ABORT = -1;

function escapeError(): SqlRuntimeError {
  return new SqlRuntimeError('22025', 'LIKE pattern must not end with escape character');
}

/** Length in UTF-16 units of the code point at i. */
function charLen(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

function matchText(t: string, ti: number, p: string, pi: number): number {
  const tlen = t.length;
  const plen = p.length;
  if (plen - pi === 1 && p.charCodeAt(pi) === 37) return TRUE;
  while (ti < tlen && pi < plen) {
    const pc = p.charCodeAt(pi);
    if (pc === 92 /* \ */) {
      pi++;
      if (pi >= plen) throw escapeError();
      if (p.charCodeAt(pi) !== t.charCodeAt(ti)) return FALSE;
    } else if (pc === 37 /* % */) {
      pi++;
      while (pi < plen) {
        const c = p.charCodeAt(pi);
        if (c === 37) pi++;
        else if (c === 95) {
          if (ti >= tlen) return ABORT;
          ti += charLen(t, ti);
          pi++;
        } else break;
      }
      if (pi >= plen) return TRUE;
      let firstpat: number;
      if (p.charCodeAt(pi) === 92) {
        if (plen - pi < 2) throw escapeError();
        firstpat = p.charCodeAt(pi + 1);
      } else firstpat = p.charCodeAt(pi);
      while (ti < tlen) {
        if (t.charCodeAt(ti) === firstpat) {
          const m = matchText(t, ti, p, pi);
          if (m !== FALSE) return m;
        }
        ti += charLen(t, ti);
      }
      return ABORT;
    } else if (pc === 95 /* _ */) {
      ti += charLen(t, ti);
      pi++;
      continue;
    } else if (pc !== t.charCodeAt(ti)) {
      return FALSE;
    }
    ti++;
    pi++;
  }
  if (ti < tlen) return FALSE;
  while (pi < plen && p.charCodeAt(pi) === 37) pi++;
  return pi >= plen ? TRUE : ABORT;
}

/**
 * A matcher for `s LIKE pattern` (or ILIKE when caseInsensitive: both sides
 * lower-cased with the current case mapping, as PostgreSQL does for UTF-8).
 * `%` matches any sequence, `_` one character (code point), `\x` a literal x.
 * The returned function throws SqlRuntimeError 22025 when matching reaches a
 * trailing escape character (PostgreSQL reports it lazily too).
 */
export function likeMatcher(pattern: string, caseInsensitive: boolean): (s: string) => boolean {
  const p = caseInsensitive ? lowerText(pattern) : pattern;
  // fast paths for escape-free patterns
  let special = false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 92 || c === 95 || (c === 37 && i > 0 && i < p.length - 1)) {
      special = true;
      break;
    }
  }
  if (!special && !caseInsensitive) {
    const lead = p.charCodeAt(0) === 37;
    const trail = p.length > (lead ? 1 : 0) && p.charCodeAt(p.length - 1) === 37;
    const core = p.slice(lead ? 1 : 0, trail ? p.length - 1 : p.length);
    if (lead && trail) return (s) => s.includes(core);
    if (lead) return (s) => s.endsWith(core);
    if (trail) return (s) => s.startsWith(core);
    return (s) => s === core;
  }
  if (caseInsensitive) return (s) => matchText(lowerText(s), 0, p, 0) === TRUE;
  return (s) => matchText(s, 0, p, 0) === TRUE;
}
