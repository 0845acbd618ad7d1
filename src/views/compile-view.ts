/**
 * compileView: CREATE MATERIALIZED VIEW text → a running CompiledView.
 * parse (parse.ts) → resolve tables → bind (bind-select.ts) → operator tree
 * (operators.ts) → per-transaction consolidation (consolidate.ts).
 *
 * A stateful view (joins, aggregates, duplicate rows) also keeps the input
 * rows of each table it reads (its durable state): TRUNCATE becomes the
 * deletion of exactly those rows, every step reports how they changed (to be
 * committed with the view's rows), and `restore` rebuilds all operator state
 * from them after a restart.
 */
import { SqlError } from '../errors.ts';
import { decodeText, escapeJsonString, outputText, renderJson, rowKey, setCaseMapping } from '../values/index.ts';
import type { Row, Value } from '../values/types.ts';
import { bindQuery, scalarSubqueries, type FromSource } from './bind-select.ts';
import { withColumnUsage } from './bind.ts';
import { toViewDelta } from './consolidate.ts';
import { buildOperator, type SourceBatch, type SourceRowChange } from './operators.ts';
import { parseCreateView } from './parse.ts';
import { LIMITS, tooComplex } from './limits.ts';
import { withPosition } from './sql-text.ts';
import type { Expr, QueryExpr, SelectStmt } from './syntax.ts';
import type { CompiledView, SourceChange, SqlSettings, StateChange, TableCatalog, TableInfo, ViewCatalog, ViewDelta } from './types.ts';

/**
 * Compiles a `CREATE MATERIALIZED VIEW <name> AS <select>` statement.
 * Rejects with SqlError: 'parse_error' (malformed SQL, with line/column),
 * 'unsupported' (naming the construct), 'unknown_relation', 'unknown_column',
 * 'bad_request' (type errors, duplicate output column names, a constant
 * expression that fails to evaluate). Names in FROM that `views` knows are
 * other views, read through their queries.
 */
export async function compileView(sql: string, catalog: TableCatalog, settings: SqlSettings, views?: ViewCatalog): Promise<CompiledView> {
  try {
    return await compile(sql, catalog, settings, views);
  } catch (err) {
    throw withPosition(tooComplex(err), sql);
  }
}

async function compile(sql: string, catalog: TableCatalog, settings: SqlSettings, views?: ViewCatalog): Promise<CompiledView> {
  const parsed = parseCreateView(sql);
  // every SELECT of the query (set operation branches, derived tables, views it reads) and what its FROM entries read
  const sourcesBySelect = new Map<SelectStmt, FromSource[]>();
  const tables: TableInfo[] = [];
  const dependsOn = new Set<string>();
  const collect = async (q: QueryExpr, depth: number): Promise<void> => {
    if (depth > 32) throw new SqlError('unsupported', 'unsupported: views nested more than 32 deep');
    if (q.kind === 'setop') {
      await collect(q.left, depth);
      await collect(q.right, depth);
      return;
    }
    const list: FromSource[] = [];
    for (const ref of [q.select.from, ...q.select.joins.map((j) => j.table)]) {
      let src: Extract<FromSource, { kind: 'derived' }> | undefined;
      if (ref.query !== undefined) src = ref.columnNames === undefined ? { kind: 'derived', query: ref.query } : { kind: 'derived', query: ref.query, columnNames: ref.columnNames };
      else if (ref.schema === null && views?.lookup(ref.name) !== undefined) {
        // another view: its query, read as a derived table (each layer moves with the same source transaction)
        const inner = parseCreateView(views.lookup(ref.name)!);
        dependsOn.add(ref.name);
        src = inner.columnNames === null ? { kind: 'derived', query: inner.query } : { kind: 'derived', query: inner.query, columnNames: inner.columnNames };
      }
      if (src !== undefined) {
        await collect(src.query, depth + 1);
        list.push(src);
        continue;
      }
      const table = await catalog.lookup(ref.schema, ref.name);
      if (table === undefined) {
        const shown = ref.schema === null ? ref.name : `${ref.schema}.${ref.name}`;
        throw new SqlError('unknown_relation', `relation "${shown}" does not exist`, ref.name);
      }
      list.push({ kind: 'table', table });
      tables.push(table);
    }
    if (list.length > LIMITS.joins) throw new SqlError('bad_request', `a SELECT joins ${list.length} tables; the limit is ${LIMITS.joins}`);
    sourcesBySelect.set(q.select, list);
    // subqueries of WHERE conditions (EXISTS, IN (SELECT …)) read sources too
    const inWhere = (e: Expr | null): Expr[] =>
      e === null ? [] : e.kind === 'and' ? [...inWhere(e.left), ...inWhere(e.right)] : e.kind === 'not' ? inWhere(e.arg) : [e];
    for (const e of inWhere(q.select.where)) {
      if (e.kind === 'exists' || e.kind === 'in_query') await collect(e.query, depth + 1);
      else for (const sq of scalarSubqueries(e)) await collect(sq.query, depth + 1);
    }
    // and scalar subqueries of the select list
    for (const item of q.select.items) if (item.kind === 'expr') for (const sq of scalarSubqueries(item.expr)) await collect(sq.query, depth + 1);
  };
  await collect(parsed.query, 0);
  // lower/upper/ILIKE follow the source database's lc_ctype (one source database per server).
  setCaseMapping(settings.asciiCaseMapping ? 'ascii' : 'unicode');
  const { result: bound, usage } = withColumnUsage(() => bindQuery(parsed.query, (s) => sourcesBySelect.get(s)!, settings, parsed.columnNames));
  const root = buildOperator(bound.plan);
  const columns = bound.columns;
  if (columns.length > LIMITS.columns) throw new SqlError('bad_request', `the view has ${columns.length} columns; the limit is ${LIMITS.columns}`);
  const sources: TableInfo[] = [];
  for (const t of tables) if (!sources.some((s) => s.id === t.id)) sources.push(t);
  // the columns it reads of each source: those its expressions name, and what identifies a row
  const reads = new Map<string, ReadonlySet<number>>();
  for (const t of sources) {
    const cols = new Set(usage.get(t.id) ?? []);
    for (const i of t.primaryKey.length > 0 ? t.primaryKey : t.columns.map((_, i) => i)) cols.add(i);
    reads.set(t.id, cols);
  }
  const inputs = bound.stateful ? new InputStore(sources) : null;
  let started = false;

  function run(byTable: SourceBatch, reset: boolean, state: readonly StateChange[]): ViewDelta | null {
    const first = !started;
    started = true;
    const out = byTable.size === 0 && !first ? null : root.step(byTable);
    return toViewDelta(out, reset, columns, state);
  }

  function step(changes: readonly SourceChange[]): ViewDelta | null {
    if (inputs !== null) {
      const applied = inputs.apply(changes);
      if (applied === null) return null;
      return run(applied.byTable, false, applied.state);
    }
    // A stateless view reads one table: a TRUNCATE of it empties the view, so everything
    // before the last one is dropped and the rest applies after a reset.
    const sourceId = sources[0]!.id;
    let start = 0;
    let reset = false;
    changes.forEach((c, i) => {
      if (c.kind === 'truncate' && c.table === sourceId) {
        reset = true;
        start = i + 1;
      }
    });
    const list: SourceRowChange[] = [];
    for (let i = start; i < changes.length; i++) {
      const c = changes[i]!;
      if (c.kind !== 'truncate' && c.table === sourceId) list.push(c);
    }
    if (list.length === 0 && !reset) return null;
    const byTable: SourceBatch = new Map(list.length === 0 ? [] : [[sourceId, list]]);
    return toViewDelta(list.length === 0 ? null : root.step(byTable), reset, columns);
  }

  return {
    name: parsed.name,
    sql,
    selectSql: parsed.selectText,
    columns,
    key: bound.key,
    sources,
    reads,
    dependsOn: [...dependsOn],
    plan: bound.plan,
    stateful: bound.stateful,
    step,
    initialize: () => run(new Map(), false, []),
    restore(entries) {
      if (inputs === null) return;
      const RESTORE_CHUNK = 10_000;
      let chunk: (readonly [string, string])[] = [];
      const flush = () => {
        started = true;
        root.step(inputs.load(chunk), true);
        chunk = [];
      };
      for (const e of entries) {
        chunk.push(e);
        if (chunk.length >= RESTORE_CHUNK) flush();
      }
      if (chunk.length > 0 || !started) flush();
    },
  };
}

/**
 * The input rows of a stateful view, per source table, with multiplicities. State fields are
 * `<source index>:<row key>`, values the JSON array `[count, value texts…]` (PostgreSQL's text
 * output of each value, or null).
 */
class InputStore {
  /** Per source, row key → the row (there once, the common case: no object per row) or the row and its count. */
  private readonly rows: Map<string, Row | Counted>[];
  private readonly index = new Map<string, number>();
  private readonly keyOf: ((row: Row) => string)[];

  constructor(private readonly sources: readonly TableInfo[]) {
    this.rows = sources.map(() => new Map());
    sources.forEach((t, i) => this.index.set(t.id, i));
    this.keyOf = sources.map((t) => {
      const cols = t.primaryKey.length > 0 ? t.primaryKey : t.columns.map((_, i) => i);
      const types = cols.map((i) => t.columns[i]!.type);
      if (cols.length === 1) {
        const [col, type] = [cols[0]!, types[0]!];
        return (row: Row) => `[${renderJson(row[col] ?? null, type)}]`;
      }
      return (row: Row) => rowKey(cols.map((i) => row[i] ?? null), types);
    });
  }

  /** Applies a transaction's changes (TRUNCATE deletes every stored row of its table). Null when none is ours. */
  apply(changes: readonly SourceChange[]): { byTable: SourceBatch; state: StateChange[] } | null {
    const byTable = new Map<string, SourceRowChange[]>();
    // per source, per touched key: what the entry held before the transaction (null: absent)
    const touched: (Map<string, Counted | null> | undefined)[] = [];
    const push = (tableId: string, c: SourceRowChange) => {
      let list = byTable.get(tableId);
      if (list === undefined) {
        list = [];
        byTable.set(tableId, list);
      }
      list.push(c);
    };
    const touch = (src: number, key: string, e: Row | Counted | undefined) => {
      const t = (touched[src] ??= new Map());
      if (!t.has(key)) t.set(key, e === undefined ? null : counted(e));
    };
    let ours = false;
    for (const c of changes) {
      const src = this.index.get(c.table);
      if (src === undefined) continue;
      ours = true;
      const rows = this.rows[src]!;
      if (c.kind === 'truncate') {
        for (const [key, e] of rows) {
          touch(src, key, e);
          const { row, n } = counted(e);
          for (let i = 0; i < n; i++) push(c.table, { kind: 'delete', row, key });
        }
        rows.clear();
        continue;
      }
      const key = this.keyOf[src]!(c.row);
      const e = rows.get(key);
      touch(src, key, e);
      const n = e === undefined ? 0 : isRow(e) ? 1 : e.n;
      if (c.kind === 'insert') rows.set(key, n === 0 ? c.row : { row: c.row, n: n + 1 });
      // the last copy leaves a marker until the end: an update (delete + insert) then rewrites the entry in place
      else if (n === 1) rows.set(key, GONE);
      else if (n > 1) rows.set(key, n === 2 ? (e as Counted).row : { row: (e as Counted).row, n: n - 1 });
      push(c.table, { kind: c.kind, row: c.row, key });
    }
    if (!ours) return null;
    const state: StateChange[] = [];
    touched.forEach((t, src) => {
      const rows = this.rows[src]!;
      for (const [key, before] of t ?? []) {
        const slot = rows.get(key);
        if (slot === undefined || slot === GONE) {
          if (slot === GONE) rows.delete(key);
          if (before !== null) state.push({ field: `${src}:${key}`, value: null });
          continue;
        }
        const after = counted(slot);
        if (before === null || before.n !== after.n || !sameRow(before.row, after.row, this.sources[src]!)) {
          state.push({ field: `${src}:${key}`, value: this.encode(src, after) });
        }
      }
    });
    return { byTable, state };
  }

  /** Loads persisted entries (see the class comment) and returns them as insertions. */
  load(entries: readonly (readonly [string, string])[]): SourceBatch {
    const byTable = new Map<string, SourceRowChange[]>();
    for (const [field, value] of entries) {
      const colon = field.indexOf(':');
      const src = Number(field.slice(0, colon));
      const table = this.sources[src];
      if (table === undefined) throw new Error(`state entry ${field} names no source of the view`);
      const [n, ...texts] = JSON.parse(value) as [number, ...(string | null)[]];
      const row: Value[] = texts.map((t, i) => (t === null ? null : decodeText(t, table.columns[i]!.type)));
      const key = field.slice(colon + 1);
      this.rows[src]!.set(key, n === 1 ? row : { row, n });
      let list = byTable.get(table.id);
      if (list === undefined) {
        list = [];
        byTable.set(table.id, list);
      }
      for (let i = 0; i < n; i++) list.push({ kind: 'insert', row, key });
    }
    return byTable;
  }

  private encode(src: number, e: Counted): string {
    const cols = this.sources[src]!.columns;
    let out = `[${e.n}`;
    for (let i = 0; i < cols.length; i++) {
      const v = e.row[i] ?? null;
      out += v === null ? ',null' : `,${escapeJsonString(outputText(v, cols[i]!.type))}`;
    }
    return `${out}]`;
  }
}

/** A stored input row with its multiplicity. */
interface Counted {
  readonly row: Row;
  readonly n: number;
}
const isRow = (e: Row | Counted): e is Row => Array.isArray(e);
/** An entry whose last copy a transaction deleted, until the end of that transaction's apply. */
const GONE: Counted = { row: [], n: 0 };
const counted = (e: Row | Counted): Counted => (isRow(e) ? { row: e, n: 1 } : e);

/** Whether two rows of a table hold the same values (the same stored text). */
function sameRow(a: Row, b: Row, table: TableInfo): boolean {
  if (a === b) return true;
  for (let i = 0; i < table.columns.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null || y === null) return false;
    const t = table.columns[i]!.type;
    if (outputText(x, t) !== outputText(y, t)) return false;
  }
  return true;
}
