/**
 * PostgreSQL array literal text ('{1,2,NULL}', '{{1,2},{3,4}}',
 * '{"a b","c\"d"}', '[0:1]={1,2}'): splitting into element texts and
 * formatting element texts back with array_out's quoting rules.
 */
import { SqlRuntimeError } from '../errors.ts';

/** A parsed array literal: element texts (null for NULL) or nested arrays. */
export type ArrayTextNode = (string | null | ArrayTextNode)[];

function malformed(text: string, detail: string): SqlRuntimeError {
  const e = new SqlRuntimeError('22P02', `malformed array literal: "${text}"`);
  (e as { detail?: string }).detail = detail;
  return e;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses PostgreSQL array_in syntax (delimiter ','): optional dimension
 * decoration, nested braces, double-quoted elements with backslash escapes,
 * unquoted elements trimmed of surrounding whitespace, unquoted NULL (any
 * case) → null. Throws SqlRuntimeError 22P02 when malformed.
 */
export function parseArrayText(text: string): ArrayTextNode {
  let i = 0;
  const n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 91 /* [ */) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw malformed(text, 'Missing "=" after array dimensions.');
    i = eq + 1;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  }
  if (text.charCodeAt(i) !== 123) throw malformed(text, 'Array value must start with "{" or dimension information.');
  const stack: ArrayTextNode[] = [];
  let root: ArrayTextNode | null = null;
  let cur: ArrayTextNode = [];
  i++;
  stack.push(cur);
  root = cur;
  let expectElem = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 123 /* { */) {
      if (!expectElem) throw malformed(text, 'Unexpected "{" character.');
      const child: ArrayTextNode = [];
      cur.push(child);
      stack.push(child);
      cur = child;
      i++;
      continue;
    }
    if (c === 125 /* } */) {
      stack.pop();
      const parent = stack[stack.length - 1];
      i++;
      expectElem = false;
      if (parent === undefined) {
        while (i < n && isSpace(text.charCodeAt(i))) i++;
        if (i !== n) throw malformed(text, 'Junk after closing right brace.');
        return root;
      }
      cur = parent;
      continue;
    }
    if (c === 44 /* , */) {
      if (expectElem) throw malformed(text, 'Unexpected "," character.');
      expectElem = true;
      i++;
      continue;
    }
    if (!expectElem) throw malformed(text, 'Expected "," or "}".');
    if (c === 34 /* " */) {
      i++;
      let s = '';
      let start = i;
      for (;;) {
        if (i >= n) throw malformed(text, 'Unexpected end of input.');
        const d = text.charCodeAt(i);
        if (d === 34) break;
        if (d === 92) {
          s += text.slice(start, i);
          i++;
          if (i >= n) throw malformed(text, 'Unexpected end of input.');
          start = i;
        }
        i++;
      }
      s += text.slice(start, i);
      i++;
      cur.push(s);
    } else {
      let s = '';
      let start = i;
      let lastNonSpace = i;
      let quotedSomething = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 44 || d === 125) break;
        if (d === 123 || d === 34) throw malformed(text, 'Unexpected character.');
        if (d === 92) {
          s += text.slice(start, i);
          i++;
          if (i >= n) throw malformed(text, 'Unexpected end of input.');
          s += text[i];
          i++;
          start = i;
          lastNonSpace = i;
          quotedSomething = true;
          continue;
        }
        i++;
        if (!isSpace(d)) lastNonSpace = i;
      }
      s += text.slice(start, Math.max(start, lastNonSpace));
      if (!quotedSomething && s.length === 4 && s.toUpperCase() === 'NULL') cur.push(null);
      else cur.push(s);
    }
    expectElem = false;
  }
  throw malformed(text, 'Unexpected end of input.');
}

/** Whether array_out must double-quote this element text. */
function needsQuote(s: string): boolean {
  if (s.length === 0) return true;
  if (s.length === 4 && s.toUpperCase() === 'NULL') return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 || c === 125 || c === 44 || c === 34 || c === 92 || isSpace(c)) return true;
  }
  return false;
}

/** One element as array_out writes it (quoted and backslash-escaped when needed). */
export function quoteArrayElement(s: string): string {
  if (!needsQuote(s)) return s;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) {
      out += s.slice(start, i) + '\\';
      start = i;
    }
  }
  return out + s.slice(start) + '"';
}
