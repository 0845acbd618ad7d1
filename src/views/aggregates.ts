/**
 * Aggregate accumulators that take retractions. Each keeps just enough state
 * to give PostgreSQL's result after any sequence of additions and removals,
 * so a group is updated, never rescanned — except where the result depends on
 * every value: min/max after their extreme is removed (a rescan of the
 * group's distinct values), string_agg/array_agg (sorted on demand) and float
 * sums (re-added in a fixed order, as floating-point addition is not
 * invertible).
 */
import { SqlRuntimeError, unreachable } from '../errors.ts';
import { toFloat4 } from '../values/casts.ts';
import { Decimal, PgArray, PgInterval, compareDatums, equalityKey, intervalAdd, intervalDiv, rowKey } from '../values/index.ts';
import type { Datum, SqlType, Value } from '../values/types.ts';
import type { AggregateSpec, SortKey } from './plan.ts';

/** One aggregate's state for one group. */
export interface Accumulator {
  /** Adds (weight > 0) or removes (weight < 0) |weight| copies of one row's arguments and sort values. */
  add(args: readonly Value[], sort: readonly Value[], weight: number): void;
  /** The aggregate's value over what is currently added. */
  result(): Value;
}

/** A factory of fresh accumulators for one aggregate call. */
export function accumulatorFor(spec: AggregateSpec): () => Accumulator {
  const argTypes = spec.args.map((a) => a.type);
  const inner = plainAccumulator(spec, argTypes);
  if (!spec.distinct || spec.name === 'min' || spec.name === 'max' || spec.name === 'bool_and' || spec.name === 'bool_or') return inner;
  return () => new Distinct(inner(), argTypes);
}

function plainAccumulator(spec: AggregateSpec, argTypes: readonly SqlType[]): () => Accumulator {
  switch (spec.name) {
    case 'count':
      return spec.star ? () => new CountStar() : () => new Count();
    case 'sum':
    case 'avg': {
      const t = argTypes[0]!.name;
      const avg = spec.name === 'avg';
      if (t === 'int2' || t === 'int4' || t === 'int8') return () => new IntSum(avg ? 'avg' : t === 'int8' ? 'numeric' : 'int8');
      if (t === 'numeric') return () => new NumericSum(avg);
      if (t === 'float4' || t === 'float8') return () => new FloatSum(avg, !avg && t === 'float4');
      if (t === 'interval') return () => new IntervalSum(avg);
      throw new Error(`no ${spec.name} for ${t}`);
    }
    case 'min':
    case 'max': {
      const t = argTypes[0]!;
      const sign = spec.name === 'min' ? 1 : -1;
      return () => new Extreme(t, sign);
    }
    case 'any':
      return () => new Extreme(argTypes[0]!, 0);
    case 'bool_and':
    case 'bool_or':
      return () => new BoolAgg(spec.name === 'bool_and');
    case 'string_agg':
    case 'array_agg': {
      const sortTypes = spec.orderBy.map((o) => o.expr.type);
      return () => new Ordered(spec.name === 'string_agg' ? 'string' : 'array', spec.orderBy, [...sortTypes, ...argTypes]);
    }
    default:
      return unreachable(spec.name);
  }
}

class CountStar implements Accumulator {
  private n = 0;
  add(_args: readonly Value[], _sort: readonly Value[], w: number): void {
    this.n += w;
  }
  result(): Value {
    return BigInt(this.n);
  }
}

class Count implements Accumulator {
  private n = 0;
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    if (args[0] !== null) this.n += w;
  }
  result(): Value {
    return BigInt(this.n);
  }
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** sum/avg of integers: an exact bigint sum and a count. */
class IntSum implements Accumulator {
  private s = 0n;
  private n = 0;
  constructor(private readonly out: 'int8' | 'numeric' | 'avg') {}
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === null || v === undefined) return;
    this.s += BigInt(v as number | bigint) * BigInt(w);
    this.n += w;
  }
  result(): Value {
    if (this.n === 0) return null;
    if (this.out === 'int8') {
      if (this.s < INT8_MIN || this.s > INT8_MAX) throw new SqlRuntimeError('22003', 'bigint out of range');
      return this.s;
    }
    const sum = Decimal.fromBigInt(this.s);
    return this.out === 'numeric' ? sum : sum.div(Decimal.fromBigInt(BigInt(this.n)));
  }
}

/** sum/avg of numeric: an exact finite sum, counts of specials, and how many values have each display scale. */
class NumericSum implements Accumulator {
  private finite = Decimal.ZERO;
  private n = 0;
  private nan = 0;
  private pinf = 0;
  private ninf = 0;
  private readonly scales = new Map<number, number>();
  constructor(private readonly avg: boolean) {}
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === null || v === undefined) return;
    const d = v as Decimal;
    this.n += w;
    if (d.isNaN()) this.nan += w;
    else if (d.isInfinite()) {
      if (d.sign() > 0) this.pinf += w;
      else this.ninf += w;
    } else {
      this.finite = this.finite.add(w === 1 ? d : d.mul(Decimal.fromBigInt(BigInt(w))));
      const c = (this.scales.get(d.scale) ?? 0) + w;
      if (c === 0) this.scales.delete(d.scale);
      else this.scales.set(d.scale, c);
    }
  }
  result(): Value {
    if (this.n === 0) return null;
    let sum: Decimal;
    if (this.nan > 0 || (this.pinf > 0 && this.ninf > 0)) sum = Decimal.NaN;
    else if (this.pinf > 0) sum = Decimal.Infinity;
    else if (this.ninf > 0) sum = Decimal.NegativeInfinity;
    else {
      // PostgreSQL's sum has the largest display scale of the values summed (the ones present now).
      let scale = 0;
      for (const s of this.scales.keys()) if (s > scale) scale = s;
      sum = this.finite.round(scale);
    }
    return this.avg ? sum.div(Decimal.fromBigInt(BigInt(this.n))) : sum;
  }
}

const ZERO_INTERVAL = new PgInterval(0, 0, 0n);

/** sum/avg of intervals: exact sums of each field and a count (PostgreSQL adds field by field, then divides). */
class IntervalSum implements Accumulator {
  private months = 0n;
  private days = 0n;
  private micros = 0n;
  private n = 0;
  constructor(private readonly avg: boolean) {}
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === null || v === undefined) return;
    const iv = v as PgInterval;
    const k = BigInt(w);
    this.months += BigInt(iv.months) * k;
    this.days += BigInt(iv.days) * k;
    this.micros += iv.micros * k;
    this.n += w;
  }
  result(): Value {
    if (this.n === 0) return null;
    // adding to zero checks the fields' ranges ("interval out of range", as PostgreSQL says)
    const sum = intervalAdd(ZERO_INTERVAL, new PgInterval(Number(this.months), Number(this.days), this.micros), 1);
    return this.avg ? intervalDiv(sum, this.n) : sum;
  }
}

/** sum/avg of floats: the values with their multiplicities, re-added in order of first arrival. */
class FloatSum implements Accumulator {
  private readonly values = new Map<string, { v: number; n: number }>();
  private n = 0;
  constructor(
    private readonly avg: boolean,
    private readonly float4: boolean,
  ) {}
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === null || v === undefined) return;
    const x = v as number;
    const k = Object.is(x, -0) ? '-0' : String(x);
    const e = this.values.get(k);
    this.n += w;
    if (e === undefined) this.values.set(k, { v: x, n: w });
    else if ((e.n += w) === 0) this.values.delete(k);
  }
  result(): Value {
    if (this.n === 0) return null;
    let s = 0;
    for (const { v, n } of this.values.values()) {
      for (let i = 0; i < n; i++) s = this.float4 ? toFloat4(s + v) : s + v;
    }
    return this.avg ? s / this.n : s;
  }
}

/**
 * min (sign 1), max (sign -1) or the one value of a column that depends on the group (sign 0):
 * distinct values with multiplicities and the current extreme, found again only when removed.
 */
class Extreme implements Accumulator {
  private readonly values = new Map<string, { v: Datum; n: number }>();
  private best: { k: string; v: Datum } | null = null;
  private stale = false;
  constructor(
    private readonly type: SqlType,
    private readonly sign: 1 | -1 | 0,
  ) {}
  private better(a: Datum, b: Datum): boolean {
    return this.sign !== 0 && this.sign * compareDatums(a, b, this.type) < 0;
  }
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === null || v === undefined) return;
    const k = equalityKey([v], [this.type]);
    const e = this.values.get(k);
    if (e === undefined) this.values.set(k, { v, n: w });
    else if ((e.n += w) === 0) {
      this.values.delete(k);
      if (this.best !== null && this.best.k === k) this.stale = true;
    }
    if (w > 0 && !this.stale && (this.best === null || this.better(v, this.best.v))) this.best = { k, v: e?.v ?? v };
  }
  result(): Value {
    if (this.stale) {
      this.stale = false;
      this.best = null;
      for (const [k, { v }] of this.values) if (this.best === null || this.better(v, this.best.v)) this.best = { k, v };
    }
    return this.best === null ? null : this.best.v;
  }
}

/** bool_and / bool_or: how many true and false values. */
class BoolAgg implements Accumulator {
  private t = 0;
  private f = 0;
  constructor(private readonly and: boolean) {}
  add(args: readonly Value[], _sort: readonly Value[], w: number): void {
    const v = args[0];
    if (v === true) this.t += w;
    else if (v === false) this.f += w;
  }
  result(): Value {
    if (this.t + this.f === 0) return null;
    return this.and ? this.f === 0 : this.t > 0;
  }
}

/**
 * string_agg / array_agg: the (sort values, arguments) entries with multiplicities, put in
 * ORDER BY order (then by value, which also orders ties and calls without ORDER BY) when read.
 */
class Ordered implements Accumulator {
  private readonly entries = new Map<string, { sort: readonly Value[]; args: readonly Value[]; n: number }>();
  constructor(
    private readonly kind: 'string' | 'array',
    private readonly orderBy: readonly SortKey[],
    private readonly keyTypes: readonly SqlType[],
  ) {}
  add(args: readonly Value[], sort: readonly Value[], w: number): void {
    const k = rowKey([...sort, ...args], this.keyTypes);
    const e = this.entries.get(k);
    if (e === undefined) this.entries.set(k, { sort, args, n: w });
    else if ((e.n += w) === 0) this.entries.delete(k);
  }
  result(): Value {
    if (this.entries.size === 0) return null;
    const list = [...this.entries].sort(([ka, a], [kb, b]) => {
      for (let i = 0; i < this.orderBy.length; i++) {
        const o = this.orderBy[i]!;
        const x = a.sort[i] ?? null;
        const y = b.sort[i] ?? null;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === o.nullsFirst ? -1 : 1;
        }
        const c = o.compare(x, y);
        if (c !== 0) return o.desc ? -c : c;
      }
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    if (this.kind === 'array') {
      const out: Value[] = [];
      for (const [, e] of list) for (let i = 0; i < e.n; i++) out.push(e.args[0] ?? null);
      return new PgArray(out);
    }
    let s: string | null = null;
    for (const [, e] of list) {
      const v = e.args[0];
      if (v === null || v === undefined) continue;
      for (let i = 0; i < e.n; i++) {
        if (s === null) s = v as string;
        else s += ((e.args[1] as string | null) ?? '') + (v as string);
      }
    }
    return s;
  }
}

/** DISTINCT: the inner accumulator sees each distinct argument list once while any copy is present. */
class Distinct implements Accumulator {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly inner: Accumulator,
    private readonly argTypes: readonly SqlType[],
  ) {}
  add(args: readonly Value[], sort: readonly Value[], w: number): void {
    const k = equalityKey(args, this.argTypes);
    const before = this.seen.get(k) ?? 0;
    const after = before + w;
    if (after === 0) this.seen.delete(k);
    else this.seen.set(k, after);
    if (before === 0 && after > 0) this.inner.add(args, sort, 1);
    else if (before > 0 && after === 0) this.inner.add(args, sort, -1);
  }
  result(): Value {
    return this.inner.result();
  }
}
