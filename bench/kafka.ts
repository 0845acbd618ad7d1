/**
 * `npm run bench -- kafka`: messages from an append topic through an
 * aggregate view, beside the raw kafkajs consume rate of the same messages on
 * the same broker (the test broker: librdkafka's mock cluster) in the same run.
 * Writes bench/results/kafka.json.
 *
 *  1. raw: a kafkajs consumer (fresh group, from the earliest offset) that only counts messages
 *  2. live catch-up: the server is stopped, the messages are produced, the server starts and its
 *     aggregate view catches up from its stored offsets (decode, aggregate, commit to Redis)
 *  3. backfill: a new aggregate view over the whole topic, from POST to running
 * Rates are taken from the first message delivered to the last (group joins excluded on both
 * sides; the backfill from its first batch of rows, which it reads whole before handing them on).
 * Size: BENCH_KAFKA_MESSAGES (default 200000; the test broker keeps a bounded log per partition).
 */
import { Kafka, logLevel } from 'kafkajs';
import { maintainer, type RunningServer } from '../src/server/server.ts';
import { startServices } from '../test/harness/services.ts';
import { envInt, int, launcher, postView, round, say, writeResults, type Results } from './lib.ts';

const N = envInt('BENCH_KAFKA_MESSAGES', 200_000);
const PARTITIONS = 8;
const results: Results = {};

const services = await startServices({ kafka: true });
const broker = services.kafka!;
const brokers = [...broker.brokers];
const kafka = new Kafka({ clientId: 'dv-bench', brokers, logLevel: logLevel.NOTHING });
const launch = launcher(services.pg.url, services.redis.url, undefined, brokers);
const AGG = 'SELECT auction, count(*) AS n, sum(price) AS total, max(ts) AS last FROM bids GROUP BY auction';

async function produce(n: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const batch = 2000;
  for (let i = 0; i < n; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      messages.push({ key: String(j % 1000), value: `{"auction":${j % 1000},"bidder":${j},"price":"${(j % 10000) / 100}","ts":"2024-01-01T00:00:${String(j % 60).padStart(2, '0')}.${String(j % 1000000).padStart(6, '0')}Z"}` });
    }
    await producer.send({ topic: 'bids', messages });
  }
  await producer.disconnect();
}

/** Seconds from the first message to the n-th of a consumer that only counts them. */
async function rawConsume(n: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `raw-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'bids', fromBeginning: true });
  let count = 0;
  let first = 0;
  const secs = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= n) resolve((performance.now() - first) / 1000);
      },
    });
  });
  await consumer.disconnect();
  return secs;
}

/**
 * Seconds from the source's first message (after `from` already counted) until `view` is running
 * and reflects `n` messages in total: polled in process every millisecond.
 */
async function caughtUp(server: RunningServer, view: string, n: number, from: number): Promise<number> {
  const p = maintainer(server);
  let first = p.kafka.stats('bids').messages > from ? performance.now() : 0;
  for (;;) {
    if (first === 0 && p.kafka.stats('bids').messages > from) first = performance.now();
    const v = p.get(view);
    const total = Object.values(v.offsets?.bids ?? {}).reduce((a, o) => a + Number(o), 0);
    if (v.status === 'running' && total >= n) return (performance.now() - (first || performance.now())) / 1000;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Seconds from a new view's first snapshot message to running, polled in process (the backfill's group join excluded). */
async function backfill(server: RunningServer, view: string): Promise<number> {
  const p = maintainer(server);
  await postView(server.url, `CREATE MATERIALIZED VIEW ${view} AS ${AGG}`);
  let first = 0;
  for (;;) {
    const v = p.get(view);
    if (first === 0 && (v.backfill?.rowsDone ?? 0) > 0) first = performance.now();
    if (v.status === 'running') return (performance.now() - first) / 1000;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** With BENCH_PROFILE=<file>, a CPU profile of the live catch-up (node:inspector) is written there. */
async function profile(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile: p } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(p));
    session.disconnect();
  };
}

try {
  await broker.createTopic('bids', PARTITIONS);
  const decl = { name: 'bids', type: 'kafka', topic: 'bids', envelope: 'append', columns: { auction: 'bigint', bidder: 'bigint', price: 'numeric', ts: 'timestamptz' } };

  // the view exists before the messages: they reach it through the live consumer
  let server = await launch();
  const r = await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(decl) });
  if (r.status !== 201) throw new Error(`POST /v1/sources: ${r.status} ${await r.text()}`);
  await postView(server.url, `CREATE MATERIALIZED VIEW bid_totals AS ${AGG}`);
  await caughtUp(server, 'bid_totals', 0, 0);
  await server.stop();

  const t0 = performance.now();
  await produce(N);
  const produceSecs = (performance.now() - t0) / 1000;
  say(`produced ${N} messages to ${PARTITIONS} partitions in ${produceSecs.toFixed(2)} s`);
  // the test broker keeps a bounded log per partition: everything must still be there
  const admin = kafka.admin();
  await admin.connect();
  const marks = await admin.fetchTopicOffsets('bids');
  await admin.disconnect();
  const kept = marks.reduce((n, m) => n + Number(m.high) - Number(m.low), 0);
  if (kept !== N) throw new Error(`the broker kept ${kept} of the ${N} messages (its per-partition log limit): lower BENCH_KAFKA_MESSAGES`);

  const rawSecs = await rawConsume(N);
  results.raw_kafkajs_consume_msgs_per_s = Math.round(N / rawSecs);
  say(`raw kafkajs consume: ${N} messages in ${rawSecs.toFixed(2)} s = ${results.raw_kafkajs_consume_msgs_per_s} msgs/s`);

  server = await launch();
  const stopProfile = await profile();
  const liveSecs = await caughtUp(server, 'bid_totals', N, 0);
  await stopProfile();
  results.aggregate_view_live_msgs_per_s = Math.round(N / liveSecs);
  results.aggregate_view_live_vs_raw = round(rawSecs / liveSecs, 2);
  say(`aggregate view catch-up (live consumer, from stored offsets): ${N} messages in ${liveSecs.toFixed(2)} s = ${results.aggregate_view_live_msgs_per_s} msgs/s (${results.aggregate_view_live_vs_raw}× raw)`);

  const backfillSecs = await backfill(server, 'bid_totals_2');
  results.aggregate_view_backfill_msgs_per_s = Math.round(N / backfillSecs);
  results.aggregate_view_backfill_vs_raw = round(rawSecs / backfillSecs, 2);
  say(`aggregate view backfill (first message read → running): ${N} messages in ${backfillSecs.toFixed(2)} s = ${results.aggregate_view_backfill_msgs_per_s} msgs/s (${results.aggregate_view_backfill_vs_raw}× raw)`);
  await server.stop();

  const fig = results as Record<string, number>;
  await writeResults(
    {
      scenario: 'kafka',
      what: 'An append topic through an aggregate view, beside raw kafkajs',
      command: 'npm run bench -- kafka',
      parameters: { messages: N, partitions: PARTITIONS },
      figures: results,
      comparisons: [
        { scenario: `${int(N)} JSON messages of an append topic (${PARTITIONS} partitions, test broker) through an aggregate view (count, sum(numeric), max(timestamptz) by auction), catch-up from stored offsets after a restart`, deltaview: `${int(fig.aggregate_view_live_msgs_per_s!)} msgs/s (a second view's backfill: ${int(fig.aggregate_view_backfill_msgs_per_s!)} msgs/s)`, reference: `a kafkajs consumer that only counts the same messages: ${int(fig.raw_kafkajs_consume_msgs_per_s!)} msgs/s`, ratio: `${fig.aggregate_view_live_vs_raw}×` },
      ],
      aims: [{ what: 'Kafka append → aggregate, beside raw kafkajs consume', value: fig.aggregate_view_live_vs_raw!, unit: 'x', reference: `kafkajs ${int(fig.raw_kafkajs_consume_msgs_per_s!)} msgs/s`, op: '>=', target: 0.5 }],
    },
    services.pg.url,
  );
} finally {
  await services.stop();
}
