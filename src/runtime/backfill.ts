/**
 * The backfiller: fills a new (or lost) view from one consistent snapshot of
 * its sources (PostgreSQL's exported snapshot, Kafka topics up to their high
 * watermarks), in chunks with progress, and marks it finished at the
 * snapshot's point. What commits after that position reaches the view from
 * the live stream (the runtime buffers it meanwhile and hands over). Every
 * attempt of a stateful view starts from empty operator state.
 */
import type { Position, Source, SourceSnapshot } from '../cdc/types.ts';
import type { Row } from '../values/types.ts';
import type { CompiledView, TableCatalog, TableInfo, ViewDelta } from '../views/types.ts';
import type { KafkaFeed, KafkaSnapshot } from './kafka-feed.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { compileView, type ViewCatalog } from '../views/index.ts';
import { SourceMapper } from './source-mapping.ts';
import type { ViewState } from './view-state.ts';

export interface BackfillDeps {
  readonly source: Source;
  /** Snapshots of the Kafka sources a view reads. */
  readonly kafka: Pick<KafkaFeed, 'snapshot'>;
  /** The catalog views compile against (PostgreSQL tables and Kafka sources). */
  readonly catalog: TableCatalog;
  /** The other views, which a view may read by name. */
  readonly views: ViewCatalog;
  readonly store: RedisStore;
  readonly log: (m: string) => void;
  /** Rows per snapshot fetch. */
  readonly batch: number;
  /** False once the view was deleted, failed or the runtime stopped: the backfill gives up. */
  alive(): boolean;
}

/** Where a backfill's snapshot stands: the PostgreSQL position and the Kafka offsets (per partition) it covers. */
export interface SnapshotPoint {
  readonly lsn: Position;
  readonly kafka: ReadonlyMap<string, bigint>;
}

const isKafka = (t: TableInfo) => t.id.startsWith('kafka:');

/**
 * Backfills `v` (status backfilling) and returns the snapshot point its stored rows now
 * reflect, or null when it gave up because the view is no longer alive. Sets `v.hold` to the
 * snapshot position as soon as it is known and keeps `v.backfill` up to date.
 */
export async function backfillView(v: ViewState, deps: BackfillDeps): Promise<SnapshotPoint | null> {
  const { store, log, source } = deps;
  const name = v.def.name;
  if (v.compiled!.stateful) {
    v.compiled = await compileView(v.def.sql, deps.catalog, source.settings(), deps.views);
    v.mapper = new SourceMapper(v.compiled.sources, v.compiled.reads);
  }
  const compiled = v.compiled!;
  await store.beginBackfill(name);
  const started = Date.now();
  const snap = await source.openSnapshot();
  try {
    const position = snap.position;
    v.hold = position; // what ends at or before it is in the snapshot; what ends after is only in memory
    v.snapshotAt = position;
    if (v.buffer) v.buffer = v.buffer.filter((b) => !('endLsn' in b) || b.endLsn > position);
    const kafka = await deps.kafka.snapshot(compiled.sources);
    let estimated = 0;
    for (const t of compiled.sources) estimated += isKafka(t) ? kafka!.estimateRows(t) : await snap.estimateRows(t);
    v.backfill = { rowsDone: 0, rowsEstimated: estimated, rowsPerSecond: 0 };
    const at = [source.formatPosition(position), ...[...(kafka?.offsets ?? [])].map(([p, o]) => `${p}@${o}`)].join(', ');
    log(`view ${name}: backfilling from snapshot at ${at} (~${estimated} source rows)`);
    let done = 0;
    let lastLog = Date.now();
    const initial = compiled.initialize();
    if (initial) await store.writeBackfill(name, initial.changes, initial.state, 0);
    await feedSnapshot(compiled, snap, kafka, deps.batch, async (delta, rows) => {
      if (!deps.alive()) throw new Error('view was deleted');
      done += rows;
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      v.backfill = { rowsDone: done, rowsEstimated: Math.max(estimated, done), rowsPerSecond: rate };
      if (delta) await store.writeBackfill(name, delta.changes, delta.state, done);
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`view ${name}: backfilled ${done} of ~${Math.max(estimated, done)} rows (${rate} rows/s)`);
      }
    });
    if (!deps.alive()) return null;
    const offsets = kafka?.offsets ?? new Map<string, bigint>();
    await store.finishBackfill(name, position, offsets);
    log(`view ${name}: backfilled ${done} rows in ${Date.now() - started} ms; running`);
    return { lsn: position, kafka: offsets };
  } finally {
    await snap.close();
  }
}

/**
 * Feeds a compiled view every row of its sources in a snapshot (PostgreSQL tables, only the columns
 * it reads; Kafka sources up to the snapshot's offsets), in batches; `onDelta` gets each batch's
 * output and how many source rows it took.
 */
export async function feedSnapshot(
  compiled: CompiledView,
  snap: SourceSnapshot,
  kafka: KafkaSnapshot | null,
  batch: number,
  onDelta: (delta: ViewDelta | null, rows: number) => Promise<void>,
): Promise<void> {
  for (const t of compiled.sources) {
    const read = isKafka(t)
      ? (b: number, f: (rows: Row[]) => Promise<void>) => kafka!.readTable(t, b, f)
      : (b: number, f: (rows: Row[]) => Promise<void>) => snap.readTable(t, b, f, compiled.reads.get(t.id));
    await read(batch, (rows) => onDelta(compiled.step(rows.map((row) => ({ kind: 'insert', table: t.id, row }))), rows.length));
  }
}
