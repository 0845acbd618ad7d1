/**
 * `POST /v1/query` over views (CONTRACT.md "Queries over current state"): any
 * SELECT of the view language whose FROM names views, evaluated once by the
 * view engine over the views' current rows (each read as one consistent state
 * with the paged snapshot subscriptions use), then ordered by its ORDER BY. A
 * token's row filters apply to the rows a query reads. Queries that name
 * sources instead are answered by the runtime from a consistent snapshot of
 * the sources (Pipeline.batchQuery).
 */
import { MaintainerNeeded } from './forward.ts';
import { DeltaviewError, SqlError } from '../errors.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { parseLogId } from '../runtime/view-state.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { compareDatums, rowKey } from '../values/index.ts';
import { jsonRowReader } from '../values/json-input.ts';
import type { Row } from '../values/types.ts';
import { compileView } from '../views/index.ts';
import { parseCreateView } from '../views/parse.ts';
import { positionInText } from '../views/sql-text.ts';
import type { Expr, OrderItem, QueryExpr, SelectStmt } from '../views/syntax.ts';
import type { BoundExpr, PlanNode } from '../views/plan.ts';
import { pinnedValues } from '../views/predicate.ts';
import type { Column, CompiledView, TableInfo } from '../views/types.ts';
import { requireAdmin, rowFilterOf, type Grant } from './auth.ts';
import { rawChanges, viewFilter } from './filter.ts';

export interface QueryResult {
  /** Rows as JSON texts, in ORDER BY order. */
  readonly rows: readonly string[];
  /** The position the answer reflects. */
  readonly lsn: bigint | null;
}

/** The relation names a query's FROM clauses (and their subqueries and derived tables) read, without schema. */
function readNames(q: QueryExpr, out: { name: string; schema: string | null }[] = []): { name: string; schema: string | null }[] {
  if (q.kind === 'setop') {
    readNames(q.left, out);
    readNames(q.right, out);
    return out;
  }
  const s = q.select;
  for (const ref of [s.from, ...s.joins.map((j) => j.table)]) {
    if (ref.query !== undefined) readNames(ref.query, out);
    else out.push({ name: ref.name, schema: ref.schema });
  }
  const walk = (e: Expr | null) => {
    if (e === null) return;
    if (e.kind === 'exists' || e.kind === 'in_query' || e.kind === 'scalar_query') readNames(e.query, out);
    for (const v of Object.values(e)) {
      if (v !== null && typeof v === 'object' && 'kind' in (v as object)) walk(v as Expr);
      if (Array.isArray(v)) for (const x of v) if (x !== null && typeof x === 'object' && 'kind' in x) walk(x as Expr);
    }
  };
  walk(s.where);
  for (const item of s.items) if (item.kind === 'expr') walk(item.expr);
  return out;
}

/** How refusals of a gateway instance begin. */
export const GATEWAY = 'this instance is a gateway (DELTAVIEW_ROLE=gateway) and maintains no views';
export const STANDBY = 'this instance stands by (another engine instance holds the lease and maintains the views)';

/** A query is compiled as the view this statement defines. */
const PREFIX = 'CREATE MATERIALIZED VIEW query AS ';

/** Runs a query (the caller checked its size); positions in errors are in the query's own text. */
export async function runQuery(views: ViewReader, pipeline: Pipeline | null, store: RedisStore, grant: Grant, sql: string, minLsn: bigint, timeoutMs: number): Promise<QueryResult> {
  try {
    return await answer(views, pipeline, store, grant, sql, minLsn, timeoutMs);
  } catch (err) {
    throw positionInText(err, PREFIX.length);
  }
}

async function answer(pipeline: ViewReader, maintainer: Pipeline | null, store: RedisStore, grant: Grant, sql: string, minLsn: bigint, timeoutMs: number): Promise<QueryResult> {
  if (!/^\s*(select|with)\b/i.test(sql)) throw new SqlError('parse_error', 'a query is one SELECT statement (SELECT … FROM <view> …)');
  const statement = `${PREFIX}${sql.replace(/;\s*$/, '')}`;
  const parsed = parseCreateView(statement);
  const names = readNames(parsed.query);
  const views = new Set(pipeline.list().map((v) => v.name));
  const onViews = names.length > 0 && names.every((n) => n.schema === null && views.has(n.name));
  if (!onViews) {
    requireAdmin(grant, 'a query that reads sources rather than views');
    if (maintainer === null) throw new MaintainerNeeded(`a query over sources (${names.map((n) => n.name).join(', ')}) runs on the instance that maintains the views`);
    const rows = await maintainer.batchQuery(statement);
    return { rows: orderRows(rows.rows, parsed.query, rows.columns), lsn: rows.lsn };
  }
  // the views as tables: their columns, keyed by their key columns where all are there
  const tables = new Map<string, TableInfo>();
  for (const { name } of names) {
    if (tables.has(name)) continue;
    const info = pipeline.get(name);
    const columns = pipeline.columns(name);
    const key = info.key.map((k) => columns.findIndex((c) => c.name === k));
    tables.set(name, { id: `view:${name}`, schema: 'public', name, columns, primaryKey: key.length > 0 && key.every((i) => i >= 0) ? key : [] });
  }
  const compiled = await compileView(statement, { lookup: async (schema, name) => (schema === null ? tables.get(name) : undefined) }, pipeline.sqlSettings());
  // every view reflects min_lsn first (read-your-writes), then is read once
  for (const name of tables.keys()) {
    if (!(await pipeline.waitFor(name, minLsn, timeoutMs))) {
      const v = pipeline.get(name);
      throw new DeltaviewError('timeout', `timed out after ${timeoutMs} ms waiting for view "${name}" to ${v.status === 'running' ? 'reflect the requested position' : `run (it is ${v.status})`}`);
    }
  }
  const reads = await readConsistently(pipeline, store, tables, names.length === 1 ? (t) => keyLookup(compiled.plan, t) : () => null, timeoutMs);
  const out = new Map<string, string>();
  const apply = (d: ReturnType<CompiledView['step']>) => {
    for (const c of d?.changes ?? []) {
      if (c.op === 'delete') out.delete(c.key);
      else out.set(c.key, c.row);
    }
  };
  apply(compiled.initialize());
  for (const [name, t] of tables) {
    const rowFilter = rowFilterOf(grant, name);
    const filter = rowFilter === null ? null : viewFilter(pipeline, name, rowFilter);
    const read = jsonRowReader(t.columns);
    const batch: Row[] = [];
    for (const json of reads.rows.get(name)!.values()) if (filter === null || filter.matches(json)) batch.push(read(json));
    for (let i = 0; i < batch.length; i += 10_000) apply(compiled.step(batch.slice(i, i + 10_000).map((row) => ({ kind: 'insert', table: t.id, row }))));
  }
  const lsn = reads.lsn;
  return { rows: orderRows([...out.values()], parsed.query, compiled.columns), lsn };
}

/**
 * Every view's rows (or, with `keysOf`, the rows under the keys it names) as of one position of
 * the source: each view is read once, consistent with its token; those that were read at an older
 * token than the newest are then brought to it with their diff logs (after they reflect it). The
 * state of each view at its token holds until its next diff, so the result is the state of all of
 * them at one position, reported as `lsn`. Views over Kafka sources have log positions of their
 * own: they are read each at its own position, as is a lone view.
 */
async function readConsistently(
  pipeline: ViewReader,
  store: RedisStore,
  tables: ReadonlyMap<string, TableInfo>,
  keysOf: (t: TableInfo) => string[] | null,
  timeoutMs: number,
): Promise<{ rows: Map<string, Map<string, string>>; lsn: bigint | null }> {
  for (let attempt = 0; ; attempt++) {
    const rows = new Map<string, Map<string, string>>();
    const tokens = new Map<string, string>();
    let reflected: bigint | null = null;
    for (const [name, t] of tables) {
      const r = pipeline.reflectedLsn(name);
      if (r !== null && (reflected === null || r < reflected)) reflected = r;
      const keys = keysOf(t);
      const read = keys === null ? await store.pagedSnapshot(name) : await store.rowsByKey(name, keys);
      rows.set(name, new Map(read.entries));
      tokens.set(name, read.token);
    }
    const kafka = [...tables.keys()].some((n) => pipeline.get(n).offsets !== null);
    if (tables.size === 1 || kafka) return { rows, lsn: reflected };
    const at = (token: string) => parseLogId(token)[0];
    let newest = 0n;
    for (const token of tokens.values()) if (at(token) > newest) newest = at(token);
    let trimmed = false;
    for (const [name, token] of tokens) {
      if (at(token) >= newest) continue;
      if (!(await pipeline.waitFor(name, newest, timeoutMs))) throw new DeltaviewError('timeout', `timed out after ${timeoutMs} ms waiting for view "${name}" to reach the position the other views of the query were read at`);
      const entries = await store.logUntil(name, token, newest);
      if (entries === null) {
        trimmed = true;
        break;
      }
      const view = rows.get(name)!;
      for (const e of entries) {
        for (const c of rawChanges(e.changes)) {
          const key = JSON.parse(c.key) as string;
          if (c.op === 'delete') view.delete(key);
          else view.set(key, c.row);
        }
      }
    }
    // a view whose log was trimmed past its read (10,000 diffs in the meantime): read them all again
    if (trimmed && attempt < 3) continue;
    if (trimmed) throw new DeltaviewError('unavailable', 'the views of the query change too fast to be read at one position; try again');
    return { rows, lsn: reflected === null || reflected < newest ? newest : reflected };
  }
}

/**
 * Rows in the order of the query's ORDER BY, which names output columns (by name or position).
 * A query without ORDER BY keeps the engine's order (by row key).
 */
export function orderRows(rows: readonly string[], q: QueryExpr, columns: readonly Column[]): string[] {
  const order: readonly OrderItem[] = q.kind === 'select' ? q.select.orderBy : [];
  if (order.length === 0) return [...rows];
  const keys = order.map((o) => ({ index: outputIndex(o.expr, q.kind === 'select' ? q.select : null, columns), desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc }));
  const read = jsonRowReader(columns);
  const decorated = rows.map((json) => ({ json, row: read(json) }));
  decorated.sort((a, b) => {
    for (const k of keys) {
      const x = a.row[k.index] ?? null;
      const y = b.row[k.index] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareDatums(x, y, columns[k.index]!.type);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
  return decorated.map((d) => d.json);
}

/** The output column an ORDER BY item names: a column name, a position, or a select item's own expression. */
function outputIndex(e: Expr, select: SelectStmt | null, columns: readonly Column[]): number {
  if (e.kind === 'literal' && e.literal.kind === 'integer') {
    const n = Number(e.literal.text);
    if (n >= 1 && n <= columns.length) return n - 1;
    throw new SqlError('bad_request', `ORDER BY position ${n} is not in the select list`);
  }
  if (e.kind === 'column' && e.table === null) {
    const i = columns.findIndex((c) => c.name === e.name);
    if (i >= 0) return i;
  }
  const same = select?.items.findIndex((it) => it.kind === 'expr' && JSON.stringify(it.expr) === JSON.stringify(e)) ?? -1;
  if (same >= 0 && select!.items.every((it) => it.kind === 'expr')) return same;
  throw new SqlError('unsupported', 'unsupported: in a query, ORDER BY names output columns (by name or position) or repeats a select item');
}

/** Key types whose stored row key is the same text for every value `=` takes as equal. */
const EXACT_KEY_TYPES = new Set(['bool', 'int2', 'int4', 'int8', 'text', 'varchar', 'uuid', 'date']);

/**
 * The row keys a query over one view can be answered from: when the view is read once, through a
 * filter that pins its (one-column) key to constants, only the rows under those keys can count.
 * Null when the whole view must be read.
 */
function keyLookup(plan: PlanNode, t: TableInfo): string[] | null {
  if (t.primaryKey.length !== 1) return null;
  const col = t.primaryKey[0]!;
  const type = t.columns[col]!.type;
  if (!EXACT_KEY_TYPES.has(type.name)) return null;
  const above: (BoundExpr | null)[] = [];
  const visit = (node: PlanNode, parent: PlanNode | null): void => {
    if (node.kind === 'scan') {
      if (node.table.id === t.id) above.push(parent?.kind === 'filter' ? parent.predicate : null);
      return;
    }
    for (const child of [(node as { input?: PlanNode }).input, (node as { left?: PlanNode }).left, (node as { right?: PlanNode }).right, ...((node as { inputs?: readonly PlanNode[] }).inputs ?? [])]) {
      if (child !== undefined) visit(child, node);
    }
  };
  visit(plan, null);
  if (above.length !== 1 || above[0] === null) return null;
  const values = pinnedValues(above[0]!, col);
  return values === null ? null : [...new Set(values.map((v) => rowKey([v], [type])))];
}
