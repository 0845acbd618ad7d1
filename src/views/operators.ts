/**
 * Incremental dataflow operators. Each operator is pure, synchronous and
 * I/O-free: one source transaction is one step; it takes the weighted row
 * changes of its inputs (+1 insert, -1 delete) and returns its own weighted
 * changes, or null when it has none (never an empty batch). Rows carry a
 * canonical row key that identifies them across steps.
 *
 * Scan, filter, project and occurrences are here; joins (op-join.ts) and
 * aggregates (op-aggregate.ts) keep their state inside the operator object.
 */
import { assert, unreachable } from '../errors.ts';
import { renderJson, rowKey } from '../values/index.ts';
import type { Row, SqlType } from '../values/types.ts';
import { compileExpr } from './compile-expr.ts';
import { aggregateOperator } from './op-aggregate.ts';
import { joinOperator } from './op-join.ts';
import { semiJoinOperator } from './op-semijoin.ts';
import { setopOperator, unionOperator } from './op-setop.ts';
import { topkOperator } from './op-topk.ts';
import type { PlanNode } from './plan.ts';

/** One weighted change of an operator's output: `weight` +1 adds the row, -1 removes it. */
export interface WeightedRow {
  /** Canonical row key (values' rowKey of the identifying values). */
  readonly key: string;
  readonly row: Row;
  readonly weight: number;
}

/** A non-empty list of weighted changes. */
export type Batch = readonly WeightedRow[];

/** A row change of one source table (a SourceChange other than truncate). */
export interface SourceRowChange {
  readonly kind: 'insert' | 'delete';
  readonly row: Row;
  /** The row's key as the scan computes it, when the caller already has it. */
  readonly key?: string;
}

/** The row changes of one source transaction after TRUNCATE handling, by TableInfo.id, in commit order. */
export type SourceBatch = ReadonlyMap<string, readonly SourceRowChange[]>;

/**
 * A running operator: one step per source transaction; null when its output does not change.
 * With `discard` the caller does not need the output (rebuilding state on restore): the operator
 * still updates its state, and may skip building output rows and return null.
 */
export interface Operator {
  step(input: SourceBatch, discard?: boolean): Batch | null;
}

/** Builds the running operator tree for a plan. */
/** rowKey of a one-column key without the intermediate array. */
function rowKey1(v: Row[number], type: SqlType): string {
  return `[${renderJson(v, type)}]`;
}

export function buildOperator(plan: PlanNode): Operator {
  switch (plan.kind) {
    case 'scan': {
      const tableId = plan.table.id;
      // a table without a primary key: rows are keyed by all their values (duplicates add up)
      const pk = plan.table.primaryKey.length > 0 ? plan.table.primaryKey : plan.table.columns.map((_, i) => i);
      const pkTypes: SqlType[] = pk.map((i) => plan.table.columns[i]!.type);
      const width = plan.table.columns.length;
      return {
        step(input) {
          const changes = input.get(tableId);
          if (changes === undefined || changes.length === 0) return null;
          const out: WeightedRow[] = [];
          for (const c of changes) {
            assert(c.row.length === width, `row of ${plan.table.name} has ${c.row.length} values, expected ${width}`);
            const key = c.key ?? (pk.length === 1 ? rowKey1(c.row[pk[0]!] ?? null, pkTypes[0]!) : rowKey(pk.map((i) => c.row[i] ?? null), pkTypes));
            out.push({ key, row: c.row, weight: c.kind === 'insert' ? 1 : -1 });
          }
          return out;
        },
      };
    }
    case 'filter': {
      const input = buildOperator(plan.input);
      const pred = compileExpr(plan.predicate);
      return {
        step(source, discard) {
          const batch = input.step(source, discard);
          if (batch === null || discard === true) return null;
          const out = batch.filter((c) => pred(c.row) === true);
          return out.length === 0 ? null : out;
        },
      };
    }
    case 'project': {
      const input = buildOperator(plan.input);
      const fs = plan.exprs.map(compileExpr);
      return {
        step(source, discard) {
          const batch = input.step(source, discard);
          if (batch === null || discard === true) return null;
          return batch.map((c) => ({ key: c.key, row: fs.map((f) => f(c.row)), weight: c.weight }));
        },
      };
    }
    case 'join':
      if (plan.type === 'semi' || plan.type === 'anti' || plan.type === 'anti_null') {
        return semiJoinOperator(plan, buildOperator(plan.left), buildOperator(plan.right));
      }
      return joinOperator(plan, buildOperator(plan.left), buildOperator(plan.right));
    case 'aggregate':
      return aggregateOperator(plan, buildOperator(plan.input));
    case 'occurrences':
      return occurrences(buildOperator(plan.input));
    case 'union':
      return unionOperator(plan.inputs.map(buildOperator));
    case 'topk':
      return topkOperator(plan, buildOperator(plan.input));
    case 'setop':
      return setopOperator(plan, buildOperator(plan.left), buildOperator(plan.right));
    default:
      return unreachable(plan);
  }
}

/**
 * Rows with a weight above one become that many rows with distinct, stable keys: the first
 * copy keeps the key k, the others are k#2, k#3, … (the highest ones go first when copies leave).
 */
function occurrences(input: Operator): Operator {
  const state = new Map<string, { n: number; row: Row }>();
  return {
    step(source, discard) {
      const batch = input.step(source);
      if (batch === null) return null;
      const touched = new Map<string, { n0: number; row0: Row | null; n: number; row: Row | null }>();
      for (const c of batch) {
        let t = touched.get(c.key);
        if (t === undefined) {
          const s = state.get(c.key);
          t = { n0: s?.n ?? 0, row0: s?.row ?? null, n: s?.n ?? 0, row: s?.row ?? null };
          touched.set(c.key, t);
        }
        t.n += c.weight;
        if (c.weight > 0) t.row = c.row;
      }
      const out: WeightedRow[] = [];
      for (const [key, t] of touched) {
        assert(t.n >= 0, `row ${key} removed more often than added`);
        for (let i = 1; discard !== true && i <= Math.max(t.n0, t.n); i++) {
          const k = i === 1 ? key : `${key}#${i}`;
          if (i <= t.n0) out.push({ key: k, row: t.row0!, weight: -1 });
          if (i <= t.n) out.push({ key: k, row: t.row!, weight: 1 });
        }
        if (t.n === 0) state.delete(key);
        else state.set(key, { n: t.n, row: t.row! });
      }
      return out.length === 0 ? null : out;
    },
  };
}
