/**
 * `npm run bench -- base` (the first of the default set): deltaview's throughput beside the raw rates of the same
 * machine, measured in one run on real services. Writes bench/results.json
 * and bench/RESULTS.md.
 *
 *  1. raw drain: pg-logical-replication streaming a bulk insert into a handler that only counts rows
 *  2. filter view catch-up: the same kind of bulk insert flowing through a filter view into Redis
 *  3. backfill: a view over a 1M-row table, from POST to running
 *  4. raw Redis: pipelined HSET rate, beside deltaview's per-row commit rate
 *  5. latency: single-row transaction commit → WebSocket diff, p50/p99
 * Sizes: BENCH_ROWS (default 300000), BENCH_TXNS (default 50000), BENCH_BACKFILL_ROWS (default 1000000).
 */
import { cpus } from 'node:os';
import pg from 'pg';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { startServices } from '../test/harness/services.ts';
import { dropSlot, launcher, lsnNow as lsnOf, postView, rawDrain as drain, say, waitLsn as waitView, writeBaseResults, type Results } from './lib.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 300_000);
const BACKFILL_ROWS = Number(process.env.BENCH_BACKFILL_ROWS ?? 1_000_000);
const results: Results = {};

const services = await startServices();
const db = new pg.Client({ connectionString: services.pg.url });
await db.connect();
const launch = launcher(services.pg.url, services.redis.url);
const lsnNow = () => lsnOf(db);
const rawDrain = (publication: string, slot: string, tag: string, count: number) => drain(services.pg.url, publication, slot, tag, count);

const insertEvents = (table: string, from: number, n: number) =>
  db.query(`INSERT INTO ${table} SELECT g, g % 10, (g % 100000) / 100.0, 'note ' || g, '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(${from}, ${from + n - 1}) g`);

try {
  for (const t of ['events', 'raw_events', 'big']) {
    await db.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY, kind int, amount numeric(12,2), note text, ts timestamptz)`);
    await db.query(`ALTER TABLE ${t} REPLICA IDENTITY FULL`);
  }

  // 1. raw drain rate of pg-logical-replication
  await db.query('CREATE PUBLICATION raw_pub FOR TABLE raw_events');
  await db.query("SELECT pg_create_logical_replication_slot('raw_slot', 'pgoutput')");
  await insertEvents('raw_events', 1, ROWS);
  {
    const secs = await rawDrain('raw_pub', 'raw_slot', 'insert', ROWS);
    results.raw_drain_rows_per_s = Math.round(ROWS / secs);
    say(`raw pg-logical-replication drain: ${ROWS} rows in ${secs.toFixed(2)} s = ${results.raw_drain_rows_per_s} rows/s`);
  }
  await dropSlot(db, 'raw_slot');

  // 2. bulk insert through a filter view: the server is stopped, the rows are written, the server
  //    restarts and catches up from its checkpoint (the same drain as 1, plus the view and Redis)
  let server = await launch();
  const base = () => server.url;
  const post = (sql: string) => postView(base(), sql);
  const waitLsn = (view: string, lsn: string) => waitView(base(), view, lsn);
  await post('CREATE MATERIALIZED VIEW even_events AS SELECT id, amount, note, ts FROM events WHERE kind % 2 = 0');
  await waitLsn('even_events', '');
  await server.stop();
  await insertEvents('events', 1, ROWS);
  const target = await lsnNow();
  {
    const t0 = performance.now();
    server = await launch();
    await waitLsn('even_events', target);
    const secs = (performance.now() - t0) / 1000;
    results.filter_view_rows_per_s = Math.round(ROWS / secs);
    results.filter_view_vs_raw_drain = Number((Number(results.filter_view_rows_per_s) / Number(results.raw_drain_rows_per_s)).toFixed(3));
    say(`bulk insert through a filter view (restart + catch-up, ${ROWS / 2} rows kept): ${ROWS} rows in ${secs.toFixed(2)} s = ${results.filter_view_rows_per_s} rows/s (${results.filter_view_vs_raw_drain}× raw drain)`);
  }
  {
    // the same bulk insert while the server is live
    const t0 = performance.now();
    await insertEvents('events', ROWS + 1, ROWS);
    const lsn = await lsnNow();
    await waitLsn('even_events', lsn);
    const secs = (performance.now() - t0) / 1000;
    results.filter_view_live_rows_per_s = Math.round(ROWS / secs);
    say(`bulk insert through a filter view (live, insert time included): ${ROWS} rows in ${secs.toFixed(2)} s = ${results.filter_view_live_rows_per_s} rows/s`);
  }

  // 2b. many single-row transactions: raw drain vs the view (restart + catch-up)
  {
    const TXNS = Number(process.env.BENCH_TXNS ?? 50_000);
    const manyTxns = (table: string, from: number) =>
      db.query(`DO $$ BEGIN FOR i IN ${from}..${from + TXNS - 1} LOOP INSERT INTO ${table} VALUES (i, i % 10, 1.50, 'small', now()); COMMIT; END LOOP; END $$`);
    await db.query('CREATE TABLE raw_small (id bigint PRIMARY KEY, kind int, amount numeric(12,2), note text, ts timestamptz)');
    await db.query('CREATE PUBLICATION raw_small_pub FOR TABLE raw_small');
    await db.query("SELECT pg_create_logical_replication_slot('raw_small_slot', 'pgoutput')");
    await manyTxns('raw_small', 1);
    const rawSecs = await rawDrain('raw_small_pub', 'raw_small_slot', 'commit', TXNS);
    await dropSlot(db, 'raw_small_slot');
    results.raw_drain_txns_per_s = Math.round(TXNS / rawSecs);
    // an idle restart, to separate start-up from catch-up
    await server.stop();
    const tIdle = performance.now();
    server = await launch();
    await waitLsn('even_events', await lsnNow());
    const idleRestartSecs = (performance.now() - tIdle) / 1000;
    results.idle_restart_ms = Math.round(idleRestartSecs * 1000);
    await server.stop();
    await manyTxns('events', 50_000_000);
    const target2 = await lsnNow();
    const t1 = performance.now();
    server = await launch();
    await waitLsn('even_events', target2);
    const secs = (performance.now() - t1) / 1000;
    results.filter_view_txns_per_s = Math.round(TXNS / Math.max(0.001, secs - idleRestartSecs));
    results.filter_view_txns_seconds_incl_restart = Number(secs.toFixed(2));
    results.filter_view_txns_vs_raw_drain = Number((Number(results.filter_view_txns_per_s) / Number(results.raw_drain_txns_per_s)).toFixed(3));
    say(`${TXNS} single-row transactions: raw drain ${results.raw_drain_txns_per_s} txn/s; through a filter view ${results.filter_view_txns_per_s} txn/s (catch-up ${secs.toFixed(2)} s incl. a ${results.idle_restart_ms} ms idle-restart baseline) (${results.filter_view_txns_vs_raw_drain}× raw)`);
  }

  // 3. backfill of a 1M-row table
  await insertEvents('big', 1, BACKFILL_ROWS);
  await db.query('ANALYZE big');
  {
    const t0 = performance.now();
    await post('CREATE MATERIALIZED VIEW big_all AS SELECT id, kind, amount, note, ts FROM big');
    await waitLsn('big_all', '');
    const secs = (performance.now() - t0) / 1000;
    results.backfill_rows = BACKFILL_ROWS;
    results.backfill_seconds = Number(secs.toFixed(2));
    results.backfill_rows_per_s = Math.round(BACKFILL_ROWS / secs);
    results.backfill_vs_raw_drain = Number((Number(results.backfill_rows_per_s) / Number(results.raw_drain_rows_per_s)).toFixed(3));
    say(`backfill of a ${BACKFILL_ROWS}-row table: ${secs.toFixed(2)} s = ${results.backfill_rows_per_s} rows/s (${results.backfill_vs_raw_drain}× raw drain)`);
  }

  // 4. raw Redis pipelined HSET with rows of the same size
  {
    const redis = createClient({ url: services.redis.url, RESP: 2, commandOptions: { timeout: 0 } });
    await redis.connect();
    const n = 200_000;
    const row = '{"id":123456,"amount":1234.56,"note":"note 123456","ts":"2024-01-02T10:17:36+00:00"}';
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + 1000; j++) batch.push(redis.sendCommand(['HSET', 'bench:raw', `[${j}]`, row]));
      await Promise.all(batch);
    }
    const secs = (performance.now() - t0) / 1000;
    results.raw_redis_hset_per_s = Math.round(n / secs);
    say(`raw Redis pipelined HSET: ${results.raw_redis_hset_per_s}/s`);
    await redis.close();
  }

  // 5. commit → WebSocket diff latency for single-row transactions
  {
    await post('CREATE MATERIALIZED VIEW lat AS SELECT id, note FROM events WHERE kind = 3');
    await waitLsn('lat', '');
    const ws = new WebSocket(`${base().replace('http', 'ws')}/v1/views/lat/subscribe`);
    let onDiff: (() => void) | null = null;
    await new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const f = d.toString();
        if (f.startsWith('{"type":"ready"')) resolve();
        if (f.startsWith('{"type":"diff"')) onDiff?.();
      });
    });
    const lat: number[] = [];
    for (let i = 0; i < 500; i++) {
      const got = new Promise<void>((r) => (onDiff = r));
      const t0 = performance.now();
      await db.query(`INSERT INTO events VALUES (${10_000_000 + i}, 3, 1.00, 'lat', now())`);
      await got;
      lat.push(performance.now() - t0);
    }
    ws.close();
    lat.sort((a, b) => a - b);
    results.ws_latency_p50_ms = Number(lat[Math.floor(lat.length * 0.5)]!.toFixed(2));
    results.ws_latency_p99_ms = Number(lat[Math.floor(lat.length * 0.99)]!.toFixed(2));
    say(`commit → WebSocket diff latency (single-row transactions, includes the INSERT round trip): p50 ${results.ws_latency_p50_ms} ms, p99 ${results.ws_latency_p99_ms} ms`);
  }
  await server.stop();

  results.machine = `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}`;
  results.date = new Date().toISOString();
  results.rows = ROWS;
  await writeBaseResults(results);
  say('written to bench/results.json and bench/RESULTS.md');
} finally {
  await db.end().catch(() => {});
  await services.stop();
}
