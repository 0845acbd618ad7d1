/**
 * The incremental GROUP BY: groups keyed by their values in equality form
 * (numeric 1.0 and 1.00 are one group), each with a row count and one
 * accumulator per aggregate. A step feeds the changed rows to their groups and
 * re-emits only the groups it touched (old row out, new row in). A group
 * exists while it has rows; without GROUP BY there is exactly one group, also
 * over an empty input (emitted on the first step).
 */
import { equalityKey } from '../values/index.ts';
import type { Row, Value } from '../values/types.ts';
import { accumulatorFor, type Accumulator } from './aggregates.ts';
import { compileExpr } from './compile-expr.ts';
import type { Batch, Operator, SourceBatch, WeightedRow } from './operators.ts';
import type { PlanNode } from './plan.ts';

type AggregatePlan = Extract<PlanNode, { kind: 'aggregate' }>;

interface Group {
  readonly values: Row;
  n: number;
  readonly accs: Accumulator[];
  /** The row last emitted for the group. */
  out: Row | null;
}

export function aggregateOperator(plan: AggregatePlan, input: Operator): Operator {
  const groupFns = plan.groups.map(compileExpr);
  const groupTypes = plan.groups.map((g) => g.type);
  const global = groupFns.length === 0;
  const aggs = plan.aggregates.map((a) => ({
    make: accumulatorFor(a),
    args: a.args.map(compileExpr),
    sort: a.orderBy.map((o) => compileExpr(o.expr)),
    filter: a.filter === null ? null : compileExpr(a.filter),
  }));
  const groups = new Map<string, Group>();
  const newGroup = (values: Row): Group => ({ values, n: 0, accs: aggs.map((a) => a.make()), out: null });
  let started = false;

  return {
    step(source: SourceBatch): Batch | null {
      const batch = input.step(source);
      const touched = new Map<string, Group>();
      if (global && !started) {
        const g = newGroup([]);
        groups.set('[]', g);
        touched.set('[]', g);
      }
      started = true;
      if (batch === null && touched.size === 0) return null;
      for (const c of batch ?? []) {
        let key = '[]';
        let values: Value[] = [];
        if (!global) {
          values = groupFns.map((f) => f(c.row));
          key = equalityKey(values, groupTypes);
        }
        let g = groups.get(key);
        if (g === undefined) {
          g = newGroup(values);
          groups.set(key, g);
        }
        g.n += c.weight;
        for (let i = 0; i < aggs.length; i++) {
          const a = aggs[i]!;
          if (a.filter !== null && a.filter(c.row) !== true) continue;
          const args = a.args.map((f) => f(c.row));
          const sort = a.sort.length === 0 ? NO_SORT : a.sort.map((f) => f(c.row));
          g.accs[i]!.add(args, sort, c.weight);
        }
        touched.set(key, g);
      }
      const out: WeightedRow[] = [];
      for (const [key, g] of touched) {
        const alive = global || g.n > 0;
        const row = alive ? [...g.values, ...g.accs.map((a) => a.result())] : null;
        if (g.out !== null) out.push({ key, row: g.out, weight: -1 });
        if (row !== null) out.push({ key, row, weight: 1 });
        g.out = row;
        if (!alive) groups.delete(key);
      }
      return out.length === 0 ? null : out;
    },
  };
}

const NO_SORT: readonly Value[] = [];
