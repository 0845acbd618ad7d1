/**
 * Kafka sources through crashes: the server is killed with SIGKILL while the
 * workload produces (mid-batch, mid-commit, mid-backfill), started again, and
 * every view still equals PostgreSQL's answer over the same messages: none
 * lost, none counted twice, and running views resume from their stored
 * positions instead of reading the topics again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { KafkaWorkload, SOURCES } from './harness/kafka-workload.ts';
import { spawnServer, type ServerProcess } from './harness/process.ts';
import { http } from './harness/server.ts';
import { startServices, type TestServices } from './harness/services.ts';

let services: TestServices;
let db: pg.Client;
let w: KafkaWorkload;
let server: ServerProcess | null = null;
const seed = Number(process.env.SEED ?? Date.now() % 100000);

before(async () => {
  services = await startServices({ kafka: true });
  db = new pg.Client({ connectionString: services.pg.url });
  await db.connect();
  await db.query("SET TIME ZONE 'UTC'");
  const kafka = services.kafka!;
  w = await KafkaWorkload.start({ seed, db, pgUrl: services.pg.url, brokers: kafka.brokers, createTopic: (t, n) => kafka.createTopic(t, n) });
});

after(async () => {
  await server?.kill('SIGKILL');
  await w?.stop();
  await db?.end().catch(() => {});
  await services?.stop();
});

const env = () => ({ DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url, KAFKA_BROKERS: services.kafka!.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '3000' });

test('SIGKILL while producing, restart: every view over Kafka equals PostgreSQL', async () => {
  server = await spawnServer(env());
  await w.round(50);
  for (const s of SOURCES) assert.equal((await http(server.url, 'POST', '/v1/sources', s)).status, 201);
  for (const [name, select] of Object.entries(w.views)) {
    const r = await http(server.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
    assert.equal(r.status, 201, r.text);
  }
  await w.check(server.url, 'initial');
  let r = seed;
  const rand = (n: number) => ((r = (r * 1103515245 + 12345) % 2147483648), r % n);
  for (let round = 0; round < 2; round++) {
    let stop = false;
    const producing = (async () => {
      while (!stop) await w.round(20);
    })();
    await new Promise((res) => setTimeout(res, 300 + rand(1200)));
    await server.kill('SIGKILL');
    await new Promise((res) => setTimeout(res, 200 + rand(300))); // messages keep coming while it is down
    server = await spawnServer(env());
    await new Promise((res) => setTimeout(res, rand(500)));
    stop = true;
    await producing;
    await w.check(server.url, `after crash ${round}`);
    assert.doesNotMatch(server.output(), /backfilling from snapshot/, 'running views resume from their stored positions');
    assert.match(server.output(), /view auction_board: operator state restored/, 'the join came back from its stored state');
  }
  // killed while a new view over Kafka is backfilling: the backfill starts again and completes exactly
  w.views.late = 'SELECT bidder, count(*) AS n, sum(price) AS spent FROM bids GROUP BY bidder';
  assert.equal((await http(server.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW late AS ${w.views.late}` })).status, 201);
  await new Promise((res) => setTimeout(res, 500));
  await server.kill('SIGKILL');
  await w.round(20);
  server = await spawnServer(env());
  await w.round(20);
  await w.check(server.url, 'after a crash during a backfill');
});
