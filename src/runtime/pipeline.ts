/**
 * The runtime: one source's stream of transactions fed to every view that
 * reads them, each view's output committed to storage in commit order (its
 * commit queue and sequence number), backfills handed over to the live
 * stream. Positions and the checkpoint are the Checkpointer's
 * (checkpointer.ts), read-your-writes the ReadWaiters' (waiters.ts), snapshot
 * reads the backfiller's (backfill.ts), storage failures recovery.ts's.
 *
 * After a restart each view skips what its stored position already covers;
 * stateful views rebuild their operators from the state stored with their
 * rows. Each commit carries the view's sequence number, so a commit lost with
 * a connection can never be overtaken by a later one.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaBatch } from '../cdc/kafka/source.ts';
import type { Position, Source, SourceTx, StreamChange } from '../cdc/types.ts';
import { DeltaviewError, SqlRuntimeError } from '../errors.ts';
import { FencedError, type KafkaCommit, type RedisStore, type StoredViewDef } from '../storage/redis-store.ts';
import { compileView } from '../views/index.ts';
import { LIMITS } from '../views/limits.ts';
import { parseTypeName } from '../values/index.ts';
import type { Column, SourceChange, SqlSettings, TableCatalog, TableInfo, ViewDelta } from '../views/types.ts';
import { backfillView, feedSnapshot } from './backfill.ts';
import { Checkpointer } from './checkpointer.ts';
import { KafkaFeed, partitionKey } from './kafka-feed.ts';
import { recoverFromStorage } from './recovery.ts';
import { SourceMapper } from './source-mapping.ts';
import { newViewState, ViewIndex, type Buffered, type ViewState, type ViewStatus } from './view-state.ts';
import { ReadWaiters } from './waiters.ts';

export type { ViewStatus } from './view-state.ts';

export interface PipelineOptions {
  readonly source: Source;
  readonly store: RedisStore;
  /** Recorded with the checkpoint (the replication slot's name). */
  readonly slot: string;
  readonly log: (msg: string) => void;
  /** Rows per snapshot fetch during backfills. */
  readonly backfillBatch?: number;
  /** Kafka sources (none when absent). */
  readonly kafka?: KafkaFeed;
  /** Told of every commit that landed (metrics). */
  readonly observer?: PipelineObserver;
}

/** What the runtime reports as it goes (src/server/metrics.ts counts it). */
export interface PipelineObserver {
  /** A view's commit of one transaction or Kafka batch landed, `seconds` after the change reached the runtime, with `changes` row changes. */
  committed(view: string, seconds: number, changes: number): void;
}

/** How far the PostgreSQL side is behind (see Pipeline.replicationStatus). */
export interface ReplicationStatus {
  readonly lagBytes: number;
  readonly lagSeconds: number;
  readonly retainedBytes: number | null;
}

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
  readonly backfill: { readonly rowsDone: number; readonly rowsEstimated: number; readonly rowsPerSecond: number } | null;
  /** Per Kafka source the view reads: per partition, the next offset not yet reflected (while running). */
  readonly offsets: Readonly<Record<string, Readonly<Record<string, string>>>> | null;
}

/** Snapshot rows per fetch: measured fastest between 500 and 20,000 (a batch stays in the young generation). */
const BACKFILL_BATCH = 2000;
const MAX_INFLIGHT = 2000;
/** View names appear in URLs and Redis hash tags ({v:NAME}): identifiers only. */
const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** The stored definition of a compiled view. */
function storedDef(compiled: NonNullable<ViewState['compiled']>, createdAt: string): StoredViewDef {
  return {
    name: compiled.name,
    sql: compiled.sql,
    createdAt,
    columns: compiled.columns.map((c) => ({ name: c.name, type: c.type.display })),
    key: compiled.key,
    dependsOn: compiled.dependsOn,
    sources: compiled.sources.map((t) => ({
      table: `"${t.schema}"."${t.name}"`,
      id: t.id,
      columns: [...(compiled.reads.get(t.id) ?? [])].sort((a, b) => a - b).map((i) => `${t.columns[i]!.name} ${t.columns[i]!.type.display}`),
    })),
  };
}

export class Pipeline {
  private readonly views = new ViewIndex(() => this.source?.readsChanged?.());
  private readonly reserved = new Set<string>();
  private readonly listeners: PipelineListener[] = [];
  private readonly waiters = new ReadWaiters();
  private readonly source: Source;
  /** Kafka sources; `kafka.available` is false without KAFKA_BROKERS. */
  readonly kafka: KafkaFeed;
  private readonly positions: Checkpointer;
  /** Resolves once everything issued so far has landed and moved `reflected` (the commit queue). */
  private chain: Promise<void> = Promise.resolve();
  private inflight = 0;
  /** The identity of the Redis data set the views are written to (see checkStorage). */
  private epoch: string | null = null;
  private durableWrittenAt = 0;
  /** The source keeps a durable catalog (it could be created and read). */
  private durableOk = false;
  private durableWriting = false;
  private recovering = false;
  private stopped = false;
  /** Commit times of transactions received but not yet reflected, oldest first (replication lag in seconds). */
  private readonly unreflected: { end: Position; ms: number }[] = [];
  private replication: { at: number; value: Promise<ReplicationStatus | null> } | null = null;

  constructor(private readonly opts: PipelineOptions) {
    this.source = opts.source;
    this.kafka = opts.kafka ?? new KafkaFeed(null, opts.store, opts.log);
    this.positions = new Checkpointer({
      store: opts.store,
      slot: opts.slot,
      log: opts.log,
      liveViews: () => [...this.views.values()].filter((v) => v.status === 'running' && v.liveFrom !== null).map((v) => v.def.name),
      lowestHold: () => {
        let h: Position | null = null;
        for (const v of this.views.values()) if (v.hold !== null && (h === null || v.hold < h)) h = v.hold;
        return h;
      },
      onDurable: () => {
        this.source.acknowledgeNow();
        this.noteDurable();
      },
    });
  }

  addListener(l: PipelineListener): void {
    this.listeners.push(l);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Prepares the source, restores every view from storage and starts streaming. */
  async start(): Promise<void> {
    const { store, log } = this.opts;
    const { historyLost, confirmed } = await this.source.prepare();
    let checkpoint = historyLost ? null : await store.getCheckpoint();
    const rebuild = await this.checkStorage(checkpoint, confirmed);
    if (rebuild) checkpoint = null;
    if (this.durableOk) this.kafka.mirror = this.source.durable!;
    await this.kafka.load();
    const toBackfill: ViewState[] = [];
    let from = checkpoint ?? 0n;
    // every definition first: a view may read views stored after it
    const restored: { v: ViewState; meta: Awaited<ReturnType<RedisStore['getMeta']>> }[] = [];
    for (const def of await store.listViewDefs()) {
      const meta = await store.getMeta(def.name);
      const v = newViewState(def, meta.seq, meta.token, meta.error);
      this.views.set(v);
      restored.push({ v, meta });
    }
    for (const { v, meta } of restored) {
      const def = v.def;
      if (meta.status === 'failed' && !rebuild) continue;
      let compiled;
      try {
        compiled = await this.compile(def.sql);
        this.setCompiled(v, compiled);
      } catch (err) {
        await this.failView(v, `cannot restore view: ${(err as Error).message}`);
        continue;
      }
      // sources that changed while the server was down: the stored rows no longer follow from them
      let changed: string[];
      try {
        changed = await this.sourceChanges(def, compiled);
      } catch (err) {
        await this.failView(v, `cannot restore view: ${(err as Error).message}`);
        continue;
      }
      if (changed.length > 0) {
        log(`view ${def.name}: ${changed.join('; ')}; rebuilding it from a snapshot`);
        v.def = storedDef(compiled, def.createdAt);
        await store.replaceViewDef(v.def);
        await this.durablePut(v.def);
        toBackfill.push(v);
        continue;
      }
      if (meta.status === 'running' && meta.lsn !== null && !historyLost && !rebuild) {
        try {
          await this.restoreState(v);
        } catch (err) {
          await this.failView(v, `cannot restore the view's operator state: ${(err as Error).message}`);
          continue;
        }
        v.status = 'running';
        v.applied = meta.lsn;
        v.kafka = new Map(meta.kafka);
        v.liveFrom = meta.lsn;
        if (meta.lsn < from || from === 0n) from = meta.lsn;
      } else {
        if (historyLost && meta.status === 'running') log(`view ${def.name}: the source's history was lost (new replication slot); backfilling again`);
        toBackfill.push(v);
      }
    }
    this.positions.init(from);
    // Redis may come back without its data: then rebuild rather than serve or extend empty views
    this.opts.store.reconnected.push(() => {
      void this.opts.store.getEpoch().then(
        (e) => {
          if (e !== this.epoch && !this.recovering && !this.stopped) this.onStoreFailure(new Error('Redis reconnected without the data set the views were written to'));
        },
        () => {},
      );
    });
    log(`restored ${this.views.size} view(s); streaming from ${this.source.formatPosition(from)}`);
    await this.source.start({
      onTransaction: (tx) => this.onTransaction(tx),
      onPosition: (p) => this.enqueue([], p),
      resumePosition: () => this.positions.resumePosition(),
      ackPosition: () => this.positions.ackPosition(),
      columnsRead: (id) => this.views.columnsRead(id),
    });
    this.positions.start();
    await this.kafka.start((b) => this.onKafkaBatch(b));
    for (const v of toBackfill) this.startBackfill(v);
  }

  /** Stops streaming after writing a final checkpoint; in-flight commits are awaited. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.source.stop();
    await this.kafka.stop();
    await this.chain;
    await this.positions.stop();
    this.waiters.cancel();
    await this.source.close();
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
    const compiled = await this.compile(sql);
    const name = compiled.name;
    if (!VIEW_NAME.test(name)) {
      throw new DeltaviewError('bad_request', `view name "${name}" is not usable: view names are identifiers (letters, digits, _ and $, starting with a letter or _, at most 63 characters) because they appear in URLs and Redis keys`);
    }
    if (this.views.has(name) || this.reserved.has(name)) throw new DeltaviewError('already_exists', `view "${name}" already exists`);
    if (this.views.size + this.reserved.size >= LIMITS.views) throw new DeltaviewError('bad_request', `this server maintains ${this.views.size} views; the limit is ${LIMITS.views}`);
    this.reserved.add(name);
    try {
      for (const t of compiled.sources) if (!isKafka(t.id)) await this.source.includeRelation(t);
      const def = storedDef(compiled, new Date().toISOString());
      if (!(await this.opts.store.putViewDef(def))) throw new DeltaviewError('already_exists', `view "${name}" already exists`);
      await this.durablePut(def);
      const v = newViewState(def, 0, null, null);
      v.status = 'backfilling';
      v.buffer = [];
      this.setCompiled(v, compiled);
      this.views.set(v);
      this.startBackfill(v);
      return this.info(v);
    } finally {
      this.reserved.delete(name);
    }
  }

  async delete(name: string): Promise<void> {
    const v = this.state(name);
    const readers = [...this.views.values()].filter((o) => o !== v && (o.def.dependsOn ?? []).includes(name)).map((o) => `"${o.def.name}"`);
    if (readers.length > 0) throw new DeltaviewError('conflict', `view "${name}" is read by ${readers.length > 1 ? 'views' : 'view'} ${readers.join(', ')}; delete ${readers.length > 1 ? 'those' : 'that'} first`);
    this.views.delete(name);
    v.hold = null;
    this.waiters.cancel(name);
    for (const l of this.listeners) l.gone(name, 'not_found', `view "${name}" was deleted`);
    await this.chain; // commits already issued for it land before its keys go
    try {
      await this.opts.store.deleteView(name);
    } catch (err) {
      // storage failed: the view stays, rebuilt from a snapshot (it missed transactions meanwhile)
      this.views.set(v);
      this.startBackfill(v);
      throw new DeltaviewError('unavailable', `view "${name}" could not be deleted: storage failed (${(err as Error).message}); it stays and is being rebuilt, try again`);
    }
    if (this.durableOk) await this.source.durable!.deleteView(name).catch((err: Error) => this.opts.log(`warning: view ${name}: cannot delete its definition from the source database: ${err.message}`));
    this.opts.log(`view ${name} deleted (was ${v.status})`);
  }

  /**
   * Replication status for metrics: how far the source's log has gone beyond what every view
   * reflects (bytes), the commit time of the oldest transaction not yet reflected, and the WAL the
   * slot retains.
   */
  replicationStatus(): Promise<ReplicationStatus | null> {
    // one query to PostgreSQL per half second, however many readers (metrics, console) ask
    const now = Date.now();
    if (this.replication === null || now - this.replication.at > 500) this.replication = { at: now, value: this.readReplicationStatus() };
    return this.replication.value;
  }

  private async readReplicationStatus(): Promise<ReplicationStatus | null> {
    const s = await this.source.logStatus?.();
    if (s === undefined) return null;
    const reflected = this.positions.reflected;
    const lagBytes = s.current > reflected ? Number(s.current - reflected) : 0;
    const oldest = this.unreflected[0];
    const lagSeconds = oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.ms) / 1000);
    return { lagBytes, lagSeconds, retainedBytes: s.retainedBytes };
  }

  /** The position the view reflects (null while it is not live). */
  reflectedLsn(name: string): Position | null {
    return this.viewReflected(this.state(name));
  }

  /**
   * Waits until the view is live and reflects every transaction ending at or before `lsn`
   * (0n: just live). Resolves false on timeout.
   */
  waitFor(name: string, lsn: Position, timeoutMs: number): Promise<boolean> {
    const v = this.state(name);
    if (v.status === 'failed') return Promise.resolve(false);
    const r = this.viewReflected(v);
    if (r !== null && r >= lsn) return Promise.resolve(true);
    const p = this.waiters.wait(name, lsn, timeoutMs);
    if (v.liveFrom !== null && lsn > 0n) this.source.requestPosition();
    return p;
  }

  /**
   * Start-up check that Redis holds what the views were written to, against the durable catalog
   * in the source (src/cdc/pg/durable.ts). True when it does not (its data was lost, it came back
   * from an older backup, or the source forgot history Redis still needs): the definitions are
   * then put back from the durable catalog and every view is rebuilt from a fresh snapshot.
   * Also keeps the two catalogs and epochs in step on a normal start.
   */
  private async checkStorage(checkpoint: Position | null, confirmed: Position | null): Promise<boolean> {
    const { store, log } = this.opts;
    const durable = this.source.durable;
    let record: Awaited<ReturnType<NonNullable<typeof durable>['load']>> | null = null;
    if (durable !== undefined) {
      try {
        record = await durable.load();
        this.durableOk = true;
      } catch (err) {
        log(`warning: cannot keep the view catalog in the source database (${(err as Error).message}); losing Redis would lose the view definitions`);
      }
    }
    const epoch = await store.getEpoch();
    const fmt = (p: Position | null) => (p === null ? 'none' : this.source.formatPosition(p));
    let reason: string | null = null;
    if (record !== null && record.epoch !== null && epoch !== record.epoch && record.views.length > 0) {
      reason = epoch === null ? 'Redis holds none of the data the views were written to (it lost its data)' : 'Redis holds another data set than the views were written to';
    } else if (record !== null && record.checkpoint !== null && (checkpoint === null || checkpoint < record.checkpoint)) {
      reason = `Redis is older than the checkpoint it once held (${fmt(checkpoint)} < ${fmt(record.checkpoint)}; restored from an older backup?)`;
    } else if (checkpoint !== null && confirmed !== null && confirmed > checkpoint) {
      reason = `the replication slot has moved past what Redis holds (${fmt(confirmed)} > ${fmt(checkpoint)}): the changes between are gone`;
    }
    if (reason === null) {
      // a normal start: the durable catalog learns what it lacks; a first start gets an epoch
      if (record !== null) {
        // jsonb keeps keys in its own order: compare with keys sorted
        const canonical = (d: unknown) =>
          JSON.stringify(d, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
        const stored = new Map((record.views as StoredViewDef[]).map((d) => [d.name, canonical(d)]));
        const defs = await store.listViewDefs();
        for (const def of defs) if (stored.get(def.name) !== canonical(def)) await durable!.putView(def.name, def);
        const known = new Set(defs.map((d) => d.name));
        for (const name of stored.keys()) if (!known.has(name)) await durable!.deleteView(name);
        const storedSources = new Map((record.sources as { name: string }[]).map((d) => [d.name, canonical(d)]));
        const sources = (await store.listSources()) as { name: string }[];
        for (const d of sources) if (storedSources.get(d.name) !== canonical(d)) await durable!.putSource(d.name, d);
        const declared = new Set(sources.map((d) => d.name));
        for (const name of storedSources.keys()) if (!declared.has(name)) await durable!.deleteSource(name);
      }
      this.epoch = epoch ?? randomUUID();
      if (epoch === null) await store.setEpoch(this.epoch);
      if (record !== null && record.epoch !== this.epoch) await durable!.setEpoch(this.epoch);
      return false;
    }
    log(`storage: ${reason}; rebuilding every view from a fresh snapshot`);
    if (record !== null) for (const d of record.sources as { name: string }[]) await store.putSource(d.name, d);
    if (record !== null && record.views.length > 0) {
      const keep = new Set((record.views as StoredViewDef[]).map((d) => d.name));
      for (const def of await store.listViewDefs()) if (!keep.has(def.name)) await store.deleteView(def.name);
      for (const def of record.views as StoredViewDef[]) await store.replaceViewDef(def);
    }
    this.epoch = randomUUID();
    await store.setEpoch(this.epoch);
    if (record !== null) await durable!.setEpoch(this.epoch);
    return true;
  }

  /**
   * Mid-stream: Redis answers but no longer holds this runtime's data set (it restarted empty, or
   * another data set took its place). Puts every definition back, starts a new epoch and rebuilds
   * every view from a fresh snapshot; readers of a rebuilding view wait (status backfilling) and
   * its subscribers are told to reconnect. True when it did.
   */
  private async rebuildIfLost(): Promise<boolean> {
    const { store, log } = this.opts;
    const epoch = await store.getEpoch();
    if (epoch !== null && epoch === this.epoch) return false;
    log(`storage: Redis no longer holds the data the views were written to (${epoch === null ? 'it lost its data' : 'another data set'}); rebuilding every view from a fresh snapshot`);
    await this.kafka.storeDeclarations();
    for (const v of this.views.values()) await store.replaceViewDef(v.def);
    this.epoch = randomUUID();
    await store.setEpoch(this.epoch);
    if (this.durableOk) await this.source.durable!.setEpoch(this.epoch);
    for (const v of this.views.values()) {
      if (v.status === 'failed') {
        await store.markFailed(v.def.name, v.error ?? 'failed');
        continue;
      }
      for (const l of this.listeners) l.gone(v.def.name, 'rebuilding', `view "${v.def.name}" is being rebuilt (storage lost its data); reconnect to get a fresh snapshot once it runs`);
      v.hold = null;
      this.startBackfill(v);
    }
    return true;
  }

  /** Keeps a definition in the durable catalog too (a failure there is logged, not fatal). */
  private async durablePut(def: StoredViewDef): Promise<void> {
    if (!this.durableOk) return;
    await this.source.durable!.putView(def.name, def).catch((err: Error) => this.opts.log(`warning: view ${def.name}: cannot keep its definition in the source database: ${err.message}`));
  }

  /** Writes the durable checkpoint to the durable catalog, at most every few seconds. */
  private noteDurable(): void {
    const durable = this.source.durable;
    if (durable === undefined || !this.durableOk || this.epoch === null || this.durableWriting) return;
    const now = Date.now();
    if (now - this.durableWrittenAt < 5000) return;
    this.durableWriting = true;
    this.durableWrittenAt = now;
    void durable
      .setCheckpoint(this.epoch, this.positions.durable)
      .catch(() => {})
      .finally(() => (this.durableWriting = false));
  }

  /**
   * How the sources of a restored view differ from what it was built over (recreated under the
   * same name, a read column retyped, no longer streamed completely); makes them stream again.
   */
  private async sourceChanges(def: StoredViewDef, compiled: NonNullable<ViewState['compiled']>): Promise<string[]> {
    const out: string[] = [];
    const now = storedDef(compiled, def.createdAt).sources!;
    for (const t of now) {
      const was = def.sources?.find((s) => s.table === t.table);
      if (was === undefined) continue;
      if (was.id !== t.id) out.push(`source table ${t.table} was dropped and created again`);
      else if (was.columns.join() !== t.columns.join()) out.push(`columns of source table ${t.table} changed (${was.columns.join(', ')} → ${t.columns.join(', ')})`);
    }
    for (const t of compiled.sources) {
      if (!isKafka(t.id) && (await this.source.includeRelation(t))) out.push(`source table "${t.schema}"."${t.name}" was not streamed completely (not in the publication, or REPLICA IDENTITY not FULL)`);
    }
    return out;
  }

  /** The views a new or restored view may read by name. */
  private readonly viewCatalog = { lookup: (name: string) => this.views.get(name)?.def.sql };

  /** PostgreSQL tables and Kafka sources, as views name them: a Kafka source by its name, or as kafka.<name>. */
  private readonly catalog: TableCatalog = {
    lookup: async (schema, name) => {
      if (schema === null || schema === 'kafka') {
        const t = this.kafka.table(name);
        if (t !== undefined || schema === 'kafka') return t;
      }
      return this.source.catalog.lookup(schema, name);
    },
  };

  private compile(sql: string): Promise<NonNullable<ViewState['compiled']>> {
    return compileView(sql, this.catalog, this.source.settings(), this.viewCatalog);
  }

  /** Declares a Kafka source (POST /v1/sources). */
  async declareSource(body: unknown): Promise<void> {
    await this.kafka.declare(body, async (name) => (await this.source.catalog.lookup(null, name)) !== undefined);
  }

  /**
   * A query over sources (POST /v1/query naming tables rather than views), answered once: the
   * statement compiled as a view and fed one consistent snapshot of its sources, in memory.
   */
  async batchQuery(statement: string): Promise<{ rows: string[]; columns: readonly Column[]; lsn: Position }> {
    const compiled = await this.compile(statement);
    const snap = await this.source.openSnapshot();
    try {
      const kafka = await this.kafka.snapshot(compiled.sources);
      const out = new Map<string, string>();
      const apply = (d: ViewDelta | null) => {
        for (const c of d?.changes ?? []) {
          if (c.op === 'delete') out.delete(c.key);
          else out.set(c.key, c.row);
        }
      };
      apply(compiled.initialize());
      await feedSnapshot(compiled, snap, kafka, this.opts.backfillBatch ?? BACKFILL_BATCH, async (d) => apply(d));
      return { rows: [...out.values()], columns: compiled.columns, lsn: snap.position };
    } finally {
      await snap.close();
    }
  }

  /** A view's output columns with their types (for filters over them). */
  columns(name: string): readonly Column[] {
    const v = this.state(name);
    return v.compiled?.columns ?? v.def.columns.map((c) => ({ name: c.name, type: parseTypeName(c.type) }));
  }

  /** The source database's settings that change SQL semantics. */
  sqlSettings(): SqlSettings {
    return this.source.settings();
  }

  /** The PostgreSQL tables views can read. */
  async postgresTables(): Promise<{ schema: string; name: string }[]> {
    return (await this.source.catalog.list?.()) ?? [];
  }

  /** A PostgreSQL table by name (as a view would resolve it), or undefined. */
  postgresTable(schema: string | null, name: string): Promise<TableInfo | undefined> {
    return this.source.catalog.lookup(schema, name);
  }

  /** The views reading a relation. */
  readersOf(relationId: string): string[] {
    return [...this.views.reading([relationId])].map((v) => v.def.name).sort();
  }

  /** Deletes a Kafka source; a conflict while a view reads it. */
  async deleteSource(name: string): Promise<void> {
    const readers = [...this.views.values()].filter((v) => (v.compiled?.sources ?? []).some((t) => t.id === `kafka:${name}`) || v.def.sources?.some((t) => t.id === `kafka:${name}`));
    if (readers.length > 0) throw new DeltaviewError('conflict', `source "${name}" is read by ${readers.map((v) => `"${v.def.name}"`).join(', ')}; delete ${readers.length > 1 ? 'those views' : 'that view'} first`);
    await this.kafka.undeclare(name);
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
      offsets: this.kafkaOffsets(v),
    };
  }

  /**
   * Per Kafka source a running view reads, per partition: the next offset not yet reflected in its
   * stored rows (the source's stored position, or the view's own last commit when that is further).
   */
  private kafkaOffsets(v: ViewState): Record<string, Record<string, string>> | null {
    const kafka = (v.compiled?.sources ?? []).filter((t) => isKafka(t.id));
    if (kafka.length === 0 || v.status !== 'running') return null;
    const out: Record<string, Record<string, string>> = {};
    for (const t of kafka) {
      const o: Record<string, string> = {};
      for (const [p, n] of this.kafka.offsets(t.name)) {
        const own = v.kafkaCommitted.get(partitionKey(t.name, p));
        o[String(p)] = String(own !== undefined && own > n ? own : n);
      }
      out[t.name] = o;
    }
    return out;
  }

  private viewReflected(v: ViewState): Position | null {
    if (v.liveFrom === null || v.status !== 'running') return null;
    const r = this.positions.reflected;
    return v.liveFrom > r ? v.liveFrom : r;
  }

  private reflectedByName = (name: string): Position | null => {
    const v = this.views.get(name);
    return v ? this.viewReflected(v) : null;
  };

  /** Installs a (re)compiled dataflow and indexes the view by the relations it reads. */
  private setCompiled(v: ViewState, compiled: NonNullable<ViewState['compiled']>): void {
    v.compiled = compiled;
    v.mapper = new SourceMapper(compiled.sources, compiled.reads);
    if (this.views.get(v.def.name) === v) this.views.reindex(v);
  }

  // ---------------------------------------------------------------- stream

  private onTransaction(tx: SourceTx): void {
    // While recovering, the stream is being stopped; everything after `durable` is streamed again.
    if (this.recovering) return;
    if (tx.commitTimeMs !== undefined && this.unreflected.length < 100_000) this.unreflected.push({ end: tx.endLsn, ms: tx.commitTimeMs });
    const commits: Promise<boolean>[] = [];
    const relations = new Set<string>();
    for (const c of tx.changes) relations.add(c.relation.id);
    for (const v of this.views.reading(relations)) {
      if (v.status === 'failed' || !v.mapper || tx.endLsn <= v.applied) continue;
      if (v.status === 'backfilling' && v.snapshotAt !== null && tx.endLsn <= v.snapshotAt) continue; // in its snapshot
      const changes = v.mapper.changesFor(tx);
      if (!Array.isArray(changes)) {
        void this.failView(v, changes.error);
        continue;
      }
      if (v.status === 'backfilling') {
        const buf = v.buffer;
        if (buf && changes.length > 0 && lastBufferedLsn(buf) < tx.endLsn) buf.push({ endLsn: tx.endLsn, changes });
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
   * One Kafka batch of one partition: fed to every view reading its source (each skipping the
   * offsets it already reflects), then, once those commits landed, stored as the source's position.
   */
  private onKafkaBatch(b: KafkaBatch): void {
    if (this.recovering) return;
    const part = partitionKey(b.source, b.partition);
    const commits: Promise<boolean>[] = [];
    for (const v of this.views.reading([`kafka:${b.source}`])) {
      if (v.status === 'failed' || !v.mapper) continue;
      const from = v.kafka.get(part) ?? 0n;
      if (b.nextOffset <= from) continue;
      const { raw, offsets } = fromOffset(b.changes, b.offsets, from);
      if (v.status === 'backfilling') {
        v.buffer?.push({ partition: part, nextOffset: b.nextOffset, raw, offsets });
        continue;
      }
      const p = this.applyKafka(v, b.source, b.partition, b.nextOffset, raw);
      if (p) commits.push(p);
    }
    const prev = this.chain;
    this.chain = Promise.all([prev, ...commits])
      .then((done) => {
        if (this.recovering || done.includes(false)) return;
        this.kafka.note(b);
        return this.flushKafka();
      })
      .catch((err: Error) => this.onStoreFailure(err));
  }

  /** Stores the Kafka sources' positions that no backfill holds back. */
  private flushKafka(): Promise<void> {
    return this.kafka.flush((source) => {
      for (const v of this.views.reading([`kafka:${source}`])) if (v.hold !== null) return true;
      return false;
    });
  }

  /** Feeds a view the changes of a Kafka batch from `nextOffset`'s partition; the commit, or null (see apply). */
  private applyKafka(v: ViewState, source: string, partition: number, nextOffset: bigint, raw: readonly StreamChange[]): Promise<boolean> | null {
    v.kafka.set(partitionKey(source, partition), nextOffset);
    if (raw.length === 0) return null;
    const changes = v.mapper!.changesFor({ commitLsn: 0n, endLsn: 0n, changes: raw });
    if (!Array.isArray(changes)) {
      void this.failView(v, changes.error);
      return null;
    }
    if (changes.length === 0) return null;
    return this.apply(v, v.applied, changes, { source, partition, nextOffset });
  }

  /**
   * Runs the view's dataflow on one transaction (or Kafka batch) and commits the result; null
   * when nothing changed. The promise resolves true once committed, false when the commit failed
   * (storage recovery has then been started).
   */
  private apply(v: ViewState, lsn: Position, changes: readonly SourceChange[], kafka?: Omit<KafkaCommit, 'logId'>): Promise<boolean> | null {
    const started = performance.now();
    let delta;
    try {
      delta = v.compiled!.step(changes);
    } catch (err) {
      if (!(err instanceof SqlRuntimeError)) this.opts.log(`view ${v.def.name}: internal error: ${(err as Error).stack}`);
      const at = kafka === undefined ? this.source.formatPosition(lsn) : `offset ${kafka.nextOffset - 1n} of ${kafka.source} partition ${kafka.partition}`;
      void this.failView(v, `evaluating the view failed at ${at}: ${(err as Error).message}`);
      return null;
    }
    if (!delta) return null;
    // diff-log ids: `<lsn>-0` for a transaction; a Kafka batch takes the next id after the last one
    if (kafka === undefined) {
      v.logMs = lsn;
      v.logSeq = 0;
    } else {
      const ms = lsn > v.logMs ? lsn : v.logMs;
      v.logSeq = ms === v.logMs ? v.logSeq + 1 : 1;
      v.logMs = ms;
      lsn = ms;
    }
    this.inflight++;
    if (this.inflight > MAX_INFLIGHT) this.pauseSources();
    const name = v.def.name;
    const position = kafka === undefined ? undefined : { ...kafka, logId: `${v.logMs}-${v.logSeq}` };
    return this.opts.store.commit(name, lsn, v.seq++, delta, position).then(
      (res) => {
        this.released();
        this.opts.observer?.committed(name, (performance.now() - started) / 1000, delta.changes.length);
        if (position !== undefined) {
          const part = partitionKey(position.source, position.partition);
          if ((v.kafkaCommitted.get(part) ?? -1n) < position.nextOffset) v.kafkaCommitted.set(part, position.nextOffset);
        }
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
    if (this.inflight < MAX_INFLIGHT / 4) {
      this.source.resume();
      this.kafka.resume();
    }
  }

  private pauseSources(): void {
    this.source.pause();
    this.kafka.pause();
  }

  /** Advances `reflected` to `p` once everything issued before (and `commits`) has resolved. */
  private enqueue(commits: Promise<boolean>[], p: Position): void {
    const prev = this.chain;
    this.chain = (commits.length === 0 ? prev : Promise.all([prev, ...commits]).then(() => {}))
      .then(() => this.reflect(p))
      .catch((err: Error) => this.opts.log(`internal error while advancing to ${this.source.formatPosition(p)}: ${err.stack}`));
  }

  private reflect(p: Position): void {
    let n = 0;
    while (n < this.unreflected.length && this.unreflected[n]!.end <= p) n++;
    if (n > 0) this.unreflected.splice(0, n);
    if (this.recovering || !this.positions.advance(p)) return;
    this.waiters.settleReached(this.reflectedByName);
  }

  /**
   * Gives a stateful view fresh operators rebuilt from the state stored with its rows (as of its
   * stored position); stateless views have nothing to rebuild.
   */
  private async restoreState(v: ViewState): Promise<void> {
    if (!v.compiled?.stateful) return;
    const started = Date.now();
    const compiled = await this.compile(v.def.sql);
    let entries = 0;
    for await (const chunk of this.opts.store.readState(v.def.name)) {
      compiled.restore(chunk);
      entries += chunk.length;
    }
    if (entries === 0) compiled.restore([]);
    this.setCompiled(v, compiled);
    this.opts.log(`view ${v.def.name}: operator state restored from ${entries} stored input rows in ${Date.now() - started} ms`);
  }

  // ---------------------------------------------------------------- backfill

  private startBackfill(v: ViewState): void {
    v.status = 'backfilling';
    v.buffer = [];
    v.snapshotAt = null;
    v.liveFrom = null;
    v.backfill = { rowsDone: 0, rowsEstimated: 0, rowsPerSecond: 0 };
    // Hold the source from before the snapshot exists (S >= reflected) until the handoff lands.
    v.hold = this.positions.reflected;
    const gen = ++v.backfillGen;
    this.backfill(v, gen).catch((err: Error) => {
      if (this.views.get(v.def.name) !== v || this.stopped || v.status === 'failed' || v.backfillGen !== gen || err instanceof FencedError) return;
      // what the data or the SQL says fails the view; I/O (a restart of PostgreSQL or Redis, a
      // dropped connection) never does: the backfill is tried again, at most every 30 s
      const definite = err instanceof SqlRuntimeError || err instanceof DeltaviewError;
      if (definite) {
        v.hold = null;
        void this.failView(v, `backfill failed: ${err.message}`);
        return;
      }
      const delay = Math.min(500 * 2 ** Math.min(++v.backfillFailures, 10), 30_000);
      this.opts.log(`view ${v.def.name}: backfill attempt failed (${err.message}); retrying in ${delay} ms`);
      setTimeout(() => {
        if (this.views.get(v.def.name) === v && !this.stopped && v.status === 'backfilling' && v.backfillGen === gen) this.startBackfill(v);
      }, delay).unref();
    });
  }

  private async backfill(v: ViewState, gen: number): Promise<void> {
    const name = v.def.name;
    const alive = () => this.views.get(name) === v && !this.stopped && v.status === 'backfilling' && v.backfillGen === gen;
    const point = await backfillView(v, {
      source: this.source,
      kafka: this.kafka,
      catalog: this.catalog,
      views: this.viewCatalog,
      store: this.opts.store,
      log: this.opts.log,
      batch: this.opts.backfillBatch ?? BACKFILL_BATCH,
      alive,
    });
    if (point === null || !alive()) return;
    this.views.reindex(v);
    if (this.recovering) throw new Error('storage is recovering');
    // Synchronously hand over from the buffer to the live stream: no transaction can slip between.
    const snapshotLsn = point.lsn;
    v.status = 'running';
    v.seq = 0;
    v.lastToken = `${snapshotLsn}-0`;
    v.logMs = snapshotLsn;
    v.logSeq = 0;
    v.applied = snapshotLsn;
    v.kafka = new Map(point.kafka);
    const commits: Promise<boolean>[] = [];
    let last = snapshotLsn;
    for (const b of v.buffer ?? []) {
      let p: Promise<boolean> | null;
      if ('endLsn' in b) {
        if (b.endLsn <= snapshotLsn) continue; // already in the snapshot
        p = this.apply(v, b.endLsn, b.changes);
        last = v.applied = b.endLsn;
      } else {
        const from = v.kafka.get(b.partition) ?? 0n;
        if (b.nextOffset <= from) continue; // in the snapshot
        const [source, partition] = splitPartition(b.partition);
        p = this.applyKafka(v, source, partition, b.nextOffset, fromOffset(b.raw, b.offsets, from).raw);
      }
      if (p) commits.push(p);
    }
    v.buffer = null;
    v.snapshotAt = null;
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
      void this.flushKafka().catch((err: Error) => this.onStoreFailure(err));
      if (this.waiters.settleReached(this.reflectedByName, name)) this.source.requestPosition();
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
    this.waiters.cancel(v.def.name);
    for (const l of this.listeners) l.gone(v.def.name, 'view_failed', message);
    if (this.views.get(v.def.name) === v) await this.opts.store.markFailed(v.def.name, message).catch(() => {});
  }

  /**
   * Storage rejected a commit: recover (recovery.ts) unless already recovering. A fenced write
   * means another instance owns the views now: nothing is to be recovered or rebuilt here (the
   * store has told the composition, which stops this runtime).
   */
  private onStoreFailure(err: Error): void {
    if (this.recovering || this.stopped || err instanceof FencedError) return;
    this.opts.log(`storage failed (${err.message}); restarting the stream from the stored positions`);
    this.setRecovering(true);
    void recoverFromStorage({
      store: this.opts.store,
      source: this.source,
      positions: this.positions,
      log: this.opts.log,
      views: () => this.views.values(),
      stopped: () => this.stopped,
      drain: () => this.chain,
      setRecovering: (on) => this.setRecovering(on),
      restoreState: (v) => this.restoreState(v),
      kafka: this.kafka,
      rebuildIfLost: () => this.rebuildIfLost(),
      publish: (v, e) => this.publish(v, e),
      gone: (view, code, message) => {
        for (const l of this.listeners) l.gone(view, code, message);
      },
    });
  }

  private setRecovering(on: boolean): void {
    this.recovering = on;
    this.positions.suspended = on;
    if (!on) {
      this.inflight = 0;
      this.chain = Promise.resolve();
    }
  }
}

const isKafka = (relationId: string) => relationId.startsWith('kafka:');

/** The PostgreSQL position of the last transaction a backfill buffer holds (0 when none). */
function lastBufferedLsn(buf: readonly Buffered[]): Position {
  for (let i = buf.length - 1; i >= 0; i--) {
    const b = buf[i]!;
    if ('endLsn' in b) return b.endLsn;
  }
  return 0n;
}

/** The changes of a Kafka batch that came from `from` or later. */
function fromOffset(raw: readonly StreamChange[], offsets: readonly bigint[], from: bigint): { raw: readonly StreamChange[]; offsets: readonly bigint[] } {
  if (offsets.length === 0 || offsets[0]! >= from) return { raw, offsets };
  const keep = offsets.map((o, i) => (o >= from ? i : -1)).filter((i) => i >= 0);
  return { raw: keep.map((i) => raw[i]!), offsets: keep.map((i) => offsets[i]!) };
}

/** `<source>:<partition>` back into its parts. */
function splitPartition(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
