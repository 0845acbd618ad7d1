/**
 * The Kafka-protocol broker of the test harness (librdkafka's mock cluster,
 * src/services/kafka-mock.ts), exercised with kafkajs the way the Kafka source
 * uses it: pre-created topics with several partitions, keyed produce, a
 * consumer group that commits offset+1 after processing and resumes there,
 * watermarks, and a broker going down and up while a producer writes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startKafkaMock, type RunningKafka } from '../src/services/kafka-mock.ts';
import { waitUntil } from './harness/server.ts';

let broker: RunningKafka;
let kafka: Kafka;

before(async () => {
  broker = await startKafkaMock(3);
  kafka = new Kafka({ clientId: 'dv-test', brokers: [...broker.brokers], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50 } });
});
after(async () => {
  await broker?.stop();
});

/** Consumes `topic` in group `group` until `want` messages arrived; commits each batch's last offset + 1. */
async function consume(group: string, topic: string, want: number): Promise<{ seen: string[]; consumer: Consumer }> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      for (const m of batch.messages) seen.push(m.value!.toString());
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) {
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      }
      await heartbeat();
    },
  });
  await waitUntil(() => seen.length >= want, 30_000, `${want} messages of ${topic} in group ${group} (got ${seen.length})`);
  return { seen, consumer };
}

test('produce to pre-created partitions, consume in a group, resume from committed offsets', async () => {
  await broker.createTopic('bids', 3);
  const producer = kafka.producer();
  await producer.connect();
  const first = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 17}`, value: `m${i}` }));
  await producer.send({ topic: 'bids', messages: first });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('bids');
  assert.equal(offsets.length, 3, 'three partitions');
  assert.equal(offsets.reduce((a, p) => a + Number(p.high), 0), 300, 'the high watermarks add up to what was produced');
  assert.ok(offsets.every((p) => Number(p.high) > 0), 'keys spread over all partitions');

  const a = await consume('g1', 'bids', 300);
  assert.deepEqual([...a.seen].sort(), first.map((m) => m.value).sort());
  await a.consumer.disconnect();

  // more messages while the group is away: a new member of the group gets exactly those
  const second = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `n${i}` }));
  await producer.send({ topic: 'bids', messages: second });
  const b = await consume('g1', 'bids', 50);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual([...b.seen].sort(), second.map((m) => m.value).sort(), 'resumed at the committed offsets: nothing again, nothing skipped');
  await b.consumer.disconnect();
  const committed = await admin.fetchOffsets({ groupId: 'g1', topics: ['bids'] });
  assert.equal(committed[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0), 350);
  await admin.disconnect();
  await producer.disconnect();
});

test('a producer rides out every broker going down and coming back', async () => {
  await broker.createTopic('events', 2);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'events', messages: [{ value: 'before' }] });
  await broker.down(-1);
  const sending = producer.send({ topic: 'events', messages: [{ value: 'during' }] });
  await new Promise((r) => setTimeout(r, 500));
  await broker.up(-1);
  await sending;
  await producer.send({ topic: 'events', messages: [{ value: 'after' }] });
  const c = await consume('g2', 'events', 3);
  assert.deepEqual([...c.seen].sort(), ['after', 'before', 'during']);
  await c.consumer.disconnect();
  await producer.disconnect();
});

test('bad commands are refused by name', async () => {
  await assert.rejects(broker.createTopic('no spaces allowed', 1), /invalid topic name/);
  await assert.rejects(broker.createTopic('zero', 0), /invalid partition count 0/);
});
