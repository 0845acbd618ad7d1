/**
 * Table lookups and database settings read from the source PostgreSQL's
 * system catalogs: the view compiler's TableCatalog.
 */
import type pg from 'pg';
import { typeFromOid } from '../../values/index.ts';
import type { Column, SqlSettings, TableCatalog, TableInfo } from '../../views/types.ts';
import { SqlError } from '../../errors.ts';
import { quoteIdent, relationId } from './connection.ts';

type Queryable = Pick<pg.Client, 'query'>;

/** Resolves table names as the source's search_path would and describes their columns and keys. */
export class PgTableCatalog implements TableCatalog {
  constructor(private readonly db: Queryable) {}

  async lookup(schema: string | null, name: string): Promise<TableInfo | undefined> {
    const qualified = schema === null ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const rel = await this.db.query<{ oid: string; nspname: string; relname: string; relkind: string }>(
      `SELECT c.oid::text AS oid, n.nspname, c.relname, c.relkind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1)`,
      [qualified],
    );
    const r = rel.rows[0];
    if (!r) return undefined;
    if (r.relkind !== 'r') {
      const kind = r.relkind === 'v' ? 'a view' : r.relkind === 'm' ? 'a materialized view' : r.relkind === 'p' ? 'a partitioned table' : `a relation of kind '${r.relkind}'`;
      throw new SqlError('unsupported', `unsupported source: "${r.nspname}"."${r.relname}" is ${kind}; only ordinary tables can be sources`);
    }
    return this.describe(r.oid, r.nspname, r.relname);
  }

  /** Every ordinary table a view could read (deltaview's own schema and the system's aside), in schema, name order. */
  async list(): Promise<{ schema: string; name: string }[]> {
    const r = await this.db.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'deltaview') AND n.nspname NOT LIKE 'pg_toast%'
          AND has_table_privilege(c.oid, 'SELECT')
        ORDER BY 1, 2`,
    );
    return r.rows;
  }

  /** Describes a table by OID (used again after restarts). */
  async describe(oid: string, schema: string, name: string): Promise<TableInfo> {
    const cols = await this.db.query<{ attnum: number; attname: string; atttypid: number; atttypmod: number; display: string }>(
      `SELECT attnum, attname, atttypid::int AS atttypid, atttypmod, format_type(atttypid, atttypmod) AS display
         FROM pg_attribute
        WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
        ORDER BY attnum`,
      [oid],
    );
    const columns: Column[] = cols.rows.map((c) => ({ name: c.attname, type: typeFromOid(c.atttypid, c.atttypmod, c.display) }));
    const keyRows = await this.db.query<{ attnum: number }>(
      `SELECT k.attnum::int AS attnum
         FROM (SELECT indkey, indisprimary FROM pg_index
                WHERE indrelid = $1::oid AND (indisprimary OR indisreplident)
                ORDER BY indisprimary DESC LIMIT 1) i,
              unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        ORDER BY k.ord`,
      [oid],
    );
    const attnums = cols.rows.map((c) => c.attnum);
    const primaryKey = keyRows.rows.map((k) => attnums.indexOf(k.attnum)).filter((i) => i >= 0);
    return { id: relationId(oid), schema, name, columns, primaryKey };
  }
}

/** Reads the database settings that change SQL semantics (collation, case mapping). */
export async function readSqlSettings(db: Queryable): Promise<SqlSettings> {
  const r = await db.query<{ datcollate: string; datctype: string }>(
    `SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()`,
  );
  const row = r.rows[0];
  const isC = (s: string | undefined) => s === 'C' || s === 'POSIX' || s === 'C.UTF-8' || s === 'C.utf8';
  return {
    cCollation: row ? isC(row.datcollate) : false,
    asciiCaseMapping: row ? row.datctype === 'C' || row.datctype === 'POSIX' : false,
  };
}
