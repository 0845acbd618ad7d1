/**
 * `npm run bench -- base` (the first of the default set): deltaview's throughput beside the raw rates of the same
 * machine, measured in one run on real services. Writes bench/results/base.json.
 *
 *  1. raw drain: pg-logical-replication streaming a bulk insert into a handler that only counts rows
 *  2. filter view catch-up: the same kind of bulk insert flowing through a filter view into Redis
 *  3. backfill: a view over a 1M-row table, from POST to running, beside its floor: COPY of the
 *     same rows out of PostgreSQL plus pipelined HSETs (1,000 fields each) of as many rows of the
 *     same size into Redis
 *  5. latency: single-row transaction commit → WebSocket diff, p50/p99
 * Sizes: BENCH_ROWS (default 300000), BENCH_TXNS (default 50000), BENCH_BACKFILL_ROWS (default 1000000).
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { startServices } from '../test/harness/services.ts';
import { dropSlot, int, launcher, lsnNow as lsnOf, postView, rawDrain as drain, round, say, waitLsn as waitView, writeResults, type Results } from './lib.ts';

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
  // 3a. the backfill's floor, measured first (Redis holds no view yet): the same rows copied out
  //     of PostgreSQL, and as many rows of the same size written to Redis the fastest way a
  //     client can, pipelined HSETs of 1,000 fields each
  {
    const t0 = performance.now();
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const stream = db.query(copyTo('COPY (SELECT id, kind, amount, note, ts FROM big) TO STDOUT'));
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    const copySecs = (performance.now() - t0) / 1000;
    const redis = createClient({ url: services.redis.url, RESP: 2, commandOptions: { timeout: 0 } });
    await redis.connect();
    const row = '{"id":123456,"kind":6,"amount":1234.56,"note":"note 123456","ts":"2024-01-02T10:17:36+00:00"}';
    const t1 = performance.now();
    for (let i = 0; i < BACKFILL_ROWS; i += 10_000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + 10_000, BACKFILL_ROWS); j += 1000) {
        const cmd = ['HSET', 'bench:raw'];
        for (let k = j; k < Math.min(j + 1000, BACKFILL_ROWS); k++) cmd.push(`[${k}]`, row);
        batch.push(redis.sendCommand(cmd));
      }
      await Promise.all(batch);
    }
    const hsetSecs = (performance.now() - t1) / 1000;
    await redis.sendCommand(['DEL', 'bench:raw']);
    await redis.close();
    results.floor_copy_seconds = round(copySecs, 2);
    results.floor_copy_bytes = bytes;
    results.floor_hset_seconds = round(hsetSecs, 2);
    results.raw_redis_hset_per_s = Math.round(BACKFILL_ROWS / hsetSecs);
    results.backfill_floor_seconds = round(copySecs + hsetSecs, 2);
    say(`backfill floor: COPY out ${copySecs.toFixed(2)} s + pipelined HSET ${hsetSecs.toFixed(2)} s (${results.raw_redis_hset_per_s} rows/s) = ${(copySecs + hsetSecs).toFixed(2)} s`);
  }

  {
    const t0 = performance.now();
    await post('CREATE MATERIALIZED VIEW big_all AS SELECT id, kind, amount, note, ts FROM big');
    await waitLsn('big_all', '');
    const secs = (performance.now() - t0) / 1000;
    results.backfill_rows = BACKFILL_ROWS;
    results.backfill_seconds = Number(secs.toFixed(2));
    results.backfill_rows_per_s = Math.round(BACKFILL_ROWS / secs);
    results.backfill_vs_raw_drain = Number((Number(results.backfill_rows_per_s) / Number(results.raw_drain_rows_per_s)).toFixed(3));
    results.backfill_vs_floor = round(secs / Number(results.backfill_floor_seconds), 2);
    say(`backfill of a ${BACKFILL_ROWS}-row table: ${secs.toFixed(2)} s = ${results.backfill_rows_per_s} rows/s (${results.backfill_vs_floor}× the floor, ${results.backfill_vs_raw_drain}× the raw drain's rate)`);
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

  const r = results as Record<string, number>;
  await writeResults(
    {
      scenario: 'base',
      what: 'Filter views beside the raw drain, backfill beside its floor, commit → WebSocket latency',
      command: 'npm run bench -- base',
      parameters: { bulk_rows: ROWS, single_row_txns: Number(process.env.BENCH_TXNS ?? 50_000), backfill_rows: BACKFILL_ROWS },
      figures: results,
      comparisons: [
        { scenario: `${int(ROWS)}-row bulk insert (one transaction) through a filter view keeping half the rows, catch-up after a restart`, deltaview: `${int(r.filter_view_rows_per_s!)} rows/s`, reference: `pg-logical-replication drains ${int(r.raw_drain_rows_per_s!)} rows/s into a handler that only counts`, ratio: `${r.filter_view_vs_raw_drain}×` },
        { scenario: `${int(Number(process.env.BENCH_TXNS ?? 50_000))} single-row transactions through the filter view (catch-up)`, deltaview: `${int(r.filter_view_txns_per_s!)} txn/s`, reference: `${int(r.raw_drain_txns_per_s!)} txn/s drained raw`, ratio: `${r.filter_view_txns_vs_raw_drain}×` },
        { scenario: `backfill of a view over a ${int(BACKFILL_ROWS)}-row table (POST → running)`, deltaview: `${r.backfill_seconds} s (${int(r.backfill_rows_per_s!)} rows/s)`, reference: `floor: COPY of the rows out of PostgreSQL ${r.floor_copy_seconds} s + pipelined HSETs of as many into Redis ${r.floor_hset_seconds} s`, ratio: `${r.backfill_vs_floor}× the floor` },
        { scenario: 'commit → WebSocket diff, single-row transactions one at a time (includes the INSERT round trip)', deltaview: `p50 ${r.ws_latency_p50_ms} ms, p99 ${r.ws_latency_p99_ms} ms`, reference: '', ratio: '' },
      ],
      aims: [
        { what: 'bulk changes through a filter view, beside the raw drain', value: r.filter_view_vs_raw_drain!, unit: 'x', reference: `raw drain ${int(r.raw_drain_rows_per_s!)} rows/s`, op: '>=', target: 0.6 },
        { what: `${int(BACKFILL_ROWS)}-row backfill, beside its floor`, value: r.backfill_vs_floor!, unit: 'x', reference: `COPY out + pipelined HSET: ${r.backfill_floor_seconds} s`, op: '<=', target: 1.5 },
      ],
    },
    services.pg.url,
  );
} finally {
  await db.end().catch(() => {});
  await services.stop();
}
