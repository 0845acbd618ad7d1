/**
 * Failover between engine instances (processes, as `npm start` runs them) on one PostgreSQL and
 * one Redis, then a 3-node Redis Cluster: the first holds the lease on the sources and maintains
 * the views, the others stand by and serve every view from Redis, as a gateway does. kill -9 of the
 * holder, then a SIGSTOP of the next one longer than its lease, while writes continue: the views
 * move to a standby within a bound, every view equals PostgreSQL through every instance, the
 * resumed former owner writes nothing (its lease and fences say it lost the views) and a
 * subscriber on the gateway converges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import WebSocket from 'ws';
import { connectRedis } from '../src/storage/connection.ts';
import { DeltaviewClient, type Subscription, type WebSocketConstructor } from '../src/client/index.ts';
import { canonical, parseLossless, sortedCanonical, type JValue } from './harness/json.ts';
import { spawnServer, type ServerProcess } from './harness/process.ts';
import { currentLsn, http, oracle, viewRows, waitUntil } from './harness/server.ts';
import { startRedisCluster } from './harness/redis-cluster.ts';
import { startServices, type TestServices } from './harness/services.ts';

const LEASE_MS = 1500;
/** kill → the views current again through a standby: the lease running out, the takeover (fences, slot, restore) and the replay. */
const FAILOVER_BOUND_MS = LEASE_MS + 8000;

const VIEWS: Record<string, string> = {
  hot: 'SELECT id, v, tag FROM acc WHERE v % 3 <> 0',
  by_tag: 'SELECT tag, count(*) AS n, sum(v) AS total, max(v) AS top FROM acc GROUP BY tag',
  labelled: 'SELECT a.id, a.v, g.label FROM acc a LEFT JOIN groups g ON g.id = a.id % 7',
};

let services: TestServices;
let db: pg.Client;
const procs: ServerProcess[] = [];

before(async () => {
  services = await startServices();
  db = new pg.Client({ connectionString: services.pg.url });
  await db.connect();
  await db.query('CREATE TABLE acc (id int PRIMARY KEY, v bigint NOT NULL, tag text)');
  await db.query("INSERT INTO acc SELECT g, g, 't' || (g % 5) FROM generate_series(1, 2000) g");
  await db.query('CREATE TABLE groups (id int PRIMARY KEY, label text)');
  await db.query("INSERT INTO groups SELECT g, 'group ' || g FROM generate_series(0, 5) g");
});

after(async () => {
  for (const p of procs) {
    p.child.kill('SIGCONT');
    await p.kill('SIGKILL');
  }
  await db?.end().catch(() => {});
  await services?.stop();
});

async function launch(redisUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const p = await spawnServer({ DATABASE_URL: services.pg.url, REDIS_URL: redisUrl, DELTAVIEW_LEASE_MS: String(LEASE_MS), ...env });
  procs.push(p);
  return p;
}

interface Self {
  readonly id: string;
  readonly role: string;
  readonly views: string[];
}
async function self(p: ServerProcess): Promise<Self> {
  const r = await http(p.url, 'GET', '/v1/cluster');
  assert.equal(r.status, 200, r.text);
  const body = JSON.parse(r.text) as { self: string; instances: (Self & { self: boolean })[] };
  const me = body.instances.find((i) => i.self);
  assert.ok(me, `${p.url} lists itself: ${r.text}`);
  return me;
}

/** Every view through `p` equals PostgreSQL's answer now. */
async function check(label: string, p: ServerProcess): Promise<void> {
  const lsn = await currentLsn(db);
  for (const [name, select] of Object.entries(VIEWS)) {
    const got = sortedCanonical((await viewRows(p.url, name, lsn)).rows);
    assert.deepEqual(got, await oracle(db, select), `${label}: ${name} through ${p.url} differs from PostgreSQL`);
  }
}

/** Writes random transactions until stopped; counts them. */
function writer(seed: number): { stop(): Promise<number> } {
  let stop = false;
  let txns = 0;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const done = (async () => {
    const w = new pg.Client({ connectionString: services.pg.url });
    await w.connect();
    try {
      while (!stop) {
        await w.query('BEGIN');
        await w.query(`INSERT INTO acc VALUES (${1 + Math.floor(rand() * 2500)}, ${Math.floor(rand() * 1000)}, 'w') ON CONFLICT (id) DO UPDATE SET v = acc.v + 1, tag = 't' || (acc.v % 4)`);
        await w.query(`UPDATE acc SET v = v + 7 WHERE id = ${1 + Math.floor(rand() * 2500)}`);
        if (rand() < 0.2) await w.query(`DELETE FROM acc WHERE id = ${1 + Math.floor(rand() * 2500)}`);
        if (rand() < 0.1) await w.query(`INSERT INTO groups VALUES (${Math.floor(rand() * 7)}, 'g${txns}') ON CONFLICT (id) DO UPDATE SET label = excluded.label`);
        await w.query('COMMIT');
        txns++;
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      await w.end();
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
      return txns;
    },
  };
}

/** Milliseconds until `p` maintains the views and reflects every transaction committed by then. */
async function takesOver(p: ServerProcess, since: number): Promise<number> {
  await waitUntil(async () => (await self(p)).role === 'maintain', FAILOVER_BOUND_MS, `${p.url} to take the views over`);
  const lsn = await currentLsn(db);
  for (const name of Object.keys(VIEWS)) await viewRows(p.url, name, lsn);
  return Date.now() - since;
}

/** Waits until exactly one of `ps` maintains the views; returns it. */
async function ownerAmong(ps: readonly ServerProcess[], what: string): Promise<ServerProcess> {
  let owner: ServerProcess | null = null;
  await waitUntil(
    async () => {
      const roles = await Promise.all(ps.map(async (p) => (await self(p)).role));
      const owners = ps.filter((_, i) => roles[i] === 'maintain');
      owner = owners.length === 1 ? owners[0]! : null;
      return owner !== null;
    },
    FAILOVER_BOUND_MS,
    what,
  );
  return owner!;
}

/**
 * Three engine instances and a gateway (each given `redisUrl(i)`); views created through all of
 * them; kill -9 of the owner, then a SIGSTOP past the lease of the next one, while writes flow.
 */
async function scenario(slot: string, redisUrl: (i: number) => string): Promise<void> {
  // each run is a deployment of its own on the database (its replication slot and catalog)
  const env = { DELTAVIEW_SLOT: slot };
  const engines = [await launch(redisUrl(0), env)];
  engines.push(await launch(redisUrl(1), env), await launch(redisUrl(2), env));
  const gw = await launch(redisUrl(0), { ...env, DELTAVIEW_ROLE: 'gateway' });
  const [a] = engines as [ServerProcess];
  assert.equal((await self(a)).role, 'maintain', 'the first instance takes the lease');
  for (const p of engines.slice(1)) assert.equal((await self(p)).role, 'standby', 'the others stand by');
  assert.equal((await self(gw)).role, 'gateway');
  // views are created through any instance: standbys and gateways forward to the owner
  for (const [i, [name, select]] of Object.entries(VIEWS).entries()) {
    const r = await http([engines[1]!, gw, engines[2]!][i % 3]!.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
    assert.equal(r.status, 201, r.text);
  }
  // the others learn of new views from the catalog in Redis, polled four times a second
  for (const p of [...engines, gw]) {
    await waitUntil(async () => JSON.parse((await http(p.url, 'GET', '/v1/views')).text).views.length === Object.keys(VIEWS).length, 2000, `${p.url} to list the new views`);
    await check('read through every instance', p);
  }
  const all = Object.keys(VIEWS).sort().join();
  await waitUntil(async () => (await self(a)).views.sort().join() === all, 5000, 'the owner to list the views it maintains');

  // a subscriber on the gateway: it must follow every change through both failovers
  const client = new DeltaviewClient({ url: gw.url, WebSocket: WebSocket as unknown as WebSocketConstructor, parse: parseLossless });
  const sub: Subscription = client.subscribe('by_tag');
  await sub.ready;

  // 1. kill -9 of the owner while writes flow
  let w = writer(7);
  await new Promise((r) => setTimeout(r, 400));
  const killedAt = Date.now();
  await a.kill('SIGKILL');
  const b = await ownerAmong(engines.slice(1), 'a standby to take the views over after kill -9');
  const first = await takesOver(b, killedAt);
  assert.ok(first < FAILOVER_BOUND_MS, `failover after kill -9 took ${first} ms`);
  assert.ok((await w.stop()) > 20);
  for (const p of [...engines.slice(1), gw]) await check('after kill -9 of the owner', p);

  // 2. the new owner is paused for longer than its lease while writes flow
  const c = engines.slice(1).find((p) => p !== b)!;
  w = writer(11);
  await new Promise((r) => setTimeout(r, 300));
  const pausedAt = Date.now();
  b.child.kill('SIGSTOP');
  const second = await takesOver(c, pausedAt);
  assert.ok(second < FAILOVER_BOUND_MS, `failover after SIGSTOP took ${second} ms`);
  const redis = await connectRedis(redisUrl(2), () => {}, { failWhileDisconnected: false, name: '' });
  const lease = await redis.sendCommand<string[]>(['HMGET', 'dv:{dv}:source:pg', 'lease_owner', 'lease_epoch']);
  assert.equal(lease[0], (await self(c)).id, "the lease is the new owner's");
  // the former owner resumes: its lease is gone, it stops maintaining and writes nothing
  const before = b.output().length;
  b.child.kill('SIGCONT');
  await waitUntil(async () => (await self(b)).role === 'standby', 10_000, 'the resumed former owner to stand by');
  const resumed = b.output().slice(before);
  assert.match(resumed, /lease: (lost the lease on the sources|a write was refused by a newer owner's fence)/, resumed);
  assert.doesNotMatch(resumed, /storage failed|rebuilding|backfilling from snapshot/, 'no recovery or rebuild on the former owner');
  const txns = await w.stop();
  assert.ok(txns > 20, `writer committed ${txns} transactions`);
  assert.equal((await redis.sendCommand<string[]>(['HMGET', 'dv:{dv}:source:pg', 'lease_epoch']))[0], lease[1], 'the former owner did not take the lease back');
  await redis.close();

  // every instance answers every view, all equal to PostgreSQL
  for (const p of [b, c, gw]) await check('after SIGSTOP of the owner', p);
  await waitUntil(async () => (await self(c)).views.sort().join() === all, 5000, 'the new owner to list the views it maintains');
  // the gateway's subscriber followed both moves and holds PostgreSQL's answer
  const want = await oracle(db, VIEWS.by_tag!);
  await waitUntil(() => [...sub.rows.values()].map((r) => canonical(r as JValue)).sort().join('\n') === want.join('\n'), 10_000, 'the subscriber to converge');
  sub.close();
  if (process.env.DV_LOG) for (const p of [...engines, gw]) process.stderr.write(`---- ${p.url}\n${p.output()}\n`);
  process.stdout.write(`# failover: kill -9 → views current again in ${first} ms; SIGSTOP → ${second} ms (lease ${LEASE_MS} ms)\n`);
  for (const p of [...engines, gw]) await p.kill('SIGTERM');
}

describe('failover between engine instances', () => {
  test('one Redis: kill -9 of the owner and a SIGSTOP past the lease; the views move, equal PostgreSQL everywhere, nothing applied twice', async () => {
    await scenario('deltaview', () => services.redis.url);
  });

  test('a 3-node Redis Cluster, each instance given another node: the same', async () => {
    const cluster = await startRedisCluster(3);
    try {
      await scenario('deltaview_cluster', (i) => cluster.nodes[i % 3]!.url);
    } finally {
      await cluster.stop();
    }
  });
});
