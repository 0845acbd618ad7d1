/**
 * Kafka topics as change streams (kafkajs behind this module only): one
 * consumer group per server reads every declared source's topic, all
 * partitions, and turns each fetched batch of one partition into row changes
 * of the source's relation (`kafka:<name>`) by its envelope (decode.ts).
 *
 * Delivery is per partition and in offset order; a batch says which offset the
 * partition stands at after it (`nextOffset`), which is the position views
 * record. Offsets are committed only when the runtime says the changes they
 * produced are durable (`commit`), so a restart resumes there and replays
 * what was not yet durable: at-least-once, made exact by each view skipping
 * what its stored positions cover.
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
  readonly sessionTimeoutMs?: number;
}

/** Bad messages kept per source. */
const KEEP_ERRORS = 10;

interface Declared {
  readonly decl: KafkaSourceDeclaration;
  readonly relation: RelationShape;
  readonly decode: (m: RawMessage) => Decoded;
  /** key → row, for keyed envelopes */
  readonly keyed: Map<string, Row>;
  messages: number;
  errors: number;
  readonly lastErrors: BadMessage[];
  readonly loggedKinds: Set<string>;
}

export class KafkaSource {
  private readonly kafka: Kafka;
  private readonly sources = new Map<string, Declared>();
  private readonly byTopic = new Map<string, Declared>();
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private handler: KafkaHandler | null = null;

  constructor(private readonly opts: KafkaSourceOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'deltaview',
      brokers: [...opts.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 5000 },
    });
  }

  /** Declares a source; takes effect at the next `start` (or restart of the consumer). */
  declare(decl: KafkaSourceDeclaration): void {
    if (this.sources.has(decl.name)) throw new Error(`Kafka source ${decl.name} is declared twice`);
    if (this.byTopic.has(decl.topic)) throw new Error(`topic ${decl.topic} is already read by source ${this.byTopic.get(decl.topic)!.decl.name}`);
    const t = sourceTable(decl);
    const d: Declared = {
      decl,
      relation: { id: t.id, schema: t.schema, name: t.name, columns: t.columns, replicaIdentity: 'full' },
      decode: messageDecoder(decl),
      keyed: new Map(),
      messages: 0,
      errors: 0,
      lastErrors: [],
      loggedKinds: new Set(),
    };
    this.sources.set(decl.name, d);
    this.byTopic.set(decl.topic, d);
  }

  /** Gives a keyed source back the rows its keys held at the stored position. */
  restoreKeyed(source: string, entries: Iterable<readonly [string, Row]>): void {
    const d = this.declared(source);
    for (const [k, row] of entries) d.keyed.set(k, row);
  }

  stats(source: string): SourceStats {
    const d = this.declared(source);
    return { messages: d.messages, errors: d.errors, lastErrors: [...d.lastErrors] };
  }

  /** Joins the group and streams every declared source's topic to `handler`, from the committed offsets (else the earliest). */
  async start(handler: KafkaHandler): Promise<void> {
    this.handler = handler;
    const consumer = this.kafka.consumer({ groupId: this.opts.groupId, sessionTimeout: this.opts.sessionTimeoutMs ?? 30_000, heartbeatInterval: 1000 });
    this.consumer = consumer;
    await consumer.connect();
    const topics = [...this.byTopic.keys()];
    if (topics.length > 0) await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (p) => this.onBatch(p) });
  }

  /** Records that everything before `nextOffset` of the partition is durable in every view reading it. */
  async commit(source: string, partition: number, nextOffset: bigint): Promise<void> {
    const d = this.declared(source);
    if (this.consumer === null) throw new Error('the Kafka source is not started');
    await this.consumer.commitOffsets([{ topic: d.decl.topic, partition, offset: nextOffset.toString() }]);
  }

  /** The committed offset of every partition of a source's topic (-1: none yet), and the high watermarks. */
  async offsets(source: string): Promise<{ partition: number; committed: bigint; high: bigint; low: bigint }[]> {
    const d = this.declared(source);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [marks, committed] = await Promise.all([admin.fetchTopicOffsets(d.decl.topic), admin.fetchOffsets({ groupId: this.opts.groupId, topics: [d.decl.topic] })]);
      const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      return marks
        .map((m) => ({ partition: m.partition, committed: byPartition.get(m.partition) ?? -1n, high: BigInt(m.high), low: BigInt(m.low) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    await c?.disconnect();
    const p = this.producer;
    this.producer = null;
    await p?.disconnect();
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
    const touched = new Map<string, Row | null>();
    const dead: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
    for (const m of batch.messages) {
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
      this.apply(d, decoded, changes, touched);
    }
    this.handler.onBatch({
      source: d.decl.name,
      partition: batch.partition,
      nextOffset: BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n,
      changes,
      keyed: [...touched].map(([key, row]) => ({ key, row })),
    });
    if (dead.length > 0) await this.deadLetter(d, dead);
    await heartbeat();
  }

  /** Turns one decoded message into row changes, keeping the keyed state. */
  private apply(d: Declared, m: Decoded, out: StreamChange[], touched: Map<string, Row | null>): void {
    const relation = d.relation;
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
      const before = d.keyed.get(c.key);
      if (before !== undefined) out.push({ kind: 'delete', relation, row: before });
      if (c.after === null) d.keyed.delete(c.key);
      else {
        d.keyed.set(c.key, c.after);
        out.push({ kind: 'insert', relation, row: c.after });
      }
      touched.set(c.key, c.after);
    }
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
