/**
 * Semi- and anti-joins (EXISTS, IN, NOT EXISTS, NOT IN), by the delta rule:
 * each left row counts its partners on the right (right rows are kept only as
 * counts per join key) and is shown while its condition holds — a partner
 * (semi), none (anti), or for NOT IN none while no right key is NULL and its
 * own key is not NULL, or the right side is empty (PostgreSQL's three-valued
 * NOT IN keeps a row only when it is TRUE). A step re-evaluates only the left
 * rows it touched, and all of them when NOT IN's right side gains or loses its
 * first row or its first NULL.
 */
import { assert } from '../errors.ts';
import type { Row } from '../values/types.ts';
import { compileExpr } from './compile-expr.ts';
import { NULL_KEY, keyFunction } from './op-join.ts';
import type { Batch, Operator, SourceBatch, WeightedRow } from './operators.ts';
import type { PlanNode } from './plan.ts';

type JoinPlan = Extract<PlanNode, { kind: 'join' }>;

interface LeftEntry {
  readonly key: string;
  row: Row;
  n: number;
  /** Partner copies on the right. */
  match: number;
  /** Whether the row is in the output now. */
  shown: boolean;
  readonly nullKey: boolean;
}

export function semiJoinOperator(plan: JoinPlan, left: Operator, right: Operator): Operator {
  assert(plan.residual === null, 'semi-joins have no residual condition');
  const leftKey = keyFunction(plan.leftKeys.map(compileExpr), plan);
  const rightKey = keyFunction(plan.rightKeys.map(compileExpr), plan);
  const L = new Map<string, Map<string, LeftEntry>>();
  const R = new Map<string, number>();
  let total = 0;
  let nulls = 0;
  const pred =
    plan.type === 'semi'
      ? (e: LeftEntry) => e.match > 0
      : plan.type === 'anti'
        ? (e: LeftEntry) => e.match === 0
        : (e: LeftEntry) => total === 0 || (!e.nullKey && nulls === 0 && e.match === 0);

  return {
    step(input: SourceBatch, discard?: boolean): Batch | null {
      const lb = left.step(input);
      const rb = right.step(input);
      if (lb === null && rb === null) return null;
      const out: WeightedRow[] = [];
      const touched = new Set<LeftEntry>();
      for (const c of lb ?? []) {
        const jk = leftKey(c.row);
        const bk = jk ?? NULL_KEY;
        let bucket = L.get(bk);
        const e = bucket?.get(c.key);
        if (c.weight > 0) {
          if (e === undefined) {
            const m = jk === null ? 0 : (R.get(jk) ?? 0);
            const fresh: LeftEntry = { key: c.key, row: c.row, n: c.weight, match: m, shown: false, nullKey: jk === null };
            if (bucket === undefined) {
              bucket = new Map();
              L.set(bk, bucket);
            }
            bucket.set(c.key, fresh);
            touched.add(fresh);
          } else {
            if (e.shown) out.push({ key: c.key, row: c.row, weight: c.weight });
            e.n += c.weight;
            e.row = c.row;
          }
        } else {
          assert(e !== undefined, `semi-join input row ${c.key} removed while absent`);
          if (e.shown) out.push({ key: c.key, row: e.row, weight: c.weight });
          e.n += c.weight;
          assert(e.n >= 0, `semi-join input row ${c.key} removed more often than added`);
          if (e.n === 0) {
            bucket!.delete(c.key);
            if (bucket!.size === 0) L.delete(bk);
          }
        }
      }
      const wasEmpty = total === 0;
      const hadNull = nulls > 0;
      for (const c of rb ?? []) {
        const jk = rightKey(c.row);
        total += c.weight;
        if (jk === null) {
          nulls += c.weight;
          continue;
        }
        const n = (R.get(jk) ?? 0) + c.weight;
        if (n === 0) R.delete(jk);
        else R.set(jk, n);
        for (const e of L.get(jk)?.values() ?? []) {
          e.match += c.weight;
          touched.add(e);
        }
      }
      const visit = (e: LeftEntry) => {
        if (e.n === 0) return;
        const p = pred(e);
        if (p === e.shown) return;
        e.shown = p;
        out.push({ key: e.key, row: e.row, weight: p ? e.n : -e.n });
      };
      if (plan.type === 'anti_null' && (wasEmpty !== (total === 0) || hadNull !== nulls > 0)) {
        for (const bucket of L.values()) for (const e of bucket.values()) visit(e);
      } else for (const e of touched) visit(e);
      return out.length === 0 || discard === true ? null : out;
    },
  };
}
