/**
 * Exact PostgreSQL `numeric`: an unscaled integer (a JS number while it is a
 * safe integer, else a bigint) plus a display scale (dscale), or one of the
 * special values NaN, +Infinity, -Infinity.
 * Arithmetic follows PostgreSQL's numeric.c result-scale rules so that the
 * printed text is identical to numeric_out.
 */
import { SqlRuntimeError } from '../errors.ts';

const FINITE = 0;
const NAN = 1;
const PINF = 2;
const NINF = 3;
type Special = typeof FINITE | typeof NAN | typeof PINF | typeof NINF;

/** PostgreSQL's NUMERIC_MIN_SIG_DIGITS (division result precision floor). */
const MIN_SIG_DIGITS = 16;
/** PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE. */
const MAX_DISPLAY_SCALE = 1000;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
const POW10: bigint[] = [1n];
/** 10^n as a bigint (cached for small n). */
export function pow10(n: number): bigint {
  if (n < 0) throw new RangeError('negative power of ten');
  if (n < 64) {
    let p = POW10[n];
    if (p === undefined) {
      for (let i = POW10.length; i <= n; i++) POW10.push((POW10[i - 1] as bigint) * 10n);
      p = POW10[n] as bigint;
    }
    return p;
  }
  return 10n ** BigInt(n);
}

function bigAbs(b: bigint): bigint {
  return b < 0n ? -b : b;
}

/** Divides and rounds half away from zero (den must be non-zero). */
function divRoundHalfAway(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  if (bigAbs(r) * 2n >= bigAbs(den)) return (num < 0n) !== (den < 0n) ? q - 1n : q + 1n;
  return q;
}

function invalidNumeric(text: string): SqlRuntimeError {
  return new SqlRuntimeError('22P02', `invalid input syntax for type numeric: "${text}"`);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** An exact PostgreSQL numeric value. Immutable. */
export class Decimal {
  /**
   * The unscaled value: a JS number while it is a safe integer (most are: no BigInt object per
   * stored value, 24 bytes each), else a bigint; NaN, Infinity or -Infinity for the specials
   * (no field of their own: 8 bytes less per value).
   */
  private readonly u: number | bigint;

  private constructor(
    /** A safe integer as a number, or a bigint (kept as a number when it is safe); ignored for specials. */
    unscaled: number | bigint,
    /** Display scale (digits after the decimal point), >= 0. */
    readonly scale: number,
    special: Special,
  ) {
    if (special !== FINITE) this.u = special === NAN ? NaN : special === PINF ? Infinity : -Infinity;
    else this.u = typeof unscaled === 'number' || unscaled < MIN_SAFE || unscaled > MAX_SAFE ? unscaled : Number(unscaled);
  }

  private get special(): Special {
    const u = this.u;
    if (typeof u === 'bigint' || Number.isFinite(u)) return FINITE;
    return u !== u ? NAN : u > 0 ? PINF : NINF;
  }

  /** Unscaled value: the number is unscaled / 10^scale (0n for specials). */
  get unscaled(): bigint {
    const u = this.u;
    return typeof u === 'bigint' ? u : Number.isFinite(u) ? BigInt(u) : 0n;
  }

  static readonly NaN = new Decimal(0n, 0, NAN);
  static readonly Infinity = new Decimal(0n, 0, PINF);
  static readonly NegativeInfinity = new Decimal(0n, 0, NINF);
  static readonly ZERO = new Decimal(0n, 0, FINITE);

  /** A finite decimal unscaled / 10^scale (scale >= 0). */
  static of(unscaled: bigint, scale: number): Decimal {
    return new Decimal(unscaled, scale, FINITE);
  }

  /** An integer-valued decimal with scale 0. */
  static fromBigInt(b: bigint): Decimal {
    return new Decimal(b, 0, FINITE);
  }

  /**
   * From a JS number: integers exactly with scale 0; other finite values via
   * their shortest round-trip decimal representation; NaN/±Infinity map to
   * the numeric specials. (PostgreSQL's float8→numeric cast uses 15 digits;
   * see the casts module for that.)
   */
  static fromNumber(n: number): Decimal {
    if (Number.isNaN(n)) return Decimal.NaN;
    if (n === Infinity) return Decimal.Infinity;
    if (n === -Infinity) return Decimal.NegativeInfinity;
    if (Number.isSafeInteger(n)) return new Decimal(BigInt(n), 0, FINITE);
    return Decimal.parse(String(n));
  }

  /**
   * PostgreSQL numeric_in: optional surrounding whitespace, sign, digits with
   * an optional point, optional exponent; 'NaN', 'Infinity', 'inf' (any case,
   * signed). Display scale = digits after the point minus the exponent (>= 0).
   * Throws SqlRuntimeError 22P02 on bad syntax.
   */
  static parse(text: string): Decimal {
    let i = 0;
    let end = text.length;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
    if (i === end) throw invalidNumeric(text);
    let neg = false;
    let signed = false;
    let c = text.charCodeAt(i);
    if (c === 43 /* + */ || c === 45 /* - */) {
      neg = c === 45;
      signed = true;
      i++;
    }
    c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46)) {
      const word = text.slice(i, end).toLowerCase();
      if (word === 'nan' && !signed) return Decimal.NaN;
      if (word === 'infinity' || word === 'inf') return neg ? Decimal.NegativeInfinity : Decimal.Infinity;
      throw invalidNumeric(text);
    }
    const digitsStart = i;
    let digits = '';
    let fracDigits = 0;
    let sawDigit = false;
    let sawPoint = false;
    let segStart = i;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        sawDigit = true;
        if (sawPoint) fracDigits++;
      } else if (c === 46 && !sawPoint) {
        digits += text.slice(segStart, i);
        segStart = i + 1;
        sawPoint = true;
      } else break;
    }
    digits += text.slice(segStart, i);
    if (!sawDigit || digitsStart === i) throw invalidNumeric(text);
    let exp = 0;
    if (i < end) {
      c = text.charCodeAt(i);
      if (c !== 101 && c !== 69) throw invalidNumeric(text);
      i++;
      let eneg = false;
      c = text.charCodeAt(i);
      if (c === 43 || c === 45) {
        eneg = c === 45;
        i++;
      }
      const es = i;
      for (; i < end; i++) {
        c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        exp = exp * 10 + (c - 48);
        if (exp > 1000) throw invalidNumeric(text);
      }
      if (i === es || i !== end) throw invalidNumeric(text);
      if (eneg) exp = -exp;
    }
    let scale = fracDigits - exp;
    // up to 15 digits a double holds the integer exactly: no bigint on the way
    if (scale >= 0 && digits.length <= 15) {
      const n = Number(digits);
      return new Decimal(neg ? -n : n, scale, FINITE);
    }
    let unscaled = BigInt(digits);
    if (scale < 0) {
      unscaled *= pow10(-scale);
      scale = 0;
    }
    if (neg) unscaled = -unscaled;
    return new Decimal(unscaled, scale, FINITE);
  }

  /** True for NaN. */
  isNaN(): boolean {
    return this.special === NAN;
  }

  /** True for a finite value (not NaN, not ±Infinity). */
  isFinite(): boolean {
    return this.special === FINITE;
  }

  /** True for +Infinity or -Infinity. */
  isInfinite(): boolean {
    return this.special === PINF || this.special === NINF;
  }

  /** True for a finite zero (of any scale). */
  isZero(): boolean {
    return this.special === FINITE && (this.u === 0 || this.u === 0n);
  }

  /** -1, 0 or 1 (NaN → NaN, like PostgreSQL's sign(NaN)). */
  sign(): number {
    switch (this.special) {
      case NAN:
        return NaN;
      case PINF:
        return 1;
      case NINF:
        return -1;
      default:
        return this.u > 0 ? 1 : this.u < 0 ? -1 : 0;
    }
  }

  /** Same value with a larger scale (pads zeros); callers ensure s >= scale. */
  private rescaledUp(s: number): bigint {
    return s === this.scale ? this.unscaled : this.unscaled * pow10(s - this.scale);
  }

  /** Sum; scale = max of the scales. Inf + -Inf = NaN. */
  add(o: Decimal): Decimal {
    if (this.special !== FINITE || o.special !== FINITE) return addSpecial(this.special, o.special);
    if (typeof this.u === 'number' && typeof o.u === 'number' && this.scale === o.scale) {
      const r = this.u + o.u;
      if (Number.isSafeInteger(r)) return new Decimal(r, this.scale, FINITE);
    }
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaledUp(s) + o.rescaledUp(s), s, FINITE);
  }

  /** Difference; scale = max of the scales. */
  sub(o: Decimal): Decimal {
    return this.add(o.neg());
  }

  /** Product; scale = sum of the scales. Inf * 0 = NaN. */
  mul(o: Decimal): Decimal {
    if (this.special !== FINITE || o.special !== FINITE) {
      if (this.special === NAN || o.special === NAN) return Decimal.NaN;
      const s = this.sign() * o.sign();
      return s === 0 ? Decimal.NaN : s > 0 ? Decimal.Infinity : Decimal.NegativeInfinity;
    }
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale, FINITE);
  }

  /**
   * Quotient with PostgreSQL's select_div_scale result scale (at least 16
   * significant digits, not less than either input's scale), rounded half
   * away from zero. Throws SqlRuntimeError 22012 on division by zero.
   */
  div(o: Decimal): Decimal {
    if (this.special !== FINITE || o.special !== FINITE) {
      if (this.special === NAN || o.special === NAN) return Decimal.NaN;
      if (this.special !== FINITE) {
        if (o.special !== FINITE) return Decimal.NaN;
        const s = o.sign();
        if (s === 0) throw divisionByZero();
        return (this.special === PINF) === s > 0 ? Decimal.Infinity : Decimal.NegativeInfinity;
      }
      return Decimal.ZERO; // finite / ±Infinity
    }
    if (o.unscaled === 0n) throw divisionByZero();
    const rscale = selectDivScale(this, o);
    return new Decimal(this.quotientAt(o, rscale), rscale, FINITE);
  }

  /** round(this / o, rscale) for finite operands, o non-zero. */
  private quotientAt(o: Decimal, rscale: number): bigint {
    // this/o = (ua * 10^sb) / (ub * 10^sa); times 10^rscale.
    const num = this.unscaled * pow10(o.scale + rscale);
    const den = o.unscaled * pow10(this.scale);
    return divRoundHalfAway(num, den);
  }

  /** Quotient truncated toward zero to an integer (PostgreSQL div()); scale 0. */
  divTrunc(o: Decimal): Decimal {
    if (this.special !== FINITE || o.special !== FINITE) return this.div(o).trunc(0);
    if (o.unscaled === 0n) throw divisionByZero();
    const num = this.unscaled * pow10(o.scale);
    const den = o.unscaled * pow10(this.scale);
    return new Decimal(num / den, 0, FINITE);
  }

  /**
   * Remainder with the sign of the dividend (a - b*trunc(a/b)); scale = max
   * of the scales. Throws 22012 on zero divisor. x % ±Inf = x; Inf % y = NaN.
   */
  mod(o: Decimal): Decimal {
    if (this.special !== FINITE || o.special !== FINITE) {
      if (this.special === NAN || o.special === NAN) return Decimal.NaN;
      if (this.special !== FINITE) {
        if (o.special === FINITE && o.unscaled === 0n) throw divisionByZero();
        return Decimal.NaN;
      }
      return this;
    }
    if (o.unscaled === 0n) throw divisionByZero();
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaledUp(s) % o.rescaledUp(s), s, FINITE);
  }

  /** Negation (keeps scale). */
  neg(): Decimal {
    switch (this.special) {
      case NAN:
        return this;
      case PINF:
        return Decimal.NegativeInfinity;
      case NINF:
        return Decimal.Infinity;
      default:
        return new Decimal(-this.unscaled, this.scale, FINITE);
    }
  }

  /** Absolute value (keeps scale). */
  abs(): Decimal {
    if (this.special === NINF) return Decimal.Infinity;
    if (this.special !== FINITE || this.unscaled >= 0n) return this;
    return new Decimal(-this.unscaled, this.scale, FINITE);
  }

  /**
   * PostgreSQL round(numeric, scale): half away from zero; a negative scale
   * rounds left of the point. Result scale is max(scale, 0). Specials unchanged.
   */
  round(scale: number): Decimal {
    if (this.special !== FINITE) return this;
    const target = Math.max(scale, 0);
    if (scale >= this.scale) return new Decimal(this.rescaledUp(scale), scale, FINITE);
    const drop = this.scale - scale;
    let q = divRoundHalfAway(this.unscaled, pow10(drop));
    if (scale < 0) q *= pow10(-scale);
    return new Decimal(q, target, FINITE);
  }

  /** PostgreSQL trunc(numeric, scale): truncate toward zero; result scale max(scale, 0). */
  trunc(scale: number): Decimal {
    if (this.special !== FINITE) return this;
    const target = Math.max(scale, 0);
    if (scale >= this.scale) return new Decimal(this.rescaledUp(scale), scale, FINITE);
    let q = this.unscaled / pow10(this.scale - scale);
    if (scale < 0) q *= pow10(-scale);
    return new Decimal(q, target, FINITE);
  }

  /** Rounds to an integer half away from zero (for numeric→int casts); throws on specials. */
  toIntegerHalfAway(): bigint {
    if (this.special === NAN) throw new SqlRuntimeError('0A000', 'cannot convert NaN to integer');
    if (this.special !== FINITE) throw new SqlRuntimeError('0A000', 'cannot convert infinity to integer');
    if (this.scale === 0) return this.unscaled;
    return divRoundHalfAway(this.unscaled, pow10(this.scale));
  }

  /**
   * Total order of PostgreSQL numeric comparison: -Infinity < finite <
   * Infinity < NaN, NaN = NaN, and 1.5 = 1.50. Returns -1, 0 or 1.
   */
  cmp(o: Decimal): number {
    if (this.special !== FINITE || o.special !== FINITE) {
      const ra = specialRank(this.special);
      const rb = specialRank(o.special);
      return ra < rb ? -1 : ra > rb ? 1 : 0;
    }
    // number and bigint compare exactly with < and >
    if (this.scale === o.scale) return this.u < o.u ? -1 : this.u > o.u ? 1 : 0;
    const s = Math.max(this.scale, o.scale);
    const a = this.rescaledUp(s);
    const b = o.rescaledUp(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Numeric equality (1.5 equals 1.50; NaN equals NaN, as in PostgreSQL). */
  equals(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }

  /** The same value with trailing fractional zeros removed (canonical for equality keys). */
  normalized(): Decimal {
    if (this.special !== FINITE || this.scale === 0) return this;
    let u = this.unscaled;
    let s = this.scale;
    if (u === 0n) return Decimal.ZERO;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    return s === this.scale ? this : new Decimal(u, s, FINITE);
  }

  /** Nearest JS number (for numeric→float casts). */
  toNumber(): number {
    switch (this.special) {
      case NAN:
        return NaN;
      case PINF:
        return Infinity;
      case NINF:
        return -Infinity;
      default:
        return this.scale === 0 ? Number(this.u) : Number(this.toString());
    }
  }

  /** PostgreSQL numeric_out text: '1.50', '-0.001', '1000', 'NaN', 'Infinity', '-Infinity'. */
  toString(): string {
    switch (this.special) {
      case NAN:
        return 'NaN';
      case PINF:
        return 'Infinity';
      case NINF:
        return '-Infinity';
    }
    const u = this.u;
    if (this.scale === 0) return String(u);
    const neg = u < 0;
    let s = String(neg ? -u : u);
    if (s.length <= this.scale) s = '0'.repeat(this.scale - s.length + 1) + s;
    const p = s.length - this.scale;
    return (neg ? '-' : '') + s.slice(0, p) + '.' + s.slice(p);
  }
}

function specialRank(s: Special): number {
  switch (s) {
    case NINF:
      return 0;
    case FINITE:
      return 1;
    case PINF:
      return 2;
    default:
      return 3;
  }
}

function addSpecial(a: Special, b: Special): Decimal {
  if (a === NAN || b === NAN) return Decimal.NaN;
  if (a === FINITE) return b === PINF ? Decimal.Infinity : Decimal.NegativeInfinity;
  if (b === FINITE || a === b) return a === PINF ? Decimal.Infinity : Decimal.NegativeInfinity;
  return Decimal.NaN;
}

function divisionByZero(): SqlRuntimeError {
  return new SqlRuntimeError('22012', 'division by zero');
}

/** NBASE=10000 weight and first base-10000 digit of a finite non-zero |value|. */
function weightAndFirstDigit(d: Decimal): [number, number] {
  if (d.unscaled === 0n) return [0, 0];
  const s = bigAbs(d.unscaled).toString();
  const e10 = s.length - 1 - d.scale; // decimal exponent of the leading digit
  const weight = Math.floor(e10 / 4);
  const n = e10 - 4 * weight + 1; // 1..4 leading decimal digits form the first NBASE digit
  let head = s.slice(0, n);
  if (head.length < n) head += '0'.repeat(n - head.length);
  return [weight, Number(head)];
}

/** PostgreSQL's select_div_scale (numeric.c). */
function selectDivScale(a: Decimal, b: Decimal): number {
  const [w1, f1] = weightAndFirstDigit(a);
  const [w2, f2] = weightAndFirstDigit(b);
  let qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  let rscale = MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, MAX_DISPLAY_SCALE);
}

/**
 * Plain (non-exponent) decimal text of sign·0.d1d2d3…·10^(exp+1), i.e. the
 * digit string `digits` whose first digit has decimal exponent `exp`, with
 * exactly `scale` fractional digits (zero-padded; `digits` must not carry
 * more fractional digits than `scale`). Used for numeric_in-style
 * normalisation of float and JSON number text without bigint work.
 */
export function plainDecimalText(neg: boolean, digits: string, exp: number, scale: number): string {
  // integer part: digits[0 .. exp], fraction: the rest
  let intPart: string;
  let frac: string;
  if (exp >= 0) {
    if (digits.length > exp + 1) {
      intPart = digits.slice(0, exp + 1);
      frac = digits.slice(exp + 1);
    } else {
      intPart = digits + '0'.repeat(exp + 1 - digits.length);
      frac = '';
    }
  } else {
    intPart = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  }
  // strip leading zeros of the integer part
  let k = 0;
  while (k < intPart.length - 1 && intPart.charCodeAt(k) === 48) k++;
  if (k > 0) intPart = intPart.slice(k);
  if (frac.length < scale) frac += '0'.repeat(scale - frac.length);
  let zero = intPart === '0';
  if (zero) {
    for (let j = 0; j < frac.length; j++) {
      if (frac.charCodeAt(j) !== 48) {
        zero = false;
        break;
      }
    }
  }
  return (neg && !zero ? '-' : '') + intPart + (scale > 0 ? '.' + frac : '');
}
