/**
 * A predicate over a view's output columns (subscriptions' `where`, row
 * filters): the same expression language as view definitions, compiled as
 * the WHERE of `SELECT * FROM <the view's rows>`. It may name the view's
 * columns only (no subqueries, no other tables, no aggregates); errors carry
 * the codes a view definition would get (parse_error, unknown_column, …).
 */
import { SqlError } from '../errors.ts';
import { sameBaseType, setCaseMapping } from '../values/index.ts';
import type { Row, Value } from '../values/types.ts';
import { bindQuery } from './bind-select.ts';
import { compileExpr } from './compile-expr.ts';
import { LIMITS, checkTextLimits, tooComplex } from './limits.ts';
import { parseCreateView } from './parse.ts';
import { positionInText } from './sql-text.ts';
import type { BoundExpr, PlanNode } from './plan.ts';
import type { Column, SqlSettings, TableInfo } from './types.ts';

/**
 * What a filter pins down: a row can match only if its `column` holds one of `values` (a top-level
 * `column = constant` or `column IN (constants)` conjunct, same type on both sides), so matching
 * can be indexed by that column's value.
 */
export interface FilterIndex {
  readonly column: number;
  readonly values: readonly Value[];
}

/** Compiles `where` over rows of `columns`; the result says whether a row matches (NULL does not). */
export function compilePredicate(where: string, columns: readonly Column[], settings: SqlSettings): (row: Row) => boolean {
  return compileFilter(where, columns, settings).matches;
}

/** compilePredicate, with the index the filter allows (null: none). */
export function compileFilter(where: string, columns: readonly Column[], settings: SqlSettings): { matches: (row: Row) => boolean; index: FilterIndex | null } {
  if (where.trim() === '') throw new SqlError('parse_error', 'the filter is empty');
  if (where.length > LIMITS.sqlLength / 10) throw new SqlError('bad_request', `the filter is ${where.length} characters long; the limit is ${LIMITS.sqlLength / 10}`);
  // a statement of its own: a filter must not close the parenthesis and go on
  if (/;/.test(where.replace(/'(?:[^']|'')*'/g, "''"))) throw new SqlError('parse_error', 'a filter is one boolean expression, without ";"');
  const sql = `CREATE MATERIALIZED VIEW filter AS SELECT * FROM rows WHERE (${where})`;
  checkTextLimits(sql);
  const table: TableInfo = { id: 'filter:rows', schema: 'public', name: 'rows', columns, primaryKey: columns.map((_, i) => i) };
  try {
    const parsed = parseCreateView(sql);
    if (parsed.query.kind !== 'select' || parsed.query.select.joins.length > 0) throw new SqlError('parse_error', 'a filter is one boolean expression');
    setCaseMapping(settings.asciiCaseMapping ? 'ascii' : 'unicode');
    const bound = bindQuery(parsed.query, () => [{ kind: 'table', table }], settings, null);
    const filter = findFilter(bound.plan);
    if (filter === null) throw new SqlError('unsupported', 'unsupported filter: it must be a boolean expression over the view’s columns');
    const f = compileExpr(filter);
    return { matches: (row) => f(row) === true, index: indexOf(filter) };
  } catch (err) {
    const e = tooComplex(err);
    if (!(e instanceof SqlError)) throw e;
    if (/subquer|EXISTS|IN \(SELECT/i.test(e.message)) throw new SqlError('unsupported', 'unsupported filter: subqueries are not allowed in a filter');
    // positions in the filter's own text, not in the statement it was wrapped in
    throw positionInText(e, sql.indexOf('(') + 1, (_line, column) => `(column ${column} of the filter)`);
  }
}

/** The predicate of a `SELECT * FROM rows WHERE …` plan: project(filter(scan)); null for any other shape. */
function findFilter(plan: PlanNode): Extract<PlanNode, { kind: 'filter' }>['predicate'] | null {
  let node = plan;
  if (node.kind === 'project') node = node.input;
  if (node.kind !== 'filter' || node.input.kind !== 'scan') return null;
  return node.predicate;
}

/** The first top-level conjunct that pins a column to constants (see FilterIndex). */
function indexOf(pred: BoundExpr): FilterIndex | null {
  for (const c of pred.kind === 'and' ? pred.args : [pred]) {
    const p = pinning(c);
    if (p !== null) return p;
  }
  return null;
}

/**
 * The constants a predicate's top-level conjuncts pin column `column` to (`column = k`,
 * `column IN (k1, …)`): a row can satisfy it only if its value there is one of them. Null when no
 * conjunct pins that column.
 */
export function pinnedValues(pred: BoundExpr, column: number): readonly Value[] | null {
  for (const c of pred.kind === 'and' ? pred.args : [pred]) {
    const p = pinning(c);
    if (p !== null && p.column === column) return p.values;
  }
  return null;
}

/** The column and constants one conjunct pins, or null. */
function pinning(c: BoundExpr): FilterIndex | null {
  if (c.kind === 'call' && c.label === 'operator =' && c.args.length === 2) {
    const [a, b] = c.args as [BoundExpr, BoundExpr];
    const col = a.kind === 'column' ? a : b.kind === 'column' ? b : null;
    const k = col === a ? b : a;
    if (col !== null && col.kind === 'column' && k.kind === 'const' && k.value !== null && sameBaseType(col.type, k.type)) return { column: col.index, values: [k.value] };
  }
  if (c.kind === 'in' && !c.negated && c.arg.kind === 'column') {
    const arg = c.arg;
    const values: Value[] = [];
    for (const it of c.items) {
      if (it.leftCast !== null || it.right.kind !== 'const' || it.right.value === null || !sameBaseType(it.right.type, arg.type)) return null;
      values.push(it.right.value);
    }
    if (values.length > 0) return { column: arg.index, values };
  }
  return null;
}
