/**
 * lower()/upper() with the source database's lc_ctype semantics:
 * 'ascii' for C/POSIX (only A-Z/a-z change), 'unicode' for UTF-8 locales
 * (per-code-point simple case mapping, like glibc's towlower/towupper: no
 * length-changing mappings, no final-sigma rule).
 */

let unicode = true;

/** Selects the case mapping used by lower, upper and ILIKE ('ascii' when lc_ctype is C/POSIX). */
export function setCaseMapping(mode: 'ascii' | 'unicode'): void {
  unicode = mode === 'unicode';
}

/** The current case mapping mode. */
export function getCaseMapping(): 'ascii' | 'unicode' {
  return unicode ? 'unicode' : 'ascii';
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

function asciiMap(s: string, upper: boolean): string {
  let out = '';
  let start = 0;
  const lo = upper ? 97 : 65;
  const delta = upper ? -32 : 32;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= lo && c <= lo + 25) {
      out += s.slice(start, i) + String.fromCharCode(c + delta);
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}

/** Simple (1:1) uppercase of one code point. */
function upperCp(ch: string): string {
  const u = ch.toUpperCase();
  if (u.length === ch.length || [...u].length === 1) return u;
  const cp = ch.codePointAt(0) as number;
  // Greek with ypogegrammeni: simple mapping to the titlecase form
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return String.fromCodePoint(cp + 8);
  }
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return String.fromCodePoint(cp + 9);
  return ch;
}

/** Simple (1:1) lowercase of one code point. */
function lowerCp(ch: string): string {
  const l = ch.toLowerCase();
  if (l.length === ch.length || [...l].length === 1) return l;
  if (ch === '\u0130') return 'i';
  return ch;
}

/** PostgreSQL lower() under the current case mapping. */
export function lowerText(s: string): string {
  if (!unicode) return asciiMap(s, false);
  if (isAscii(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += lowerCp(ch);
  return out;
}

/** PostgreSQL upper() under the current case mapping. */
export function upperText(s: string): string {
  if (!unicode) return asciiMap(s, true);
  if (isAscii(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) out += upperCp(ch);
  return out;
}
