/**
 * JSON text handling with PostgreSQL's exact rules: escaping of strings
 * (escape_json) and canonicalisation of json text into jsonb_out form.
 */
import { SqlRuntimeError } from '../errors.ts';
import { plainDecimalText } from './decimal.ts';

const HEX = '0123456789abcdef';

/** PostgreSQL escape_json: a quoted JSON string ("\b\f\n\r\t", \" and \\ escaped, other C0 controls as \u00XX). */
export function escapeJsonString(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) break;
  }
  if (i === n) return '"' + s + '"';
  let out = '"' + s.slice(0, i);
  let start = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c !== 34 && c !== 92) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 8:
        out += '\\b';
        break;
      case 12:
        out += '\\f';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 34:
        out += '\\"';
        break;
      case 92:
        out += '\\\\';
        break;
      default:
        out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out + s.slice(start) + '"';
}

/** UTF-8 byte length of a JS string (lone surrogates count as 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          n += 2; // 4 bytes for 2 code units
          i++;
        } else n += 2;
      } else n += 2;
    }
  }
  return n;
}

/**
 * Compares two strings by Unicode code point (= UTF-8 byte order, = the C
 * collation). Returns negative, 0 or positive.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code point order only for surrogates vs U+E000..U+FFFF
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys && (x >= 0xe000 || y >= 0xe000)) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** jsonb key order: shorter (in UTF-8 bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Length(a);
  const lb = utf8Length(b);
  return la !== lb ? la - lb : compareCodePoints(a, b);
}

function invalidJson(detail: string): SqlRuntimeError {
  const e = new SqlRuntimeError('22P02', 'invalid input syntax for type json');
  (e as { detail?: string }).detail = detail;
  return e;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  /** Parses one value at the cursor; returns its canonical jsonb text. */
  value(): string {
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 123 /* { */:
        return this.object();
      case 91 /* [ */:
        return this.array();
      case 34 /* " */:
        return escapeJsonString(this.string());
      case 116 /* t */:
        return this.word('true');
      case 102 /* f */:
        return this.word('false');
      case 110 /* n */:
        return this.word('null');
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        throw invalidJson(Number.isNaN(c) ? 'The input string ended unexpectedly.' : 'Token is invalid.');
    }
  }

  word(w: string): string {
    if (!this.s.startsWith(w, this.i)) throw invalidJson('Token is invalid.');
    this.i += w.length;
    const c = this.s.charCodeAt(this.i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) throw invalidJson('Token is invalid.');
    return w;
  }

  number(): string {
    const s = this.s;
    let i = this.i;
    let neg = false;
    if (s.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    const is = i;
    let c = s.charCodeAt(i);
    if (c === 48) i++;
    else if (c >= 49 && c <= 57) {
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    } else throw invalidJson('Token is invalid.');
    const intDigits = s.slice(is, i);
    let frac = '';
    if (s.charCodeAt(i) === 46) {
      const fs = ++i;
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
      if (i === fs) throw invalidJson('Token is invalid.');
      frac = s.slice(fs, i);
    }
    let exp = 0;
    c = s.charCodeAt(i);
    if (c === 101 || c === 69) {
      i++;
      let eneg = false;
      c = s.charCodeAt(i);
      if (c === 43 || c === 45) {
        eneg = c === 45;
        i++;
      }
      const es = i;
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
      if (i === es) throw invalidJson('Token is invalid.');
      exp = Number(s.slice(es, i));
      if (exp > 1000) throw new SqlRuntimeError('22P02', `invalid input syntax for type numeric: "${s.slice(this.i, i)}"`);
      if (eneg) exp = -exp;
    }
    c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46) throw invalidJson('Token is invalid.');
    this.i = i;
    if (frac === '' && exp === 0) {
      // plain integer: canonical unless it is "-0"
      return neg && intDigits === '0' ? '0' : (neg ? '-' : '') + intDigits;
    }
    const all = intDigits + frac;
    return plainDecimalText(neg, all, intDigits.length - 1 + exp, Math.max(0, frac.length - exp));
  }

  /** Parses a string token at the cursor and returns its decoded value. */
  string(): string {
    const s = this.s;
    let i = this.i + 1;
    const start = i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 92) break;
      if (c < 32) throw invalidJson(Number.isNaN(c) ? 'The input string ended unexpectedly.' : 'Character must be escaped.');
      i++;
    }
    let out = s.slice(start, i);
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return out;
      }
      if (Number.isNaN(c)) throw invalidJson('The input string ended unexpectedly.');
      if (c < 32) throw invalidJson('Character must be escaped.');
      if (c !== 92) {
        out += s[i];
        i++;
        continue;
      }
      const e = s.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 34:
          out += '"';
          break;
        case 92:
          out += '\\';
          break;
        case 47:
          out += '/';
          break;
        case 98:
          out += '\b';
          break;
        case 102:
          out += '\f';
          break;
        case 110:
          out += '\n';
          break;
        case 114:
          out += '\r';
          break;
        case 116:
          out += '\t';
          break;
        case 117: {
          const cp = this.hex4(i);
          i += 4;
          if (cp === 0) throw new SqlRuntimeError('22P05', 'unsupported Unicode escape sequence');
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (s.charCodeAt(i) !== 92 || s.charCodeAt(i + 1) !== 117) {
              throw invalidJson('Unicode high surrogate must not follow a high surrogate.');
            }
            const lo = this.hex4(i + 2);
            if (lo < 0xdc00 || lo > 0xdfff) throw invalidJson('Unicode low surrogate must follow a high surrogate.');
            i += 6;
            out += String.fromCharCode(cp, lo);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            throw invalidJson('Unicode low surrogate must follow a high surrogate.');
          } else out += String.fromCharCode(cp);
          break;
        }
        default:
          throw invalidJson('Escape sequence is invalid.');
      }
    }
  }

  hex4(at: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.s.charCodeAt(at + k);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else throw invalidJson('"\\u" must be followed by four hexadecimal digits.');
      v = v * 16 + d;
    }
    return v;
  }

  array(): string {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      return '[]';
    }
    let out = '[';
    for (;;) {
      out += this.value();
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 93) return out + ']';
      if (c !== 44) throw invalidJson('Expected "," or "]".');
      out += ', ';
    }
  }

  object(): string {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return '{}';
    }
    const keys: string[] = [];
    const vals: string[] = [];
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) throw invalidJson('Expected string.');
      keys.push(this.string());
      this.ws();
      if (this.s.charCodeAt(this.i++) !== 58) throw invalidJson('Expected ":".');
      vals.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 125) break;
      if (c !== 44) throw invalidJson('Expected "," or "}".');
    }
    const idx = keys.map((_, k) => k);
    idx.sort((a, b) => compareJsonbKeys(keys[a] as string, keys[b] as string) || a - b);
    let out = '{';
    let first = true;
    for (let k = 0; k < idx.length; k++) {
      const cur = idx[k] as number;
      const next = idx[k + 1];
      if (next !== undefined && keys[next] === keys[cur]) continue; // a later duplicate wins
      if (!first) out += ', ';
      first = false;
      out += escapeJsonString(keys[cur] as string) + ': ' + (vals[cur] as string);
    }
    return out + '}';
  }
}

/**
 * json text → canonical jsonb text, exactly as jsonb_out prints it: object
 * keys sorted by UTF-8 length then bytes, the last duplicate key wins,
 * numbers normalised as numeric_out ('1e2' → 100, '-0' → 0, '1.0' stays),
 * strings re-escaped, `{"a": 1, "b": [1, 2]}` spacing.
 * Throws SqlRuntimeError 22P02 on invalid json, 22P05 for \u0000.
 */
export function canonicalJson(text: string): string {
  const p = new Parser(text);
  const out = p.value();
  p.ws();
  if (p.i !== text.length) throw invalidJson('Token is invalid.');
  return out;
}

/** A parsed jsonb value (numbers keep their exact text; object entries in jsonb key order). */
export type JsonNode = null | boolean | string | { num: string } | JsonNode[] | { obj: [string, JsonNode][] };

function toNode(v: unknown): JsonNode {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return { num: String(v) };
  if (Array.isArray(v)) return v.map(toNode);
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]): [string, JsonNode] => [k, toNode(x)]);
  entries.sort((a, b) => compareJsonbKeys(a[0], b[0]));
  return { obj: entries };
}

/** Canonical jsonb text → tree. Numbers stay exact: JSON.parse is used only for structure, numbers are re-read from the canonical text. */
export function parseJsonb(canonical: string): JsonNode {
  // Replace numbers by tagged strings so that no precision is lost.
  const tagged = canonical.replace(/("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)/g, (m, str: string | undefined) =>
    str !== undefined ? str : '{"\\u0000n":"' + m + '"}',
  );
  const restore = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const n = o['\u0000n'];
      if (typeof n === 'string') return { __num: n };
      for (const k of Object.keys(o)) o[k] = restore(o[k]);
      return o;
    }
    if (Array.isArray(v)) return v.map(restore);
    return v;
  };
  const fix = (v: unknown): JsonNode => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && '__num' in (v as object)) {
      return { num: (v as { __num: string }).__num };
    }
    if (Array.isArray(v)) return v.map(fix);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).map(([k, x]): [string, JsonNode] => [k, fix(x)]);
      entries.sort((a, b) => compareJsonbKeys(a[0], b[0]));
      return { obj: entries };
    }
    return toNode(v);
  };
  return fix(restore(JSON.parse(tagged)));
}

function rank(n: JsonNode): number {
  if (n === null) return 0;
  if (typeof n === 'string') return 1;
  if (typeof n === 'boolean') return 3;
  if (Array.isArray(n)) return 4;
  return 'num' in n ? 2 : 5;
}

function compareNum(a: string, b: string, cmpDecimal: (x: string, y: string) => number): number {
  return cmpDecimal(a, b);
}

function compareNodes(a: JsonNode, b: JsonNode, cmpDecimal: (x: string, y: string) => number): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareCodePoints(a as string, b as string);
    case 2:
      return compareNum((a as { num: string }).num, (b as { num: string }).num, cmpDecimal);
    case 3:
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 4: {
      const x = a as JsonNode[];
      const y = b as JsonNode[];
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) {
        const c = compareNodes(x[i] as JsonNode, y[i] as JsonNode, cmpDecimal);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: {
      const x = (a as { obj: [string, JsonNode][] }).obj;
      const y = (b as { obj: [string, JsonNode][] }).obj;
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) {
        const [kx, vx] = x[i] as [string, JsonNode];
        const [ky, vy] = y[i] as [string, JsonNode];
        const kc = compareCodePoints(kx, ky);
        if (kc !== 0) return kc;
        const vc = compareNodes(vx, vy, cmpDecimal);
        if (vc !== 0) return vc;
      }
      return 0;
    }
  }
}

/**
 * jsonb btree order of two canonical jsonb texts (PostgreSQL's
 * compareJsonbContainers): Object > Array > Boolean > Number > String > Null,
 * containers by element count first, then element-wise; a top-level scalar
 * compares with a top-level array as the one-element array it is stored as.
 * `cmpDecimal` compares two numeric texts exactly.
 */
export function compareJsonb(a: string, b: string, cmpDecimal: (x: string, y: string) => number): number {
  if (a === b) return 0;
  const x = parseJsonb(a);
  const y = parseJsonb(b);
  // A top-level scalar is a one-element "raw scalar" pseudo-array: against a
  // real array the element counts decide, and on equal counts the raw scalar sorts first.
  const xs = rank(x) !== 4 && rank(x) !== 5;
  const ys = rank(y) !== 4 && rank(y) !== 5;
  if (xs && !ys && Array.isArray(y)) return y.length === 1 ? -1 : 1 - y.length;
  if (ys && !xs && Array.isArray(x)) return x.length === 1 ? 1 : x.length - 1;
  return compareNodes(x, y, cmpDecimal);
}

/** Tree → canonical jsonb text (the inverse of parseJsonb). */
export function renderJsonb(n: JsonNode): string {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return n ? 'true' : 'false';
  if (typeof n === 'string') return escapeJsonString(n);
  if (Array.isArray(n)) return '[' + n.map(renderJsonb).join(', ') + ']';
  if ('num' in n) return n.num;
  return '{' + n.obj.map(([k, v]) => escapeJsonString(k) + ': ' + renderJsonb(v)).join(', ') + '}';
}
