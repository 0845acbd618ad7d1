/**
 * Failover between engine instances (processes, as `npm start` runs them) on one PostgreSQL and
 * one Redis: the first holds the lease on the sources and maintains the views, the others stand by
 * and serve every view from Redis. kill -9 of the holder, then a SIGSTOP of the next one longer
 * than its lease, while writes continue: the views move to a standby within a bound, every view
 * equals PostgreSQL through every instance, the resumed former owner writes nothing (its lease and
 * fences say it lost the views) and a subscriber on a standby converges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient } from 'redis';
import { DeltaviewClient, type Subscription, type WebSocketConstructor } from '../src/client/index.ts';
import { canonical, parseLossless, sortedCanonical, type JValue } from './harness/json.ts';
import { spawnServer, type ServerProcess } from './harness/process.ts';
import { currentLsn, http, oracle, viewRows, waitUntil } from './harness/server.ts';
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

async function launch(): Promise<ServerProcess> {
  const p = await spawnServer({ DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url, DELTAVIEW_LEASE_MS: String(LEASE_MS) });
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

describe('failover between engine instances', () => {
  test('kill -9 of the owner and a SIGSTOP past the lease: the views move, equal PostgreSQL everywhere, nothing applied twice', async () => {
    const a = await launch();
    const b = await launch();
    assert.equal((await self(a)).role, 'maintain', 'the first instance takes the lease');
    assert.equal((await self(b)).role, 'standby', 'the second stands by');
    // views are created through either instance: the standby forwards to the owner
    for (const [i, [name, select]] of Object.entries(VIEWS).entries()) {
      const r = await http((i % 2 === 0 ? b : a).url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
      assert.equal(r.status, 201, r.text);
    }
    // a standby learns of new views from the catalog in Redis, polled four times a second
    await waitUntil(async () => JSON.parse((await http(b.url, 'GET', '/v1/views')).text).views.length === Object.keys(VIEWS).length, 2000, 'the standby to list the new views');
    await check('read through the standby', b);
    await check('read through the owner', a);
    const all = Object.keys(VIEWS).sort().join();
    await waitUntil(async () => (await self(a)).views.sort().join() === all, 5000, 'the owner to list the views it maintains');

    // a subscriber on the standby: it must follow every change through both failovers
    const client = new DeltaviewClient({ url: b.url, WebSocket: WebSocket as unknown as WebSocketConstructor, parse: parseLossless });
    const sub: Subscription = client.subscribe('by_tag');
    await sub.ready;

    // 1. kill -9 of the owner while writes flow
    let w = writer(7);
    await new Promise((r) => setTimeout(r, 400));
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const first = await takesOver(b, killedAt);
    assert.ok(first < FAILOVER_BOUND_MS, `failover after kill -9 took ${first} ms`);
    assert.ok((await w.stop()) > 20);
    await check('after kill -9 of the owner', b);

    // 2. a new standby; the owner is paused for longer than its lease while writes flow
    const c = await launch();
    assert.equal((await self(c)).role, 'standby');
    w = writer(11);
    await new Promise((r) => setTimeout(r, 300));
    const pausedAt = Date.now();
    b.child.kill('SIGSTOP');
    const second = await takesOver(c, pausedAt);
    assert.ok(second < FAILOVER_BOUND_MS, `failover after SIGSTOP took ${second} ms`);
    const redis = createClient({ url: services.redis.url });
    await redis.connect();
    const lease = await redis.hGetAll('dv:{dv}:source:pg');
    assert.equal(lease.lease_owner, (await self(c)).id, 'the lease is the new owner\'s');
    // the former owner resumes: its lease is gone, it stops maintaining and writes nothing
    const before = b.output().length;
    b.child.kill('SIGCONT');
    await waitUntil(async () => (await self(b)).role === 'standby', 10_000, 'the resumed former owner to stand by');
    const resumed = b.output().slice(before);
    assert.match(resumed, /lease: (lost the lease on the sources|a write was refused by a newer owner's fence)/, resumed);
    assert.doesNotMatch(resumed, /storage failed|rebuilding|backfilling from snapshot/, 'no recovery or rebuild on the former owner');
    const txns = await w.stop();
    assert.ok(txns > 20, `writer committed ${txns} transactions`);
    assert.equal((await redis.hGet('dv:{dv}:source:pg', 'lease_epoch')), lease.lease_epoch, 'the former owner did not take the lease back');
    await redis.close();

    // every instance answers every view, all equal to PostgreSQL
    for (const p of [b, c]) await check(`after SIGSTOP of ${p === b ? 'the former' : 'the new'} owner`, p);
    await waitUntil(async () => (await self(c)).views.sort().join() === all, 5000, 'the new owner to list the views it maintains');
    // the subscriber followed both moves (reconnecting and resuming) and holds PostgreSQL's answer
    const want = await oracle(db, VIEWS.by_tag!);
    await waitUntil(() => [...sub.rows.values()].map((r) => canonical(r as JValue)).sort().join('\n') === want.join('\n'), 10_000, 'the subscriber to converge');
    assert.ok(sub.reconnects >= 1, 'the subscriber was asked to reconnect when its instance changed role');
    sub.close();
    if (process.env.DV_LOG) for (const p of [a, b, c]) process.stderr.write(`---- ${p.url}\n${p.output()}\n`);
    process.stdout.write(`# failover: kill -9 → views current again in ${first} ms; SIGSTOP → ${second} ms (lease ${LEASE_MS} ms)\n`);
  });
});
