/**
 * The typed plan: what bind.ts produces from the syntax tree. Expressions are
 * resolved (column indices, SqlTypes, operator and function implementations
 * from the values catalog); the plan is a tree of operator nodes that
 * operators.ts turns into incremental dataflow operators. New operator kinds
 * (join, aggregate, distinct) are added here as more `kind`s.
 */
import type { Datum, SqlType, Value } from '../values/types.ts';
import type { Column, TableInfo } from './types.ts';

/** A strict scalar function: called only with non-null arguments (NULL in → NULL out is the caller's job). */
export type StrictFn = (args: readonly Datum[]) => Value;

/** A resolved comparison of a left value against an expression (IN items, simple CASE arms, NULLIF). */
export interface EqTest {
  /** Conversion of the left value to the operator's left input type, or null when none is needed. */
  readonly leftCast: ((v: Datum) => Value) | null;
  /** The right operand, already coerced to the operator's right input type. */
  readonly right: BoundExpr;
  /** The equality operator on non-null inputs. */
  readonly eq: (a: Datum, b: Datum) => Value;
}

/** A resolved, typed scalar expression over the rows of its input operator. */
export type BoundExpr =
  | { readonly kind: 'column'; readonly index: number; readonly type: SqlType }
  | { readonly kind: 'const'; readonly value: Value; readonly type: SqlType }
  | {
      /** A strict call: operator, function or cast. `label` names it for debugging. */
      readonly kind: 'call';
      readonly label: string;
      readonly fn: StrictFn;
      readonly args: readonly BoundExpr[];
      readonly type: SqlType;
    }
  | { readonly kind: 'and' | 'or'; readonly args: readonly BoundExpr[]; readonly type: SqlType }
  | { readonly kind: 'not'; readonly arg: BoundExpr; readonly type: SqlType }
  | { readonly kind: 'is_null'; readonly arg: BoundExpr; readonly negated: boolean; readonly type: SqlType }
  | {
      /** IS [NOT] TRUE / FALSE / UNKNOWN; `value` null means UNKNOWN. */
      readonly kind: 'is_bool';
      readonly arg: BoundExpr;
      readonly value: boolean | null;
      readonly negated: boolean;
      readonly type: SqlType;
    }
  | {
      readonly kind: 'in';
      readonly arg: BoundExpr;
      readonly items: readonly EqTest[];
      readonly negated: boolean;
      readonly type: SqlType;
    }
  | {
      /** Searched CASE: the first arm whose condition is TRUE. */
      readonly kind: 'case';
      readonly whens: readonly { readonly cond: BoundExpr; readonly result: BoundExpr }[];
      readonly otherwise: BoundExpr;
      readonly type: SqlType;
    }
  | {
      /** Simple CASE: the operand is evaluated once; the first arm whose test is TRUE. */
      readonly kind: 'case_simple';
      readonly operand: BoundExpr;
      readonly whens: readonly { readonly test: EqTest; readonly result: BoundExpr }[];
      readonly otherwise: BoundExpr;
      readonly type: SqlType;
    }
  | { readonly kind: 'coalesce'; readonly args: readonly BoundExpr[]; readonly type: SqlType }
  | {
      readonly kind: 'minmax';
      readonly op: 'greatest' | 'least';
      readonly args: readonly BoundExpr[];
      readonly compare: (a: Datum, b: Datum) => number;
      readonly type: SqlType;
    }
  | { readonly kind: 'nullif'; readonly left: BoundExpr; readonly test: EqTest; readonly type: SqlType }
  | {
      readonly kind: 'like';
      readonly arg: BoundExpr;
      readonly pattern: BoundExpr;
      readonly caseInsensitive: boolean;
      readonly negated: boolean;
      readonly type: SqlType;
    };

/** A node of the operator tree. Every node produces rows keyed by a canonical row key. */
export type PlanNode =
  | {
      /** The changes of one source table; output rows are the table's rows, keyed by its primary key. */
      readonly kind: 'scan';
      readonly table: TableInfo;
      readonly columns: readonly Column[];
    }
  | { readonly kind: 'filter'; readonly input: PlanNode; readonly predicate: BoundExpr; readonly columns: readonly Column[] }
  | {
      readonly kind: 'project';
      readonly input: PlanNode;
      readonly exprs: readonly BoundExpr[];
      readonly columns: readonly Column[];
    };
