/**
 * Binding of a whole query into the operator plan: set operations, FROM and
 * its joins (equality keys, residual conditions, filters pushed down to the
 * tables, derived tables), WHERE and its subquery conditions (semi- and
 * anti-joins), grouping (bind-grouping.ts), the select list, ORDER BY …
 * LIMIT and DISTINCT [ON], PostgreSQL's output column names and the view's
 * key columns.
 *
 * The joined row is every FROM table's columns in FROM order (a left-deep
 * tree); expressions over it index into that layout.
 */
import { SqlError } from '../errors.ts';
import { T, commonType, compareDatums, resolveBinary, withoutTypmod } from '../values/index.ts';
import type { Datum, SqlType } from '../values/types.ts';
import { OUTER_BASE, bindBinary, bindExpr, checkCollation, coerce, noteColumn, starTable, toBool, type Scope, type ScopeTable } from './bind.ts';
import { bindGrouping, containsAggregate, refused, type StarColumn } from './bind-grouping.ts';
import { boundKey, columnsOf, shiftColumns } from './bound-walk.ts';
import { figureColname } from './column-names.ts';
import { foldConstants } from './fold.ts';
import type { BoundExpr, JoinType, PlanNode, SortKey } from './plan.ts';
import type { Expr, QueryExpr, SelectStmt } from './syntax.ts';
import type { Column, SqlSettings, TableInfo } from './types.ts';

/** The result of binding a query. */
export interface BoundQuery {
  readonly plan: PlanNode;
  /** Output columns (names as PostgreSQL gives them, possibly overridden by the view's column list). */
  readonly columns: readonly Column[];
  /** Output column names that identify a row (see CompiledView.key); [] when the key is internal. */
  readonly key: readonly string[];
  /** The plan keeps state between transactions (joins, aggregates, duplicate rows). */
  readonly stateful: boolean;
}

/** A bound query before the view's column list names it: which output positions identify a row. */
interface BoundPart {
  readonly plan: PlanNode;
  readonly columns: readonly Column[];
  /** Output positions that identify a row when all are shown; null when the key is internal. */
  readonly keyColumns: readonly number[] | null;
  readonly stateful: boolean;
}

/**
 * Binds a query: a SELECT or a tree of set operations. `tablesOf(select)` gives the tables of
 * a SELECT's FROM entries (the first table, then one per join). `columnNames` renames the
 * leading output columns.
 */
export function bindQuery(
  query: QueryExpr,
  tablesOf: TablesOf,
  settings: SqlSettings,
  columnNames: readonly string[] | null,
): BoundQuery {
  const b = bindPart(query, tablesOf, settings);
  const names = b.columns.map((c) => c.name);
  if (columnNames !== null) {
    if (columnNames.length > names.length) {
      throw new SqlError('bad_request', 'CREATE MATERIALIZED VIEW specifies too many column names');
    }
    columnNames.forEach((n, i) => {
      names[i] = n;
    });
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SqlError('bad_request', `column "${n}" specified more than once`);
    seen.add(n);
  }
  const columns: Column[] = b.columns.map((c, i) => ({ name: names[i]!, type: c.type }));
  return { plan: b.plan, columns, key: (b.keyColumns ?? []).map((i) => names[i]!), stateful: b.stateful };
}

/** What a FROM entry reads: a source table, or a query (a subquery, a WITH query, another view). */
export type FromSource =
  | { readonly kind: 'table'; readonly table: TableInfo }
  | { readonly kind: 'derived'; readonly query: QueryExpr; readonly columnNames?: readonly string[] };

/** The sources of a SELECT's FROM entries, in order. */
export type TablesOf = (select: SelectStmt) => readonly FromSource[];

/**
 * `rankLimits`: for a derived table, the bounds the enclosing query's WHERE puts on its output
 * columns (`rn <= 3`), which make a window function the top-k per group pattern.
 */
function bindPart(query: QueryExpr, tablesOf: TablesOf, settings: SqlSettings, rankLimits?: ReadonlyMap<string, number>): BoundPart {
  if (query.kind === 'select') return bindSelect(query.select, tablesOf, settings, undefined, rankLimits);
  const what = query.op.toUpperCase();
  for (const side of [query.left, query.right]) {
    if (side.kind === 'select' && side.select.limit !== null) throw new SqlError('unsupported', `unsupported: LIMIT/OFFSET in a ${what} (write the set operation in a derived table and limit that)`);
  }
  const left = bindPart(query.left, tablesOf, settings);
  const right = bindPart(query.right, tablesOf, settings);
  if (left.columns.length !== right.columns.length) throw new SqlError('bad_request', `each ${what} query must have the same number of columns`);
  // both sides in the common type of each column (PostgreSQL's select_common_type)
  const types = left.columns.map((c, i) => commonType([c.type, right.columns[i]!.type], what));
  const columns: Column[] = left.columns.map((c, i) => ({ name: c.name, type: types[i]! }));
  const inTypes = (b: BoundPart): PlanNode => {
    if (b.columns.every((c, i) => c.type.display === types[i]!.display)) return b.plan;
    const exprs = b.columns.map((c, i): BoundExpr => coerce({ kind: 'column', index: i, type: c.type }, types[i]!));
    return { kind: 'project', input: b.plan, exprs, columns };
  };
  const every = columns.map((_, i) => i);
  if (query.op === 'union') {
    const inputs = [inTypes(left), inTypes(right)].flatMap((p) => (p.kind === 'union' ? p.inputs : [p]));
    const union: PlanNode = { kind: 'union', inputs, columns };
    if (query.all) return { plan: union, columns, keyColumns: null, stateful: true };
    return { plan: distinctOf(union, columns), columns, keyColumns: every, stateful: true };
  }
  const setop: PlanNode = { kind: 'setop', op: query.op, all: query.all, left: inTypes(left), right: inTypes(right), columns };
  if (!query.all) return { plan: setop, columns, keyColumns: every, stateful: true };
  return { plan: { kind: 'occurrences', input: setop, columns }, columns, keyColumns: null, stateful: true };
}

/** One row per distinct value of all columns (DISTINCT, UNION): a GROUP BY of every column without aggregates. */
function distinctOf(input: PlanNode, columns: readonly Column[]): PlanNode {
  const groups = columns.map((c, i): BoundExpr => ({ kind: 'column', index: i, type: c.type }));
  return { kind: 'aggregate', input, groups, aggregates: [], columns };
}


/** Binds one SELECT; its FROM entries are tables (`tablesOf`) or derived tables (bound here). */
function bindSelect(stmt: SelectStmt, tablesOf: TablesOf, settings: SqlSettings, corr?: Correlation, rankLimits?: ReadonlyMap<string, number>): BoundPart {
  const refs = [stmt.from, ...stmt.joins.map((j) => j.table)];
  // A derived table is seen as a table whose columns are its output and whose key is its key columns.
  const derived = new Map<number, BoundPart>();
  let derivedState = false;
  const tables: TableInfo[] = tablesOf(stmt).map((src, i) => {
    if (src.kind === 'table') return src.table;
    const ref = refs[i]!;
    const sub = bindPart(src.query, tablesOf, settings, src.columnNames === undefined ? rankBounds(stmt.where, ref.alias ?? ref.name) : undefined);
    derived.set(i, sub);
    derivedState ||= sub.stateful;
    const names = sub.columns.map((c) => c.name);
    const given = src.columnNames ?? [];
    if (given.length > names.length) throw new SqlError('bad_request', `table "${ref.name}" has ${names.length} columns available but ${given.length} columns specified`);
    given.forEach((n, j) => {
      names[j] = n;
    });
    return {
      id: `derived:${ref.alias ?? ref.name}`,
      schema: '',
      name: ref.name,
      columns: sub.columns.map((c, j) => ({ name: names[j]!, type: c.type })),
      primaryKey: sub.keyColumns ?? [],
    };
  });
  const scopeTables: ScopeTable[] = [];
  let width = 0;
  refs.forEach((ref, i) => {
    const visible = ref.alias ?? ref.name;
    if (scopeTables.some((st) => (st.ref.alias ?? st.ref.name) === visible)) {
      throw new SqlError('bad_request', `table name "${visible}" specified more than once`);
    }
    scopeTables.push({ ref, table: tables[i]!, offset: width });
    width += tables[i]!.columns.length;
  });
  const tableOfColumn = (col: number): number => {
    for (let k = scopeTables.length - 1; k >= 0; k--) if (col >= scopeTables[k]!.offset) return k;
    return 0;
  };
  const tablesIn = (e: BoundExpr): Set<number> => new Set([...columnsOf(e)].map(tableOfColumn));

  // ---- FROM: USING merges, the star list, join conditions
  let merged = new Map<string, BoundExpr>();
  let star: StarColumn[] = tables[0]!.columns.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: i, type: c.type } }));
  const scanFilters: BoundExpr[][] = tables.map(() => []);
  const joinConds: BoundExpr[][] = stmt.joins.map(() => []);
  stmt.joins.forEach((join, j) => {
    const k = j + 1;
    const st = scopeTables[k]!;
    const scope: Scope = { tables: scopeTables.slice(0, k + 1), merged, settings, aggregates: refused('JOIN conditions') };
    const rightCols: StarColumn[] = st.table.columns.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: st.offset + i, type: c.type } }));
    if (join.using !== null) {
      const leftScope: Scope = { ...scope, tables: scopeTables.slice(0, k) };
      const next = new Map(merged);
      const usingCols: StarColumn[] = [];
      for (const name of join.using) {
        if (usingCols.some((c) => c.name === name)) throw new SqlError('bad_request', `column "${name}" appears more than once in USING clause`);
        let l: BoundExpr;
        try {
          l = bindExpr({ kind: 'column', schema: null, table: null, name }, leftScope);
        } catch (err) {
          if (err instanceof SqlError && err.code === 'unknown_column') {
            throw new SqlError('unknown_column', `column "${name}" specified in USING clause does not exist in left table`);
          }
          throw err;
        }
        const r = rightCols.find((c) => c.name === name)?.expr;
        if (r !== undefined) noteColumn(st.table, st.table.columns.findIndex((c) => c.name === name));
        if (r === undefined) throw new SqlError('unknown_column', `column "${name}" specified in USING clause does not exist in right table`);
        joinConds[j]!.push(bindBinary('=', l, r, scope));
        const t = commonOf(l.type, r.type);
        const m: BoundExpr =
          join.type === 'full' ? { kind: 'coalesce', args: [coerce(l, t), coerce(r, t)], type: t } : coerce(join.type === 'right' ? r : l, t);
        next.set(name, m);
        usingCols.push({ name, expr: m });
      }
      const using = new Set(join.using);
      star = [...usingCols, ...star.filter((c) => !using.has(c.name)), ...rightCols.filter((c) => !using.has(c.name))];
      merged = next;
    } else {
      star = [...star, ...rightCols];
    }
    if (join.on !== null) joinConds[j]!.push(...conjuncts(foldConstants(toBool(bindExpr(join.on, scope), 'JOIN/ON'))));
  });

  // ---- WHERE: with only inner joins, each conjunct moves to the lowest point that sees its tables.
  // [NOT] EXISTS / [NOT] IN (subquery) conditions become semi- and anti-joins after the joins.
  const fullScope: Scope = { tables: scopeTables, merged, settings, aggregates: refused('WHERE') };
  const topFilters: BoundExpr[] = [];
  const { plain, subqueries, scalarConds } = splitSubqueries(stmt.where);
  if (plain !== null) {
    const allInner = stmt.joins.every((j) => j.type === 'inner' || j.type === 'cross');
    const whereScope: Scope = corr === undefined ? fullScope : { ...fullScope, outer: corr.outer };
    for (const c of conjuncts(foldConstants(toBool(bindExpr(plain, whereScope), 'WHERE')))) {
      if (c.kind === 'const' && c.value === true) continue;
      if (corr !== undefined && [...columnsOf(c)].some((i) => i >= OUTER_BASE)) {
        corr.pairs.push(correlationPair(c));
        continue;
      }
      const ts = tablesIn(c);
      if (!allInner || ts.size === 0) topFilters.push(c);
      else if (ts.size === 1) scanFilters[[...ts][0]!]!.push(c);
      else joinConds[Math.max(...ts) - 1]!.push(c);
    }
  }

  // ---- the join tree
  const scanNode = (k: number): PlanNode => {
    const { table, offset } = scopeTables[k]!;
    const scan: PlanNode = derived.get(k)?.plan ?? { kind: 'scan', table, columns: table.columns };
    const fs = scanFilters[k]!;
    return fs.length === 0 ? scan : { kind: 'filter', input: scan, predicate: shiftColumns(andOf(fs), -offset), columns: table.columns };
  };
  let plan: PlanNode = scanNode(0);
  const joined: Column[] = [...tables[0]!.columns];
  stmt.joins.forEach((join, j) => {
    const k = j + 1;
    const st = scopeTables[k]!;
    const type: JoinType = join.type === 'cross' ? 'inner' : join.type;
    const leftKeys: BoundExpr[] = [];
    const rightKeys: BoundExpr[] = [];
    const keyTypes: SqlType[] = [];
    const residual: BoundExpr[] = [];
    for (const c of joinConds[j]!) {
      const ts = tablesIn(c);
      // a condition on the joined table alone filters it before the join (it is the inner side)
      if (ts.size === 1 && ts.has(k) && (type === 'inner' || type === 'left')) {
        scanFilters[k]!.push(c);
        continue;
      }
      const eq = equiKey(c, k, tablesIn);
      if (eq !== null) {
        leftKeys.push(eq.left);
        rightKeys.push(shiftColumns(eq.right, -st.offset));
        keyTypes.push(eq.type);
      } else residual.push(c);
    }
    joined.push(...st.table.columns);
    plan = {
      kind: 'join',
      type,
      left: plan,
      right: scanNode(k),
      leftKeys,
      rightKeys,
      keyTypes,
      residual: residual.length === 0 ? null : andOf(residual),
      leftTables: k,
      rightTables: 1,
      columns: [...joined],
    };
  });
  if (topFilters.length > 0) plan = { kind: 'filter', input: plan, predicate: andOf(topFilters), columns: plan.columns };
  for (const sq of subqueries) plan = semiJoin(plan, sq, fullScope, tablesOf, settings);
  // scalar subqueries (decorrelated into LEFT JOINs, see joinScalar) are read as columns of the joined row
  const scalars = new Map<Expr, BoundExpr>();
  const joinScalars = (e: Expr): void => {
    for (const q of scalarSubqueries(e)) {
      if (corr !== undefined) throw new SqlError('unsupported', 'unsupported: a scalar subquery inside a correlated subquery');
      const j = joinScalar(plan, joined, q, fullScope, tablesOf, settings);
      plan = j.plan;
      joined.push(...j.added);
      scalars.set(q, j.value);
    }
  };
  if (scalarConds.length > 0) {
    for (const c of scalarConds) joinScalars(c);
    const scope: Scope = { ...fullScope, scalars, ...(corr === undefined ? {} : { outer: corr.outer }) };
    const conds = scalarConds.map((c) => foldConstants(toBool(bindExpr(c, scope), 'WHERE')));
    plan = { kind: 'filter', input: plan, predicate: andOf(conds), columns: plan.columns };
  }
  if (corr !== undefined) {
    // a correlated subquery yields its IN item (if any) and the inner sides of its correlations
    if (stmt.groupBy !== null || stmt.having !== null || stmt.distinct || stmt.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr))) {
      throw new SqlError('unsupported', 'unsupported: a correlated subquery with GROUP BY, HAVING, DISTINCT or aggregates');
    }
    const outExprs: BoundExpr[] = [];
    if (corr.item !== null) outExprs.push(bindExpr(corr.item, { ...fullScope, aggregates: refused('this context') }));
    outExprs.push(...corr.pairs.map((p) => p.inner));
    const outColumns: Column[] = outExprs.map((e, i) => ({ name: `?k${i}`, type: e.type }));
    return { plan: { kind: 'project', input: plan, exprs: outExprs, columns: outColumns }, columns: outColumns, keyColumns: null, stateful: true };
  }

  // ---- select list, grouping
  const grouped = stmt.groupBy !== null || stmt.having !== null || stmt.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr));
  const exprs: BoundExpr[] = [];
  const names: string[] = [];
  const expandStar = (item: Extract<SelectStmt['items'][number], { kind: 'star' }>): StarColumn[] => {
    if (item.table === null) {
      for (const st of scopeTables) st.table.columns.forEach((_, i) => noteColumn(st.table, i));
      return star;
    }
    const st = starTable(null, item.table, fullScope);
    st.table.columns.forEach((_, i) => noteColumn(st.table, i));
    return st.table.columns.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: st.offset + i, type: c.type } }));
  };
  let groups: BoundExpr[] = [];
  // scalar subqueries of the select list: each joined in too
  for (const item of stmt.items) {
    if (item.kind !== 'expr') continue;
    if (grouped && scalarSubqueries(item.expr).length > 0) throw new SqlError('unsupported', 'unsupported: a scalar subquery in the select list of a grouped query');
    joinScalars(item.expr);
  }
  const itemScope: Scope = scalars.size === 0 ? fullScope : { ...fullScope, scalars };
  // a window function (top-k per group): its column is filled in by the top-k operator below
  let windowItem: { readonly at: number; readonly w: Extract<Expr, { kind: 'window' }> } | null = null;
  if (!grouped) {
    for (const item of stmt.items) {
      if (item.kind === 'expr' && item.expr.kind === 'window') {
        if (windowItem !== null) throw new SqlError('unsupported', 'unsupported: more than one window function in a SELECT');
        windowItem = { at: exprs.length, w: item.expr };
        exprs.push({ kind: 'const', value: null, type: T.int8 });
        names.push(item.alias ?? item.expr.fn);
        continue;
      }
      if (item.kind === 'star') {
        for (const c of expandStar(item)) {
          exprs.push(c.expr);
          names.push(c.name);
        }
        continue;
      }
      let e = bindExpr(item.expr, { ...itemScope, aggregates: refused('this context') });
      // An unknown-typed output (a bare string literal or NULL) becomes text, as in PostgreSQL ≥ 10.
      if (e.type.name === 'unknown') e = coerce(e, T.text);
      exprs.push(foldConstants(e));
      names.push(item.alias ?? figureColname(item.expr));
    }
  } else {
    const g = bindGrouping(stmt, fullScope, scopeTables, tableOfColumn, expandStar);
    groups = g.groups;
    exprs.push(...g.exprs);
    names.push(...g.names);
    plan = { kind: 'aggregate', input: plan, groups: g.groups, aggregates: g.aggregates, columns: g.columns };
    if (g.having !== null) plan = { kind: 'filter', input: plan, predicate: g.having, columns: g.columns };
  }
  const columns: Column[] = exprs.map((e, i) => ({ name: names[i]!, type: e.type }));
  const plainAt = (index: number): number => exprs.findIndex((e) => e.kind === 'column' && e.index === index);

  // ---- the key columns: group columns, or every table's primary key, when all are shown plainly
  const keyIndices: number[] = grouped
    ? groups.map((_, i) => i)
    : scopeTables.every((st) => st.table.primaryKey.length > 0)
      ? scopeTables.flatMap((st) => st.table.primaryKey.map((p) => st.offset + p))
      : [];
  let keyColumns: number[] | null = keyIndices.map(plainAt);
  if (keyColumns.some((at) => at < 0)) keyColumns = null;
  // ---- ORDER BY … LIMIT and DISTINCT ON: their items are output columns (by position or name) or,
  // without grouping and DISTINCT, expressions over the input computed as hidden columns
  const hidden: BoundExpr[] = [];
  /** An input expression as a hidden column after the output columns (its index). */
  const bindHidden = (x: Expr, clause: string): number => {
    let e = bindExpr(x, { ...fullScope, aggregates: refused(clause) });
    if (e.type.name === 'unknown') e = coerce(e, T.text);
    const k = boundKey(e);
    const known = hidden.findIndex((h) => boundKey(h) === k);
    if (known >= 0) return columns.length + known;
    hidden.push(foldConstants(e));
    return columns.length + hidden.length - 1;
  };
  const resolveItem = (x: Expr, clause: string): number => {
    if (x.kind === 'literal' && x.literal.kind === 'integer') {
      const n = Number(x.literal.text);
      if (n < 1 || n > columns.length) throw new SqlError('bad_request', `${clause} position ${x.literal.text} is not in select list`);
      return n - 1;
    }
    if (x.kind === 'column' && x.table === null && names.filter((n) => n === x.name).length === 1) return names.indexOf(x.name);
    if (grouped || stmt.distinct) throw new SqlError('unsupported', `unsupported: ${clause} an expression that is not an output column, in a grouped or DISTINCT query`);
    return bindHidden(x, clause);
  };
  const typeAt = (index: number): SqlType => (index < columns.length ? columns[index]!.type : hidden[index - columns.length]!.type);
  const sortKey = (index: number, desc: boolean, nullsFirst: boolean | null): { index: number; key: SortKey } => {
    const t = typeAt(index);
    checkCollation('<', t, fullScope);
    resolveBinary('<', t, t);
    return { index, key: { expr: { kind: 'column', index, type: t }, desc, nullsFirst: nullsFirst ?? desc, compare: (a: Datum, b: Datum) => compareDatums(a, b, t) } };
  };
  let windowPlan: { partition: number[]; sortKeys: { index: number; key: SortKey }[]; limit: number } | null = null;
  if (windowItem !== null) {
    const { w, at } = windowItem;
    const limit = rankLimits?.get(names[at]!);
    if (limit === undefined) {
      throw new SqlError('unsupported', `unsupported: window function ${w.fn}() without a bound on it in the enclosing query (the top-k per group pattern: SELECT … FROM (SELECT …, ${w.fn}() OVER (PARTITION BY … ORDER BY …) AS ${names[at]} FROM …) q WHERE ${names[at]} <= k)`);
    }
    if (stmt.limit !== null || stmt.distinct || stmt.distinctOn !== null) throw new SqlError('unsupported', 'unsupported: a window function together with LIMIT or DISTINCT');
    if (tables.some((t) => t.primaryKey.length === 0)) throw new SqlError('unsupported', 'unsupported: a window function over a table without a primary key');
    // PARTITION BY and the window's ORDER BY read the input, as hidden columns
    const partition = w.partitionBy.map((x) => bindHidden(x, 'window definitions'));
    const keysOfWindow = w.orderBy.map((o) => sortKey(bindHidden(o.expr, 'window definitions'), o.desc, o.nullsFirst));
    windowPlan = { partition, sortKeys: keysOfWindow, limit };
  }
  const ordered = stmt.limit !== null || stmt.distinctOn !== null;
  const orderItems = ordered ? stmt.orderBy.map((o) => ({ index: resolveItem(o.expr, 'ORDER BY'), o })) : [];
  const distinctOn = stmt.distinctOn?.map((x) => resolveItem(x, 'DISTINCT ON')) ?? null;
  let sortKeys: { index: number; key: SortKey }[] = orderItems.map(({ index, o }) => sortKey(index, o.desc, o.nullsFirst));
  if (distinctOn !== null) {
    if (stmt.limit !== null) throw new SqlError('unsupported', 'unsupported: DISTINCT ON together with LIMIT/OFFSET');
    const lead = new Set(orderItems.slice(0, distinctOn.length).map((x) => x.index));
    if (orderItems.length > 0 && (orderItems.length < distinctOn.length || !distinctOn.every((i) => lead.has(i)))) {
      throw new SqlError('bad_request', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions');
    }
    sortKeys = sortKeys.slice(distinctOn.length);
  }
  if (stmt.limit !== null && stmt.limit.count === null) throw new SqlError('unsupported', 'unsupported: OFFSET without LIMIT');
  const withHidden: Column[] = [...columns, ...hidden.map((h, i) => ({ name: `?sort${i}`, type: h.type }))];
  plan = { kind: 'project', input: plan, exprs: [...exprs, ...hidden], columns: withHidden };
  if (stmt.distinct) {
    plan = distinctOf(plan, columns);
    keyColumns = columns.map((_, i) => i);
  }
  if (windowPlan !== null) {
    plan = { kind: 'topk', input: plan, partition: windowPlan.partition, keyByPartition: false, rank: { fn: windowItem!.w.fn, column: windowItem!.at }, sortKeys: windowPlan.sortKeys, limit: windowPlan.limit, offset: 0, columns: withHidden };
    if (hidden.length > 0) plan = { kind: 'project', input: plan, exprs: columns.map((c, i): BoundExpr => ({ kind: 'column', index: i, type: c.type })), columns };
  }
  if (stmt.limit !== null || distinctOn !== null) {
    const byGroup = distinctOn !== null;
    const limit = byGroup ? 1 : stmt.limit!.count!;
    const offset = byGroup ? 0 : stmt.limit!.offset;
    plan = { kind: 'topk', input: plan, partition: distinctOn ?? [], keyByPartition: byGroup, rank: null, sortKeys, limit, offset, columns: withHidden };
    if (hidden.length > 0) plan = { kind: 'project', input: plan, exprs: columns.map((c, i): BoundExpr => ({ kind: 'column', index: i, type: c.type })), columns };
    if (byGroup) keyColumns = distinctOn.every((i) => i < columns.length) ? distinctOn : null;
  }
  const duplicates = !grouped && !stmt.distinct && distinctOn === null && tables.some((t) => t.primaryKey.length === 0);
  if (duplicates) plan = { kind: 'occurrences', input: plan, columns };
  const stateful = grouped || duplicates || stmt.distinct || ordered || windowPlan !== null || scalars.size > 0 || stmt.joins.length > 0 || derivedState || subqueries.length > 0;
  return { plan, columns, keyColumns, stateful };
}

/** The join keys of a subquery joined to its enclosing query: `outer = column of the subquery`, each in one type. */
class SubqueryKeys {
  readonly leftKeys: BoundExpr[] = [];
  readonly rightKeys: BoundExpr[] = [];
  readonly keyTypes: SqlType[] = [];
  constructor(
    private readonly scope: Scope,
    private readonly columns: readonly Column[],
  ) {}

  add(outer: BoundExpr, col: number): void {
    const eq = bindBinary('=', outer, { kind: 'column', index: col, type: this.columns[col]!.type }, this.scope);
    const [l, r] = (eq as Extract<BoundExpr, { kind: 'call' }>).args as [BoundExpr, BoundExpr];
    if (l.type.name !== r.type.name) throw new SqlError('unsupported', `unsupported: comparing ${l.type.display} with ${r.type.display} in a subquery condition`);
    this.leftKeys.push(l);
    this.rightKeys.push(r);
    this.keyTypes.push(l.type);
  }
}

/** The scalar subqueries in an expression (not inside other subqueries). */
export function scalarSubqueries(e: Expr): Extract<Expr, { kind: 'scalar_query' }>[] {
  const out: Extract<Expr, { kind: 'scalar_query' }>[] = [];
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      x.forEach(walk);
      return;
    }
    const k = (x as { kind?: string }).kind;
    if (k === 'scalar_query') out.push(x as Extract<Expr, { kind: 'scalar_query' }>);
    else if (k !== 'exists' && k !== 'in_query') for (const v of Object.values(x)) walk(v);
  };
  walk(e);
  return out;
}

/**
 * Decorrelates `(SELECT agg(…) FROM … WHERE inner = outer AND …)`: the subquery grouped by the
 * inner sides of its equalities with the enclosing query, LEFT JOINed on them; count() over no
 * rows is 0, the other aggregates NULL. Returns the new plan, the columns it adds to the joined
 * row and the expression (over that row) standing for the subquery.
 */
function joinScalar(
  plan: PlanNode,
  joined: readonly Column[],
  q: Extract<Expr, { kind: 'scalar_query' }>,
  scope: Scope,
  tablesOf: TablesOf,
  settings: SqlSettings,
): { plan: PlanNode; added: Column[]; value: BoundExpr } {
  const shape =
    'a scalar subquery other than (SELECT <one aggregate> FROM … WHERE inner = outer AND …) or (SELECT <one expression> FROM <one table> WHERE <its primary key> = outer AND …)';
  if (q.query.kind !== 'select') throw new SqlError('unsupported', `unsupported: ${shape}`);
  const sub = q.query.select;
  const item = sub.items.length === 1 ? sub.items[0]! : null;
  if (item === null || item.kind !== 'expr' || sub.groupBy !== null || sub.having !== null || sub.distinct || sub.distinctOn !== null || sub.limit !== null) {
    throw new SqlError('unsupported', `unsupported: ${shape}`);
  }
  const aggregate = item.expr.kind === 'aggregate';
  const sources = tablesOf(sub);
  if (sources.some((x) => x.kind !== 'table')) throw new SqlError('unsupported', 'unsupported: a derived table inside a scalar subquery');
  const refs = [sub.from, ...sub.joins.map((j) => j.table)];
  const innerTables = sources.map((x) => (x as { table: TableInfo }).table);
  // a column reference is the subquery's own when its FROM can resolve it (PostgreSQL looks there first)
  const isInner = (c: Extract<Expr, { kind: 'column' }>): boolean =>
    c.table !== null ? refs.some((r) => (r.alias ?? r.name) === c.table) : innerTables.some((t) => t.columns.some((col) => col.name === c.name));
  const columnsIn = (e: Expr): Extract<Expr, { kind: 'column' }>[] => {
    const out: Extract<Expr, { kind: 'column' }>[] = [];
    const walk = (x: unknown): void => {
      if (x === null || typeof x !== 'object') return;
      if (Array.isArray(x)) return x.forEach(walk);
      if ((x as { kind?: string }).kind === 'column') out.push(x as Extract<Expr, { kind: 'column' }>);
      else for (const v of Object.values(x)) walk(v);
    };
    walk(e);
    return out;
  };
  const conj: Expr[] = [];
  const split = (e: Expr | null): void => {
    if (e === null) return;
    if (e.kind === 'and') {
      split(e.left);
      split(e.right);
    } else conj.push(e);
  };
  split(sub.where);
  const pairs: { inner: Expr; outer: Expr }[] = [];
  const rest: Expr[] = [];
  for (const c of conj) {
    const cols = columnsIn(c);
    if (cols.every(isInner)) {
      rest.push(c);
      continue;
    }
    const allInner = (e: Expr) => columnsIn(e).every(isInner);
    const allOuter = (e: Expr) => columnsIn(e).length > 0 && columnsIn(e).every((x) => !isInner(x));
    if (c.kind === 'compare' && c.op === '=' && allInner(c.left) && allOuter(c.right)) pairs.push({ inner: c.left, outer: c.right });
    else if (c.kind === 'compare' && c.op === '=' && allInner(c.right) && allOuter(c.left)) pairs.push({ inner: c.right, outer: c.left });
    else throw new SqlError('unsupported', `unsupported: ${shape}`);
  }
  if (!aggregate) {
    // at most one row per outer row only when the correlation fixes the one inner table's primary key
    const t = innerTables.length === 1 ? innerTables[0]! : null;
    const pinned = new Set(pairs.flatMap((p) => (p.inner.kind === 'column' ? [p.inner.name] : [])));
    if (t === null || t.primaryKey.length === 0 || !t.primaryKey.every((k) => pinned.has(t.columns[k]!.name)) || containsAggregate(item.expr)) {
      throw new SqlError('unsupported', `unsupported: ${shape}`);
    }
  }
  const grouped: SelectStmt = {
    ...sub,
    items: [...pairs.map((p, i) => ({ kind: 'expr' as const, expr: p.inner, alias: `?k${i}` })), { kind: 'expr', expr: item.expr, alias: '?v' }],
    where: rest.reduce<Expr | null>((acc, e) => (acc === null ? e : { kind: 'and', left: acc, right: e }), null),
    groupBy: pairs.length === 0 || !aggregate ? null : pairs.map((p) => p.inner),
  };
  const bound = bindSelect(grouped, (s) => tablesOf(s === grouped ? sub : s), settings);
  const keys = new SubqueryKeys(scope, bound.columns);
  pairs.forEach((p, i) => keys.add(bindExpr(p.outer, { ...scope, aggregates: refused('a subquery condition') }), i));
  const { leftKeys, rightKeys, keyTypes } = keys;
  const width = joined.length;
  const next: PlanNode = {
    kind: 'join',
    type: 'left',
    left: plan,
    right: bound.plan,
    leftKeys,
    rightKeys,
    keyTypes,
    residual: null,
    leftTables: plan.kind === 'join' ? plan.leftTables + plan.rightTables : 1,
    rightTables: 1,
    columns: [...joined, ...bound.columns],
  };
  const v: BoundExpr = { kind: 'column', index: width + pairs.length, type: bound.columns[pairs.length]!.type };
  // no row of the subquery's for this outer row: count() is 0, every other aggregate NULL
  const value: BoundExpr = item.expr.kind === 'aggregate' && item.expr.name === 'count' && pairs.length > 0 ? { kind: 'coalesce', args: [v, { kind: 'const', value: 0n, type: T.int8 }], type: T.int8 } : v;
  return { plan: next, added: [...bound.columns], value };
}

/**
 * Bounds that WHERE conjuncts put on a derived table's columns: `rn <= 3`, `q.rn < 4`, `rn = 1`
 * (also written the other way round), by column name, the tightest per column.
 */
function rankBounds(where: Expr | null, visible: string): Map<string, number> | undefined {
  const out = new Map<string, number>();
  const walk = (e: Expr): void => {
    if (e.kind === 'and') {
      walk(e.left);
      walk(e.right);
      return;
    }
    if (e.kind !== 'compare') return;
    const flip: Record<string, string> = { '<=': '>=', '<': '>', '=': '=', '>=': '<=', '>': '<' };
    let [col, lit, op] = [e.left, e.right, e.op as string];
    if (col.kind !== 'column') [col, lit, op] = [e.right, e.left, flip[e.op] ?? ''];
    if (col.kind !== 'column' || lit.kind !== 'literal' || lit.literal.kind !== 'integer') return;
    if (col.table !== null && col.table !== visible) return;
    const n = Number(lit.literal.text);
    const bound = op === '<=' || op === '=' ? n : op === '<' ? n - 1 : null;
    if (bound === null) return;
    out.set(col.name, Math.min(out.get(col.name) ?? Infinity, Math.max(bound, 0)));
  };
  if (where !== null) walk(where);
  return out.size === 0 ? undefined : out;
}

// ---------------------------------------------------------------------------
// Subqueries in WHERE

/** A correlated subquery being bound: the enclosing scope, and the equalities that tie it to it. */
interface Correlation {
  readonly outer: Scope;
  /** inner (over the subquery's joined row) = outer (over the enclosing query's joined row) */
  readonly pairs: { inner: BoundExpr; outer: BoundExpr }[];
  /** The select item of `x IN (SELECT item …)`; null for EXISTS. */
  readonly item: Expr | null;
}

type SubqueryCond = Extract<Expr, { kind: 'exists' } | { kind: 'in_query' }>;

/** Splits WHERE into its [NOT] EXISTS / IN (subquery) conjuncts and the rest. */
function splitSubqueries(where: Expr | null): { plain: Expr | null; subqueries: SubqueryCond[]; scalarConds: Expr[] } {
  const subqueries: SubqueryCond[] = [];
  const scalarConds: Expr[] = [];
  const rest: Expr[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === 'and') {
      walk(e.left);
      walk(e.right);
    } else if (e.kind === 'exists' || e.kind === 'in_query') subqueries.push(e);
    else if (e.kind === 'not' && (e.arg.kind === 'exists' || e.arg.kind === 'in_query')) subqueries.push({ ...e.arg, negated: !e.arg.negated });
    else if (scalarSubqueries(e).length > 0) scalarConds.push(e);
    else rest.push(e);
  };
  if (where !== null) walk(where);
  const plain = rest.reduce<Expr | null>((acc, e) => (acc === null ? e : { kind: 'and', left: acc, right: e }), null);
  return { plain, subqueries, scalarConds };
}

/** `inner = outer` (either way round) of a correlated subquery's WHERE; anything else is refused. */
function correlationPair(c: BoundExpr): { inner: BoundExpr; outer: BoundExpr } {
  const isOuter = (e: BoundExpr) => [...columnsOf(e)].every((i) => i >= OUTER_BASE) && columnsOf(e).size > 0;
  const isInner = (e: BoundExpr) => [...columnsOf(e)].every((i) => i < OUTER_BASE);
  const toOuter = (e: BoundExpr) => shiftColumns(e, -OUTER_BASE);
  if (c.kind === 'call' && c.label === 'operator =' && c.args.length === 2) {
    const [a, b] = c.args as [BoundExpr, BoundExpr];
    if (isInner(a) && isOuter(b)) return { inner: a, outer: toOuter(b) };
    if (isInner(b) && isOuter(a)) return { inner: b, outer: toOuter(a) };
  }
  throw new SqlError('unsupported', 'unsupported: a correlated subquery condition other than inner = outer equalities joined by AND');
}

/** Plans `plan` filtered by one [NOT] EXISTS / [NOT] IN (subquery) condition as a semi- or anti-join. */
function semiJoin(plan: PlanNode, sq: SubqueryCond, scope: Scope, tablesOf: TablesOf, settings: SqlSettings): PlanNode {
  const q = sq.query;
  const simple = q.kind === 'select' && q.select.groupBy === null && q.select.having === null && !q.select.distinct
    && !q.select.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr));
  const item: Expr | null = sq.kind === 'in_query' && q.kind === 'select' && q.select.items.length === 1 && q.select.items[0]!.kind === 'expr' ? q.select.items[0]!.expr : null;
  let sub: BoundPart;
  let outerKeys: BoundExpr[] = [];
  if (simple && (sq.kind === 'exists' || item !== null)) {
    const corr: Correlation = { outer: scope, pairs: [], item };
    sub = bindSelect(q.select, tablesOf, settings, corr);
    outerKeys = corr.pairs.map((p) => p.outer);
    if (sq.kind === 'in_query' && sq.negated && corr.pairs.length > 0) throw new SqlError('unsupported', 'unsupported: correlated NOT IN (use NOT EXISTS)');
  } else {
    sub = bindPart(q, tablesOf, settings);
  }
  const keys = new SubqueryKeys(scope, sub.columns);
  const addKey = (outer: BoundExpr, col: number) => keys.add(outer, col);
  const { leftKeys, rightKeys, keyTypes } = keys;
  let first = 0;
  if (sq.kind === 'in_query') {
    if (sub.columns.length !== 1 + outerKeys.length) throw new SqlError('bad_request', sub.columns.length > 1 ? 'subquery has too many columns' : 'subquery has too few columns');
    addKey(bindExpr(sq.arg, { ...scope, aggregates: refused('WHERE') }), 0);
    first = 1;
  }
  outerKeys.forEach((o, i) => addKey(o, first + i));
  const type: JoinType = sq.kind === 'exists' ? (sq.negated ? 'anti' : 'semi') : sq.negated ? 'anti_null' : 'semi';
  return {
    kind: 'join',
    type,
    left: plan,
    right: sub.plan,
    leftKeys,
    rightKeys,
    keyTypes,
    residual: null,
    leftTables: 0,
    rightTables: 0,
    columns: plan.columns,
  };
}

// ---------------------------------------------------------------------------
// helpers


function conjuncts(e: BoundExpr): BoundExpr[] {
  return e.kind === 'and' ? e.args.flatMap(conjuncts) : [e];
}

function andOf(es: readonly BoundExpr[]): BoundExpr {
  return es.length === 1 ? es[0]! : { kind: 'and', args: es.flatMap(conjuncts), type: T.bool };
}

function commonOf(a: SqlType, b: SqlType): SqlType {
  if (a.name === b.name && a.oid === b.oid) return a.typmod === b.typmod ? a : withoutTypmod(a);
  const r = resolveBinary('=', a, b);
  return r.left;
}

/**
 * `left = right` where one side reads only tables before table `k` and the other only table k,
 * compared in one type: a join key. Null for any other condition.
 */
function equiKey(
  c: BoundExpr,
  k: number,
  tablesOf: (e: BoundExpr) => Set<number>,
): { left: BoundExpr; right: BoundExpr; type: SqlType } | null {
  if (c.kind !== 'call' || c.label !== 'operator =' || c.args.length !== 2) return null;
  const [a, b] = c.args as [BoundExpr, BoundExpr];
  if (a.type.name !== b.type.name || a.type.name === 'other' || a.type.name === 'json') return null;
  const ta = tablesOf(a);
  const tb = tablesOf(b);
  const leftOnly = (ts: Set<number>) => ts.size > 0 && [...ts].every((t) => t < k);
  const rightOnly = (ts: Set<number>) => ts.size === 1 && ts.has(k);
  if (leftOnly(ta) && rightOnly(tb)) return { left: a, right: b, type: a.type };
  if (leftOnly(tb) && rightOnly(ta)) return { left: b, right: a, type: b.type };
  return null;
}
