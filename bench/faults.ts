/**
 * Faults at scale (issue "Faults without loss"), with the server as its own process:
 *  1. a view over a 10,000,000-row table backfills while writes go on: time and peak RSS;
 *  2. kill -9 of a server holding a 1,000,000-row join view: time from the restart to serving
 *     (min_lsn answering at the current position);
 *  3. Redis losing its data (restarted empty) under that server: time until every view is
 *     running and reflects the current position again.
 * Each result is checked against PostgreSQL (row counts and sums). Writes bench/results/faults.json. `npm run bench -- faults` (BENCH_FAULTS_ROWS=10000000 by
 * default; not in the default set: it takes about five minutes).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startRedisServer, type RunningRedis } from '../src/services/redis-server.ts';
import { spawnServer, type ServerProcess } from '../test/harness/process.ts';
import { startServices } from '../test/harness/services.ts';
import { envInt, int, lsnNow, postView, say, waitLsn, writeResults, type Results } from './lib.ts';

const ROWS = envInt('BENCH_FAULTS_ROWS', 10_000_000);
const JOIN_ROWS = envInt('BENCH_FAULTS_JOIN_ROWS', 1_000_000);
const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const results: Results = {};

const services = await startServices();
const db = new pg.Client({ connectionString: services.pg.url });
await db.connect();
let redis: RunningRedis = services.redis;
let server: ServerProcess | null = null;
const launch = () => spawnServer({ DATABASE_URL: services.pg.url, REDIS_URL: redis.url });

async function viewCount(view: string): Promise<number> {
  const r = await fetch(`${server!.url}/v1/views/${view}`);
  return ((await r.json()) as { rows: number }).rows;
}

/** by_region's grand total (a query at `lsn`) equals PostgreSQL's. */
async function checkTotals(when: string, lsn: string): Promise<void> {
  const want = (await db.query('SELECT sum(total)::text AS s FROM orders')).rows[0].s as string;
  const q = await fetch(`${server!.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT sum(total) AS s FROM by_region', min_lsn: lsn }) });
  const got = /"s":([0-9.]+)/.exec(await q.text())?.[1];
  if (got !== want) throw new Error(`${when}: by_region sums to ${got}, PostgreSQL ${want}`);
}

try {
  // 1. 10M-row backfill while writes continue
  await db.query('CREATE TABLE huge (id bigint PRIMARY KEY, k int NOT NULL, amount numeric(12,2) NOT NULL, note text NOT NULL)');
  const t0 = performance.now();
  for (let i = 0; i < ROWS; i += 1_000_000) {
    await db.query(`INSERT INTO huge SELECT g, g % 1000, (g % 100000) / 100.0, 'note ' || g FROM generate_series(${i + 1}, ${Math.min(ROWS, i + 1_000_000)}) g`);
  }
  await db.query('ANALYZE huge');
  say(`inserted ${ROWS} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  server = await launch();
  const pid = server.child.pid!;
  const rssBefore = status(pid, 'VmRSS');
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      await db.query('UPDATE huge SET amount = amount + 1 WHERE id = $1', [1 + Math.floor(Math.random() * ROWS)]);
      written++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const tb = performance.now();
  await postView(server.url, 'CREATE MATERIALIZED VIEW huge_v AS SELECT id, k, amount, note FROM huge');
  let progressLog = 0;
  for (;;) {
    const v = (await (await fetch(`${server.url}/v1/views/huge_v`)).json()) as { status: string; backfill?: { rows_done: number; rows_estimated: number; rows_per_second: number } };
    if (v.status === 'running') break;
    if (v.status === 'failed') throw new Error('the backfill failed');
    if (performance.now() - progressLog > 15_000 && v.backfill) {
      progressLog = performance.now();
      say(`  backfill: ${v.backfill.rows_done} / ~${v.backfill.rows_estimated} rows, ${v.backfill.rows_per_second} rows/s, server RSS ${Math.round(status(pid, 'VmRSS') / 1e6)} MB`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const backfillSecs = (performance.now() - tb) / 1000;
  writing = false;
  await writer;
  const lsn = await lsnNow(db);
  await waitLsn(server.url, 'huge_v', lsn);
  const want = Number((await db.query('SELECT count(*) AS n FROM huge')).rows[0].n);
  const got = await viewCount('huge_v');
  if (got !== want) throw new Error(`huge_v holds ${got} rows, PostgreSQL ${want}`);
  results.backfill_rows = ROWS;
  results.backfill_seconds = Number(backfillSecs.toFixed(1));
  results.backfill_rows_per_s = Math.round(ROWS / backfillSecs);
  results.backfill_server_peak_rss_mb = Math.round(status(pid, 'VmHWM') / 1e6);
  results.backfill_server_rss_before_mb = Math.round(rssBefore / 1e6);
  results.backfill_concurrent_updates = written;
  say(`backfill of ${ROWS} rows with ${written} updates going on: ${backfillSecs.toFixed(1)} s (${results.backfill_rows_per_s} rows/s); server peak RSS ${results.backfill_server_peak_rss_mb} MB (${results.backfill_server_rss_before_mb} MB before)`);
  await fetch(`${server.url}/v1/views/huge_v`, { method: 'DELETE' });
  await db.query('DROP TABLE huge');

  // 2. kill -9 with 1M-row join state
  await db.query('CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)');
  await db.query('CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, total numeric(12,2) NOT NULL)');
  await db.query("INSERT INTO customers SELECT g, 'region ' || (g % 10) FROM generate_series(1, 20000) g");
  await db.query(`INSERT INTO orders SELECT g, 1 + g % 20000, (g % 1000) / 10.0 FROM generate_series(1, ${JOIN_ROWS}) g`);
  await db.query('ANALYZE customers; ANALYZE orders');
  await postView(server.url, 'CREATE MATERIALIZED VIEW big_join AS SELECT o.id, o.total, c.region FROM orders o JOIN customers c ON c.id = o.customer_id');
  await postView(server.url, 'CREATE MATERIALIZED VIEW by_region AS SELECT c.region, count(*) AS n, sum(o.total) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region');
  await waitLsn(server.url, 'big_join', '');
  await waitLsn(server.url, 'by_region', '');
  for (let i = 0; i < 200; i++) await db.query('UPDATE orders SET total = total + 1 WHERE id = $1', [1 + i * 37]);
  await waitLsn(server.url, 'by_region', await lsnNow(db));
  await server.kill('SIGKILL');
  for (let i = 0; i < 200; i++) await db.query('UPDATE orders SET total = total + 1 WHERE id = $1', [2 + i * 41]);
  const afterKill = await lsnNow(db);
  const tk = performance.now();
  server = await launch();
  await waitLsn(server.url, 'big_join', afterKill);
  await waitLsn(server.url, 'by_region', afterKill);
  const killSecs = (performance.now() - tk) / 1000;
  await checkTotals('after kill -9', afterKill);
  results.kill9_join_rows = JOIN_ROWS;
  results.kill9_to_serving_seconds = Number(killSecs.toFixed(1));
  say(`kill -9 with a ${JOIN_ROWS}-row join view and an aggregate: serving again (min_lsn answered at the current position) ${killSecs.toFixed(1)} s after the restart`);

  // 3. Redis loses its data under the running server
  const port = redis.port;
  await db.query('UPDATE orders SET total = total + 1 WHERE id < 100');
  const gone = new Promise((r) => redis.process.once('exit', r));
  redis.process.kill('SIGKILL');
  await gone;
  const tr = performance.now();
  redis = await startRedisServer({ port });
  await db.query('UPDATE orders SET total = total + 1 WHERE id < 200');
  const afterLoss = await lsnNow(db);
  await waitLsn(server.url, 'big_join', afterLoss);
  await waitLsn(server.url, 'by_region', afterLoss);
  const lossSecs = (performance.now() - tr) / 1000;
  await checkTotals('after the Redis loss', afterLoss);
  if ((await viewCount('big_join')) !== JOIN_ROWS) throw new Error('big_join is incomplete after the Redis loss');
  results.redis_loss_to_correct_seconds = Number(lossSecs.toFixed(1));
  say(`Redis restarted empty under the server: every view (a ${JOIN_ROWS}-row join and an aggregate) rebuilt and at the current position ${lossSecs.toFixed(1)} s later`);

  const f = results as Record<string, number>;
  await writeResults(
    {
      scenario: 'faults',
      what: 'Faults at scale: a 10M-row backfill under writes, kill -9 and Redis loss with 1M-row join state',
      command: 'npm run bench -- faults',
      parameters: { backfill_rows: ROWS, join_rows: JOIN_ROWS },
      figures: results,
      comparisons: [
        { scenario: `backfill of a view over a ${int(ROWS)}-row table while single-row updates go on (server in its own process)`, deltaview: `${f.backfill_seconds} s (${int(f.backfill_rows_per_s!)} rows/s), ${int(f.backfill_concurrent_updates!)} updates meanwhile`, reference: `server RSS ${f.backfill_server_rss_before_mb} MB before, peak ${f.backfill_server_peak_rss_mb} MB`, ratio: '' },
        { scenario: `kill -9 of a server holding a ${int(JOIN_ROWS)}-row join view and an aggregate over it`, deltaview: `serving again (min_lsn answered at the current position) ${f.kill9_to_serving_seconds} s after the restart`, reference: '', ratio: '' },
        { scenario: 'Redis restarted empty under that server', deltaview: `every view rebuilt and current ${f.redis_loss_to_correct_seconds} s later`, reference: '', ratio: '' },
      ],
    },
    services.pg.url,
  );
} finally {
  await server?.kill('SIGTERM');
  await db.end().catch(() => {});
  if (redis !== services.redis) await redis.stop().catch(() => {});
  await services.stop();
}
