/**
 * JSON that keeps numbers exactly as written: a numeric 1.50 stays 1.50 and a
 * bigint beyond 2^53 keeps every digit, where JSON.parse would round them.
 * The CLI prints server answers through it; the tests compare rows with it.
 */
export class JNum {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
export type JValue = null | boolean | string | JNum | JValue[] | { [k: string]: JValue };

export function parseLossless(text: string): JValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): JValue => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const o: { [k: string]: JValue } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i++] !== ':') throw new Error(`expected : at ${i}`);
        o[k] = value();
        ws();
        const c = text[i++];
        if (c === '}') return o;
        if (c !== ',') throw new Error(`expected , or } at ${i}`);
      }
    }
    if (ch === '[') {
      i++;
      const a: JValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        const c = text[i++];
        if (c === ']') return a;
        if (c !== ',') throw new Error(`expected , or ] at ${i}`);
      }
    }
    if (ch === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) throw new Error(`unexpected ${text.slice(i, i + 20)} at ${i}`);
    i += m[0].length;
    return new JNum(m[0]);
  };
  const str = (): string => {
    const start = i;
    if (text[i] !== '"') throw new Error(`expected string at ${i}`);
    i++;
    while (text[i] !== '"') {
      if (text[i] === '\\') i++;
      i++;
      if (i > text.length) throw new Error('unterminated string');
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return v;
}

/** Valid JSON again, numbers exactly as written, keys in their order. */
export function stringifyLossless(v: JValue): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof JNum) return v.text;
  if (Array.isArray(v)) return `[${v.map(stringifyLossless).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${stringifyLossless(x)}`)
    .join(',')}}`;
}
