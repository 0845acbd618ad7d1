/**
 * Consistent snapshots for backfills. A temporary logical slot created with an
 * exported snapshot gives a point S: the snapshot holds exactly the
 * transactions that commit before S, and the change stream delivers exactly
 * those that commit after it (endLsn > S). No gap, no double count.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqlRuntimeError } from '../../errors.ts';
import { decodeText } from '../../values/index.ts';
import type { Row } from '../../values/types.ts';
import type { SourceSnapshot } from '../types.ts';
import { clientConfig, quoteIdent, RAW_TEXT_TYPES, relationOid } from './connection.ts';
import { parseLsn } from './lsn.ts';

/** Opens a snapshot (SourceSnapshot: estimateRows uses planner statistics). */
export async function openSnapshot(url: string): Promise<SourceSnapshot> {
  const repl = new pg.Client({ ...clientConfig(url), replication: 'database' } as pg.ClientConfig);
  const reader = new pg.Client({ ...clientConfig(url), types: RAW_TEXT_TYPES });
  // A connection PostgreSQL drops mid-backfill fails the pending query (and with it the
  // backfill, which is retried); the 'error' event itself must not become an uncaught exception.
  repl.on('error', () => {});
  reader.on('error', () => {});
  await repl.connect();
  try {
    await reader.connect();
    const name = `deltaview_snap_${randomBytes(6).toString('hex')}`;
    const created = await repl.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${name} TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')`,
    );
    const row = created.rows[0];
    if (!row) throw new Error('CREATE_REPLICATION_SLOT returned nothing');
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT '${row.snapshot_name.replace(/'/g, "''")}'`);
    const position = parseLsn(row.consistent_point);
    let cursorNo = 0;
    return {
      position,
      async estimateRows(table) {
        const r = await reader.query<{ n: string }>('SELECT GREATEST(reltuples, 0)::bigint::text AS n FROM pg_class WHERE oid = $1::oid', [relationOid(table.id)]);
        return Number(r.rows[0]?.n ?? 0);
      },
      async readTable(table, batchSize, onBatch, reads) {
        const cursor = `deltaview_c${cursorNo++}`;
        // columns the view does not read come as NULL: not sent, not decoded
        const cols = table.columns.map((c, i) => (reads === undefined || reads.has(i) ? quoteIdent(c.name) : 'NULL')).join(', ');
        await reader.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${cols} FROM ONLY ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`);
        const types = table.columns.map((c) => c.type);
        let total = 0;
        const fetch = () => reader.query<string[]>({ text: `FETCH ${batchSize} FROM ${cursor}`, rowMode: 'array' });
        // the next batch is asked for before this one is decoded and handed on: PostgreSQL reads
        // it while this process works (at most one batch ahead)
        let next = fetch();
        for (;;) {
          const r = await next;
          if (r.rows.length === 0) break;
          next = r.rows.length < batchSize ? Promise.resolve({ rows: [] as string[][] } as unknown as typeof r) : fetch();
          next.catch(() => {}); // awaited on the next turn; a failure there fails the read
          const rows: Row[] = new Array(r.rows.length);
          for (let i = 0; i < r.rows.length; i++) {
            const raw = r.rows[i]!;
            const out = new Array(types.length);
            for (let j = 0; j < types.length; j++) {
              const v = raw[j];
              if (v === null || v === undefined) out[j] = null;
              else {
                try {
                  out[j] = decodeText(v, types[j]!);
                } catch (err) {
                  if (!(err instanceof SqlRuntimeError)) throw err;
                  throw new SqlRuntimeError(err.sqlstate, `column "${table.columns[j]!.name}" of source table "${table.schema}"."${table.name}" holds a value that cannot be read: ${err.message}`);
                }
              }
            }
            rows[i] = out;
          }
          total += rows.length;
          await onBatch(rows);
          if (r.rows.length < batchSize) break;
        }
        await reader.query(`CLOSE ${cursor}`);
        return total;
      },
      async close() {
        await reader.query('COMMIT').catch(() => {});
        await reader.end().catch(() => {});
        await repl.end().catch(() => {}); // drops the temporary slot
      },
    };
  } catch (err) {
    await reader.end().catch(() => {});
    await repl.end().catch(() => {});
    throw err;
  }
}
