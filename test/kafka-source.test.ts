/**
 * The Kafka source (src/cdc/kafka/source.ts) on the test broker: every
 * envelope over several partitions, bad messages mixed in (counted, kept,
 * copied to the dead-letter topic, never stopping the stream), the row
 * changes adding up to exactly what the topics say, and a restart resuming at
 * the committed offsets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { parseSourceDeclaration } from '../src/cdc/kafka/declaration.ts';
import { KafkaSource, type KafkaBatch } from '../src/cdc/kafka/source.ts';
import { startKafkaMock, type RunningKafka } from '../src/services/kafka-mock.ts';
import { renderRow } from '../src/values/index.ts';
import { waitUntil } from './harness/server.ts';

let broker: RunningKafka;
let kafka: Kafka;
let producer: Producer;
const logs: string[] = [];

const BIDS = parseSourceDeclaration({ name: 'bids', type: 'kafka', topic: 'bids', envelope: 'append', columns: { auction: 'bigint', price: 'numeric', ts: 'timestamptz' } });
const PRICES = parseSourceDeclaration({ name: 'prices', type: 'kafka', topic: 'prices', envelope: 'upsert', columns: { id: 'int', price: 'numeric(8,2)' }, key: ['id'] });
const CDC = parseSourceDeclaration({
  name: 'items',
  type: 'kafka',
  topic: 'items',
  envelope: 'debezium',
  columns: { id: 'int', name: 'text' },
  key: ['id'],
  dead_letter_topic: 'items_dlq',
});
const ALL = [BIDS, PRICES, CDC];

before(async () => {
  broker = await startKafkaMock(1);
  for (const [t, n] of [['bids', 3], ['prices', 2], ['items', 1], ['items_dlq', 1]] as const) await broker.createTopic(t, n);
  kafka = new Kafka({ clientId: 'dv-test', brokers: [...broker.brokers], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await producer?.disconnect();
  await broker?.stop();
});

/** What a consumer of the batches holds: per relation, rendered row → count (never negative). */
class Model {
  readonly rows = new Map<string, Map<string, number>>();
  readonly next = new Map<string, bigint>();
  readonly errors: string[] = [];
  readonly batches: KafkaBatch[] = [];
  onBatch(b: KafkaBatch): void {
    this.batches.push(b);
    const at = `${b.source}/${b.partition}`;
    const prev = this.next.get(at);
    if (prev !== undefined && b.nextOffset <= prev) this.errors.push(`${at}: went back from ${prev} to ${b.nextOffset}`);
    this.next.set(at, b.nextOffset);
    for (const c of b.changes) {
      if (c.kind !== 'insert' && c.kind !== 'delete') continue;
      const m = this.rows.get(c.relation.name) ?? new Map<string, number>();
      this.rows.set(c.relation.name, m);
      const k = renderRow(c.row, c.relation.columns);
      const n = (m.get(k) ?? 0) + (c.kind === 'insert' ? 1 : -1);
      if (n < 0) this.errors.push(`${c.relation.name}: deleted ${k}, which it does not hold`);
      if (n === 0) m.delete(k);
      else m.set(k, n);
    }
  }
  of(name: string): string[] {
    return [...(this.rows.get(name) ?? new Map<string, number>())].flatMap(([k, n]) => Array<string>(n).fill(k)).sort();
  }
}

const send = (topic: string, messages: { key?: string | null; value: string | null; partition?: number }[]) => producer.send({ topic, messages });

async function startSource(model: Model, group = 'deltaview-test'): Promise<KafkaSource> {
  const s = new KafkaSource({ brokers: broker.brokers, groupId: group, log: (m) => logs.push(m), sessionTimeoutMs: 6000 });
  for (const d of ALL) await s.declare(d);
  await s.start({ onBatch: (b) => model.onBatch(b) });
  return s;
}

/** Waits until the model has every partition of every source up to its high watermark (or the group's committed offset stood there). */
async function caughtUp(s: KafkaSource, model: Model): Promise<void> {
  await waitUntil(
    async () => {
      for (const d of ALL) {
        for (const p of await s.offsets(d.name)) {
          const at = model.next.get(`${d.name}/${p.partition}`) ?? (p.committed > 0n ? p.committed : 0n);
          if (at < p.high) return false;
        }
      }
      return true;
    },
    30_000,
    'the source delivered every message',
  );
}

test('append, upsert and Debezium topics become exactly their rows; bad messages are counted and set aside', async () => {
  const bids = Array.from({ length: 60 }, (_, i) => ({ key: `a${i % 7}`, value: JSON.stringify({ auction: String(9007199254740993n + BigInt(i % 5)), price: `${i}.10`, ts: `2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.123456+00` }) }));
  bids.splice(10, 0, { key: 'x', value: 'not json' }, { key: 'y', value: '{"auction": "abc"}' });
  await send('bids', bids);
  await send('prices', [
    { key: '1', value: '{"price": 1.005}' },
    { key: '2', value: '{"price": 2}' },
    { key: '1', value: '{"price": 3.5}' },
    { key: '3', value: '{"price": 4}' },
    { key: '2', value: null },
    { key: null, value: '{"price": 5}' },
  ]);
  const ev = (op: string, b: unknown, a: unknown) => JSON.stringify({ schema: {}, payload: { op, before: b, after: a } });
  await send('items', [
    { key: '1', value: ev('r', null, { id: 1, name: 'one' }) },
    { key: '2', value: ev('c', null, { id: 2, name: 'two' }) },
    { key: '1', value: ev('u', { id: 1, name: 'one' }, { id: 1, name: 'uno' }) },
    { key: '2', value: ev('d', { id: 2, name: 'two' }, null) },
    { key: '2', value: null },
    { key: '3', value: JSON.stringify({ before: null, after: { id: 3, name: 'three' } }) },
    { key: '4', value: JSON.stringify({ op: 'c', before: null, after: { id: 4, name: 'four' } }) },
    { key: '4', value: ev('u', { id: 4 }, { id: 5, name: 'five' }) },
  ]);

  const model = new Model();
  const s = await startSource(model);
  await caughtUp(s, model);
  assert.deepEqual(model.errors, []);
  assert.equal(model.of('bids').length, 60);
  // bigint beyond 2^53 and microseconds exact
  const good = bids.filter((b) => b.value !== 'not json' && !b.value.includes('abc'));
  const rendered = good.map((b) => {
    const v = JSON.parse(b.value) as { auction: string; price: string; ts: string };
    return `{"auction":${v.auction},"price":${v.price},"ts":"${v.ts.replace(' ', 'T').replace('+00', '+00:00')}"}`;
  });
  assert.deepEqual(model.of('bids'), rendered.sort());
  assert.deepEqual(model.of('prices'), ['{"id":1,"price":3.50}', '{"id":3,"price":4.00}']);
  assert.deepEqual(model.of('items'), ['{"id":1,"name":"uno"}', '{"id":5,"name":"five"}']);

  const bidStats = s.stats('bids');
  assert.equal(bidStats.messages, 62);
  assert.equal(bidStats.errors, 2);
  assert.deepEqual(bidStats.lastErrors.map((e) => e.kind).sort(), ['bad_value', 'not_json']);
  assert.match(bidStats.lastErrors.find((e) => e.kind === 'bad_value')!.error, /column "auction" \(bigint\): invalid input syntax for type bigint: "abc"/);
  assert.equal(s.stats('prices').errors, 1, 'the message without key');
  assert.equal(s.stats('items').errors, 1, 'the event without op');
  assert.ok(logs.some((l) => /kafka source bids: skipped a message at \d+:\d+ \(not_json/.test(l)));

  // the event without op went to the dead-letter topic, with what was wrong in its headers
  const dlq = kafka.consumer({ groupId: 'dlq-reader' });
  await dlq.connect();
  await dlq.subscribe({ topic: 'items_dlq', fromBeginning: true });
  const dead: { value: string; error: string }[] = [];
  await dlq.run({ eachMessage: async ({ message }) => void dead.push({ value: message.value!.toString(), error: message.headers!['deltaview-error']!.toString() }) });
  await waitUntil(() => dead.length >= 1, 20_000, 'the dead letter');
  await dlq.disconnect();
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.error, /without "op"/);
  await s.stop();
});

test('a restart resumes where the source is restored to: what it covers never comes again, the rest does', async () => {
  const model = new Model();
  const s = await startSource(model, 'restart-group');
  await caughtUp(s, model);
  // bids stand after everything, prices nowhere (read again from the earliest offset)
  for (const [at, next] of model.next) {
    const [source, partition] = at.split('/') as [string, string];
    if (source === 'bids') await s.commit(source, Number(partition), next);
  }
  const before = new Map(model.next);
  await s.stop();
  await send('bids', [{ value: '{"auction": 1, "price": 1}' }, { value: '{"auction": 2, "price": 2}' }]);

  const again = new Model();
  const s2 = new KafkaSource({ brokers: broker.brokers, groupId: 'restart-group', log: (m) => logs.push(m), sessionTimeoutMs: 6000 });
  for (const d of ALL) await s2.declare(d);
  const bidsAt = new Map([...before].filter(([at]) => at.startsWith('bids/')).map(([at, next]) => [Number(at.split('/')[1]), next] as const));
  s2.restore('bids', bidsAt, []);
  await s2.start({ onBatch: (b) => again.onBatch(b) });
  await caughtUp(s2, again);
  // bids: exactly the two new messages; prices: everything again from the start
  assert.deepEqual(again.of('bids'), ['{"auction":1,"price":1,"ts":null}', '{"auction":2,"price":2,"ts":null}']);
  for (const b of again.batches.filter((x) => x.source === 'bids')) {
    assert.ok(b.nextOffset > (before.get(`bids/${b.partition}`) ?? 0n), 'no committed bid is delivered again');
  }
  assert.deepEqual(again.of('prices'), model.of('prices'));
  const offsets = await s2.offsets('bids');
  assert.equal(offsets.reduce((n, p) => n + p.high, 0n), 64n);
  assert.ok(offsets.every((p) => p.committed >= 0n));
  await s2.stop();
});
