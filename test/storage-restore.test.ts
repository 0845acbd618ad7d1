/**
 * Redis coming back older than the views it served: restored from an older
 * backup (behind the checkpoint the source database recorded), or behind the
 * replication slot (the changes in between are gone from PostgreSQL's side).
 * Either way every view is rebuilt from a fresh snapshot and equals
 * PostgreSQL, where serving the restored keys would give stale rows. And a
 * DELETE that meets a Redis failure answers 503 and keeps the view.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, RESP_TYPES } from 'redis';
import { startRedisServer, type RunningRedis } from '../src/services/redis-server.ts';
import { sortedCanonical } from './harness/json.ts';
import { createView, currentLsn, http, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
let replacement: RunningRedis | null = null;
const SELECT = 'SELECT id, v FROM things WHERE v % 3 <> 0';

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE things (id int PRIMARY KEY, v int NOT NULL)');
  await h.db.query('INSERT INTO things SELECT g, g FROM generate_series(1, 300) g');
  await createView(h.server.url, `CREATE MATERIALIZED VIEW things_v AS ${SELECT}`);
});
after(async () => {
  await h?.stop();
  await replacement?.stop();
});

type Dump = [string, Buffer][];

/** Every key of Redis, as DUMP gives it (a backup). */
async function backup(url: string): Promise<Dump> {
  const r = createClient({ url, RESP: 2 });
  await r.connect();
  try {
    const keys = await r.keys('*');
    const binary = r.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const out: Dump = [];
    for (const k of keys) out.push([k, (await binary.dump(k)) as Buffer]);
    return out;
  } finally {
    await r.close();
  }
}

/** Redis as the backup left it. */
async function restore(url: string, dump: Dump): Promise<void> {
  const r = createClient({ url, RESP: 2 });
  await r.connect();
  try {
    await r.flushAll();
    for (const [k, v] of dump) await r.restore(k, 0, v);
  } finally {
    await r.close();
  }
}

/** The checkpoint the source database recorded for the Redis data set. */
async function recordedCheckpoint(): Promise<string | null> {
  const r = await h.db.query<{ c: string | null }>("SELECT checkpoint::text AS c FROM deltaview.epochs WHERE slot = 'deltaview'");
  return r.rows[0]?.c ?? null;
}

const lsnValue = (l: string) => {
  const [hi, lo] = l.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

/** Writes, then waits until the source database's record of the checkpoint is past `lsn`. */
async function writeAndRecord(from: number): Promise<void> {
  for (let i = 0; i < 20; i++) await h.db.query('UPDATE things SET v = v + 1 WHERE id % 20 = $1', [(from + i) % 20]);
  await h.db.query('INSERT INTO things SELECT g, g FROM generate_series($1::int, $1::int + 9) g', [1000 + from]);
  const lsn = await currentLsn(h.db);
  await viewRows(h.server.url, 'things_v', lsn);
  // the checkpoint moves past the last write with the next transaction (or keepalive): a small
  // write of another table every 200 ms gets it there without waiting for a keepalive
  await h.db.query('CREATE TABLE IF NOT EXISTS ticks (id int PRIMARY KEY)');
  let tick = 0;
  await waitUntil(async () => {
    const c = await recordedCheckpoint();
    if (c !== null && lsnValue(c) >= lsnValue(lsn)) return true;
    await h.db.query('INSERT INTO ticks VALUES ($1) ON CONFLICT DO NOTHING', [from * 1000 + tick++]);
    await new Promise((r) => setTimeout(r, 200));
    return false;
  }, 20_000, 'the checkpoint to be recorded in the source database');
}

async function expectRebuiltAndEqual(reason: RegExp): Promise<void> {
  await waitUntil(() => h.logs.some((l) => reason.test(l)), 20_000, `the log to say ${reason}`);
  const lsn = await currentLsn(h.db);
  assert.deepEqual(sortedCanonical((await viewRows(h.server.url, 'things_v', lsn)).rows), await oracle(h.db, SELECT));
}

describe('Redis restored older', () => {
  test('from a backup older than the recorded checkpoint: rebuilt', async () => {
    await writeAndRecord(0);
    const old = await backup(h.services.redis.url);
    await writeAndRecord(100);
    await h.server.stop();
    await restore(h.services.redis.url, old);
    // served as restored, the view would be stale
    const r = createClient({ url: h.services.redis.url });
    await r.connect();
    const restoredRows = Object.values(await r.hGetAll('dv:{v:things_v}:rows'));
    await r.close();
    assert.notDeepEqual(sortedCanonical(restoredRows), await oracle(h.db, SELECT), 'the backup is behind PostgreSQL');
    h.logs.length = 0;
    h.server = await h.launch();
    await expectRebuiltAndEqual(/Redis is older than the checkpoint it once held/);
  });

  test('behind the replication slot (the record restored too): rebuilt', async () => {
    await writeAndRecord(200);
    const old = await backup(h.services.redis.url);
    const oldRecord = await recordedCheckpoint();
    await writeAndRecord(300);
    await h.server.stop();
    await restore(h.services.redis.url, old);
    // the source database's record as old as the backup: only the slot shows the gap
    await h.db.query("UPDATE deltaview.epochs SET checkpoint = $1::pg_lsn WHERE slot = 'deltaview'", [oldRecord]);
    const slot = await h.db.query<{ c: string }>("SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name = 'deltaview'");
    assert.ok(lsnValue(slot.rows[0]!.c) > lsnValue(oldRecord!), 'the slot is past the backup');
    h.logs.length = 0;
    h.server = await h.launch();
    await expectRebuiltAndEqual(/the replication slot has moved past what Redis holds/);
  });
});

describe('DELETE during a Redis failure', () => {
  test('answers 503 and keeps the view, which is rebuilt and correct once Redis is back', async () => {
    await createView(h.server.url, 'CREATE MATERIALIZED VIEW doomed AS SELECT id FROM things WHERE v > 100');
    const port = h.services.redis.port;
    h.services.redis.process.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const del = await http(h.server.url, 'DELETE', '/v1/views/doomed');
    assert.equal(del.status, 503, del.text);
    assert.equal(del.json<{ error: { code: string } }>().error.code, 'unavailable');
    await h.db.query('UPDATE things SET v = v + 1000 WHERE id < 5');
    replacement = await startRedisServer({ port });
    const lsn = await currentLsn(h.db);
    await waitUntil(async () => (await http(h.server.url, 'GET', '/v1/views/doomed')).json<{ status?: string }>().status === 'running', 30_000, 'the view to run again');
    assert.deepEqual(sortedCanonical((await viewRows(h.server.url, 'doomed', lsn)).rows), await oracle(h.db, 'SELECT id FROM things WHERE v > 100'));
    assert.equal((await http(h.server.url, 'DELETE', '/v1/views/doomed')).status, 204);
    assert.equal((await http(h.server.url, 'GET', '/v1/views/doomed')).status, 404);
  });
});

describe('subscribing during a rebuild', () => {
  test('a subscriber that connects while a view rebuilds gets the complete snapshot once it runs', async () => {
    await h.db.query('CREATE TABLE many (id int PRIMARY KEY, v int NOT NULL)');
    await h.db.query('INSERT INTO many SELECT g, g % 1000 FROM generate_series(1, 300000) g');
    await createView(h.server.url, 'CREATE MATERIALIZED VIEW many_v AS SELECT id, v FROM many WHERE v < 500');
    // Redis loses its data: every view is rebuilt
    const port = replacement!.port;
    const gone = new Promise((r) => replacement!.process.once('exit', r));
    replacement!.process.kill('SIGKILL');
    await gone;
    replacement = await startRedisServer({ port });
    await waitUntil(async () => (await http(h.server.url, 'GET', '/v1/views/many_v')).json<{ status?: string }>().status === 'backfilling', 20_000, 'the rebuild to start');
    const sub = new Subscriber(h.server.url, 'many_v');
    await sub.open();
    assert.equal((await http(h.server.url, 'GET', '/v1/views/many_v')).json<{ status: string }>().status, 'backfilling', 'subscribed during the rebuild');
    await h.db.query('UPDATE many SET v = 1 WHERE id <= 10');
    await waitUntil(() => sub.ready, 60_000, 'the subscriber to be ready');
    const lsn = await currentLsn(h.db);
    await viewRows(h.server.url, 'many_v', lsn);
    const want = await oracle(h.db, 'SELECT id, v FROM many WHERE v < 500');
    await waitUntil(() => sub.state.size === want.length, 10_000, 'the subscriber to hold every row');
    assert.deepEqual(sub.rows(), want);
    assert.deepEqual(sub.errors, []);
    sub.close();
  });
});
