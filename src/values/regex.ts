/**
 * PostgreSQL's regular expressions (the ARE flavour of `~`, `~*`,
 * regexp_replace, regexp_match) on JavaScript's engine, for the part where
 * the two agree: a pattern is translated (`.` matches newlines, escapes of
 * punctuation are literal, code points not UTF-16 units) and anything whose
 * meaning differs — POSIX classes `[[:alpha:]]`, `\m \M \y \Y \A \Z \B \U`,
 * embedded options `(?i)`, `***` directors, and for the functions that
 * return matches, non-greedy quantifiers (PostgreSQL's greediness rules are
 * not Perl's) — is refused with a message naming it.
 */
import { SqlRuntimeError } from '../errors.ts';
import { getCaseMapping } from './case-mapping.ts';

/** A pattern feature deltaview cannot evaluate as PostgreSQL does; the message names it. */
export class UnsupportedRegex extends Error {}

const REFUSED_ESCAPES: Record<string, string> = {
  m: '\\m (start of word)',
  M: '\\M (end of word)',
  y: '\\y (word boundary)',
  Y: '\\Y',
  A: '\\A',
  Z: '\\Z',
  B: '\\B (a backslash in PostgreSQL)',
  U: '\\U',
  Q: '\\Q',
  E: '\\E',
};

/** Translates a PostgreSQL ARE into a JavaScript RegExp source; throws UnsupportedRegex naming what differs. */
function translate(pattern: string, forMatches: boolean, foldAscii: boolean): string {
  const lit = (x: string) => (foldAscii && /[A-Z]/.test(x) ? x.toLowerCase() : x);
  if (pattern.startsWith('***')) throw new UnsupportedRegex('*** directors');
  let out = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) throw new SqlRuntimeError('2201B', 'invalid regular expression: invalid escape \\ sequence');
      if (REFUSED_ESCAPES[d] !== undefined) throw new UnsupportedRegex(REFUSED_ESCAPES[d]!);
      if (/[A-Za-z0-9]/.test(d)) out += `\\${d}`;
      else out += /[\\^$.|?*+()[\]{}\/-]/.test(d) ? `\\${d}` : lit(d);
      i += 2;
      continue;
    }
    if (c === '[') {
      if (pattern.startsWith('[[:', i) || pattern.startsWith('[[=', i) || pattern.startsWith('[[.', i)) throw new UnsupportedRegex('POSIX bracket classes such as [[:alpha:]]');
      // copy the bracket expression: a leading ^ and ] are literal, escapes as above
      let j = i + 1;
      let cls = '[';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      if (pattern[j] === ']') {
        cls += '\\]';
        j++;
      }
      while (j < n && pattern[j] !== ']') {
        const x = pattern[j]!;
        if (x === '[' && /[:=.]/.test(pattern[j + 1] ?? '')) throw new UnsupportedRegex('POSIX bracket classes such as [[:alpha:]]');
        if (x === '\\') {
          const d = pattern[j + 1] ?? '';
          if (REFUSED_ESCAPES[d] !== undefined) throw new UnsupportedRegex(REFUSED_ESCAPES[d]!);
          cls += /[A-Za-z0-9]/.test(d) ? `\\${d}` : `\\${d}`;
          j += 2;
          continue;
        }
        cls += x === '[' || x === '/' ? `\\${x}` : lit(x);
        j++;
      }
      if (j >= n) throw new SqlRuntimeError('2201B', 'invalid regular expression: brackets [] not balanced');
      out += `${cls}]`;
      i = j + 1;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?' && !/^\(\?(:|=|!|<=|<!)/.test(pattern.slice(i))) throw new UnsupportedRegex('embedded options such as (?i)');
    if (forMatches && /[*+?}]/.test(c) && pattern[i + 1] === '?') throw new UnsupportedRegex('non-greedy quantifiers in a function that returns matches');
    out += lit(c);
    i++;
  }
  return out;
}

const cache = new Map<string, RegExp>();

/**
 * Whether `subject` matches `pattern` (`~`, `~*`). Case-insensitive matching follows the source
 * database's case mapping: under a C ctype PostgreSQL folds ASCII letters only, which is what
 * folding ASCII letters of the pattern (outside escapes) and of the subject gives.
 */
export function regexMatches(subject: string, pattern: string, caseInsensitive: boolean): boolean {
  if (!caseInsensitive) return compileRegex(pattern, '', false).test(subject);
  if (getCaseMapping() === 'unicode') return compileRegex(pattern, 'i', false).test(subject);
  return compileRegex(pattern, '', false, true).test(asciiLower(subject));
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The compiled pattern (flags: i, g); throws UnsupportedRegex or SqlRuntimeError 2201B. */
export function compileRegex(pattern: string, flags: string, forMatches: boolean, foldAscii = false): RegExp {
  if (flags.includes('i') && forMatches && getCaseMapping() === 'ascii') throw new UnsupportedRegex('the i flag under the source database\'s C ctype');
  const key = `${forMatches ? 'm' : 'b'}${foldAscii ? 'f' : ''}${flags}/${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    const source = translate(pattern, forMatches, foldAscii);
    try {
      re = new RegExp(source, `su${flags}`);
    } catch (err) {
      throw new SqlRuntimeError('2201B', `invalid regular expression: ${(err as Error).message}`);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** PostgreSQL's regexp flags we carry: g (all matches), i (case-insensitive), c (case-sensitive, the default). */
function flagsOf(flags: string, fn: string): { g: boolean; i: boolean } {
  let g = false;
  let i = false;
  for (const f of flags) {
    if (f === 'g') g = true;
    else if (f === 'i') i = true;
    else if (f === 'c') i = false;
    else throw new UnsupportedRegex(`${fn}() flag "${f}"`);
  }
  return { g, i };
}

/** regexp_replace(source, pattern, replacement [, flags]): \1…\9 and \& in the replacement. */
export function regexpReplace(source: string, pattern: string, replacement: string, flags = ''): string {
  const f = flagsOf(flags, 'regexp_replace');
  const re = compileRegex(pattern, `${f.i ? 'i' : ''}${f.g ? 'g' : ''}`, true);
  return source.replace(re, (...m: unknown[]) => {
    const groups = m.slice(0, -2) as (string | undefined)[];
    return replacement.replace(/\\([0-9&\\])/g, (_x, d: string) => (d === '\\' ? '\\' : d === '&' ? (groups[0] ?? '') : (groups[Number(d)] ?? '')));
  });
}

/** regexp_match(string, pattern [, flags]): the captures of the first match (or the match itself), null without one. */
export function regexpMatch(source: string, pattern: string, flags = ''): (string | null)[] | null {
  const f = flagsOf(flags, 'regexp_match');
  if (f.g) throw new SqlRuntimeError('22023', 'regexp_match() does not support the "global" option');
  const m = compileRegex(pattern, f.i ? 'i' : '', true).exec(source);
  if (m === null) return null;
  return m.length === 1 ? [m[0]] : m.slice(1).map((x) => x ?? null);
}
