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
  | { readonly kind: 'cast'; readonly arg: Expr; readonly type: TypeRef };

/** One item of the select list. */
export type SelectItem =
  | { readonly kind: 'star'; readonly table: string | null }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | null };

/** A table in FROM. */
export interface TableRef {
  readonly schema: string | null;
  readonly name: string;
  readonly alias: string | null;
}

/** The supported SELECT shape: one table, a select list, an optional WHERE (ORDER BY is dropped: a view is a multiset). */
export interface SelectStmt {
  readonly items: readonly SelectItem[];
  readonly from: TableRef;
  readonly where: Expr | null;
}
