/**
 * The project's own syntax tree of a view's SELECT, converted once from
 * node-sql-parser's loose AST (parse.ts). Names are already normalised
 * (unquoted identifiers folded to lower case). Nothing here is resolved
 * against the catalog yet; bind.ts does that.
 */

/** A literal as written. Numbers keep their source text so exactness and PostgreSQL's int4/int8/numeric typing are preserved. */
export type Literal =
  | { readonly kind: 'integer'; readonly text: string }
  | { readonly kind: 'decimal'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** Binary operators handled by the values operator catalog. */
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '||';
/** jsonb operators. */
export type JsonOp = '->' | '->>' | '#>' | '#>>' | '@>' | '<@' | '?';
/** Comparison operators (`!=` is normalised to `<>`). */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A type name as written in a cast: base name (lower case, multi-word joined by spaces), typmods, array. */
export interface TypeRef {
  /** The text handed to values' parseTypeName, e.g. 'numeric(10,2)', 'timestamp with time zone', 'int[]'. */
  readonly text: string;
}

/** A scalar expression. */
export type Expr =
  | { readonly kind: 'column'; readonly schema: string | null; readonly table: string | null; readonly name: string }
  | { readonly kind: 'literal'; readonly literal: Literal }
  | { readonly kind: 'typed_literal'; readonly type: TypeRef; readonly value: string }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly arg: Expr }
  | { readonly kind: 'negate' | 'unary_plus'; readonly arg: Expr }
  | { readonly kind: 'is'; readonly arg: Expr; readonly test: 'null' | 'true' | 'false' | 'unknown'; readonly negated: boolean }
  | { readonly kind: 'in'; readonly arg: Expr; readonly list: readonly Expr[]; readonly negated: boolean }
  | { readonly kind: 'between'; readonly arg: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean }
  | {
      readonly kind: 'like';
      readonly arg: Expr;
      readonly pattern: Expr;
      readonly caseInsensitive: boolean;
      readonly negated: boolean;
    }
  | { readonly kind: 'func'; readonly schema: string | null; readonly name: string; readonly args: readonly Expr[] }
  | {
      /** trim(both|leading|trailing [chars] FROM s); PostgreSQL names it btrim/ltrim/rtrim. */
      readonly kind: 'trim';
      readonly side: 'both' | 'leading' | 'trailing';
      readonly chars: Expr | null;
      readonly source: Expr;
    }
  | {
      readonly kind: 'case';
      readonly operand: Expr | null;
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly otherwise: Expr | null;
    }
  | { readonly kind: 'cast'; readonly arg: Expr; readonly type: TypeRef }
  /** jsonb operators: -> ->> #> #>> @> <@ ? */
  | { readonly kind: 'json_op'; readonly op: JsonOp; readonly left: Expr; readonly right: Expr }
  /** row_number() / rank() / dense_rank() OVER (PARTITION BY … ORDER BY …), in the top-k per group pattern. */
  | {
      readonly kind: 'window';
      readonly fn: 'row_number' | 'rank' | 'dense_rank';
      readonly partitionBy: readonly Expr[];
      readonly orderBy: readonly OrderItem[];
    }
  /** a IS [NOT] DISTINCT FROM b. */
  | { readonly kind: 'distinct'; readonly left: Expr; readonly right: Expr; readonly negated: boolean }
  /** POSIX regular expression match: `~`, `~*`, `!~`, `!~*`. */
  | { readonly kind: 'regex'; readonly arg: Expr; readonly pattern: Expr; readonly caseInsensitive: boolean; readonly negated: boolean }
  /** A scalar subquery: `(SELECT count(*) FROM orders o WHERE o.customer_id = c.id)`. */
  | { readonly kind: 'scalar_query'; readonly query: QueryExpr }
  /** [NOT] EXISTS (subquery). */
  | { readonly kind: 'exists'; readonly query: QueryExpr; readonly negated: boolean }
  /** x [NOT] IN (subquery). */
  | { readonly kind: 'in_query'; readonly arg: Expr; readonly query: QueryExpr; readonly negated: boolean }
  | AggregateCall;

/** An ordering item: inside an aggregate call (`string_agg(x, ',' ORDER BY y DESC)`). */
export interface OrderItem {
  readonly expr: Expr;
  readonly desc: boolean;
  /** NULLS FIRST (true) / NULLS LAST (false); null when not written (PostgreSQL: NULLS LAST for ASC, FIRST for DESC). */
  readonly nullsFirst: boolean | null;
}

/** An aggregate function call: `count(*)`, `sum(DISTINCT x) FILTER (WHERE …)`, `string_agg(x, ',' ORDER BY y)`. */
export interface AggregateCall {
  readonly kind: 'aggregate';
  /** Lower-case function name. */
  readonly name: string;
  /** `count(*)`. */
  readonly star: boolean;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly orderBy: readonly OrderItem[];
  readonly filter: Expr | null;
}

/** One item of the select list. */
export type SelectItem =
  | { readonly kind: 'star'; readonly table: string | null }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | null };

/** An entry of FROM: a table, or a derived table (a subquery with an alias, or a WITH query). */
export interface TableRef {
  readonly schema: string | null;
  /** The table's name; for a derived table the name it is visible under. */
  readonly name: string;
  readonly alias: string | null;
  /** The query of a derived table (FROM (SELECT …) q, or a reference to a WITH query); absent for a table. */
  readonly query?: QueryExpr;
  /** Column names given to a WITH query (`WITH q (a, b) AS …`), renaming its leading columns. */
  readonly columnNames?: readonly string[];
}

/** A join of the table on its right onto everything before it in FROM (a left-deep tree). */
export interface JoinClause {
  /** `cross` also stands for a comma in FROM. */
  readonly type: 'inner' | 'left' | 'right' | 'full' | 'cross';
  readonly table: TableRef;
  readonly on: Expr | null;
  /** `USING (a, b)`: column names. */
  readonly using: readonly string[] | null;
}

/**
 * The supported SELECT shape: a FROM list (a table and joins onto it), a
 * select list, WHERE, GROUP BY, HAVING (ORDER BY is dropped: a view is a multiset).
 */
export interface SelectStmt {
  /** SELECT DISTINCT. */
  readonly distinct: boolean;
  /** SELECT DISTINCT ON (…): null without. */
  readonly distinctOn: readonly Expr[] | null;
  readonly items: readonly SelectItem[];
  readonly from: TableRef;
  readonly joins: readonly JoinClause[];
  readonly where: Expr | null;
  /** GROUP BY items (expressions, or integer literals naming select-list positions); null without GROUP BY. */
  readonly groupBy: readonly Expr[] | null;
  readonly having: Expr | null;
  /** ORDER BY (it matters only with LIMIT/OFFSET: a view is a multiset). */
  readonly orderBy: readonly OrderItem[];
  /** LIMIT n (null: no limit) OFFSET m; null without either. */
  readonly limit: { readonly count: number | null; readonly offset: number } | null;
}

/** A query: one SELECT, or a set operation of two queries (INTERSECT binds tighter than UNION and EXCEPT). */
export type QueryExpr =
  | { readonly kind: 'select'; readonly select: SelectStmt }
  | {
      readonly kind: 'setop';
      readonly op: 'union' | 'intersect' | 'except';
      /** UNION ALL / INTERSECT ALL / EXCEPT ALL keep duplicates. */
      readonly all: boolean;
      readonly left: QueryExpr;
      readonly right: QueryExpr;
    };
