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

/** A stored row: its multiplicity and (outer joins) how many partner rows it has. */
interface Entry {
  row: Row;
  n: number;
  match: number;
}

/** Join key → row key → entry. */
type Arrangement = Map<string, Map<string, Entry>>;

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
    for (const c of batch) {
      const jk = own.key(c.row);
      let m = 0;
      const bucket = jk === null ? undefined : other.store.get(jk);
      if (bucket !== undefined) {
        for (const [ok, e] of bucket) {
          if (residual !== null || emit) {
            const row = own.join(c.row, e.row);
            if (residual !== null && residual(row) !== true) continue;
            if (emit) out.push({ key: own.pairKey(c.key, ok), row, weight: c.weight * e.n });
          }
          m += e.n;
          if (other.keep) {
            const before = e.match;
            e.match += c.weight;
            // the other row's NULL-padded form leaves with its first partner and returns with its last
            if (before === 0 && e.match !== 0) out.push({ key: other.paddedKey(ok), row: other.padded(e.row), weight: -e.n });
            else if (before !== 0 && e.match === 0) out.push({ key: other.paddedKey(ok), row: other.padded(e.row), weight: e.n });
          }
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
  let bucket = a.get(k);
  if (bucket === undefined) {
    bucket = new Map();
    a.set(k, bucket);
  }
  const e = bucket.get(c.key);
  if (e === undefined) {
    assert(c.weight > 0, `join input row ${c.key} removed while absent`);
    bucket.set(c.key, { row: c.row, n: c.weight, match: m });
    return;
  }
  e.n += c.weight;
  if (c.weight > 0) e.row = c.row;
  assert(e.n >= 0, `join input row ${c.key} removed more often than added`);
  if (e.n === 0) {
    bucket.delete(c.key);
    if (bucket.size === 0) a.delete(k);
  }
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
