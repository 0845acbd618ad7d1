/**
 * The backfiller: fills a new (or lost) view from one consistent snapshot of
 * its source, in chunks with progress, and marks it finished at the
 * snapshot's position. What commits after that position reaches the view from
 * the live stream (the runtime buffers it meanwhile and hands over). Every
 * attempt of a stateful view starts from empty operator state.
 */
import type { Position, Source } from '../cdc/types.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { compileView, type ViewCatalog } from '../views/index.ts';
import { SourceMapper } from './source-mapping.ts';
import type { ViewState } from './view-state.ts';

export interface BackfillDeps {
  readonly source: Source;
  /** The other views, which a view may read by name. */
  readonly views: ViewCatalog;
  readonly store: RedisStore;
  readonly log: (m: string) => void;
  /** Rows per snapshot fetch. */
  readonly batch: number;
  /** False once the view was deleted, failed or the runtime stopped: the backfill gives up. */
  alive(): boolean;
}

/**
 * Backfills `v` (status backfilling) and returns the snapshot position its stored rows now
 * reflect, or null when it gave up because the view is no longer alive. Sets `v.hold` to the
 * snapshot position as soon as it is known and keeps `v.backfill` up to date.
 */
export async function backfillView(v: ViewState, deps: BackfillDeps): Promise<Position | null> {
  const { store, log, source } = deps;
  const name = v.def.name;
  if (v.compiled!.stateful) {
    v.compiled = await compileView(v.def.sql, source.catalog, source.settings(), deps.views);
    v.mapper = new SourceMapper(v.compiled.sources, v.compiled.reads);
  }
  const compiled = v.compiled!;
  await store.beginBackfill(name);
  const started = Date.now();
  const snap = await source.openSnapshot();
  try {
    const position = snap.position;
    v.hold = position; // what ends at or before it is in the snapshot; what ends after is only in memory
    let estimated = 0;
    for (const t of compiled.sources) estimated += await snap.estimateRows(t);
    v.backfill = { rowsDone: 0, rowsEstimated: estimated, rowsPerSecond: 0 };
    log(`view ${name}: backfilling from snapshot at ${source.formatPosition(position)} (~${estimated} source rows)`);
    let done = 0;
    let lastLog = Date.now();
    const initial = compiled.initialize();
    if (initial) await store.writeBackfill(name, initial.changes, initial.state, 0);
    for (const t of compiled.sources) {
      await snap.readTable(t, deps.batch, async (rows) => {
        if (!deps.alive()) throw new Error('view was deleted');
        const delta = compiled.step(rows.map((row) => ({ kind: 'insert', table: t.id, row })));
        done += rows.length;
        const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
        v.backfill = { rowsDone: done, rowsEstimated: Math.max(estimated, done), rowsPerSecond: rate };
        if (delta) await store.writeBackfill(name, delta.changes, delta.state, done);
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`view ${name}: backfilled ${done} of ~${Math.max(estimated, done)} rows (${rate} rows/s)`);
        }
      }, compiled.reads.get(t.id));
    }
    if (!deps.alive()) return null;
    await store.finishBackfill(name, position);
    log(`view ${name}: backfilled ${done} rows in ${Date.now() - started} ms; running`);
    return position;
  } finally {
    await snap.close();
  }
}
