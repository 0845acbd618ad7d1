/**
 * Creates what deltaview needs in the source PostgreSQL: the publication, the
 * replication slot, and REPLICA IDENTITY FULL on source tables (so updates
 * and deletes carry the whole old row and unchanged TOASTed values).
 *
 * Privileges needed: a role with REPLICATION (or superuser) that owns the
 * source tables (for ALTER TABLE … REPLICA IDENTITY FULL and
 * ALTER PUBLICATION … ADD TABLE), and CREATE on the database for the
 * publication. Without ownership, a DBA can run the two statements that the
 * error message prints.
 */
import type pg from 'pg';
import { DeltaviewError } from '../../errors.ts';
import type { TableInfo } from '../../views/types.ts';
import { quoteIdent, relationOid } from './connection.ts';
import { parseLsn } from './lsn.ts';

export type Queryable = Pick<pg.Client, 'query'>;

export async function checkWalLevel(db: Queryable): Promise<void> {
  const r = await db.query<{ wal_level: string }>('SHOW wal_level');
  const level = r.rows[0]?.wal_level;
  if (level !== 'logical') {
    throw new DeltaviewError('unavailable', `the source PostgreSQL has wal_level=${level ?? '?'}; deltaview needs wal_level=logical (ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL)`);
  }
}

export async function ensurePublication(db: Queryable, publication: string): Promise<void> {
  const r = await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (r.rowCount === 0) {
    try {
      await db.query(`CREATE PUBLICATION ${quoteIdent(publication)}`);
    } catch (err) {
      // a concurrent creator won the race: fine
      if (!/already exists/.test(String(err))) throw err;
    }
  }
}

/** Makes `table` a published source with REPLICA IDENTITY FULL. */
/** Makes `table` stream completely; true when it did not before (it had to be changed). */
export async function addSourceTable(db: Queryable, publication: string, table: TableInfo): Promise<boolean> {
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const fix = `ALTER TABLE ${qualified} REPLICA IDENTITY FULL; ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${qualified};`;
  try {
    let changed = false;
    const ident = await db.query<{ relreplident: string }>('SELECT relreplident FROM pg_class WHERE oid = $1::oid', [relationOid(table.id)]);
    if (ident.rows[0]?.relreplident !== 'f') {
      await db.query(`ALTER TABLE ${qualified} REPLICA IDENTITY FULL`);
      changed = true;
    }
    const member = await db.query(
      'SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = $1 AND pr.prrelid = $2::oid',
      [publication, relationOid(table.id)],
    );
    if (member.rowCount === 0) {
      await db.query(`ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${qualified}`);
      changed = true;
    }
    return changed;
  } catch (err) {
    throw new DeltaviewError('bad_request', `cannot make table ${qualified} a source: ${(err as Error).message}. A table owner can run: ${fix}`);
  }
}

/** The slot's state, or undefined when it does not exist. */
export async function slotState(db: Queryable, slot: string): Promise<{ confirmedFlush: bigint | null } | undefined> {
  const r = await db.query<{ confirmed_flush_lsn: string | null; plugin: string }>(
    'SELECT confirmed_flush_lsn::text AS confirmed_flush_lsn, plugin FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (row.plugin !== 'pgoutput') throw new DeltaviewError('unavailable', `replication slot "${slot}" exists but uses plugin ${row.plugin}; drop it or set DELTAVIEW_SLOT`);
  return { confirmedFlush: row.confirmed_flush_lsn ? parseLsn(row.confirmed_flush_lsn) : null };
}

/** Creates the permanent logical slot; returns its consistent point. */
export async function createSlot(db: Queryable, slot: string): Promise<bigint> {
  const r = await db.query<{ lsn: string }>("SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  const lsn = r.rows[0]?.lsn;
  if (!lsn) throw new Error('pg_create_logical_replication_slot returned no LSN');
  return parseLsn(lsn);
}
