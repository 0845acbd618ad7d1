/**
 * Crash tests: deltaview is killed with SIGKILL at random points while writers
 * run (mid-commit, mid-checkpoint, mid-backfill), restarted, and every view
 * still equals PostgreSQL's answer: no transaction lost, none applied twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { sortedCanonical } from './harness/json.ts';
import { spawnServer, type ServerProcess } from './harness/process.ts';
import { currentLsn, http, oracle, viewRows } from './harness/server.ts';
import { startServices, type TestServices } from './harness/services.ts';

let services: TestServices;
let db: pg.Client;
let server: ServerProcess | null = null;

const VIEWS: Record<string, string> = {
  hot: 'SELECT id, v, tag FROM acc WHERE v % 3 <> 0',
  all_acc: 'SELECT id, v * 2 AS v2, upper(tag) AS tag FROM acc',
  // stateful: their operator state must come back from Redis, not from a snapshot
  by_tag: 'SELECT tag, count(*) AS n, sum(v) AS total, max(v) AS top FROM acc GROUP BY tag',
  labelled: 'SELECT a.id, a.v, g.label FROM acc a LEFT JOIN groups g ON g.id = a.id % 7',
};
const WIDE_VIEWS: Record<string, string> = {
  wide_v: 'SELECT id, payload FROM wide WHERE id % 2 = 0',
  wide_buckets: 'SELECT id % 100 AS bucket, count(*) AS n, min(payload) AS first FROM wide GROUP BY 1',
};

before(async () => {
  services = await startServices();
  db = new pg.Client({ connectionString: services.pg.url });
  await db.connect();
  await db.query('CREATE TABLE acc (id int PRIMARY KEY, v bigint NOT NULL, tag text)');
  await db.query("INSERT INTO acc SELECT g, g, 't' || (g % 5) FROM generate_series(1, 2000) g");
  await db.query('CREATE TABLE groups (id int PRIMARY KEY, label text)');
  await db.query("INSERT INTO groups SELECT g, 'group ' || g FROM generate_series(0, 5) g");
  await db.query('CREATE TABLE wide (id int PRIMARY KEY, payload text)');
  await db.query("INSERT INTO wide SELECT g, repeat('x', 50) || g FROM generate_series(1, 60000) g");
});

after(async () => {
  await server?.kill('SIGKILL');
  await db?.end().catch(() => {});
  await services?.stop();
});

const env = () => ({ DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url });

async function check(label: string, names: string[]): Promise<void> {
  assert.ok(server);
  const lsn = await currentLsn(db);
  for (const name of names) {
    const select = WIDE_VIEWS[name] ?? VIEWS[name]!;
    const got = sortedCanonical((await viewRows(server.url, name, lsn)).rows);
    const want = await oracle(db, select);
    assert.equal(got.length, want.length, `${label}: ${name} has ${got.length} rows, PostgreSQL ${want.length}`);
    assert.deepEqual(got, want, `${label}: ${name} differs from PostgreSQL`);
  }
}

describe('crash recovery', () => {
  test('SIGKILL mid-stream, restart: views equal PostgreSQL', async () => {
    server = await spawnServer(env());
    for (const [name, select] of Object.entries(VIEWS)) {
      const r = await http(server.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
      assert.equal(r.status, 201, r.text);
    }
    await check('initial', Object.keys(VIEWS));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 4; round++) {
      let stop = false;
      let txns = 0;
      const writer = (async () => {
        const w = new pg.Client({ connectionString: services.pg.url });
        await w.connect();
        try {
          while (!stop) {
            const id = 1 + Math.floor(rand() * 2500);
            await w.query('BEGIN');
            await w.query(`INSERT INTO acc VALUES (${id}, ${Math.floor(rand() * 1000)}, 'w') ON CONFLICT (id) DO UPDATE SET v = acc.v + 1, tag = 'u${round}'`);
            await w.query(`UPDATE acc SET v = v + 7 WHERE id = ${1 + Math.floor(rand() * 2500)}`);
            if (rand() < 0.2) await w.query(`DELETE FROM acc WHERE id = ${1 + Math.floor(rand() * 2500)}`);
            if (rand() < 0.1) await w.query(`INSERT INTO groups VALUES (${Math.floor(rand() * 7)}, 'g${round}') ON CONFLICT (id) DO UPDATE SET label = excluded.label`);
            if (rand() < 0.05) await w.query(`DELETE FROM groups WHERE id = ${Math.floor(rand() * 7)}`);
            await w.query('COMMIT');
            txns++;
          }
        } finally {
          await w.end();
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + rand() * 500));
      await server.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 100 + rand() * 200)); // writes continue while it is down
      server = await spawnServer(env());
      await new Promise((r) => setTimeout(r, rand() * 300));
      stop = true;
      await writer;
      assert.ok(txns > 5, `round ${round}: writer committed ${txns} transactions`);
      await check(`after crash ${round}`, Object.keys(VIEWS));
      assert.doesNotMatch(server.output(), /backfilling from snapshot/, 'running views resume without a new snapshot');
      assert.match(server.output(), /view by_tag: operator state restored/, 'the aggregate came back from its stored state');
    }
  });

  test('SIGKILL mid-backfill: the backfill restarts and completes exactly', async () => {
    assert.ok(server);
    for (const [name, select] of Object.entries(WIDE_VIEWS)) {
      const r = await http(server.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
      assert.equal(r.status, 201, r.text);
    }
    await new Promise((res) => setTimeout(res, 30));
    await server.kill('SIGKILL');
    await db.query("UPDATE wide SET payload = 'changed' WHERE id <= 100");
    server = await spawnServer(env());
    await db.query('DELETE FROM wide WHERE id > 59000');
    await check('after crash during backfill', [...Object.keys(WIDE_VIEWS), ...Object.keys(VIEWS)]);
  });
});

describe('npm start on embedded defaults', () => {
  test('with no configuration it starts PostgreSQL and Redis itself, answers /healthz and shuts down cleanly', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'dv-start-'));
    const { chmod } = await import('node:fs/promises');
    try {
      // mkdtemp makes a 0700 directory that the postgres user cannot enter: the server must say so
      const denied = await spawnServer({ DELTAVIEW_DATA_DIR: join(dir, 'data'), REDIS_URL: '' }).then(
        () => 'started',
        (err: Error) => err.message,
      );
      assert.match(denied, /cannot enter .*chmod o\+x/);
      await chmod(dir, 0o755);
      const p = await spawnServer({ DELTAVIEW_DATA_DIR: join(dir, 'data'), REDIS_URL: '' });
      assert.match(p.output(), /embedded PostgreSQL: postgres:\/\//);
      const health = await fetch(`${p.url}/healthz`);
      assert.equal(health.status, 200);
      const views = await fetch(`${p.url}/v1/views`);
      assert.equal(views.status, 200);
      assert.equal(await p.kill('SIGTERM'), 0, `clean exit:\n${p.output()}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
