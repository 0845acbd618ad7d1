/**
 * A consistent snapshot of Kafka sources, for backfills: the high watermark of
 * every partition when it is opened, and each source's rows as of those
 * offsets, read from the earliest retained offset by a consumer group of its
 * own (deleted afterwards). Append sources give every message's row, keyed
 * sources what each key holds at the end, Debezium sources without key the
 * rows their events leave. Unreadable messages are skipped (the live stream
 * counts them).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { RelationShape, StreamChange } from '../types.ts';
import { renderText } from '../../values/index.ts';
import type { Row } from '../../values/types.ts';
import type { KafkaSourceDeclaration } from './declaration.ts';
import { MessageError, messageDecoder, type Decoded } from './decode.ts';
import { applyDecoded, FETCH_WAIT_MS } from './source.ts';

/** Per partition of one source's topic: the offsets a snapshot covers, [low, high). */
export interface PartitionRange {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** The partitions of a topic as they stand now. */
export async function topicRanges(kafka: Kafka, topic: string): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic))
      .map((m) => ({ partition: m.partition, low: BigInt(m.low), high: BigInt(m.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a source's rows as of `ranges` (each partition up to its high watermark), handing them
 * on in batches of about `batchSize`; resolves with the number of rows.
 */
export async function readSourceSnapshot(
  kafka: Kafka,
  decl: KafkaSourceDeclaration,
  relation: RelationShape,
  ranges: readonly PartitionRange[],
  batchSize: number,
  onBatch: (rows: Row[]) => Promise<void> | void,
): Promise<number> {
  const pending = new Map(ranges.filter((r) => r.high > r.low).map((r) => [r.partition, r]));
  if (pending.size === 0) return 0;
  const decode = messageDecoder(decl);
  const keyed = new Map<string, Row>();
  // Debezium without key: rows by their text, with multiplicity
  const loose = new Map<string, { row: Row; n: number }>();
  const keyless = decl.envelope === 'debezium' && decl.key.length === 0;
  const looseKey = (row: Row) => JSON.stringify(row.map((v, i) => (v === null ? null : renderText(v, relation.columns[i]!.type))));
  let rows = 0;
  let out: Row[] = [];
  const flush = async () => {
    if (out.length === 0) return;
    const b = out;
    out = [];
    rows += b.length;
    await onBatch(b);
  };
  const group = `deltaview-snapshot-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 30_000, heartbeatInterval: 1000, maxWaitTimeInMs: FETCH_WAIT_MS });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: decl.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, heartbeat }) => {
            const r = pending.get(batch.partition);
            if (r === undefined) return;
            const changes: StreamChange[] = [];
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset >= r.high) break;
              let decoded: Decoded;
              try {
                decoded = decode({ key: m.key ?? null, value: m.value ?? null });
              } catch (e) {
                if (e instanceof MessageError) continue;
                throw e;
              }
              applyDecoded(relation, keyed, decoded, changes);
            }
            if (decl.envelope === 'append') {
              for (const c of changes) if (c.kind === 'insert') out.push(c.row);
            } else if (keyless) {
              for (const c of changes) {
                if (c.kind !== 'insert' && c.kind !== 'delete') continue;
                const k = looseKey(c.row);
                const e = loose.get(k) ?? { row: c.row, n: 0 };
                e.n += c.kind === 'insert' ? 1 : -1;
                if (e.n <= 0) loose.delete(k);
                else loose.set(k, e);
              }
            }
            if (out.length >= batchSize) await flush();
            const lastOffset = BigInt(batch.messages[batch.messages.length - 1]?.offset ?? '-1');
            if (lastOffset + 1n >= r.high) pending.delete(batch.partition);
            await heartbeat();
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => {});
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([group]))
      .catch(() => {})
      .finally(() => void admin.disconnect().catch(() => {}));
  }
  if (decl.envelope !== 'append') {
    const all = keyless ? [...loose.values()].flatMap((e) => Array<Row>(e.n).fill(e.row)) : [...keyed.values()];
    for (const row of all) {
      out.push(row);
      if (out.length >= batchSize) await flush();
    }
  }
  await flush();
  return rows;
}
