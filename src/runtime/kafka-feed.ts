/**
 * The runtime's side of Kafka sources: their declarations (stored in Redis),
 * the relations views read (`kafka:<name>`), where each source stands, and
 * snapshots for backfills. The stream itself is src/cdc/kafka/source.ts; the
 * pipeline feeds its batches to views and calls `persist` once their commits
 * landed.
 *
 * A source's own position (per partition) and keyed rows are stored after the
 * view commits of each batch, so they never run ahead of a view: a restart
 * reads on from there, views skipping what their own stored offsets cover.
 * The group's committed offsets follow the stored positions, for lag monitoring.
 */
import { declarationJson, parseSourceDeclaration, sourceTable, type KafkaSourceDeclaration } from '../cdc/kafka/declaration.ts';
import { readSourceSnapshot, topicRanges, type PartitionRange } from '../cdc/kafka/snapshot.ts';
import type { KafkaBatch, KafkaSource, SourceStats } from '../cdc/kafka/source.ts';
import type { DurableCatalog } from '../cdc/types.ts';
import { DeltaviewError } from '../errors.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { decodeText, outputText } from '../values/index.ts';
import type { Row } from '../values/types.ts';
import type { TableInfo } from '../views/types.ts';

/** The offsets a backfill's snapshot covers, and its rows. */
export interface KafkaSnapshot {
  /** Per partition (`<source>:<partition>`), the high watermark when the snapshot was opened. */
  readonly offsets: ReadonlyMap<string, bigint>;
  estimateRows(t: TableInfo): number;
  readTable(t: TableInfo, batchSize: number, onBatch: (rows: Row[]) => Promise<void> | void): Promise<number>;
}

/** A source's partition key in view positions: `<source>:<partition>`. */
export const partitionKey = (source: string, partition: number): string => `${source}:${partition}`;

const COMMIT_EVERY_MS = 1000;

export class KafkaFeed {
  private readonly decls = new Map<string, KafkaSourceDeclaration>();
  /** Per source and partition, the offset stored as the source's position. */
  private readonly stored = new Map<string, Map<number, bigint>>();
  private readonly lastCommit = new Map<string, number>();
  /** Per source, where it stands after batches noted but not yet stored, and the rows of the keys they touched. */
  private readonly pending = new Map<string, { offsets: Map<number, bigint>; keyed: Map<string, string> }>();
  private onBatch: ((b: KafkaBatch) => void) | null = null;
  /** Where declarations are kept beside Redis, to survive its loss (the source database's durable catalog). */
  mirror: Pick<DurableCatalog, 'putSource' | 'deleteSource'> | null = null;
  private running = false;

  constructor(
    private readonly source: KafkaSource | null,
    private readonly store: RedisStore,
    private readonly log: (m: string) => void,
  ) {}

  /** Kafka is configured (KAFKA_BROKERS). */
  get available(): boolean {
    return this.source !== null;
  }

  /** The relation a view reads for a declared source. */
  table(name: string): TableInfo | undefined {
    const d = this.decls.get(name);
    return d === undefined ? undefined : sourceTable(d);
  }

  declarations(): KafkaSourceDeclaration[] {
    return [...this.decls.values()];
  }

  declaration(name: string): KafkaSourceDeclaration | undefined {
    return this.decls.get(name);
  }

  /** Start-up: the stored declarations and where each source stands. */
  async load(): Promise<void> {
    for (const body of await this.store.listSources()) {
      let decl: KafkaSourceDeclaration;
      try {
        decl = parseSourceDeclaration(body);
      } catch (err) {
        this.log(`warning: a stored Kafka source declaration cannot be read (${(err as Error).message}): ${JSON.stringify(body)}`);
        continue;
      }
      this.decls.set(decl.name, decl);
      if (this.source === null) {
        this.log(`warning: Kafka source ${decl.name} is declared but KAFKA_BROKERS is not set: views reading it do not move`);
        continue;
      }
      await this.source.declare(decl);
      await this.restoreFromStore(decl);
    }
  }

  /** Starts streaming every declared source to `onBatch`. */
  async start(onBatch: (b: KafkaBatch) => void): Promise<void> {
    this.onBatch = onBatch;
    if (this.source === null) return;
    await this.source.start({ onBatch });
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.source?.stop();
  }

  /** After a storage failure: every source back to its stored position and rows, then streaming again. */
  async restartFromStore(): Promise<void> {
    if (this.source === null) return;
    await this.source.stop();
    this.pending.clear();
    for (const d of this.decls.values()) await this.restoreFromStore(d);
    if (this.onBatch !== null) await this.start(this.onBatch);
  }

  /** Puts the declarations back after storage lost them. */
  async storeDeclarations(): Promise<void> {
    for (const d of this.decls.values()) await this.store.putSource(d.name, declarationJson(d));
  }

  /** Declares a source (POST /v1/sources); `taken` says whether the name is a PostgreSQL table's. */
  async declare(body: unknown, taken: (name: string) => Promise<boolean>): Promise<KafkaSourceDeclaration> {
    if (this.source === null) throw new DeltaviewError('bad_request', 'Kafka sources are unavailable: KAFKA_BROKERS is not set');
    const decl = parseSourceDeclaration(body);
    if (this.decls.has(decl.name)) throw new DeltaviewError('already_exists', `source "${decl.name}" already exists`);
    const other = [...this.decls.values()].find((d) => d.topic === decl.topic);
    if (other !== undefined) throw new DeltaviewError('already_exists', `topic "${decl.topic}" is already read by source "${other.name}"`);
    if (await taken(decl.name)) throw new DeltaviewError('already_exists', `"${decl.name}" is a PostgreSQL table: a Kafka source needs a name of its own`);
    if (!(await this.source.topicExists(decl.topic))) throw new DeltaviewError('bad_request', `topic "${decl.topic}" does not exist on the Kafka brokers`);
    if (!(await this.store.putSource(decl.name, declarationJson(decl)))) throw new DeltaviewError('already_exists', `source "${decl.name}" already exists`);
    this.decls.set(decl.name, decl);
    this.stored.set(decl.name, new Map());
    try {
      await this.source.declare(decl);
    } catch (err) {
      // not streaming: not declared
      this.decls.delete(decl.name);
      this.stored.delete(decl.name);
      await this.source.undeclare(decl.name).catch(() => {});
      await this.store.deleteSource(decl.name).catch(() => {});
      throw new DeltaviewError('unavailable', `source "${decl.name}" cannot be read from the Kafka brokers: ${(err as Error).message}`);
    }
    await this.mirror?.putSource(decl.name, declarationJson(decl)).catch((err: Error) => this.log(`warning: source ${decl.name}: cannot keep its declaration in the source database: ${err.message}`));
    this.log(`kafka source ${decl.name} declared (topic ${decl.topic}, ${decl.envelope})`);
    return decl;
  }

  /** Forgets a source and its stored state (the caller checked that no view reads it). */
  async undeclare(name: string): Promise<void> {
    if (!this.decls.has(name)) throw new DeltaviewError('not_found', `source "${name}" does not exist`);
    this.decls.delete(name);
    this.stored.delete(name);
    await this.source?.undeclare(name);
    await this.store.deleteSource(name);
    await this.mirror?.deleteSource(name).catch((err: Error) => this.log(`warning: source ${name}: cannot delete its declaration from the source database: ${err.message}`));
    this.log(`kafka source ${name} deleted`);
  }

  /** Notes a batch whose view commits have landed: its source may now be stored as standing after it. */
  note(b: KafkaBatch): void {
    const d = this.decls.get(b.source);
    if (d === undefined) return;
    let p = this.pending.get(b.source);
    if (p === undefined) {
      p = { offsets: new Map(), keyed: new Map() };
      this.pending.set(b.source, p);
    }
    if ((p.offsets.get(b.partition) ?? -1n) < b.nextOffset) p.offsets.set(b.partition, b.nextOffset);
    for (const { key, row } of b.keyed) p.keyed.set(key, row === null ? '' : encodeRow(d, row));
  }

  /**
   * Stores where each noted source stands, except sources `held` (a view reading it is being
   * backfilled: until its handoff lands, its snapshot offsets must stay readable from the stored
   * position); every so often commits the positions to the group too.
   */
  async flush(held: (source: string) => boolean): Promise<void> {
    for (const [name, p] of this.pending) {
      if (held(name)) continue;
      this.pending.delete(name);
      if (!this.decls.has(name)) continue;
      const keyed = [...p.keyed];
      const parts = [...p.offsets];
      await this.store.advanceKafka(name, parts, keyed);
      const at = this.stored.get(name) ?? new Map<number, bigint>();
      this.stored.set(name, at);
      for (const [partition, offset] of parts) if ((at.get(partition) ?? -1n) < offset) at.set(partition, offset);
      this.commitToGroup(name, parts);
    }
  }

  private commitToGroup(name: string, parts: readonly (readonly [number, bigint])[]): void {
    const now = Date.now();
    for (const [partition, offset] of parts) {
      const k = partitionKey(name, partition);
      if (!this.running || now - (this.lastCommit.get(k) ?? 0) < COMMIT_EVERY_MS) continue;
      this.lastCommit.set(k, now);
      void this.source?.commit(name, partition, offset).catch(() => this.lastCommit.delete(k));
    }
  }

  /** Per partition, the next offset not yet reflected in views (stored). */
  offsets(name: string): Map<number, bigint> {
    return new Map(this.stored.get(name) ?? []);
  }

  stats(name: string): SourceStats {
    return this.source?.stats(name) ?? { messages: 0, errors: 0, lastErrors: [] };
  }

  /** The partitions of a source's topic now (low and high watermarks). */
  async ranges(name: string): Promise<PartitionRange[]> {
    const d = this.decls.get(name);
    if (this.source === null || d === undefined) return [];
    return topicRanges(this.source.client, d.topic);
  }

  pause(): void {
    this.source?.pause();
  }

  resume(): void {
    this.source?.resume();
  }

  /** A snapshot of the Kafka sources among `tables` (null when there are none). */
  async snapshot(tables: readonly TableInfo[]): Promise<KafkaSnapshot | null> {
    const names = tables.filter((t) => t.id.startsWith('kafka:')).map((t) => t.name);
    if (names.length === 0) return null;
    if (this.source === null) throw new DeltaviewError('bad_request', 'the view reads a Kafka source but KAFKA_BROKERS is not set');
    const kafka = this.source.client;
    const ranges = new Map<string, PartitionRange[]>();
    const offsets = new Map<string, bigint>();
    for (const name of names) {
      const r = await this.ranges(name);
      ranges.set(name, r);
      for (const p of r) offsets.set(partitionKey(name, p.partition), p.high);
    }
    return {
      offsets,
      estimateRows: (t) => Number((ranges.get(t.name) ?? []).reduce((n, p) => n + (p.high - p.low), 0n)),
      readTable: (t, batchSize, onBatch) => {
        const d = this.decls.get(t.name);
        if (d === undefined) throw new DeltaviewError('not_found', `Kafka source "${t.name}" no longer exists`);
        return readSourceSnapshot(kafka, d, this.source!.relation(t.name), ranges.get(t.name) ?? [], batchSize, onBatch);
      },
    };
  }

  private async restoreFromStore(d: KafkaSourceDeclaration): Promise<void> {
    const { offsets, keyed } = await this.store.readKafkaState(d.name);
    this.stored.set(d.name, new Map(offsets));
    this.source!.restore(
      d.name,
      offsets,
      keyed.map(([k, text]) => [k, decodeRow(d, text)] as const),
    );
  }
}

/** A keyed source's row as stored: JSON array of PostgreSQL text forms (null: NULL). */
function encodeRow(d: KafkaSourceDeclaration, row: Row): string {
  return JSON.stringify(row.map((v, i) => (v === null ? null : outputText(v, d.columns[i]!.type))));
}

function decodeRow(d: KafkaSourceDeclaration, text: string): Row {
  return (JSON.parse(text) as (string | null)[]).map((t, i) => (t === null ? null : decodeText(t, d.columns[i]!.type)));
}
