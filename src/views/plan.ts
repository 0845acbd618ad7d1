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
      /** false: called with NULL arguments too (`fn` then receives them), e.g. jsonb_build_object. */
      readonly strict?: false;
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

/** A resolved aggregate call of an aggregate node. */
export interface AggregateSpec {
  /** `any`: a column that depends on the grouped primary key (one value per group). */
  readonly name: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'bool_and' | 'bool_or' | 'string_agg' | 'array_agg' | 'any';
  /** count(*). */
  readonly star: boolean;
  /** Arguments over the input rows, already coerced to the aggregate's argument types. */
  readonly args: readonly BoundExpr[];
  readonly distinct: boolean;
  readonly orderBy: readonly SortKey[];
  /** FILTER (WHERE …) over the input rows; null when absent. */
  readonly filter: BoundExpr | null;
  /** The result type as PostgreSQL gives it (sum(int4) is bigint, avg(int) numeric, …). */
  readonly type: SqlType;
}

/** An ORDER BY item of an ordered aggregate. */
export interface SortKey {
  readonly expr: BoundExpr;
  readonly desc: boolean;
  /** Resolved: PostgreSQL puts NULLs last ascending and first descending unless told otherwise. */
  readonly nullsFirst: boolean;
  readonly compare: (a: Datum, b: Datum) => number;
}

/**
 * A join's kind: which sides are preserved with NULLs when they have no partner; or a semi-join
 * (EXISTS, IN: left rows with a partner), an anti-join (NOT EXISTS: left rows without one) and
 * NOT IN's null-aware anti-join (no partner, and neither the left key nor any right key is NULL,
 * unless the right side is empty). Semi- and anti-joins output left rows under their own keys.
 */
export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'anti_null';

/** A node of the operator tree. Every node produces rows keyed by a canonical row key. */
export type PlanNode =
  | {
      /**
       * The changes of one source table; output rows are the table's rows, keyed by its primary key,
       * or (tables without one) by all their values, with multiplicities as weights.
       */
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
    }
  | {
      /**
       * An equi-join of everything before a table in FROM (left) with that table (right); rows are
       * left row ++ right row, NULL-padded on the side without a partner for outer joins. Keys are
       * JSON arrays with one element per FROM table: that table's row key, or null when padded.
       */
      readonly kind: 'join';
      readonly type: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      /** Equality keys: leftKeys over left rows, rightKeys over right rows, compared in keyTypes. */
      readonly leftKeys: readonly BoundExpr[];
      readonly rightKeys: readonly BoundExpr[];
      readonly keyTypes: readonly SqlType[];
      /** The rest of the join condition, over joined rows; null when there is none. */
      readonly residual: BoundExpr | null;
      /** How many FROM tables each side holds (for NULL keys of padded rows). */
      readonly leftTables: number;
      readonly rightTables: number;
      readonly columns: readonly Column[];
    }
  | {
      /**
       * GROUP BY: output rows are group values followed by aggregate results, keyed by the group
       * values (equality semantics). Without group expressions there is exactly one row, also
       * over an empty input.
       */
      readonly kind: 'aggregate';
      readonly input: PlanNode;
      readonly groups: readonly BoundExpr[];
      readonly aggregates: readonly AggregateSpec[];
      readonly columns: readonly Column[];
    }
  | {
      /**
       * ORDER BY … LIMIT n OFFSET m: the rows at ranks [m, m + n) of the input (of each partition,
       * when `partition` names columns), by the sort keys (columns of the input), ties by row key.
       */
      readonly kind: 'topk';
      readonly input: PlanNode;
      readonly partition: readonly number[];
      /** Output rows are keyed by their partition (DISTINCT ON: one row per partition). */
      readonly keyByPartition: boolean;
      /**
       * Top-k per group: the window is the rows whose row_number / rank / dense_rank in their
       * partition is at most `limit` (rank and dense_rank keep ties), and that number is written
       * into column `column` of each output row (as bigint). Null for plain top-k.
       */
      readonly rank: { readonly fn: 'row_number' | 'rank' | 'dense_rank'; readonly column: number } | null;
      readonly sortKeys: readonly { readonly index: number; readonly key: SortKey }[];
      readonly limit: number;
      readonly offset: number;
      readonly columns: readonly Column[];
    }
  | {
      /** UNION ALL: every input's rows, keyed `[<input index>,<input key>]`. */
      readonly kind: 'union';
      readonly inputs: readonly PlanNode[];
      readonly columns: readonly Column[];
    }
  | {
      /**
       * INTERSECT / EXCEPT [ALL]: rows counted per side by value (NULLs equal); a row is kept when
       * both sides have it (INTERSECT) or only the left does (EXCEPT), with ALL as often as
       * min(left, right) / left - right times (weights above one). Keyed by the row's values.
       */
      readonly kind: 'setop';
      readonly op: 'intersect' | 'except';
      readonly all: boolean;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly columns: readonly Column[];
    }
  | {
      /**
       * Turns weights above one (duplicate rows of tables without a primary key) into distinct
       * output rows: the n-th copy of a row keyed k is keyed k, then k#2, k#3, …
       */
      readonly kind: 'occurrences';
      readonly input: PlanNode;
      readonly columns: readonly Column[];
    };
