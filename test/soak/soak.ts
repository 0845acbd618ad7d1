/**
 * The soak: a deltaview server (a child process) under random writers, random
 * view creation and deletion, and random faults — kill -9 of the server, Redis
 * restarted with its data and without it, PostgreSQL restarted, the walsender
 * terminated, Redis connections dropped. At checkpoints on the way and at the
 * end the writers pause and every view must equal PostgreSQL's answer.
 *
 *   npm run soak -- --minutes 10 [--seed 7]
 *
 * A short run is part of `npm test` (test/soak.test.ts).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/services/embedded-postgres.ts';
import { freePort } from '../../src/services/free-port.ts';
import { startRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';
import { sortedCanonical } from '../harness/json.ts';
import { spawnServer, type ServerProcess } from '../harness/process.ts';
import { rng } from '../harness/rng.ts';
import { currentLsn, http, oracle, viewRows } from '../harness/server.ts';

export type Fault = 'kill_server' | 'redis_restart' | 'redis_wiped' | 'pg_restart' | 'walsender_killed' | 'redis_clients_dropped';
const FAULTS: Fault[] = ['kill_server', 'redis_restart', 'redis_wiped', 'pg_restart', 'walsender_killed', 'redis_clients_dropped'];

export interface SoakResult {
  readonly checks: number;
  /** Attempts of a check that timed out while the view was still moving (catching up after a fault). */
  readonly slowCatchUps: number;
  readonly mismatches: string[];
  readonly faults: Record<Fault, number>;
  readonly transactions: number;
  readonly viewsCreated: number;
  readonly viewsDeleted: number;
}

/** Attempts of 20 s (writers paused) a check gives a view that keeps moving: 10 minutes. */
const CATCH_UP_ATTEMPTS = 30;

const BASE_VIEWS: Record<string, string> = {
  s_filter: 'SELECT id, v, tag FROM acc WHERE v % 3 <> 0',
  s_agg: 'SELECT tag, count(*) AS n, sum(v) AS total, max(v) AS top FROM acc GROUP BY tag',
  s_join: 'SELECT a.id, a.v, g.label FROM acc a LEFT JOIN grp g ON g.id = a.g',
};
const EXTRA_VIEWS: string[] = [
  'SELECT g, count(*) AS n FROM acc GROUP BY g',
  'SELECT id FROM acc WHERE tag = \'t1\'',
  'SELECT g.label, sum(a.v) AS total FROM acc a JOIN grp g ON g.id = a.g GROUP BY g.label',
  'SELECT DISTINCT tag FROM acc',
  'SELECT id, v FROM acc ORDER BY v DESC, id LIMIT 5',
];

export async function runSoak(opts: { seconds: number; seed: number; checkEverySeconds?: number; log?: (m: string) => void }): Promise<SoakResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[soak] ${m}\n`));
  const r = rng(opts.seed);
  const dir = await mkdtemp(join(tmpdir(), 'dv-soak-'));
  await chmod(dir, 0o755); // the embedded PostgreSQL runs as its own user
  const pgPort = await freePort();
  const startPg = () => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), persistent: true, port: pgPort, fast: true });
  let postgres: RunningPostgres = await startPg();
  const redisPort = await freePort();
  let redisDir = join(dir, 'redis-0');
  let redis: RunningRedis = await startRedisServer({ port: redisPort, dataDir: redisDir });
  const env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url };
  const connect = async () => {
    const c = new pg.Client({ connectionString: postgres.url });
    c.on('error', () => {}); // PostgreSQL restarts on purpose; the query that failed says so
    await c.connect();
    await c.query("SET TIME ZONE 'UTC'");
    return c;
  };
  let db = await connect();
  await db.query('CREATE TABLE acc (id int PRIMARY KEY, v bigint NOT NULL, tag text, g int)');
  await db.query("INSERT INTO acc SELECT i, i, 't' || (i % 4), i % 6 FROM generate_series(1, 3000) i");
  await db.query('CREATE TABLE grp (id int PRIMARY KEY, label text)');
  await db.query("INSERT INTO grp SELECT i, 'group ' || (i % 3) FROM generate_series(0, 4) i");

  let server: ServerProcess = await spawnServer(env);
  // the output of the servers killed on the way (the last few), for the log written on a mismatch
  const earlier: string[] = [];
  const killServer = async () => {
    await server.kill('SIGKILL');
    earlier.push(server.output());
    if (earlier.length > 4) earlier.shift();
  };
  const views = new Map<string, string>(Object.entries(BASE_VIEWS));
  for (const [name, select] of views) await post(server.url, name, select);
  const result = { checks: 0, slowCatchUps: 0, mismatches: [] as string[], faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>, transactions: 0, viewsCreated: 0, viewsDeleted: 0 };

  // writers: random single-row and multi-row transactions; they pause for checks
  let paused = false;
  let stopping = false;
  const idle: { notify: (() => void) | null } = { notify: null };
  const writer = (async () => {
    while (!stopping) {
      if (paused) {
        idle.notify?.();
        await new Promise((res) => setTimeout(res, 20));
        continue;
      }
      const id = 1 + Math.floor(r() * 4000);
      const p = r();
      const sql =
        p < 0.4
          ? `UPDATE acc SET v = v + ${Math.floor(r() * 10)}, tag = 't${Math.floor(r() * 4)}' WHERE id = ${id}`
          : p < 0.6
            ? `INSERT INTO acc VALUES (${id}, ${id}, 't${id % 4}', ${id % 6}) ON CONFLICT (id) DO UPDATE SET g = EXCLUDED.g`
            : p < 0.75
              ? `DELETE FROM acc WHERE id = ${id}`
              : p < 0.8
                ? `UPDATE grp SET label = 'group ${Math.floor(r() * 3)}' WHERE id = ${Math.floor(r() * 5)}`
                : `UPDATE acc SET v = v + 1 WHERE id BETWEEN ${id} AND ${id + 20}`;
      try {
        await db.query(sql);
        result.transactions++;
      } catch {
        // PostgreSQL is restarting: reconnect and go on
        await new Promise((res) => setTimeout(res, 200));
        try {
          await db.end().catch(() => {});
          db = await connect();
        } catch {
          /* next round */
        }
      }
    }
  })();

  const check = async (label: string) => {
    paused = true;
    await new Promise<void>((res) => (idle.notify = res));
    idle.notify = null;
    const checker = await connect();
    try {
      const lsn = await currentLsn(checker);
      for (const [name, select] of views) {
        let got: string[] | null = null;
        // a view still catching up (its position moves between attempts, writers paused) is waited
        // for up to CATCH_UP_ATTEMPTS; one that does not move gets 6 attempts
        let stalled = 0;
        let lastSeen: string | null = null;
        for (let attempt = 0; attempt < CATCH_UP_ATTEMPTS && stalled < 6 && got === null; attempt++) {
          try {
            got = sortedCanonical((await viewRows(server.url, name, lsn)).rows);
          } catch (e) {
            const at = /the view reflects (\S+)/.exec((e as Error).message)?.[1] ?? null;
            if (at === null || at === lastSeen) stalled++;
            else if (lastSeen !== null) result.slowCatchUps++;
            lastSeen = at;
            if (stalled === 6 || attempt === CATCH_UP_ATTEMPTS - 1) {
              result.mismatches.push(`${label}: ${name}: ${(e as Error).message.slice(0, 300)}`);
              const lines = server.output().split('\n').filter((l) => l.includes(name) || /storage|restored|rebuild/.test(l));
              log(`server log about ${name}:\n${lines.slice(-40).join('\n')}`);
            }
            await new Promise((res) => setTimeout(res, 2000));
          }
        }
        if (got === null) continue;
        const want = await oracle(checker, select);
        if (JSON.stringify(got) !== JSON.stringify(want)) result.mismatches.push(`${label}: ${name} has ${got.length} rows, PostgreSQL ${want.length}`);
      }
      result.checks++;
    } finally {
      await checker.end();
      paused = false;
    }
  };

  const deadline = Date.now() + opts.seconds * 1000;
  const checkEvery = (opts.checkEverySeconds ?? 20) * 1000;
  let nextCheck = Date.now() + checkEvery;
  let round = 0;
  let extra = 0;
  try {
    // until the time is up, and at least until every kind of fault came once
    while (Date.now() < deadline || round < FAULTS.length) {
      await new Promise((res) => setTimeout(res, 500 + Math.floor(r() * 1500)));
      // every fault comes round in turn, then at random
      const fault = round < FAULTS.length ? FAULTS[round]! : FAULTS[Math.floor(r() * FAULTS.length)]!;
      round++;
      log(`fault ${round}: ${fault}`);
      switch (fault) {
        case 'kill_server':
          await killServer();
          server = await spawnServer(env);
          break;
        case 'redis_restart':
          await redis.stop();
          redis = await startRedisServer({ port: redisPort, dataDir: redisDir });
          break;
        case 'redis_wiped':
          redis.process.kill('SIGKILL');
          await new Promise((res) => redis.process.once('exit', res));
          redisDir = join(dir, `redis-${round}`);
          redis = await startRedisServer({ port: redisPort, dataDir: redisDir });
          break;
        case 'pg_restart':
          await postgres.stop();
          postgres = await startPg();
          break;
        case 'walsender_killed': {
          const c = await connect().catch(() => null);
          await c?.query("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'deltaview' AND active_pid IS NOT NULL").catch(() => {});
          await c?.end();
          break;
        }
        case 'redis_clients_dropped': {
          const admin = createClient({ url: redis.url });
          await admin.connect();
          await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal']).catch(() => {});
          await admin.close();
          break;
        }
      }
      result.faults[fault]++;
      // views come and go
      if (r() < 0.4) {
        const name = `x_${extra++}`;
        const select = EXTRA_VIEWS[Math.floor(r() * EXTRA_VIEWS.length)]!;
        if (await post(server.url, name, select).then(() => true, () => false)) {
          views.set(name, select);
          result.viewsCreated++;
          log(`created view ${name}`);
        }
      } else if (r() < 0.3) {
        const name = [...views.keys()].find((n) => n.startsWith('x_'));
        if (name !== undefined && (await http(server.url, 'DELETE', `/v1/views/${name}`).catch(() => null))?.status === 204) {
          views.delete(name);
          result.viewsDeleted++;
          log(`deleted view ${name}`);
        }
      }
      if (Date.now() >= nextCheck) {
        await check(`after fault ${round} (${fault})`);
        nextCheck = Date.now() + checkEvery;
      }
    }
    await check('at the end');
  } finally {
    stopping = true;
    paused = false;
    await writer;
    await killServer();
    if (result.mismatches.length > 0) {
      const file = join(tmpdir(), `deltaview-soak-${opts.seed}.log`);
      await writeFile(file, earlier.map((o, i) => `===== server ${i + 1} of the last ${earlier.length}\n${o}`).join('\n'));
      log(`the output of the last ${earlier.length} server processes is in ${file}`);
    }
    await db.end().catch(() => {});
    await redis.stop().catch(() => {});
    await postgres.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
  log(`${result.checks} checks, ${result.mismatches.length} mismatches, ${result.slowCatchUps} check attempts that waited on a view still catching up, ${result.transactions} transactions, faults ${JSON.stringify(result.faults)}`);
  return result;
}

async function post(base: string, name: string, select: string): Promise<void> {
  const res = await http(base, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${res.text}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : d;
  };
  const res = await runSoak({ seconds: arg('minutes', 10) * 60, seed: arg('seed', Date.now() % 100000) });
  for (const m of res.mismatches) process.stderr.write(`MISMATCH ${m}\n`);
  process.exit(res.mismatches.length === 0 ? 0 : 1);
}
