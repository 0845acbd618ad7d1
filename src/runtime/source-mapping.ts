/**
 * Maps stream changes onto the table shapes a view was compiled against.
 * After ALTER TABLE the stream's relation shape can differ from the view's
 * TableInfo: columns are matched by name and type; a missing or retyped column
 * makes the view fail with a message naming it. So does a value the source could
 * not decode, in a column the view reads (in other columns it is NULL and harmless).
 */
import type { RelationShape, SourceTx } from '../cdc/types.ts';
import type { Row } from '../values/types.ts';
import type { SourceChange, TableInfo } from '../views/types.ts';

type Mapper = ((row: Row) => Row) | { error: string };

export class SourceMapper {
  private readonly tables: Map<string, TableInfo>;
  private readonly mappers = new WeakMap<RelationShape, Mapper>();

  constructor(
    sources: readonly TableInfo[],
    /** Per source id, the indices of the columns the view reads (CompiledView.reads). */
    private readonly reads: ReadonlyMap<string, ReadonlySet<number>>,
  ) {
    this.tables = new Map(sources.map((t) => [t.id, t]));
  }

  /** The view's share of a transaction, or an error message when it cannot be applied. */
  changesFor(tx: SourceTx): SourceChange[] | { error: string } {
    let out: SourceChange[] | null = null;
    for (const c of tx.changes) {
      const table = this.tables.get(c.relation.id);
      if (!table) continue;
      out ??= [];
      switch (c.kind) {
        case 'truncate':
          out.push({ kind: 'truncate', table: table.id });
          break;
        case 'missing_old':
          return {
            error: `source table "${table.schema}"."${table.name}" sent an update or delete without the old row (REPLICA IDENTITY is no longer FULL); run ALTER TABLE "${table.schema}"."${table.name}" REPLICA IDENTITY FULL and recreate the view`,
          };
        case 'insert':
        case 'delete': {
          const m = this.mapper(c.relation, table);
          if (typeof m !== 'function') return m;
          if (c.poisoned !== undefined) {
            const reads = this.reads.get(table.id);
            for (const p of c.poisoned) {
              const name = c.relation.columns[p.index]!.name;
              const at = table.columns.findIndex((col) => col.name === name);
              if (at >= 0 && (reads === undefined || reads.has(at))) {
                return { error: `column "${name}" of source table "${table.schema}"."${table.name}" holds a value that cannot be read: ${p.message}` };
              }
            }
          }
          out.push({ kind: c.kind, table: table.id, row: m(c.row) });
          break;
        }
      }
    }
    return out ?? [];
  }

  private mapper(shape: RelationShape, table: TableInfo): Mapper {
    let m = this.mappers.get(shape);
    if (m) return m;
    m = buildMapper(shape, table);
    this.mappers.set(shape, m);
    return m;
  }
}

function buildMapper(shape: RelationShape, table: TableInfo): Mapper {
  const same =
    shape.columns.length === table.columns.length &&
    shape.columns.every((c, i) => c.name === table.columns[i]!.name && c.type.oid === table.columns[i]!.type.oid);
  if (same) return (row) => row;
  const idx: number[] = [];
  for (const col of table.columns) {
    const i = shape.columns.findIndex((c) => c.name === col.name);
    if (i < 0) return { error: `source table "${table.schema}"."${table.name}" no longer has column "${col.name}"; recreate the view` };
    if (shape.columns[i]!.type.oid !== col.type.oid) {
      return { error: `column "${col.name}" of source table "${table.schema}"."${table.name}" changed type; recreate the view` };
    }
    idx.push(i);
  }
  return (row) => idx.map((i) => row[i] ?? null);
}
