/**
 * float4/float8 text forms exactly as PostgreSQL prints them
 * (extra_float_digits = 1, i.e. shortest round-trip digits), and the
 * to_jsonb form (numeric_in of that text, printed without exponent).
 */
import { SqlRuntimeError } from '../errors.ts';
import { plainDecimalText } from './decimal.ts';

/** Shortest round-trip decimal digits of a positive finite value. */
interface Digits {
  /** significant digits, no leading/trailing zeros */
  readonly digits: string;
  /** decimal exponent of the first digit */
  readonly exp: number;
}

/** Splits a JS-formatted positive number (fixed or exponent form) into digits and exponent. */
function splitJsNumber(s: string): Digits {
  const e = s.indexOf('e');
  let mant = s;
  let exp10 = 0;
  if (e >= 0) {
    mant = s.slice(0, e);
    exp10 = Number(s.slice(e + 1));
  }
  const dot = mant.indexOf('.');
  const intPart = dot >= 0 ? mant.slice(0, dot) : mant;
  const frac = dot >= 0 ? mant.slice(dot + 1) : '';
  let all = intPart + frac;
  let exp = intPart.length - 1 + exp10;
  let lead = 0;
  while (lead < all.length - 1 && all.charCodeAt(lead) === 48) lead++;
  exp -= lead;
  all = all.slice(lead);
  let end = all.length;
  while (end > 1 && all.charCodeAt(end - 1) === 48) end--;
  return { digits: all.slice(0, end), exp };
}

const view = new DataView(new ArrayBuffer(8));

/** Exact mantissa and binary exponent (x = m·2^e) and whether the gap below is halved. */
function decompose(a: number, float4: boolean): { m: bigint; e: number; lowerHalf: boolean } {
  if (float4) {
    view.setFloat32(0, a);
    const bits = view.getUint32(0);
    const ef = (bits >>> 23) & 0xff;
    const frac = bits & 0x7fffff;
    if (ef === 0) return { m: BigInt(frac), e: -149, lowerHalf: false };
    return { m: BigInt(frac | 0x800000), e: ef - 150, lowerHalf: frac === 0 && ef > 1 };
  }
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  const ef = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (ef === 0) return { m: frac, e: -1074, lowerHalf: false };
  return { m: frac | 0x10000000000000n, e: ef - 1075, lowerHalf: frac === 0n && ef > 1 };
}

/**
 * Shortest decimal strictly inside the rounding interval of `a` (bounds
 * excluded), closest to `a`, ties to even: the digits PostgreSQL's Ryu
 * prints. Exact bigint arithmetic; used for float4 and for large float8.
 */
function exactShortest(a: number, float4: boolean, maxDigits: number): Digits {
  const { m, e, lowerHalf } = decompose(a, float4);
  // Work in units of 2^(e-2): value 4m, bounds 4m±2 (lower 4m-1 at a power of two).
  let v = 4n * m;
  let hi = v + 2n;
  let lo = v - (lowerHalf ? 1n : 2n);
  let den = 1n;
  if (e - 2 >= 0) {
    const f = 1n << BigInt(e - 2);
    v *= f;
    hi *= f;
    lo *= f;
  } else den = 1n << BigInt(2 - e);
  // decimal exponent of the leading digit of a
  let e10 = Math.floor(Math.log10(a));
  const p10 = (k: number): [bigint, bigint] => (k >= 0 ? [10n ** BigInt(k), 1n] : [1n, 10n ** BigInt(-k)]);
  // fix e10 so that 10^e10 <= a < 10^(e10+1)
  for (;;) {
    const [n1, d1] = p10(e10);
    if (n1 * den > v * d1) e10--;
    else {
      const [n2, d2] = p10(e10 + 1);
      if (n2 * den <= v * d2) e10++;
      else break;
    }
  }
  for (let n = 1; n <= maxDigits; n++) {
    const k = e10 - n + 1;
    // candidate c·10^k; compare in units: c·10^k vs x = v/den  →  c·N·den vs v·D where 10^k = N/D
    const [N, D] = p10(k);
    const scaledNum = v * D; // x·den·D
    const unit = N * den; // 10^k·den·D
    let c = scaledNum / unit;
    const r = scaledNum - c * unit;
    if (r * 2n > unit || (r * 2n === unit && c % 2n === 1n)) c += 1n;
    let best: bigint | null = null;
    let bestDist = 0n;
    for (const cand of [c, c - 1n, c + 1n]) {
      if (cand <= 0n) continue;
      const pos = cand * unit; // in units of 1/(den·D)·… comparable with v·D
      if (pos > lo * D && pos < hi * D) {
        const dist = pos > scaledNum ? pos - scaledNum : scaledNum - pos;
        if (best === null || dist < bestDist || (dist === bestDist && cand % 2n === 0n)) {
          best = cand;
          bestDist = dist;
        }
      }
    }
    if (best !== null) {
      let ds = best.toString();
      let exp = k + ds.length - 1;
      let end = ds.length;
      while (end > 1 && ds.charCodeAt(end - 1) === 48) end--;
      ds = ds.slice(0, end);
      return { digits: ds, exp };
    }
  }
  return splitJsNumber(float4 ? a.toPrecision(9) : String(a));
}

/** Shortest digits that round-trip through float32 (Ryu f2s equivalent). */
function float4Digits(a: number): Digits {
  return exactShortest(a, true, 9);
}

/** Shortest digits of a positive finite double as PostgreSQL prints them. */
function float8Digits(a: number): Digits {
  // Below 2^53 an interval bound never has <= 17 significant digits, so the
  // JS shortest digits (which may sit on a bound) agree with Ryu's.
  if (a >= 9007199254740992) return exactShortest(a, false, 17);
  return splitJsNumber(String(a));
}

function exponentForm(neg: boolean, d: Digits): string {
  const mant = d.digits.length > 1 ? d.digits[0] + '.' + d.digits.slice(1) : d.digits;
  const ae = Math.abs(d.exp);
  return (neg ? '-' : '') + mant + 'e' + (d.exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
}

function fixedForm(neg: boolean, d: Digits): string {
  const scale = Math.max(0, d.digits.length - 1 - d.exp);
  return plainDecimalText(neg, d.digits, d.exp, scale);
}

/** PostgreSQL float8out: '1.5', '1e+20', '1e-07', '-0', 'NaN', 'Infinity', '-Infinity'. */
export function float8Text(x: number): string {
  const a = x < 0 ? -x : x;
  if (a >= 1e-4 && a < 1e14) return String(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (Number.isNaN(x)) return 'NaN';
  if (a === Infinity) return x > 0 ? 'Infinity' : '-Infinity';
  const d = float8Digits(a);
  if (d.exp < -4 || d.exp >= 15) return exponentForm(x < 0, d);
  return fixedForm(x < 0, d);
}

/** PostgreSQL float4out for a value already representable as float32. */
export function float4Text(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const d = float4Digits(x < 0 ? -x : x);
  if (d.exp < -4 || d.exp >= 6) return exponentForm(x < 0, d);
  return fixedForm(x < 0, d);
}

/** to_jsonb of a float8: plain decimal digits ('100000000000000000000'), "NaN"/"Infinity" as JSON strings. */
export function float8Json(x: number): string {
  const a = x < 0 ? -x : x;
  if (a >= 1e-6 && a < 9007199254740992) return String(x); // JS prints these in plain fixed form
  if (x === 0) return '0';
  if (Number.isNaN(x)) return '"NaN"';
  if (a === Infinity) return x > 0 ? '"Infinity"' : '"-Infinity"';
  return fixedForm(x < 0, float8Digits(a));
}

/** to_jsonb of a float4 (shortest float32 digits, plain decimal). */
export function float4Json(x: number): string {
  if (x === 0) return '0';
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  return fixedForm(x < 0, float4Digits(x < 0 ? -x : x));
}

/**
 * Digits of `x` printed with `%.{prec}g` and re-read as decimal text
 * (PostgreSQL's float→numeric casts use DBL_DIG=15 / FLT_DIG=6).
 */
export function floatToDecimalText(x: number, prec: number): string {
  if (x === 0) return '0';
  const neg = x < 0;
  const d = splitJsNumber((neg ? -x : x).toPrecision(prec));
  return fixedForm(neg, d);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function badFloat(text: string, float4: boolean): SqlRuntimeError {
  return new SqlRuntimeError('22P02', `invalid input syntax for type ${float4 ? 'real' : 'double precision'}: "${text}"`);
}

/**
 * PostgreSQL float8in/float4in: surrounding whitespace, decimal or exponent
 * form, 'NaN', 'Infinity', 'inf' (any case, signed). Throws 22P02 on bad
 * syntax and 22003 on overflow/underflow (for float4: beyond float32 range).
 */
export function parseFloatText(text: string, float4: boolean): number {
  let i = 0;
  let end = text.length;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  const t = i === 0 && end === text.length ? text : text.slice(i, end);
  const bad = badFloat;
  if (t.length === 0) throw bad(text, float4);
  let sawDigit = false;
  let nonZero = false;
  let j = 0;
  let c = t.charCodeAt(0);
  if (c === 43 || c === 45) j++;
  c = t.charCodeAt(j);
  if (!((c >= 48 && c <= 57) || c === 46)) {
    const w = t.slice(j).toLowerCase();
    if (w === 'nan') return NaN;
    if (w === 'infinity' || w === 'inf') return t.charCodeAt(0) === 45 ? -Infinity : Infinity;
    throw bad(text, float4);
  }
  let sawPoint = false;
  for (; j < t.length; j++) {
    c = t.charCodeAt(j);
    if (c >= 48 && c <= 57) {
      sawDigit = true;
      if (c !== 48) nonZero = true;
    } else if (c === 46 && !sawPoint) sawPoint = true;
    else break;
  }
  if (!sawDigit) throw bad(text, float4);
  if (j < t.length) {
    c = t.charCodeAt(j);
    if (c !== 101 && c !== 69) throw bad(text, float4);
    j++;
    c = t.charCodeAt(j);
    if (c === 43 || c === 45) j++;
    const es = j;
    while (j < t.length && t.charCodeAt(j) >= 48 && t.charCodeAt(j) <= 57) j++;
    if (j === es || j !== t.length) throw bad(text, float4);
  }
  let v = Number(t);
  if (float4) {
    const f = Math.fround(v);
    if (!Number.isFinite(f) || (f === 0 && nonZero)) {
      throw new SqlRuntimeError('22003', `"${text}" is out of range for type real`);
    }
    v = f;
  } else if (!Number.isFinite(v) || (v === 0 && nonZero)) {
    throw new SqlRuntimeError('22003', `"${text}" is out of range for type double precision`);
  }
  return v;
}
