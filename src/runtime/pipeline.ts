/**
 * The composition core: one PostgreSQL change stream feeding every view's
 * dataflow, every view's output committed to Redis in commit order, and the
 * positions that make it exactly-once and read-your-writes.
 *
 * Positions (all are transaction end LSNs):
 *  - view.applied: the view has been fed every transaction ending at or before it.
 *  - reflected: every transaction ending at or before it is committed to Redis for
 *    every live view (advanced in stream order once the commits resolve; keepalives
 *    and position markers advance it between transactions).
 *  - durable: `reflected` as last written to Redis as the checkpoint, raising every live
 *    view's stored position with it. Streaming (re)starts from min(durable, holds).
 *  - holds: a backfilling view holds the slot at (or below) its snapshot point until the
 *    transactions it buffered are committed, since they exist only in memory until then.
 *  - ack: the slot is acknowledged up to min(durable as of ACK_DELAY_MS ago, holds): Redis'
 *    default `appendfsync everysec` has flushed a checkpoint by then.
 * After a restart each view skips what its stored position already covers; each commit
 * carries the view's sequence number, so a commit lost with a connection can never be
 * overtaken by a later one.
 */
import pg from 'pg';
import { openSnapshot } from '../cdc/pg/snapshot.ts';
import { PgChangeStream } from '../cdc/pg/stream.ts';
import { PgTableCatalog, readSqlSettings } from '../cdc/pg/catalog.ts';
import { addSourceTable, checkWalLevel, createSlot, ensurePublication, slotState } from '../cdc/pg/setup.ts';
import { clientConfig } from '../cdc/pg/connection.ts';
import { formatLsn } from '../cdc/pg/lsn.ts';
import type { SourceTx } from '../cdc/types.ts';
import { DeltaviewError, SqlRuntimeError } from '../errors.ts';
import type { RedisStore, StoredViewDef } from '../storage/redis-store.ts';
import { compileView } from '../views/index.ts';
import type { CompiledView, SourceChange, SqlSettings } from '../views/types.ts';
import { SourceMapper } from './source-mapping.ts';

export interface PipelineOptions {
  readonly pgUrl: string;
  readonly store: RedisStore;
  readonly slot: string;
  readonly publication: string;
  readonly log: (msg: string) => void;
  /** Rows per snapshot fetch during backfills. */
  readonly backfillBatch?: number;
}

export type ViewStatus = 'backfilling' | 'running' | 'failed';

/** A diff committed for a view: whole source transactions, ready for subscribers. */
export interface DiffEvent {
  readonly view: string;
  readonly token: string;
  readonly prev: string;
  readonly lsn: bigint;
  /** JSON array of contract change objects. */
  readonly changes: string;
}

export interface PipelineListener {
  diff(e: DiffEvent): void;
  /** The view was deleted or failed; subscribers should be told and closed. */
  gone(view: string, code: string, message: string): void;
}

/** What the API shows of a view. */
export interface ViewInfo extends Pick<StoredViewDef, 'name' | 'sql' | 'columns' | 'key'> {
  readonly status: ViewStatus;
  readonly lsn: bigint | null;
  readonly error: string | null;
  readonly backfill: { readonly rowsDone: number; readonly rowsEstimated: number } | null;
}

interface ViewState {
  readonly def: StoredViewDef;
  compiled: CompiledView | null;
  mapper: SourceMapper | null;
  status: ViewStatus;
  error: string | null;
  applied: bigint;
  /** Set once the view is live; its reflected position is max(liveFrom, pipeline.reflected). */
  liveFrom: bigint | null;
  /** Transactions for the view's tables that arrived while it was backfilling. */
  buffer: { endLsn: bigint; changes: SourceChange[] }[] | null;
  backfill: { rowsDone: number; rowsEstimated: number } | null;
  /** While backfilling: the slot must not be acknowledged past this (see the header). */
  hold: bigint | null;
  /** Sequence number the view's next commit carries. */
  seq: number;
  /** Token of the last diff published to subscribers. */
  lastToken: string | null;
  /** Consecutive backfill attempts that failed on I/O. */
  backfillFailures: number;
}

interface Waiter {
  readonly view: string;
  readonly lsn: bigint;
  readonly resolve: (ok: boolean) => void;
}

const MAX_INFLIGHT = 2000;
/** Slot acknowledgements trail the checkpoint by this much (Redis fsyncs its AOF every second). */
const ACK_DELAY_MS = 2000;
/** View names appear in URLs and Redis hash tags ({v:NAME}): identifiers only. */
const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const CHECKPOINT_MS = 200;

export class Pipeline {
  private readonly views = new Map<string, ViewState>();
  private readonly reserved = new Set<string>();
  private readonly listeners: PipelineListener[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly db: pg.Pool;
  private readonly catalog: PgTableCatalog;
  private settings: SqlSettings = { cCollation: true, asciiCaseMapping: true };
  private stream: PgChangeStream | null = null;
  private chain: Promise<void> = Promise.resolve();
  private reflected = 0n;
  private durable = 0n;
  /** Durable positions not yet old enough to acknowledge, oldest first. */
  private recentDurable: { at: number; lsn: bigint }[] = [];
  private ackable = 0n;
  private inflight = 0;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private checkpointing = false;
  private markerInFlight = false;
  private markerAgain = false;
  private recovering = false;
  private stopped = false;

  constructor(private readonly opts: PipelineOptions) {
    this.db = new pg.Pool({ ...clientConfig(opts.pgUrl), max: 4 });
    this.db.on('error', (err) => opts.log(`postgres pool: ${err.message}`));
    this.catalog = new PgTableCatalog(this.db);
  }

  addListener(l: PipelineListener): void {
    this.listeners.push(l);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Prepares PostgreSQL, restores every view from Redis and starts streaming. */
  async start(): Promise<void> {
    const { store, log } = this.opts;
    await checkWalLevel(this.db);
    await ensurePublication(this.db, this.opts.publication);
    this.settings = await readSqlSettings(this.db);
    let slotIsNew = false;
    if (!(await slotState(this.db, this.opts.slot))) {
      await createSlot(this.db, this.opts.slot);
      slotIsNew = true;
      log(`created replication slot "${this.opts.slot}"`);
    }
    const checkpoint = slotIsNew ? null : await store.getCheckpoint();
    const toBackfill: ViewState[] = [];
    let from = checkpoint ?? 0n;
    for (const def of await store.listViewDefs()) {
      const meta = await store.getMeta(def.name);
      const v: ViewState = {
        def, compiled: null, mapper: null, status: 'failed', error: meta.error,
        applied: 0n, liveFrom: null, buffer: null, backfill: null,
        hold: null, seq: meta.seq, lastToken: meta.token, backfillFailures: 0,
      };
      this.views.set(def.name, v);
      if (meta.status === 'failed') continue;
      try {
        const compiled = await compileView(def.sql, this.catalog, this.settings);
        v.compiled = compiled;
        v.mapper = new SourceMapper(compiled.sources);
      } catch (err) {
        await this.failView(v, `cannot restore view: ${(err as Error).message}`);
        continue;
      }
      if (meta.status === 'running' && meta.lsn !== null && !slotIsNew) {
        try {
          await this.restoreState(v);
        } catch (err) {
          await this.failView(v, `cannot restore the view's operator state: ${(err as Error).message}`);
          continue;
        }
        v.status = 'running';
        v.applied = meta.lsn;
        v.liveFrom = meta.lsn;
        if (meta.lsn < from || from === 0n) from = meta.lsn;
      } else {
        if (slotIsNew && meta.status === 'running') log(`view ${def.name}: replication slot was recreated; backfilling again`);
        toBackfill.push(v);
      }
    }
    this.reflected = from;
    this.durable = from;
    this.ackable = from;
    log(`restored ${this.views.size} view(s); streaming from ${formatLsn(from)}`);
    this.stream = new PgChangeStream(
      { url: this.opts.pgUrl, slot: this.opts.slot, publication: this.opts.publication, markerPrefix: 'deltaview', log },
      {
        onTransaction: (tx) => this.onTransaction(tx),
        onPosition: (lsn) => this.enqueue([], lsn),
        onDisconnect: () => {},
        resumeLsn: () => this.resumeLsn(),
        ackLsn: () => this.ackLsn(),
      },
    );
    await this.stream.start();
    this.checkpointTimer = setInterval(() => void this.writeCheckpoint(), CHECKPOINT_MS);
    this.checkpointTimer.unref();
    for (const v of toBackfill) this.startBackfill(v);
  }

  /** Stops streaming after writing a final checkpoint; in-flight commits are awaited. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.stream?.stop();
    await this.chain;
    this.checkpointing = false;
    await this.writeCheckpoint().catch(() => {});
    for (const w of this.waiters) w.resolve(false);
    this.waiters.clear();
    await this.db.end().catch(() => {});
  }

  // ---------------------------------------------------------------- views API

  list(): ViewInfo[] {
    return [...this.views.values()].map((v) => this.info(v));
  }

  get(name: string): ViewInfo {
    return this.info(this.state(name));
  }

  /** Compiles, registers and starts backfilling a view. Resolves once it is registered. */
  async create(sql: string): Promise<ViewInfo> {
    const compiled = await compileView(sql, this.catalog, this.settings);
    const name = compiled.name;
    if (!VIEW_NAME.test(name)) {
      throw new DeltaviewError('bad_request', `view name "${name}" is not usable: view names are identifiers (letters, digits, _ and $, starting with a letter or _, at most 63 characters) because they appear in URLs and Redis keys`);
    }
    if (this.views.has(name) || this.reserved.has(name)) throw new DeltaviewError('already_exists', `view "${name}" already exists`);
    this.reserved.add(name);
    try {
      for (const t of compiled.sources) await addSourceTable(this.db, this.opts.publication, t);
      const def: StoredViewDef = {
        name,
        sql: compiled.sql,
        createdAt: new Date().toISOString(),
        columns: compiled.columns.map((c) => ({ name: c.name, type: c.type.display })),
        key: compiled.key,
      };
      if (!(await this.opts.store.putViewDef(def))) throw new DeltaviewError('already_exists', `view "${name}" already exists`);
      const v: ViewState = {
        def, compiled, mapper: new SourceMapper(compiled.sources), status: 'backfilling', error: null,
        applied: 0n, liveFrom: null, buffer: [], backfill: null,
        hold: null, seq: 0, lastToken: null, backfillFailures: 0,
      };
      this.views.set(name, v);
      this.startBackfill(v);
      return this.info(v);
    } finally {
      this.reserved.delete(name);
    }
  }

  async delete(name: string): Promise<void> {
    const v = this.state(name);
    this.views.delete(name);
    v.hold = null;
    for (const w of [...this.waiters]) if (w.view === name) this.settle(w, false);
    for (const l of this.listeners) l.gone(name, 'not_found', `view "${name}" was deleted`);
    await this.chain; // commits already issued for it land before its keys go
    await this.opts.store.deleteView(name);
    this.opts.log(`view ${name} deleted (was ${v.status})`);
  }

  /** The position the view reflects (null while it is not live). */
  reflectedLsn(name: string): bigint | null {
    const v = this.state(name);
    return this.viewReflected(v);
  }

  /**
   * Waits until the view is live and reflects every transaction ending at or before `lsn`
   * (0n: just live). Resolves false on timeout.
   */
  waitFor(name: string, lsn: bigint, timeoutMs: number): Promise<boolean> {
    const v = this.state(name);
    if (v.status === 'failed') return Promise.resolve(false);
    const r = this.viewReflected(v);
    if (r !== null && r >= lsn) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { view: name, lsn, resolve };
      this.waiters.add(w);
      const t = setTimeout(() => this.settle(w, false), timeoutMs);
      t.unref();
      if (v.liveFrom !== null && lsn > 0n) this.requestMarker();
    });
  }

  private settle(w: Waiter, ok: boolean): void {
    if (this.waiters.delete(w)) w.resolve(ok);
  }

  private state(name: string): ViewState {
    const v = this.views.get(name);
    if (!v) throw new DeltaviewError('not_found', `view "${name}" does not exist`);
    return v;
  }

  private info(v: ViewState): ViewInfo {
    return {
      name: v.def.name,
      sql: v.def.sql,
      status: v.status,
      columns: v.def.columns,
      key: v.def.key,
      lsn: this.viewReflected(v),
      error: v.error,
      backfill: v.status === 'backfilling' ? v.backfill : null,
    };
  }

  private viewReflected(v: ViewState): bigint | null {
    if (v.liveFrom === null || v.status !== 'running') return null;
    return v.liveFrom > this.reflected ? v.liveFrom : this.reflected;
  }

  // ---------------------------------------------------------------- stream

  private onTransaction(tx: SourceTx): void {
    // While recovering, the stream is being stopped; everything after `durable` is streamed again.
    if (this.recovering) return;
    const commits: Promise<boolean>[] = [];
    for (const v of this.views.values()) {
      if (v.status === 'failed' || !v.mapper || tx.endLsn <= v.applied) continue;
      const changes = v.mapper.changesFor(tx);
      if (!Array.isArray(changes)) {
        void this.failView(v, changes.error);
        continue;
      }
      if (v.status === 'backfilling') {
        const buf = v.buffer;
        if (buf && changes.length > 0 && (buf.length === 0 || buf[buf.length - 1]!.endLsn < tx.endLsn)) {
          buf.push({ endLsn: tx.endLsn, changes });
        }
        continue;
      }
      v.applied = tx.endLsn;
      if (changes.length === 0) continue;
      const p = this.apply(v, tx.endLsn, changes);
      if (p) commits.push(p);
    }
    this.enqueue(commits, tx.endLsn);
  }

  /**
   * Runs the view's dataflow on one transaction and commits the result; null when nothing
   * changed. The promise resolves true once committed, false when the commit failed (storage
   * recovery has then been started).
   */
  private apply(v: ViewState, lsn: bigint, changes: readonly SourceChange[]): Promise<boolean> | null {
    let delta;
    try {
      delta = v.compiled!.step(changes);
    } catch (err) {
      if (!(err instanceof SqlRuntimeError)) this.opts.log(`view ${v.def.name}: internal error: ${(err as Error).stack}`);
      void this.failView(v, `evaluating the view failed at ${formatLsn(lsn)}: ${(err as Error).message}`);
      return null;
    }
    if (!delta) return null;
    this.inflight++;
    if (this.inflight > MAX_INFLIGHT) this.stream?.pause();
    const name = v.def.name;
    return this.opts.store.commit(name, lsn, v.seq++, delta).then(
      (res) => {
        this.released();
        if (res) this.publish(v, { view: name, token: res.token, prev: res.prev, lsn, changes: res.changes });
        return true;
      },
      (err: unknown) => {
        this.released();
        this.onStoreFailure(err as Error);
        return false;
      },
    );
  }

  private publish(v: ViewState, e: DiffEvent): void {
    v.lastToken = e.token;
    for (const l of this.listeners) l.diff(e);
  }

  private released(): void {
    if (this.inflight > 0) this.inflight--;
    if (this.inflight < MAX_INFLIGHT / 4) this.stream?.resume();
  }

  /** Advances `reflected` to lsn once everything issued before (and `commits`) has resolved. */
  private enqueue(commits: Promise<boolean>[], lsn: bigint): void {
    const prev = this.chain;
    this.chain = (commits.length === 0 ? prev : Promise.all([prev, ...commits]).then(() => {}))
      .then(() => this.reflect(lsn))
      .catch((err: Error) => this.opts.log(`internal error while advancing to ${formatLsn(lsn)}: ${err.stack}`));
  }

  private reflect(lsn: bigint): void {
    if (this.recovering || lsn <= this.reflected) return;
    this.reflected = lsn;
    for (const w of this.waiters) {
      const v = this.views.get(w.view);
      if (!v) continue;
      const r = this.viewReflected(v);
      if (r !== null && r >= w.lsn) this.settle(w, true);
    }
  }

  /** Where streaming (re)starts: everything before it is stored (or held for a backfill). */
  private resumeLsn(): bigint {
    let d = this.durable;
    for (const v of this.views.values()) if (v.hold !== null && v.hold < d) d = v.hold;
    return d;
  }

  /** How far the slot may be acknowledged: the resume point, as of ACK_DELAY_MS ago. */
  private ackLsn(): bigint {
    const cutoff = Date.now() - ACK_DELAY_MS;
    while (this.recentDurable.length > 0 && this.recentDurable[0]!.at <= cutoff) this.ackable = this.recentDurable.shift()!.lsn;
    const r = this.resumeLsn();
    return this.ackable < r ? this.ackable : r;
  }

  private async writeCheckpoint(): Promise<void> {
    if (this.checkpointing || this.recovering) return;
    const target = this.reflected;
    if (target <= this.durable) return;
    this.checkpointing = true;
    try {
      const live = [...this.views.values()].filter((v) => v.status === 'running' && v.liveFrom !== null).map((v) => v.def.name);
      await this.opts.store.setCheckpoint(target, this.opts.slot, live);
      if (!this.recovering && target > this.durable) {
        this.durable = target;
        this.recentDurable.push({ at: Date.now(), lsn: target });
      }
      this.stream?.acknowledgeNow();
    } catch (err) {
      this.opts.log(`checkpoint failed: ${(err as Error).message}`);
    } finally {
      this.checkpointing = false;
    }
  }

  /** Emits a position marker into the WAL so that idle streams prove their position quickly. */
  private requestMarker(): void {
    if (this.markerInFlight) {
      this.markerAgain = true;
      return;
    }
    this.markerInFlight = true;
    this.db
      .query("SELECT pg_logical_emit_message(false, 'deltaview', '')")
      .catch((err: Error) => this.opts.log(`position marker failed: ${err.message}`))
      .finally(() => {
        // allow the next marker once this one has had time to arrive
        setTimeout(() => {
          this.markerInFlight = false;
          if (this.markerAgain && this.waiters.size > 0) {
            this.markerAgain = false;
            this.requestMarker();
          }
        }, 5).unref();
      });
  }

  /**
   * Gives a stateful view fresh operators rebuilt from the state stored with its rows (as of its
   * stored position); stateless views have nothing to rebuild.
   */
  private async restoreState(v: ViewState): Promise<void> {
    if (!v.compiled?.stateful) return;
    const started = Date.now();
    const compiled = await compileView(v.def.sql, this.catalog, this.settings);
    let entries = 0;
    for await (const chunk of this.opts.store.readState(v.def.name)) {
      compiled.restore(chunk);
      entries += chunk.length;
    }
    if (entries === 0) compiled.restore([]);
    v.compiled = compiled;
    v.mapper = new SourceMapper(compiled.sources);
    this.opts.log(`view ${v.def.name}: operator state restored from ${entries} stored input rows in ${Date.now() - started} ms`);
  }

  // ---------------------------------------------------------------- backfill

  private startBackfill(v: ViewState): void {
    v.status = 'backfilling';
    v.buffer = [];
    v.liveFrom = null;
    v.backfill = { rowsDone: 0, rowsEstimated: 0 };
    // Hold the slot from before the snapshot exists (S >= reflected) until the handoff lands.
    v.hold = this.reflected;
    this.backfill(v).catch((err: Error) => {
      if (this.views.get(v.def.name) !== v || this.stopped || v.status === 'failed') return;
      const definite = err instanceof SqlRuntimeError || err instanceof DeltaviewError;
      if (definite || ++v.backfillFailures >= 5) {
        v.hold = null;
        void this.failView(v, `backfill failed: ${err.message}`);
        return;
      }
      const delay = 500 * 2 ** v.backfillFailures;
      this.opts.log(`view ${v.def.name}: backfill attempt failed (${err.message}); retrying in ${delay} ms`);
      setTimeout(() => {
        if (this.views.get(v.def.name) === v && !this.stopped && v.status === 'backfilling') this.startBackfill(v);
      }, delay).unref();
    });
  }

  private async backfill(v: ViewState): Promise<void> {
    const { store, log } = this.opts;
    const name = v.def.name;
    if (v.compiled!.stateful) {
      // every attempt starts from empty operator state
      v.compiled = await compileView(v.def.sql, this.catalog, this.settings);
      v.mapper = new SourceMapper(v.compiled.sources);
    }
    const compiled = v.compiled!;
    const alive = () => this.views.get(name) === v && !this.stopped && v.status === 'backfilling';
    await store.beginBackfill(name);
    const started = Date.now();
    const snap = await openSnapshot(this.opts.pgUrl);
    let snapshotLsn: bigint;
    try {
      snapshotLsn = snap.lsn;
      v.hold = snapshotLsn; // what ends at or before S is in the snapshot; what ends after is only in memory
      let estimated = 0;
      for (const t of compiled.sources) estimated += await snap.estimateRows(t);
      v.backfill = { rowsDone: 0, rowsEstimated: estimated };
      log(`view ${name}: backfilling from snapshot at ${formatLsn(snapshotLsn)} (~${estimated} source rows)`);
      let done = 0;
      let lastLog = Date.now();
      const initial = compiled.initialize();
      if (initial) await store.writeBackfill(name, initial.changes, initial.state, 0);
      for (const t of compiled.sources) {
        await snap.readTable(t, this.opts.backfillBatch ?? 5000, async (rows) => {
          if (!alive()) throw new Error('view was deleted');
          const delta = compiled.step(rows.map((row) => ({ kind: 'insert', table: t.id, row })));
          done += rows.length;
          v.backfill = { rowsDone: done, rowsEstimated: Math.max(estimated, done) };
          if (delta) await store.writeBackfill(name, delta.changes, delta.state, done);
          if (Date.now() - lastLog > 5000) {
            lastLog = Date.now();
            log(`view ${name}: backfilled ${done} of ~${Math.max(estimated, done)} rows`);
          }
        });
      }
      if (!alive()) return;
      await store.finishBackfill(name, snapshotLsn);
      log(`view ${name}: backfilled ${done} rows in ${Date.now() - started} ms; running`);
    } finally {
      await snap.close();
    }
    if (!alive()) return;
    if (this.recovering) throw new Error('storage is recovering');
    // Synchronously hand over from the buffer to the live stream: no transaction can slip between.
    v.status = 'running';
    v.seq = 0;
    v.lastToken = `${snapshotLsn}-0`;
    const commits: Promise<boolean>[] = [];
    let last = snapshotLsn;
    for (const b of v.buffer ?? []) {
      if (b.endLsn <= snapshotLsn) continue; // already in the snapshot
      const p = this.apply(v, b.endLsn, b.changes);
      if (p) commits.push(p);
      last = b.endLsn;
    }
    v.buffer = null;
    v.applied = last;
    v.backfill = null;
    const prev = this.chain;
    this.chain = Promise.all([prev, ...commits]).then((done) => {
      if (this.views.get(name) !== v || v.status !== 'running') return;
      if (done.includes(false)) {
        // the buffered transactions exist only in memory: start over from a new snapshot
        this.startBackfill(v);
        return;
      }
      v.hold = null;
      v.backfillFailures = 0;
      v.liveFrom = last;
      let pending = false;
      for (const w of this.waiters) {
        if (w.view !== name) continue;
        if ((this.viewReflected(v) ?? -1n) >= w.lsn) this.settle(w, true);
        else pending = true;
      }
      if (pending) this.requestMarker();
    });
  }

  // ---------------------------------------------------------------- failures

  private async failView(v: ViewState, message: string): Promise<void> {
    if (v.status === 'failed' && v.error === message) return;
    v.status = 'failed';
    v.error = message;
    v.buffer = null;
    v.hold = null;
    this.opts.log(`view ${v.def.name} failed: ${message}`);
    for (const w of [...this.waiters]) if (w.view === v.def.name) this.settle(w, false);
    for (const l of this.listeners) l.gone(v.def.name, 'view_failed', message);
    if (this.views.get(v.def.name) === v) await this.opts.store.markFailed(v.def.name, message).catch(() => {});
  }

  /**
   * Redis rejected a commit: what is in memory past the stored positions can no longer be
   * trusted. Stop the stream, reload every running view's stored position and sequence,
   * republish diffs that landed but whose replies were lost, and stream again from the
   * lowest stored position.
   */
  private onStoreFailure(err: Error): void {
    if (this.recovering || this.stopped) return;
    this.recovering = true;
    this.opts.log(`storage failed (${err.message}); restarting the stream from the stored positions`);
    void (async () => {
      let delay = 200;
      await this.stream?.stop();
      await this.chain;
      while (!this.stopped) {
        try {
          let from = this.durable;
          for (const v of this.views.values()) {
            if (v.status !== 'running') continue; // backfilling views retry on their own; failed ones are out
            const meta = await this.opts.store.getMeta(v.def.name);
            if (meta.status !== 'running' || meta.lsn === null) continue;
            // in-memory operator state may be ahead of what was stored: rebuild it from storage
            await this.restoreState(v);
            v.applied = meta.lsn;
            v.liveFrom = meta.lsn;
            v.seq = meta.seq;
            v.hold = null;
            if (meta.lsn < from) from = meta.lsn;
            await this.republish(v, meta.token);
          }
          this.durable = from;
          this.recentDurable = this.recentDurable.filter((d) => d.lsn <= from);
          if (this.ackable > from) this.ackable = from;
          this.reflected = from;
          this.inflight = 0;
          this.chain = Promise.resolve();
          this.recovering = false;
          await this.stream?.start(true);
          this.opts.log(`stream restarted from ${formatLsn(this.resumeLsn())}`);
          return;
        } catch (e) {
          this.recovering = true;
          this.opts.log(`recovery attempt failed: ${(e as Error).message}; retrying in ${delay} ms`);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 5000);
        }
      }
    })();
  }

  /** Sends subscribers the diffs stored after the last one they were given (replies lost with a connection). */
  private async republish(v: ViewState, current: string | null): Promise<void> {
    if (v.lastToken === null || current === null || v.lastToken === current) return;
    const entries = await this.opts.store.logSince(v.def.name, v.lastToken, current);
    if (entries === null) {
      for (const l of this.listeners) l.gone(v.def.name, 'lagging', 'the diff stream was interrupted; reconnect with ?since=<last token> to resume');
      v.lastToken = current;
      return;
    }
    for (const e of entries) this.publish(v, { view: v.def.name, token: e.token, prev: e.prev, lsn: BigInt(e.token.split('-')[0]!), changes: e.changes });
  }
}
