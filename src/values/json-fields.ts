/**
 * The top-level fields of a flat JSON object read in one scan, without
 * building a tree for the whole text (Kafka messages, view rows as stored).
 * Strings without escapes are sliced out (any escape: the full parser), numbers keep their exact text,
 * nested objects and arrays (and anything else unusual) are left to the full
 * jsonb parser. Any doubt (not an object, a syntax error, an odd token) gives
 * null, and the caller takes the full parser, which also words the error.
 */
import { canonicalJson, parseJsonb, type JsonNode } from './json.ts';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** `text`'s top-level fields (the last of a repeated name wins, as in jsonb), or null to take the full parser. */
export function flatFields(text: string): Map<string, JsonNode> | null {
  return new Scan(text).object();
}

/** One scan (methods, not closures: no function is made per message). */
class Scan {
  private i = 0;
  private readonly n: number;
  constructor(private readonly text: string) {
    this.n = text.length;
  }

  object(): Map<string, JsonNode> | null {
    const text = this.text;
    this.ws();
    if (text.charCodeAt(this.i) !== 123) return null;
    this.i++;
    const out = new Map<string, JsonNode>();
    this.ws();
    if (text.charCodeAt(this.i) === 125) {
      this.i++;
      this.ws();
      return this.i === this.n ? out : null;
    }
    for (;;) {
      this.ws();
      if (text.charCodeAt(this.i) !== 34) return null;
      const key = this.str();
      if (key === undefined) return null;
      this.ws();
      if (text.charCodeAt(this.i) !== 58) return null; // :
      this.i++;
      this.ws();
      const v = this.value();
      if (v === undefined) return null;
      out.set(key, v);
      this.ws();
      const sep = text.charCodeAt(this.i++);
      if (sep === 44) continue; // ,
      if (sep !== 125) return null; // }
      this.ws();
      return this.i === this.n ? out : null;
    }
  }

  private value(): JsonNode | undefined {
    const text = this.text;
    const i = this.i;
    const c = text.charCodeAt(i);
    if (c === 34) return this.str();
    if (c === 123 || c === 91) {
      const end = jsonValueEnd(text, i);
      if (end < 0) return undefined;
      try {
        const v = parseJsonb(canonicalJson(text.slice(i, end)));
        this.i = end;
        return v;
      } catch {
        return undefined;
      }
    }
    if (text.startsWith('true', i)) {
      this.i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      this.i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      this.i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    // jsonb keeps a number's text unless it has an exponent or is a negative zero (the full parser normalises those)
    if (m === null || /[eE]/.test(m[0]) || m[0].startsWith('-0')) return undefined;
    this.i += m[0].length;
    return { num: m[0] };
  }

  private ws(): void {
    const text = this.text;
    while (this.i < this.n) {
      const c = text.charCodeAt(this.i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      this.i++;
    }
  }

  /** A string token starting at i (a quote): its value, i moved past it; undefined when malformed or escaped. */
  private str(): string | undefined {
    const text = this.text;
    const start = this.i + 1;
    let j = start;
    while (j < this.n) {
      const c = text.charCodeAt(j);
      if (c === 34) break; // "
      // escapes have jsonb's own rules (\u0000 is refused, surrogates must pair): the full parser's
      if (c === 92 || c < 32) return undefined;
      j++;
    }
    if (j >= this.n) return undefined;
    this.i = j + 1;
    return text.slice(start, j);
  }
}

/**
 * The end of the JSON value starting at `i` of well-formed-looking text: a string (escapes
 * skipped), an object or array (nesting and strings skipped) or a scalar (up to `,` `}` `]`);
 * -1 when it runs off the end. It finds spans, it does not validate them.
 */
export function jsonValueEnd(text: string, i: number): number {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c === 34) {
    let j = i + 1;
    while (j < n && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
    return j < n ? j + 1 : -1;
  }
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < n; j++) {
      const d = text.charCodeAt(j);
      if (d === 34) {
        j++;
        while (j < n && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < n && text.charCodeAt(j) !== 44 && text.charCodeAt(j) !== 125 && text.charCodeAt(j) !== 93) j++;
  return j;
}
