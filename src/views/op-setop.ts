/**
 * Set operations. UNION ALL passes every input's changes through under keys
 * prefixed by the input's position. INTERSECT and EXCEPT [ALL] count each
 * distinct row (by value, NULLs equal, as PostgreSQL's set operations do) on
 * both sides and emit the change in how many copies the result holds; the
 * row shown for a value is the first one seen. (UNION without ALL is a
 * DISTINCT over UNION ALL.)
 */
import { equalityKey } from '../values/index.ts';
import type { Row } from '../values/types.ts';
import type { Batch, Operator, SourceBatch, WeightedRow } from './operators.ts';
import type { PlanNode } from './plan.ts';

type SetopPlan = Extract<PlanNode, { kind: 'setop' }>;

export function unionOperator(inputs: readonly Operator[]): Operator {
  return {
    step(source: SourceBatch, discard?: boolean): Batch | null {
      const out: WeightedRow[] = [];
      inputs.forEach((input, i) => {
        const b = input.step(source, discard);
        if (b !== null) for (const c of b) out.push({ key: `[${i},${c.key}]`, row: c.row, weight: c.weight });
      });
      return out.length === 0 ? null : out;
    },
  };
}

export function setopOperator(plan: SetopPlan, left: Operator, right: Operator): Operator {
  const types = plan.columns.map((c) => c.type);
  const copies =
    plan.op === 'intersect'
      ? plan.all
        ? (l: number, r: number) => Math.min(l, r)
        : (l: number, r: number) => (l > 0 && r > 0 ? 1 : 0)
      : plan.all
        ? (l: number, r: number) => Math.max(l - r, 0)
        : (l: number, r: number) => (l > 0 && r === 0 ? 1 : 0);
  const counts = new Map<string, { row: Row; l: number; r: number }>();
  return {
    step(source: SourceBatch): Batch | null {
      const lb = left.step(source);
      const rb = right.step(source);
      if (lb === null && rb === null) return null;
      const before = new Map<string, number>();
      const feed = (b: Batch | null, side: 'l' | 'r') => {
        for (const c of b ?? []) {
          const k = equalityKey(c.row, types);
          let e = counts.get(k);
          if (e === undefined) {
            e = { row: c.row, l: 0, r: 0 };
            counts.set(k, e);
          }
          if (!before.has(k)) before.set(k, copies(e.l, e.r));
          e[side] += c.weight;
        }
      };
      feed(lb, 'l');
      feed(rb, 'r');
      const out: WeightedRow[] = [];
      for (const [k, was] of before) {
        const e = counts.get(k)!;
        const now = copies(e.l, e.r);
        if (now !== was) out.push({ key: k, row: e.row, weight: now - was });
        if (e.l === 0 && e.r === 0) counts.delete(k);
      }
      return out.length === 0 ? null : out;
    },
  };
}
