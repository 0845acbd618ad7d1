/**
 * PostgreSQL as a Source: the catalog, publication and slot setup, the
 * pgoutput change stream, exported-snapshot backfills and position markers,
 * behind the runtime's one Source interface. The only place that opens
 * PostgreSQL connections.
 */
import pg from 'pg';
import { DeltaviewError } from '../../errors.ts';
import type { SqlSettings, TableInfo } from '../../views/types.ts';
import type { Position, Source, SourceHandler, SourceSnapshot } from '../types.ts';
import { PgTableCatalog, readSqlSettings } from './catalog.ts';
import { clientConfig } from './connection.ts';
import { formatLsn, parseLsn } from './lsn.ts';
import { addSourceTable, checkWalLevel, createSlot, ensurePublication, slotState } from './setup.ts';
import { openSnapshot } from './snapshot.ts';
import { PgDurableCatalog } from './durable.ts';
import { PgChangeStream } from './stream.ts';

export interface PgSourceOptions {
  readonly url: string;
  readonly slot: string;
  readonly publication: string;
  readonly log: (msg: string) => void;
  /** The instance holds the deployment's lease: a connection still reading the slot is a former owner's and is ended. */
  readonly takeOver?: boolean;
}

/** Prefix of the pg_logical_emit_message markers that prove the stream's position. */
const MARKER_PREFIX = 'deltaview';
/** A marker not seen in the stream by then is given up on (the next request sends another). */
const MARKER_TIMEOUT_MS = 200;

export class PgSource implements Source {
  readonly id = 'pg';
  readonly catalog: PgTableCatalog;
  readonly durable: PgDurableCatalog;
  private readonly db: pg.Pool;
  private sqlSettings: SqlSettings = { cCollation: true, asciiCaseMapping: true };
  private stream: PgChangeStream | null = null;
  /** A marker requested or on its way: the next one waits until the stream has delivered it. */
  private markerInFlight = false;
  /** Where the marker in flight sits in the WAL, once PostgreSQL has said. */
  private markerAt: bigint | null = null;
  private markerAgain = false;
  private markerTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: PgSourceOptions) {
    this.db = new pg.Pool({ ...clientConfig(opts.url), max: 4 });
    this.db.on('error', (err) => opts.log(`postgres pool: ${err.message}`));
    this.catalog = new PgTableCatalog(this.db);
    this.durable = new PgDurableCatalog(this.db, opts.slot);
  }

  formatPosition(p: Position): string {
    return formatLsn(p);
  }

  settings(): SqlSettings {
    return this.sqlSettings;
  }

  async prepare(): Promise<{ historyLost: boolean; confirmed: Position | null }> {
    await checkWalLevel(this.db);
    await ensurePublication(this.db, this.opts.publication);
    this.sqlSettings = await readSqlSettings(this.db);
    const state = await slotState(this.db, this.opts.slot);
    if (state) return { historyLost: false, confirmed: state.confirmedFlush };
    await createSlot(this.db, this.opts.slot);
    this.opts.log(`created replication slot "${this.opts.slot}"`);
    return { historyLost: true, confirmed: null };
  }

  includeRelation(table: TableInfo): Promise<boolean> {
    return addSourceTable(this.db, this.opts.publication, table);
  }

  async start(handler: SourceHandler): Promise<void> {
    if (this.stream) throw new DeltaviewError('internal', 'PostgreSQL source already started');
    if (this.opts.takeOver) await this.endFormerReader();
    this.stream = new PgChangeStream(
      { url: this.opts.url, slot: this.opts.slot, publication: this.opts.publication, markerPrefix: MARKER_PREFIX, log: this.opts.log },
      {
        onTransaction: (tx) => handler.onTransaction(tx),
        onPosition: (lsn) => {
          handler.onPosition(lsn);
          if (this.markerAt !== null && lsn >= this.markerAt) this.markerDelivered();
        },
        onDisconnect: () => {},
        resumeLsn: () => handler.resumePosition(),
        ackLsn: () => handler.ackPosition(),
        ...(handler.columnsRead === undefined ? {} : { columnsRead: (id: string) => handler.columnsRead!(id) }),
      },
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.stream.start();
        return;
      } catch (err) {
        // a former owner's stream reconnected between the two: end it again (it lost the lease and stops)
        if (!this.opts.takeOver || attempt >= 5 || !/is active/.test((err as Error).message)) throw err;
        await this.endFormerReader();
      }
    }
  }

  /**
   * Ends the replication connection another process holds on the slot: the instance that held the
   * deployment's lease before this one (paused, cut off or dead while PostgreSQL has not noticed).
   * Only the lease holder calls it; what the former owner then writes is refused by the fences.
   */
  private async endFormerReader(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let ended = false;
    while (Date.now() < deadline) {
      const r = await this.db.query<{ pid: number | null }>('SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1', [this.opts.slot]);
      const pid = r.rows[0]?.pid ?? null;
      if (pid === null) return;
      if (!ended) this.opts.log(`replication slot "${this.opts.slot}" is read by backend ${pid} (the former owner of the views): ending it`);
      ended = true;
      await this.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new DeltaviewError('unavailable', `replication slot "${this.opts.slot}" is still in use after ending its reader for 10 s`);
  }

  readsChanged(): void {
    this.stream?.readsChanged();
  }

  async restart(): Promise<void> {
    await this.stream?.start(true);
  }

  async stop(): Promise<void> {
    await this.stream?.stop();
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  acknowledgeNow(): void {
    this.stream?.acknowledgeNow();
  }

  /**
   * Emits a position marker into the WAL. At most one is in flight: a request meanwhile sends one
   * more as soon as the stream has delivered it (or after MARKER_TIMEOUT_MS, should it be lost).
   */
  requestPosition(): void {
    if (this.markerInFlight) {
      this.markerAgain = true;
      return;
    }
    this.markerInFlight = true;
    this.markerTimer = setTimeout(() => this.markerDelivered(), MARKER_TIMEOUT_MS);
    this.markerTimer.unref();
    this.db
      .query<{ lsn: string }>(`SELECT pg_logical_emit_message(false, '${MARKER_PREFIX}', '')::text AS lsn`)
      .then((r) => {
        const at = r.rows[0]?.lsn;
        if (this.markerInFlight && at !== undefined) this.markerAt = parseLsn(at);
      })
      .catch((err: Error) => {
        this.opts.log(`position marker failed: ${err.message}`);
        this.markerDelivered();
      });
  }

  private markerDelivered(): void {
    if (this.markerTimer) clearTimeout(this.markerTimer);
    this.markerTimer = null;
    this.markerInFlight = false;
    this.markerAt = null;
    if (this.markerAgain) {
      this.markerAgain = false;
      this.requestPosition();
    }
  }

  openSnapshot(): Promise<SourceSnapshot> {
    return openSnapshot(this.opts.url);
  }

  async logStatus(): Promise<{ current: Position; retainedBytes: number | null }> {
    const r = await this.db.query<{ current: string; retained: string | null }>(
      `SELECT pg_current_wal_lsn()::text AS current,
              (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text FROM pg_replication_slots WHERE slot_name = $1) AS retained`,
      [this.opts.slot],
    );
    const row = r.rows[0]!;
    return { current: parseLsn(row.current), retainedBytes: row.retained === null ? null : Number(row.retained) };
  }

  async close(): Promise<void> {
    if (this.markerTimer) clearTimeout(this.markerTimer);
    await this.stream?.stop();
    await this.db.end().catch(() => {});
  }
}
