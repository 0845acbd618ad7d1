/**
 * Failover between engine instances with Kafka sources: the owner is killed with SIGKILL, then the
 * next one is paused past its lease, while messages keep coming. The consumer group hands the
 * partitions to the new owner, which resumes every view from the offsets stored with it in Redis
 * (fenced: the paused former owner, once it runs again, writes nothing), and every view equals
 * PostgreSQL's answer over the same messages through every instance: none lost, none counted twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { KafkaWorkload, SOURCES } from './harness/kafka-workload.ts';
import { spawnServer, type ServerProcess } from './harness/process.ts';
import { http, waitUntil } from './harness/server.ts';
import { startServices, type TestServices } from './harness/services.ts';

const LEASE_MS = 1500;
/** The group's session timeout: a paused member keeps its partitions until it runs out. */
const SESSION_MS = 3000;

let services: TestServices;
let db: pg.Client;
let w: KafkaWorkload;
const procs: ServerProcess[] = [];
const seed = Number(process.env.SEED ?? Date.now() % 100000);

before(async () => {
  services = await startServices({ kafka: true });
  db = new pg.Client({ connectionString: services.pg.url });
  await db.connect();
  await db.query("SET TIME ZONE 'UTC'");
  const kafka = services.kafka!;
  w = await KafkaWorkload.start({ seed, db, pgUrl: services.pg.url, brokers: kafka.brokers, createTopic: (t, n) => kafka.createTopic(t, n) });
  // two of the workload's sources (an append and an upsert one, each group join costs the test
  // broker 3 s) and the views over them: an aggregate, a keyed filter, a join with PostgreSQL
  for (const name of Object.keys(w.views)) if (!USED_VIEWS.includes(name)) delete w.views[name];
});

const USED_SOURCES = SOURCES.filter((s) => s.name === 'bids' || s.name === 'prices');
const USED_VIEWS = ['bid_stats', 'priced', 'by_category'];

after(async () => {
  if (process.env.DV_LOG) for (const p of procs) process.stderr.write(`---- ${p.url}\n${p.output()}\n`);
  for (const p of procs) {
    p.child.kill('SIGCONT');
    await p.kill('SIGKILL');
  }
  await w?.stop();
  await db?.end().catch(() => {});
  await services?.stop();
});

async function launch(): Promise<ServerProcess> {
  const p = await spawnServer({
    DATABASE_URL: services.pg.url,
    REDIS_URL: services.redis.url,
    KAFKA_BROKERS: services.kafka!.brokers.join(','),
    KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS),
    DELTAVIEW_LEASE_MS: String(LEASE_MS),
  });
  procs.push(p);
  return p;
}

async function role(p: ServerProcess): Promise<string> {
  const r = await http(p.url, 'GET', '/v1/cluster');
  return (JSON.parse(r.text) as { instances: { self: boolean; role: string }[] }).instances.find((i) => i.self)!.role;
}

/** Produces rounds until the result of `during` is in. */
async function producing<T>(during: () => Promise<T>): Promise<T> {
  let stop = false;
  const rounds = (async () => {
    while (!stop) await w.round(20);
  })();
  try {
    return await during();
  } finally {
    stop = true;
    await rounds;
  }
}

test('Kafka sources: kill -9 of the owner and a SIGSTOP past the lease, while producing: every view equals PostgreSQL through every instance', async () => {
  const a = await launch();
  const b = await launch();
  assert.equal(await role(a), 'maintain');
  assert.equal(await role(b), 'standby');
  await w.round(50);
  // declared and created through the standby: forwarded to the owner
  for (const s of USED_SOURCES) assert.equal((await http(b.url, 'POST', '/v1/sources', s)).status, 201);
  for (const [name, select] of Object.entries(w.views)) {
    const r = await http(b.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
    assert.equal(r.status, 201, r.text);
  }
  await w.check(a.url, 'initial');

  const killed = await producing(async () => {
    await new Promise((r) => setTimeout(r, 500));
    const at = Date.now();
    await a.kill('SIGKILL');
    await waitUntil(async () => (await role(b)) === 'maintain', 15_000, 'the standby to take over after kill -9');
    return Date.now() - at;
  });
  await w.check(b.url, 'after kill -9 of the owner');

  const c = await launch();
  assert.equal(await role(c), 'standby');
  const paused = await producing(async () => {
    await new Promise((r) => setTimeout(r, 500));
    const at = Date.now();
    b.child.kill('SIGSTOP');
    await waitUntil(async () => (await role(c)) === 'maintain', 15_000, 'the standby to take over after SIGSTOP');
    const took = Date.now() - at;
    const before = b.output().length;
    b.child.kill('SIGCONT');
    // it stands by; or, when its Kafka consumers cannot leave their groups mid-rebalance (kafkajs),
    // it exits rather than keep partitions it would never read, and a supervisor starts it again
    await waitUntil(async () => b.child.exitCode !== null || (await role(b).catch(() => '')) === 'standby', 15_000, 'the resumed former owner to stand by or exit');
    const resumed = b.output().slice(before);
    assert.match(resumed, /lease: (lost the lease on the sources|a write was refused by a newer owner's fence)/, resumed);
    assert.doesNotMatch(resumed, /storage failed|rebuilding/, 'no recovery or rebuild on the former owner');
    if (b.child.exitCode !== null) {
      assert.equal(b.child.exitCode, 1);
      assert.match(resumed, /exiting: the former pipeline has not stopped/);
    }
    return took;
  });
  const former = b.child.exitCode === null ? b : await launch();
  assert.equal(await role(former), 'standby');
  try {
    for (const p of [former, c]) await w.check(p.url, `after SIGSTOP, through ${p === c ? 'the new owner' : 'the former one'}`);
  } catch (err) {
    if (process.env.DV_LOG) {
      for (const s of USED_SOURCES) process.stderr.write(`source ${s.name}: ${(await http(c.url, 'GET', `/v1/sources/${s.name}`)).text}\n`);
      for (const v of Object.keys(w.views)) process.stderr.write(`view ${v}: ${(await http(c.url, 'GET', `/v1/views/${v}`)).text}\n`);
    }
    throw err;
  }
  process.stdout.write(`# failover with Kafka sources: the standby maintains the views ${killed} ms after kill -9, ${paused} ms after SIGSTOP (lease ${LEASE_MS} ms)\n`);
});
