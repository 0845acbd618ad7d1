/**
 * Injected storage faults around the pipeline (found by review, kept as regressions):
 * a commit lost with its connection must not be overtaken by a later one; Redis failing
 * while a backfill hands over must lose nothing; a crash right after a backfill is marked
 * finished must not let the slot run past the transactions it had only in memory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import { parseLsn } from '../src/cdc/pg/lsn.ts';
import { PgSource } from '../src/cdc/pg/source.ts';
import { Pipeline } from '../src/runtime/pipeline.ts';
import { RedisStore } from '../src/storage/redis-store.ts';
import { sortedCanonical } from './harness/json.ts';
import { currentLsn, oracle } from './harness/server.ts';
import { startServices, type TestServices } from './harness/services.ts';

let svc: TestServices;
let db: pg.Client;
let store: RedisStore;
let pipeline: Pipeline | null = null;

beforeEach(async () => {
  svc = await startServices();
  db = new pg.Client({ connectionString: svc.pg.url });
  await db.connect();
  await db.query('CREATE TABLE t (id int PRIMARY KEY, v int)');
  store = await RedisStore.connect(svc.redis.url);
});
afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
  await store.close();
  await db.end();
  await svc.stop();
});

const start = async () => {
  pipeline = new Pipeline({ source: new PgSource({ url: svc.pg.url, slot: 'deltaview', publication: 'deltaview', log: () => {} }), store, slot: 'deltaview', log: () => {}, backfillBatch: 200 });
  await pipeline.start();
  return pipeline;
};

async function assertViewEqualsPostgres(p: Pipeline): Promise<void> {
  assert.ok(await p.waitFor('mv', parseLsn(await currentLsn(db)), 10_000), 'view reflects the last write');
  const snap = await store.snapshot('mv');
  assert.deepEqual(sortedCanonical(snap.entries.map(([, row]) => row)), await oracle(db, 'SELECT id, v FROM t'));
}

describe('storage faults', () => {
  test('a commit lost with its connection is never overtaken by a later one', async () => {
    const p = await start();
    await p.create('CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t');
    assert.ok(await p.waitFor('mv', 0n, 10_000));
    const commit = store.commit.bind(store);
    let n = 0;
    store.commit = (...a) => (++n === 3 ? Promise.reject(new Error('Socket closed unexpectedly')) : commit(...a));
    let sql = '';
    for (let i = 1; i <= 10; i++) sql += `BEGIN; INSERT INTO t VALUES (${i}, ${i}); COMMIT; `;
    await db.query(sql);
    await assertViewEqualsPostgres(p);
  });

  test('Redis failing while a backfill hands over to the stream loses nothing', async () => {
    await db.query('INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g');
    const write = store.writeBackfill.bind(store);
    store.writeBackfill = async (...a) => {
      await new Promise((r) => setTimeout(r, 250));
      return write(...a);
    };
    const commit = store.commit.bind(store);
    let downUntil = 0;
    store.commit = (...a) => {
      if (downUntil === 0) downUntil = Date.now() + 300;
      return Date.now() < downUntil ? Promise.reject(new Error('connection lost')) : commit(...a);
    };
    const p = await start();
    await p.create('CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t');
    let i = 0;
    while (p.get('mv').status === 'backfilling') {
      await db.query(`INSERT INTO t VALUES (${100_000 + i++}, 0)`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(i > 5, `${i} transactions arrived during the backfill`);
    await assertViewEqualsPostgres(p);
  });

  test('a crash right after a backfill is marked finished keeps the slot at the snapshot point', async () => {
    await db.query('INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g');
    const fixture = fileURLToPath(new URL('./harness/crash-after-backfill.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, svc.pg.url, svc.redis.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    const exit = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
    let i = 0;
    while (!exited) {
      await db.query(`INSERT INTO t VALUES (${100_000 + i++}, 0)`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await exit;
    assert.match(out, /finished; crashing/);
    assert.ok(i > 20, `${i} transactions arrived during the backfill`);
    const p = await start();
    await assertViewEqualsPostgres(p);
  });
});
