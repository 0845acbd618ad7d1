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
const NULL_KEY = '\u0000null';

export function joinOperator(plan: JoinPlan, left: Operator, right: Operator): Operator {
  const leftKey = keyFunction(plan.leftKeys.map(compileExpr), plan);
  const rightKey = keyFunction(plan.rightKeys.map(compileExpr), plan);
  const residual = plan.residual === null ? null : compileExpr(plan.residual);
  const keepLeft = plan.type === 'left' || plan.type === 'full';
  const keepRight = plan.type === 'right' || plan.type === 'full';
  const leftWidth = plan.left.columns.length;
  const rightWidth = plan.right.columns.length;
  const leftNulls: Row = new Array<Value>(leftWidth).fill(null);
  const rightNulls: Row = new Array<Value>(rightWidth).fill(null);
  // Keys are JSON arrays with one element per FROM table; a join input contributes its elements.
  const leftParts = plan.leftTables > 1 ? (k: string) => k.slice(1, -1) : (k: string) => k;
  const leftNullParts = new Array<string>(plan.leftTables).fill('null').join(',');
  const pair = (lk: string, rk: string) => `[${leftParts(lk)},${rk}]`;
  const L: Arrangement = new Map();
  const R: Arrangement = new Map();

  return {
    step(input: SourceBatch, discard?: boolean): Batch | null {
      // With `discard`, only the arrangements and partner counts are kept up to date; rows are
      // joined only where the residual condition must look at them.
      const emit = discard !== true;
      const lb = left.step(input);
      const rb = right.step(input);
      if (lb === null && rb === null) return null;
      const out: WeightedRow[] = [];
      if (lb !== null) {
        for (const c of lb) {
          const jk = leftKey(c.row);
          let m = 0;
          const bucket = jk === null ? undefined : R.get(jk);
          if (bucket !== undefined) {
            for (const [rk, e] of bucket) {
              if (residual !== null || emit) {
                const row = c.row.concat(e.row);
                if (residual !== null && residual(row) !== true) continue;
                if (emit) out.push({ key: pair(c.key, rk), row, weight: c.weight * e.n });
              }
              m += e.n;
              if (keepRight) {
                const before = e.match;
                e.match += c.weight;
                if (before === 0 && e.match !== 0) out.push({ key: `[${leftNullParts},${rk}]`, row: leftNulls.concat(e.row), weight: -e.n });
                else if (before !== 0 && e.match === 0) out.push({ key: `[${leftNullParts},${rk}]`, row: leftNulls.concat(e.row), weight: e.n });
              }
            }
          }
          store(L, jk, c, m);
          if (keepLeft && m === 0) out.push({ key: pair(c.key, 'null'), row: c.row.concat(rightNulls), weight: c.weight });
        }
      }
      if (rb !== null) {
        for (const c of rb) {
          const jk = rightKey(c.row);
          let m = 0;
          const bucket = jk === null ? undefined : L.get(jk);
          if (bucket !== undefined) {
            for (const [lk, e] of bucket) {
              if (residual !== null || emit) {
                const row = e.row.concat(c.row);
                if (residual !== null && residual(row) !== true) continue;
                if (emit) out.push({ key: pair(lk, c.key), row, weight: c.weight * e.n });
              }
              m += e.n;
              if (keepLeft) {
                const before = e.match;
                e.match += c.weight;
                if (before === 0 && e.match !== 0) out.push({ key: pair(lk, 'null'), row: e.row.concat(rightNulls), weight: -e.n });
                else if (before !== 0 && e.match === 0) out.push({ key: pair(lk, 'null'), row: e.row.concat(rightNulls), weight: e.n });
              }
            }
          }
          store(R, jk, c, m);
          if (keepRight && m === 0) out.push({ key: `[${leftNullParts},${c.key}]`, row: leftNulls.concat(c.row), weight: c.weight });
        }
      }
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
function keyFunction(fs: readonly Evaluator[], plan: JoinPlan): (row: Row) => string | null {
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
