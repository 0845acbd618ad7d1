/**
 * The runtime's record of one view (status, positions, sequence number,
 * backfill progress) and the index of views by the relations they read, so
 * that a transaction costs nothing for views that do not read its tables.
 */
import type { Position, StreamChange } from '../cdc/types.ts';
import type { StoredViewDef } from '../storage/redis-store.ts';
import type { CompiledView, SourceChange } from '../views/types.ts';
import type { SourceMapper } from './source-mapping.ts';

export type ViewStatus = 'backfilling' | 'running' | 'failed';

export interface ViewState {
  def: StoredViewDef;
  compiled: CompiledView | null;
  mapper: SourceMapper | null;
  status: ViewStatus;
  error: string | null;
  /** The view has been fed every transaction (of its relations) ending at or before it. */
  applied: Position;
  /** Set once the view is live; its reflected position is max(liveFrom, the runtime's reflected). */
  liveFrom: Position | null;
  /** Per Kafka partition (`<source>:<partition>`), the view has been fed every message before this offset. */
  kafka: Map<string, bigint>;
  /** Per Kafka partition, the next offset after the view's last landed commit of it (for the API). */
  kafkaCommitted: Map<string, bigint>;
  /** The id of the last diff-log entry issued (`<logMs>-<logSeq>`): Kafka batches get ids after it. */
  logMs: bigint;
  logSeq: number;
  /** Transactions and Kafka batches for the view's relations that arrived while it was backfilling. */
  buffer: Buffered[] | null;
  /**
   * While backfilling, once its snapshot is open: the snapshot's position. Transactions ending at
   * or before it are in the snapshot and are not buffered (a stream lagging behind a bulk load
   * would otherwise hold all of it in memory until the handoff drops it).
   */
  snapshotAt: Position | null;
  backfill: { rowsDone: number; rowsEstimated: number; rowsPerSecond: number } | null;
  /** While backfilling: the source must not be acknowledged past this (it exists only in memory). */
  hold: Position | null;
  /** Sequence number the view's next commit carries. */
  seq: number;
  /** Token of the last diff published to subscribers. */
  lastToken: string | null;
  /** Consecutive backfill attempts that failed on I/O. */
  backfillFailures: number;
  /** Counts backfill attempts: an attempt that a newer one superseded (a rebuild) gives up. */
  backfillGen: number;
}

/** A PostgreSQL transaction's share of a view, or a Kafka batch (with each change's offset) kept during a backfill. */
export type Buffered =
  | { readonly endLsn: Position; readonly changes: SourceChange[] }
  | { readonly partition: string; readonly nextOffset: bigint; readonly raw: readonly StreamChange[]; readonly offsets: readonly bigint[] };

/** A fresh record for a view (failed until restored or backfilled). */
export function newViewState(def: StoredViewDef, seq: number, lastToken: string | null, error: string | null): ViewState {
  const [ms, n] = parseLogId(lastToken);
  return {
    def, compiled: null, mapper: null, status: 'failed', error,
    applied: 0n, kafka: new Map(), kafkaCommitted: new Map(), logMs: ms, logSeq: n, liveFrom: null, buffer: null, snapshotAt: null, backfill: null,
    hold: null, seq, lastToken, backfillFailures: 0, backfillGen: 0,
  };
}

/** Views by name, and by the relation ids they read. */
export class ViewIndex {
  private readonly byName = new Map<string, ViewState>();
  private readonly byRelation = new Map<string, Set<ViewState>>();
  private readonly relationsOf = new Map<ViewState, readonly string[]>();

  /** `changed` runs after every change of what the views read (see columnsRead). */
  constructor(private readonly changed: () => void = () => {}) {}

  get(name: string): ViewState | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get size(): number {
    return this.byName.size;
  }

  values(): IterableIterator<ViewState> {
    return this.byName.values();
  }

  /** Adds or replaces the view under its name. */
  set(v: ViewState): void {
    const old = this.byName.get(v.def.name);
    if (old) this.unindex(old);
    this.byName.set(v.def.name, v);
    this.reindex(v);
  }

  delete(name: string): void {
    const v = this.byName.get(name);
    if (!v) return;
    this.unindex(v);
    this.byName.delete(name);
    this.changed();
  }

  /** Records the relations the view reads now (after it was (re)compiled). */
  reindex(v: ViewState): void {
    this.unindex(v);
    const ids = v.compiled?.sources.map((t) => t.id) ?? [];
    this.relationsOf.set(v, ids);
    for (const id of ids) {
      let set = this.byRelation.get(id);
      if (!set) {
        set = new Set();
        this.byRelation.set(id, set);
      }
      set.add(v);
    }
    this.changed();
  }

  /** The columns (by name) the views read of a relation; null when none reads it. */
  columnsRead(relationId: string): ReadonlySet<string> | null {
    const views = this.byRelation.get(relationId);
    if (views === undefined || views.size === 0) return null;
    const names = new Set<string>();
    for (const v of views) {
      const table = v.compiled?.sources.find((t) => t.id === relationId);
      if (table === undefined) continue;
      const reads = v.compiled!.reads.get(relationId);
      table.columns.forEach((c, i) => {
        if (reads === undefined || reads.has(i)) names.add(c.name);
      });
    }
    return names;
  }

  /** The views that read any of the relations. */
  reading(relationIds: Iterable<string>): Set<ViewState> {
    const out = new Set<ViewState>();
    for (const id of relationIds) for (const v of this.byRelation.get(id) ?? []) out.add(v);
    return out;
  }

  private unindex(v: ViewState): void {
    for (const id of this.relationsOf.get(v) ?? []) this.byRelation.get(id)?.delete(v);
    this.relationsOf.delete(v);
  }
}

/** A diff-log id `<ms>-<seq>` (a token) as numbers; 0-0 for none. */
export function parseLogId(token: string | null): [bigint, number] {
  const m = /^(\d+)-(\d+)$/.exec(token ?? '');
  return m === null ? [0n, 0] : [BigInt(m[1]!), Number(m[2]!)];
}
