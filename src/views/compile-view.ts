/**
 * compileView: CREATE MATERIALIZED VIEW text → a running CompiledView.
 * parse (parse.ts) → bind against the catalog (bind.ts) → operator tree
 * (operators.ts) → per-transaction consolidation (consolidate.ts).
 */
import { SqlError } from '../errors.ts';
import { setCaseMapping } from '../values/index.ts';
import { bindSelect } from './bind.ts';
import { toViewDelta } from './consolidate.ts';
import { buildOperator, type SourceBatch, type SourceRowChange } from './operators.ts';
import { parseCreateView } from './parse.ts';
import type { CompiledView, SourceChange, SqlSettings, TableCatalog, TableInfo, ViewDelta } from './types.ts';

/**
 * Compiles a `CREATE MATERIALIZED VIEW <name> AS <select>` statement.
 * Rejects with SqlError: 'parse_error' (malformed SQL, with line/column),
 * 'unsupported' (naming the construct), 'unknown_relation', 'unknown_column',
 * 'bad_request' (type errors, duplicate output column names, a constant
 * expression that fails to evaluate).
 */
export async function compileView(sql: string, catalog: TableCatalog, settings: SqlSettings): Promise<CompiledView> {
  const parsed = parseCreateView(sql);
  const from = parsed.select.from;
  const table = await catalog.lookup(from.schema, from.name);
  if (table === undefined) {
    const shown = from.schema === null ? from.name : `${from.schema}.${from.name}`;
    throw new SqlError('unknown_relation', `relation "${shown}" does not exist`);
  }
  // lower/upper/ILIKE follow the source database's lc_ctype (one source database per server).
  setCaseMapping(settings.asciiCaseMapping ? 'ascii' : 'unicode');
  const bound = bindSelect(parsed.select, table, settings, parsed.columnNames);
  if (table.primaryKey.length === 0) {
    throw new SqlError('unsupported', `unsupported: table "${table.name}" has no primary key`);
  }
  const root = buildOperator(bound.plan);
  const columns = bound.columns;
  const sources: readonly TableInfo[] = [table];
  const sourceIds = new Set(sources.map((t) => t.id));

  function step(changes: readonly SourceChange[]): ViewDelta | null {
    // A TRUNCATE of a source empties the view (it reads that one table):
    // everything before the last one is dropped, the rest applies after a reset.
    let start = 0;
    let reset = false;
    changes.forEach((c, i) => {
      if (c.kind === 'truncate' && sourceIds.has(c.table)) {
        reset = true;
        start = i + 1;
      }
    });
    const byTable = new Map<string, SourceRowChange[]>();
    for (let i = start; i < changes.length; i++) {
      const c = changes[i]!;
      if (c.kind === 'truncate' || !sourceIds.has(c.table)) continue;
      let list = byTable.get(c.table);
      if (list === undefined) {
        list = [];
        byTable.set(c.table, list);
      }
      list.push(c);
    }
    if (byTable.size === 0 && !reset) return null;
    const input: SourceBatch = byTable;
    return toViewDelta(byTable.size === 0 ? null : root.step(input), reset, columns);
  }

  return {
    name: parsed.name,
    sql,
    selectSql: parsed.selectText,
    columns,
    key: bound.key,
    sources,
    step,
  };
}
