/**
 * Binding of grouped queries: GROUP BY items (expressions, output ordinals and
 * names), aggregate calls resolved as PostgreSQL resolves them (argument
 * coercions, result types, DISTINCT, ORDER BY and FILTER inside the call),
 * HAVING, and the select list rewritten over the aggregate node's rows
 * (columns that depend on a grouped primary key are allowed, as in
 * PostgreSQL).
 */
import { SqlError } from '../errors.ts';
import { T, arrayOf, compareDatums, resolveBinary, withoutTypmod } from '../values/index.ts';
import type { Datum, SqlType } from '../values/types.ts';
import { bindExpr, checkCollation, coerce, toBool, type AggregateSink, type Scope, type ScopeTable } from './bind.ts';
import { boundKey, mapBound } from './bound-walk.ts';
import { figureColname } from './column-names.ts';
import { foldConstants } from './fold.ts';
import type { AggregateSpec, BoundExpr, SortKey } from './plan.ts';
import type { AggregateCall, Expr, SelectStmt } from './syntax.ts';
import type { Column } from './types.ts';

/** A `*` item's column: its name and the expression over the joined row. */
export interface StarColumn {
  readonly name: string;
  readonly expr: BoundExpr;
}

/** The message refusing aggregate calls in a clause. */
export const refused = (clause: string) => ({ refused: `aggregate functions are not allowed in ${clause}` });

/** True when the syntax tree holds an aggregate call of this query (outside subqueries and string literals). */
export function containsAggregate(e: Expr): boolean {
  // The syntax tree is plain data; an aggregate node serialises with this exact member.
  const skipSubqueries = (_k: string, v: unknown) =>
    v !== null && typeof v === 'object' && ['scalar_query', 'exists', 'in_query'].includes((v as { kind?: string }).kind ?? '') ? undefined : v;
  return (JSON.stringify(e, skipSubqueries) ?? '').includes('"kind":"aggregate"');
}

/** A grouped query's aggregate node and the select list over its rows. */
export interface BoundGrouping {
  readonly groups: BoundExpr[];
  readonly aggregates: AggregateSpec[];
  /** Columns of the aggregate node: groups, then aggregates (internal names). */
  readonly columns: Column[];
  /** The select list over the aggregate node's rows. */
  readonly exprs: BoundExpr[];
  readonly names: string[];
  readonly having: BoundExpr | null;
}

/** Marks an aggregate's result while the select list is bound over input rows (rewritten afterwards). */
const AGG_PLACEHOLDER = 1 << 30;

/** Binds GROUP BY, the aggregates, the select list and HAVING of a grouped query. */
export function bindGrouping(
  stmt: SelectStmt,
  scope: Scope,
  scopeTables: readonly ScopeTable[],
  tableOfColumn: (col: number) => number,
  expandStar: (item: Extract<SelectStmt['items'][number], { kind: 'star' }>) => readonly StarColumn[],
): BoundGrouping {
  const aggregates: AggregateSpec[] = [];
  const sink: AggregateSink = {
    add(call, s) {
      const spec = bindAggregate(call, { ...s, aggregates: { refused: 'aggregate function calls cannot be nested' } });
      aggregates.push(spec);
      return { kind: 'column', index: AGG_PLACEHOLDER + aggregates.length - 1, type: spec.type };
    },
  };
  const aggScope: Scope = { ...scope, aggregates: sink };
  const groupScope: Scope = { ...scope, aggregates: refused('GROUP BY') };
  const inputHas = (name: string): boolean => scope.merged.has(name) || scopeTables.some((st) => st.table.columns.some((c) => c.name === name));

  const groups: BoundExpr[] = [];
  const groupIndex = new Map<string, number>();
  for (const g of stmt.groupBy ?? []) {
    let source: Expr = g;
    if (g.kind === 'literal' && g.literal.kind === 'integer') {
      const n = Number(g.literal.text);
      const item = stmt.items[n - 1];
      if (item === undefined || n < 1) throw new SqlError('bad_request', `GROUP BY position ${g.literal.text} is not in select list`);
      if (item.kind !== 'expr') throw new SqlError('unsupported', 'unsupported: GROUP BY position of a * item');
      source = item.expr;
    } else if (g.kind === 'column' && g.table === null && !inputHas(g.name)) {
      const item = stmt.items.find((i) => i.kind === 'expr' && i.alias === g.name);
      if (item !== undefined && item.kind === 'expr') source = item.expr;
    }
    let e = bindExpr(source, groupScope);
    if (e.type.name === 'unknown') e = coerce(e, T.text);
    e = foldConstants(e);
    const k = boundKey(e);
    if (groupIndex.has(k)) continue;
    groupIndex.set(k, groups.length);
    groups.push(e);
  }

  // Columns of a table whose whole primary key is grouped depend on the group (PostgreSQL allows them).
  const groupedColumns = new Set(groups.filter((e) => e.kind === 'column').map((e) => (e as { index: number }).index));
  const dependent = new Set<number>();
  scopeTables.forEach((st, k) => {
    if (st.table.primaryKey.length > 0 && st.table.primaryKey.every((p) => groupedColumns.has(st.offset + p))) dependent.add(k);
  });
  const dependentAgg = new Map<number, number>();
  const columnName = (col: number): string => {
    const st = scopeTables[tableOfColumn(col)]!;
    return `${st.ref.alias ?? st.ref.name}.${st.table.columns[col - st.offset]!.name}`;
  };
  const rewrite = (e: BoundExpr): BoundExpr =>
    mapBound(e, (x) => {
      const gi = groupIndex.get(boundKey(x));
      if (gi !== undefined) return { kind: 'column', index: gi, type: groups[gi]!.type };
      if (x.kind !== 'column') return undefined;
      if (x.index >= AGG_PLACEHOLDER) return { kind: 'column', index: x.index, type: x.type };
      if (dependent.has(tableOfColumn(x.index))) {
        let ai = dependentAgg.get(x.index);
        if (ai === undefined) {
          ai = aggregates.length;
          aggregates.push({ name: 'any', star: false, args: [x], distinct: false, orderBy: [], filter: null, type: x.type });
          dependentAgg.set(x.index, ai);
        }
        return { kind: 'column', index: AGG_PLACEHOLDER + ai, type: x.type };
      }
      throw new SqlError('bad_request', `column "${columnName(x.index)}" must appear in the GROUP BY clause or be used in an aggregate function`);
    });

  const exprs: BoundExpr[] = [];
  const names: string[] = [];
  for (const item of stmt.items) {
    if (item.kind === 'star') {
      for (const c of expandStar(item)) {
        exprs.push(rewrite(c.expr));
        names.push(c.name);
      }
      continue;
    }
    let e = bindExpr(item.expr, aggScope);
    if (e.type.name === 'unknown') e = coerce(e, T.text);
    exprs.push(foldConstants(rewrite(e)));
    names.push(item.alias ?? figureColname(item.expr));
  }
  const having = stmt.having === null ? null : foldConstants(rewrite(toBool(bindExpr(stmt.having, aggScope), 'HAVING')));
  // Placeholders become the aggregate node's columns: groups first, then aggregates.
  const place = (e: BoundExpr): BoundExpr =>
    mapBound(e, (x) => (x.kind === 'column' && x.index >= AGG_PLACEHOLDER ? { ...x, index: groups.length + x.index - AGG_PLACEHOLDER } : undefined));
  const columns: Column[] = [
    ...groups.map((g, i) => ({ name: `?group${i}`, type: g.type })),
    ...aggregates.map((a, i) => ({ name: `?${a.name}${i}`, type: a.type })),
  ];
  return {
    groups,
    aggregates,
    columns,
    exprs: exprs.map(place),
    names,
    having: having === null || (having.kind === 'const' && having.value === true) ? null : place(having),
  };
}

const INTEGER = new Set(['int2', 'int4', 'int8']);
const FLOAT = new Set(['float4', 'float8']);
const STRING = new Set(['text', 'varchar', 'bpchar', 'name', 'unknown']);
/** Types PostgreSQL 15 has no min/max for. */
const NO_MINMAX = new Set(['bool', 'json', 'jsonb', 'uuid', 'other', 'unknown']);

/** Resolves one aggregate call as PostgreSQL would (argument coercions, result type). */
function bindAggregate(call: AggregateCall, scope: Scope): AggregateSpec {
  const name = call.name === 'every' ? 'bool_and' : call.name;
  const raw = call.args.map((a) => bindExpr(a, scope));
  const sig = () => `${call.name}(${raw.map((a) => a.type.display).join(', ')})`;
  const noSuch = () => new SqlError('unsupported', `unsupported: function ${sig()} does not exist`);
  const arity = (n: number) => {
    if (raw.length !== n) throw noSuch();
  };
  let args: BoundExpr[] = raw;
  let type: SqlType;
  switch (name) {
    case 'count':
      if (!call.star) arity(1);
      type = T.int8;
      break;
    case 'sum':
    case 'avg': {
      arity(1);
      const t = raw[0]!.type;
      if (INTEGER.has(t.name)) type = name === 'sum' && t.name !== 'int8' ? T.int8 : T.numeric;
      else if (t.name === 'numeric') type = T.numeric;
      else if (FLOAT.has(t.name)) type = name === 'avg' ? T.float8 : withoutTypmod(t);
      else if (t.name === 'interval') type = withoutTypmod(t);
      else throw noSuch();
      break;
    }
    case 'min':
    case 'max': {
      arity(1);
      const t = raw[0]!.type;
      if (NO_MINMAX.has(t.name)) throw noSuch();
      resolveBinary('<', t, t); // throws when the type has no ordering
      checkCollation('<', t, scope);
      type = withoutTypmod(t);
      break;
    }
    case 'bool_and':
    case 'bool_or':
      arity(1);
      args = [toBool(raw[0]!, call.name)];
      type = T.bool;
      break;
    case 'string_agg':
      arity(2);
      if (!raw.every((a) => STRING.has(a.type.name))) throw noSuch();
      args = raw.map((a) => coerce(a, T.text));
      type = T.text;
      break;
    case 'array_agg': {
      arity(1);
      const t = raw[0]!.type;
      if (t.name === 'unknown') throw new SqlError('bad_request', 'could not determine polymorphic type because input has type unknown');
      if (t.name === 'array') throw new SqlError('unsupported', 'unsupported: array_agg of arrays');
      type = arrayOf(withoutTypmod(t));
      break;
    }
    default:
      throw new SqlError('unsupported', `unsupported: aggregate function ${call.name}`);
  }
  const orderBy: SortKey[] = call.orderBy.map((o) => {
    let e = bindExpr(o.expr, scope);
    if (e.type.name === 'unknown') e = coerce(e, T.text);
    checkCollation('<', e.type, scope);
    resolveBinary('<', e.type, e.type);
    const t = e.type;
    return { expr: e, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc, compare: (a: Datum, b: Datum) => compareDatums(a, b, t) };
  });
  if (call.distinct && orderBy.length > 0) {
    const argKeys = new Set(args.map(boundKey));
    if (!orderBy.every((o) => argKeys.has(boundKey(o.expr)))) {
      throw new SqlError('bad_request', 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list');
    }
  }
  const filter = call.filter === null ? null : foldConstants(toBool(bindExpr(call.filter, { ...scope, aggregates: refused('FILTER') }), 'FILTER'));
  return {
    name: name as AggregateSpec['name'],
    star: call.star,
    args: args.map(foldConstants),
    distinct: call.distinct,
    orderBy,
    filter: filter !== null && filter.kind === 'const' && filter.value === true ? null : filter,
    type,
  };
}
