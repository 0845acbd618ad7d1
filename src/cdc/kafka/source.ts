/**
 * Kafka topics as change streams (kafkajs behind this module only): each
 * declared source's topic is read, all partitions, by a consumer of the
 * server's group for that source (`<group>.<source>`: declaring or deleting
 * one source never stalls the others), and turns each fetched batch of one partition into row changes
 * of the source's relation (`kafka:<name>`) by its envelope (decode.ts).
 *
 * Delivery is per partition and in offset order; a batch says which offset the
 * partition stands at after it (`nextOffset`), which is the position views
 * record. The source reads each partition from where the runtime says it
 * stands (`restore`: the stored position its keyed rows are as of), else from
 * the earliest retained offset, and never delivers an offset twice within a
 * run (a rebalance that fetches from the group's committed offset again is
 * skipped up to what was delivered). Offsets are committed to the group only
 * once the runtime has made them durable (`commit`), for lag monitoring.
 *
 * Keyed envelopes (upsert, Debezium with a declared key) replace a key's row:
 * the previous row is retracted from the source's own keyed state, which the
 * batch reports (`keyed`) so that the runtime can store it with the view
 * commits and hand it back after a restart (`restoreKeyed`).
 *
 * A message that cannot be read never stops the source: it is counted, the
 * last few are kept for GET /v1/sources/:name, each kind of problem is logged
 * once per source, and it is copied to the source's dead-letter topic when one
 * is declared.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import type { RelationShape, StreamChange } from '../types.ts';
import type { Row } from '../../values/types.ts';
import { sourceTable, type KafkaSourceDeclaration } from './declaration.ts';
import { MessageError, messageDecoder, type Decoded, type RawMessage } from './decode.ts';

/** The changes one fetched batch of one partition produced. */
export interface KafkaBatch {
  readonly source: string;
  readonly partition: number;
  /** The partition's offset after this batch: the next message not yet delivered. */
  readonly nextOffset: bigint;
  readonly changes: readonly StreamChange[];
  /** The offset of the message each change came from (parallel to `changes`). */
  readonly offsets: readonly bigint[];
  /** Keyed sources: what each touched key holds after the batch (null: nothing). */
  readonly keyed: readonly { readonly key: string; readonly row: Row | null }[];
}

export interface KafkaHandler {
  /** One batch; called synchronously, in offset order per partition. */
  onBatch(batch: KafkaBatch): void;
}

/** A message that could not be read, as GET /v1/sources/:name shows it. */
export interface BadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly kind: MessageError['kind'];
  readonly error: string;
  readonly at: string;
}

export interface SourceStats {
  readonly messages: number;
  readonly errors: number;
  readonly lastErrors: readonly BadMessage[];
}

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  /** The consumer group of this server. */
  readonly groupId: string;
  readonly log: (msg: string) => void;
  readonly clientId?: string;
  /** How long the group waits for a silent member before giving its partitions away (default 30 s). */
  readonly sessionTimeoutMs?: number | undefined;
}

/** Bad messages kept per source. */
const KEEP_ERRORS = 10;
/**
 * How long a fetch waits on the broker for new messages. Short: leaving the group (a source
 * declared or deleted, shutdown) waits for the fetch in flight, and new messages arrive at once anyway.
 */
export const FETCH_WAIT_MS = 200;

interface Declared {
  readonly decl: KafkaSourceDeclaration;
  readonly relation: RelationShape;
  readonly decode: (m: RawMessage) => Decoded;
  /** key → row, for keyed envelopes */
  readonly keyed: Map<string, Row>;
  /** Per partition, the next offset to deliver (restored, or the earliest retained once known). */
  readonly next: Map<number, bigint>;
  /** Its consumer while streaming. */
  consumer: Consumer | null;
  messages: number;
  errors: number;
  readonly lastErrors: BadMessage[];
  readonly loggedKinds: Set<string>;
}

export class KafkaSource {
  private readonly kafka: Kafka;
  private readonly sources = new Map<string, Declared>();
  private readonly byTopic = new Map<string, Declared>();
  private producer: Producer | null = null;
  private paused = false;
  private handler: KafkaHandler | null = null;

  constructor(private readonly opts: KafkaSourceOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'deltaview',
      brokers: [...opts.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 5000 },
    });
  }

  /** Declares a source; it streams from `start`, or at once when the others already stream. */
  async declare(decl: KafkaSourceDeclaration): Promise<void> {
    if (this.sources.has(decl.name)) throw new Error(`Kafka source ${decl.name} is declared twice`);
    if (this.byTopic.has(decl.topic)) throw new Error(`topic ${decl.topic} is already read by source ${this.byTopic.get(decl.topic)!.decl.name}`);
    const t = sourceTable(decl);
    const d: Declared = {
      decl,
      relation: { id: t.id, schema: t.schema, name: t.name, columns: t.columns, replicaIdentity: 'full' },
      decode: messageDecoder(decl),
      keyed: new Map(),
      next: new Map(),
      consumer: null,
      messages: 0,
      errors: 0,
      lastErrors: [],
      loggedKinds: new Set(),
    };
    this.sources.set(decl.name, d);
    this.byTopic.set(decl.topic, d);
    if (this.handler !== null) await this.startConsumer(d);
  }

  /** Stops streaming a source and forgets it. */
  async undeclare(name: string): Promise<void> {
    const d = this.sources.get(name);
    if (d === undefined) return;
    this.sources.delete(name);
    this.byTopic.delete(d.decl.topic);
    await this.stopConsumer(d);
  }

  /**
   * Sets where a source stands: per partition the next offset to read, and for keyed sources
   * the row each key holds as of those offsets (replacing what the source held). Partitions
   * without a position are read from the earliest retained offset. Takes effect at the next start.
   */
  restore(source: string, offsets: ReadonlyMap<number, bigint>, keyed: Iterable<readonly [string, Row]>): void {
    const d = this.declared(source);
    d.next.clear();
    for (const [p, o] of offsets) d.next.set(p, o);
    d.keyed.clear();
    for (const [k, row] of keyed) d.keyed.set(k, row);
  }

  /** Where a source stands in memory: what it delivered per partition and the rows of its keys. */
  position(source: string): { offsets: Map<number, bigint>; keyed: Map<string, Row> } {
    const d = this.declared(source);
    return { offsets: new Map(d.next), keyed: new Map(d.keyed) };
  }

  /** The declared source's relation shape. */
  relation(source: string): RelationShape {
    return this.declared(source).relation;
  }

  stats(source: string): SourceStats {
    const d = this.declared(source);
    return { messages: d.messages, errors: d.errors, lastErrors: [...d.lastErrors] };
  }

  /**
   * Streams every declared source's topic to `handler` (each with a consumer of its own, see
   * groupOf), each partition from its restored position (else the earliest retained offset).
   * Sources declared afterwards start streaming as they are declared.
   */
  async start(handler: KafkaHandler): Promise<void> {
    this.handler = handler;
    await Promise.all([...this.sources.values()].map((d) => this.startOrRetry(d)));
  }

  /** Starts a source's consumer; when the brokers or its topic are not there, says so and tries again every 10 s. */
  private async startOrRetry(d: Declared): Promise<void> {
    try {
      await this.startConsumer(d);
    } catch (err) {
      await this.stopConsumer(d).catch(() => {});
      this.opts.log(`kafka source ${d.decl.name}: cannot read topic ${d.decl.topic} (${(err as Error).message}); trying again in 10 s`);
      const handler = this.handler;
      setTimeout(() => {
        if (this.handler === handler && handler !== null && this.sources.get(d.decl.name) === d && d.consumer === null) void this.startOrRetry(d);
      }, 10_000).unref();
    }
  }

  /** The consumer group a source is read with: `<groupId>.<source name>`. */
  groupOf(source: string): string {
    return `${this.opts.groupId}.${source}`;
  }

  private async startConsumer(d: Declared): Promise<void> {
    const starts: { topic: string; partition: number; offset: string }[] = [];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const m of await admin.fetchTopicOffsets(d.decl.topic)) {
        const low = BigInt(m.low);
        let at = d.next.get(m.partition);
        if (at !== undefined && at < low) {
          this.opts.log(`kafka source ${d.decl.name}: partition ${m.partition} no longer holds offsets ${at} to ${low - 1n} (retention removed them before they were read)`);
          at = low;
        }
        if (at === undefined) at = low;
        d.next.set(m.partition, at);
        starts.push({ topic: d.decl.topic, partition: m.partition, offset: at.toString() });
      }
    } finally {
      await admin.disconnect();
    }
    const session = this.opts.sessionTimeoutMs ?? 30_000;
    // a rebalance waits at most this long for the members to rejoin (kafkajs: 60 s); a batch is
    // handed on without waiting for its commits, so members rejoin within a heartbeat
    const consumer = this.kafka.consumer({ groupId: this.groupOf(d.decl.name), sessionTimeout: session, rebalanceTimeout: Math.max(session, 5000), heartbeatInterval: 1000, maxWaitTimeInMs: FETCH_WAIT_MS });
    d.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: d.decl.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (p) => this.onBatch(p) });
    // kept until each partition's first fetch after the group assigned it
    for (const st of starts) consumer.seek(st);
  }

  /** Stops fetching (backpressure) until `resume`. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const d of this.sources.values()) d.consumer?.pause([{ topic: d.decl.topic }]);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const d of this.sources.values()) d.consumer?.resume([{ topic: d.decl.topic }]);
  }

  /** Whether a topic exists on the brokers (a source of a topic that does not is refused). */
  async topicExists(topic: string): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic);
    } finally {
      await admin.disconnect();
    }
  }

  /** The kafkajs client, for snapshot reads (snapshot.ts). */
  get client(): Kafka {
    return this.kafka;
  }

  /** Records that everything before `nextOffset` of the partition is durable in every view reading it. */
  async commit(source: string, partition: number, nextOffset: bigint): Promise<void> {
    const d = this.declared(source);
    if (d.consumer === null) throw new Error(`Kafka source ${source} is not streaming`);
    await d.consumer.commitOffsets([{ topic: d.decl.topic, partition, offset: nextOffset.toString() }]);
  }

  /** The committed offset of every partition of a source's topic (-1: none yet), and the high watermarks. */
  async offsets(source: string): Promise<{ partition: number; committed: bigint; high: bigint; low: bigint }[]> {
    const d = this.declared(source);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [marks, committed] = await Promise.all([admin.fetchTopicOffsets(d.decl.topic), admin.fetchOffsets({ groupId: this.groupOf(source), topics: [d.decl.topic] })]);
      const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      return marks
        .map((m) => ({ partition: m.partition, committed: byPartition.get(m.partition) ?? -1n, high: BigInt(m.high), low: BigInt(m.low) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
  }

  /** Stops streaming every source (until `start`). */
  async stop(): Promise<void> {
    this.handler = null;
    this.paused = false;
    await Promise.all([...this.sources.values()].map((d) => this.stopConsumer(d)));
    const p = this.producer;
    this.producer = null;
    await p?.disconnect();
  }

  private async stopConsumer(d: Declared): Promise<void> {
    const c = d.consumer;
    d.consumer = null;
    await c?.disconnect();
  }

  private declared(source: string): Declared {
    const d = this.sources.get(source);
    if (d === undefined) throw new Error(`no Kafka source ${source}`);
    return d;
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    const d = this.byTopic.get(batch.topic);
    if (d === undefined || batch.messages.length === 0 || this.handler === null) return;
    const changes: StreamChange[] = [];
    const offsets: bigint[] = [];
    const touched = new Map<string, Row | null>();
    const dead: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
    const from = d.next.get(batch.partition) ?? 0n;
    let last = -1n;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < from) continue; // delivered before (a rebalance fetched from the committed offset)
      last = offset;
      d.messages++;
      let decoded: Decoded;
      try {
        decoded = d.decode({ key: m.key ?? null, value: m.value ?? null });
      } catch (e) {
        if (!(e instanceof MessageError)) throw e;
        this.bad(d, batch.partition, m.offset, e);
        if (d.decl.deadLetterTopic !== null) {
          dead.push({ key: m.key ?? null, value: m.value ?? null, headers: { 'deltaview-source': d.decl.name, 'deltaview-error': e.message, 'deltaview-offset': `${batch.partition}:${m.offset}` } });
        }
        continue;
      }
      const n = changes.length;
      applyDecoded(d.relation, d.keyed, decoded, changes, touched);
      for (let i = n; i < changes.length; i++) offsets.push(offset);
    }
    if (last < 0n) return;
    d.next.set(batch.partition, last + 1n);
    this.handler.onBatch({
      source: d.decl.name,
      partition: batch.partition,
      nextOffset: last + 1n,
      changes,
      offsets,
      keyed: [...touched].map(([key, row]) => ({ key, row })),
    });
    if (dead.length > 0) await this.deadLetter(d, dead);
    await heartbeat();
  }

  private bad(d: Declared, partition: number, offset: string, e: MessageError): void {
    d.errors++;
    d.lastErrors.push({ partition, offset, kind: e.kind, error: e.message, at: new Date().toISOString() });
    if (d.lastErrors.length > KEEP_ERRORS) d.lastErrors.shift();
    if (!d.loggedKinds.has(e.kind)) {
      d.loggedKinds.add(e.kind);
      this.opts.log(`kafka source ${d.decl.name}: skipped a message at ${partition}:${offset} (${e.kind}: ${e.message}); further ${e.kind} messages are counted, not logged`);
    }
  }

  private async deadLetter(d: Declared, messages: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[]): Promise<void> {
    try {
      if (this.producer === null) {
        this.producer = this.kafka.producer();
        await this.producer.connect();
      }
      await this.producer.send({ topic: d.decl.deadLetterTopic!, messages });
    } catch (e) {
      this.opts.log(`kafka source ${d.decl.name}: could not write ${messages.length} message(s) to dead-letter topic ${d.decl.deadLetterTopic}: ${(e as Error).message}`);
    }
  }
}

/**
 * Turns one decoded message into row changes of `relation`, keeping `keyed` (key → row) and
 * noting in `touched` what each key it changed holds now. Shared by the live stream and snapshots.
 */
export function applyDecoded(relation: RelationShape, keyed: Map<string, Row>, m: Decoded, out: StreamChange[], touched?: Map<string, Row | null>): void {
  if (m.kind === 'skip') return;
  if (m.kind === 'append') {
    out.push({ kind: 'insert', relation, row: m.row });
    return;
  }
  for (const c of m.changes) {
    if (c.key === '') {
      // a Debezium source without key: the event carries the row it replaces
      if (c.before) out.push({ kind: 'delete', relation, row: c.before });
      if (c.after) out.push({ kind: 'insert', relation, row: c.after });
      continue;
    }
    const before = keyed.get(c.key);
    if (before !== undefined) out.push({ kind: 'delete', relation, row: before });
    if (c.after === null) keyed.delete(c.key);
    else {
      keyed.set(c.key, c.after);
      out.push({ kind: 'insert', relation, row: c.after });
    }
    touched?.set(c.key, c.after);
  }
}
