/**
 * The incremental equi-join (inner, LEFT, RIGHT, FULL), by the delta rule over
 * two arrangements (rows indexed by join key): a step joins the left changes
 * with the right side as it was, applies them, then joins the right changes
 * with the left side as it now is. A change costs work proportional to the
 * rows it matches. For outer joins every stored row counts its partners, so
 * its NULL-padded row is emitted when the count falls to zero and retracted
 * when it rises from zero. NULL join keys never match.
 */
import { assert } from '../errors.ts';
import { equalityKey } from '../values/index.ts';
import type { Row, Value } from '../values/types.ts';
import { compileExpr, type Evaluator } from './compile-expr.ts';
import type { Batch, Operator, SourceBatch, WeightedRow } from './operators.ts';
import type { PlanNode } from './plan.ts';

type JoinPlan = Extract<PlanNode, { kind: 'join' }>;

/** A stored row with its multiplicity and (outer joins) how many partner rows it has. */
interface Entry {
  row: Row;
  n: number;
  match: number;
}

/**
 * What an arrangement holds for one row key: the row itself when it is there once and has no
 * partner count to keep (the common case; it saves an object per stored row), else an Entry.
 */
type Slot = Row | Entry;

/** A join key with one row (every key of a side joined on its primary key): no Map for it. */
class One {
  constructor(
    readonly key: string,
    public slot: Slot,
  ) {}
}

/**
 * A join key with a few rows: row keys and slots alternating, searched linearly (a Map costs
 * about 50 bytes a row more at this size).
 */
type Few = (string | Slot)[];
/** Rows a Few holds at most before its key gets a Map. */
const FEW = 16;

/** Join key → its rows: row key → slot. */
type Arrangement = Map<string, Map<string, Slot> | Few | One>;

const isRow = (s: Slot): s is Row => Array.isArray(s);
const slotOf = (row: Row, n: number, match: number): Slot => (n === 1 && match === 0 ? row : { row, n, match });

/** Bucket of rows whose join key has a NULL (never probed). */
export const NULL_KEY = '\u0000null';

export function joinOperator(plan: JoinPlan, left: Operator, right: Operator): Operator {
  const leftKey = keyFunction(plan.leftKeys.map(compileExpr), plan);
  const rightKey = keyFunction(plan.rightKeys.map(compileExpr), plan);
  const residual = plan.residual === null ? null : compileExpr(plan.residual);
  const leftWidth = plan.left.columns.length;
  const rightWidth = plan.right.columns.length;
  const leftNulls: Row = new Array<Value>(leftWidth).fill(null);
  const rightNulls: Row = new Array<Value>(rightWidth).fill(null);
  // Keys are JSON arrays with one element per FROM table; a join input contributes its elements.
  const leftParts = plan.leftTables > 1 ? (k: string) => k.slice(1, -1) : (k: string) => k;
  const leftNullParts = new Array<string>(plan.leftTables).fill('null').join(',');
  const pair = (lk: string, rk: string) => `[${leftParts(lk)},${rk}]`;

  /** One side of the join: its arrangement and how its rows combine with the other side's. */
  interface Side {
    readonly store: Arrangement;
    readonly key: (row: Row) => string | null;
    /** NULL-padded rows are kept for this side's rows without partners. */
    readonly keep: boolean;
    /** The joined row and key of one of this side's rows with one of the other's. */
    readonly join: (own: Row, other: Row) => Row;
    readonly pairKey: (own: string, other: string) => string;
    /** This side's row (and key) padded with NULLs for the other side. */
    readonly padded: (own: Row) => Row;
    readonly paddedKey: (own: string) => string;
  }
  const leftSide: Side = {
    store: new Map(),
    key: leftKey,
    keep: plan.type === 'left' || plan.type === 'full',
    join: (own, other) => own.concat(other),
    pairKey: (own, other) => pair(own, other),
    padded: (own) => own.concat(rightNulls),
    paddedKey: (own) => pair(own, 'null'),
  };
  const rightSide: Side = {
    store: new Map(),
    key: rightKey,
    keep: plan.type === 'right' || plan.type === 'full',
    join: (own, other) => other.concat(own),
    pairKey: (own, other) => pair(other, own),
    padded: (own) => leftNulls.concat(own),
    paddedKey: (own) => `[${leftNullParts},${own}]`,
  };

  /**
   * Joins one side's changes with the other side's arrangement as it stands, then applies them to
   * their own arrangement; partner counts of the other side's rows move with them.
   */
  function pass(batch: Batch, own: Side, other: Side, emit: boolean, out: WeightedRow[]): void {
    // the partner count of the change being joined, summed by meet()
    let m = 0;
    /** Joins change c with one stored row of the other side; returns that row's slot as it is now. */
    const meet = (c: WeightedRow, ok: string, slot: Slot): Slot => {
      const plain = isRow(slot);
      const erow = plain ? slot : slot.row;
      const en = plain ? 1 : slot.n;
      if (residual !== null || emit) {
        const row = own.join(c.row, erow);
        if (residual !== null && residual(row) !== true) return slot;
        if (emit) out.push({ key: own.pairKey(c.key, ok), row, weight: c.weight * en });
      }
      m += en;
      if (!other.keep) return slot;
      const before = plain ? 0 : slot.match;
      const after = before + c.weight;
      // the other row's NULL-padded form leaves with its first partner and returns with its last
      if (before === 0 && after !== 0) out.push({ key: other.paddedKey(ok), row: other.padded(erow), weight: -en });
      else if (before !== 0 && after === 0) out.push({ key: other.paddedKey(ok), row: other.padded(erow), weight: en });
      if (plain || (en === 1 && after === 0)) return slotOf(erow, en, after);
      slot.match = after;
      return slot;
    };
    for (const c of batch) {
      const jk = own.key(c.row);
      m = 0;
      const bucket = jk === null ? undefined : other.store.get(jk);
      if (bucket instanceof One) bucket.slot = meet(c, bucket.key, bucket.slot);
      else if (Array.isArray(bucket)) {
        for (let i = 0; i < bucket.length; i += 2) {
          const slot = bucket[i + 1] as Slot;
          const now = meet(c, bucket[i] as string, slot);
          if (now !== slot) bucket[i + 1] = now;
        }
      } else if (bucket !== undefined) {
        for (const [ok, slot] of bucket) {
          const now = meet(c, ok, slot);
          // replacing the value of an existing key keeps the bucket's iteration order
          if (now !== slot) bucket.set(ok, now);
        }
      }
      store(own.store, jk, c, m);
      if (own.keep && m === 0) out.push({ key: own.paddedKey(c.key), row: own.padded(c.row), weight: c.weight });
    }
  }

  return {
    step(input: SourceBatch, discard?: boolean): Batch | null {
      // With `discard`, only the arrangements and partner counts are kept up to date; rows are
      // joined only where the residual condition must look at them.
      const emit = discard !== true;
      const lb = left.step(input);
      const rb = right.step(input);
      if (lb === null && rb === null) return null;
      const out: WeightedRow[] = [];
      // the delta rule: left changes against the right as it was, then right changes against the left as it is now
      if (lb !== null) pass(lb, leftSide, rightSide, emit, out);
      if (rb !== null) pass(rb, rightSide, leftSide, emit, out);
      return out.length === 0 || !emit ? null : out;
    },
  };
}

/** Applies one weighted row to an arrangement; `m` is its partner count when it is new. */
function store(a: Arrangement, jk: string | null, c: WeightedRow, m: number): void {
  const k = jk ?? NULL_KEY;
  const bucket = a.get(k);
  if (bucket === undefined) {
    assert(c.weight > 0, `join input row ${c.key} removed while absent`);
    a.set(k, new One(c.key, slotOf(c.row, c.weight, m)));
    return;
  }
  if (bucket instanceof One) {
    if (bucket.key === c.key) {
      const now = updated(bucket.slot, c);
      if (now === null) a.delete(k);
      else bucket.slot = now;
      return;
    }
    // a second row under this join key
    assert(c.weight > 0, `join input row ${c.key} removed while absent`);
    a.set(k, [bucket.key, bucket.slot, c.key, slotOf(c.row, c.weight, m)]);
    return;
  }
  if (Array.isArray(bucket)) {
    let i = 0;
    while (i < bucket.length && bucket[i] !== c.key) i += 2;
    if (i === bucket.length) {
      assert(c.weight > 0, `join input row ${c.key} removed while absent`);
      const slot = slotOf(c.row, c.weight, m);
      if (bucket.length < 2 * FEW) bucket.push(c.key, slot);
      else {
        const map = new Map<string, Slot>();
        for (let j = 0; j < bucket.length; j += 2) map.set(bucket[j] as string, bucket[j + 1] as Slot);
        map.set(c.key, slot);
        a.set(k, map);
      }
      return;
    }
    const now = updated(bucket[i + 1] as Slot, c);
    if (now !== null) bucket[i + 1] = now;
    else if (bucket.length === 2) a.delete(k);
    else {
      // the last pair takes the freed place
      bucket[i] = bucket[bucket.length - 2]!;
      bucket[i + 1] = bucket[bucket.length - 1]!;
      bucket.length -= 2;
    }
    return;
  }
  const slot = bucket.get(c.key);
  if (slot === undefined) {
    assert(c.weight > 0, `join input row ${c.key} removed while absent`);
    bucket.set(c.key, slotOf(c.row, c.weight, m));
    return;
  }
  const now = updated(slot, c);
  if (now === null) {
    bucket.delete(c.key);
    if (bucket.size === 0) a.delete(k);
  } else if (now !== slot) bucket.set(c.key, now);
}

/** A stored row's slot after change c to it (the latest row wins); null when no copy is left. */
function updated(slot: Slot, c: WeightedRow): Slot | null {
  const plain = isRow(slot);
  const n = (plain ? 1 : slot.n) + c.weight;
  assert(n >= 0, `join input row ${c.key} removed more often than added`);
  if (n === 0) return null;
  const row = c.weight > 0 ? c.row : plain ? slot : slot.row;
  const match = plain ? 0 : slot.match;
  if (plain || (n === 1 && match === 0)) return slotOf(row, n, match);
  slot.n = n;
  slot.row = row;
  return slot;
}

/** The join key of a row in equality form, or null when a key value is NULL (no partner). */
export function keyFunction(fs: readonly Evaluator[], plan: JoinPlan): (row: Row) => string | null {
  if (fs.length === 0) return () => '';
  const types = plan.keyTypes;
  return (row) => {
    const vals: Value[] = new Array(fs.length);
    for (let i = 0; i < fs.length; i++) {
      const v = fs[i]!(row);
      if (v === null) return null;
      vals[i] = v;
    }
    return equalityKey(vals, types);
  };
}
