/**
 * `npm run bench -- joins`: the join and aggregate benchmarks, each deltaview
 * figure beside a reference measured in the same run. Writes bench/results/joins.json.
 *
 *  1. engine, same process: region totals over orders ⋈ customers, deltaview's CompiledView vs
 *     @electric-sql/d2ts on one workload (bench/engine-joins.ts, one child process per system
 *     under --expose-gc): updated rows per second, heap bytes per stored input row; the final
 *     per-region results must be equal.
 *  2. a 4-way join + aggregate on PostgreSQL through a running server, 0.1% of the orders updated
 *     per transaction: commit → view reflects it (min_lsn), vs REFRESH MATERIALIZED VIEW of the
 *     same query in the same database; also the per-transaction processing cost without round
 *     trips (a burst of such transactions caught up after a restart).
 *  3. a bulk insert (one transaction) through a 2-way join + aggregate: server stopped, rows
 *     written, restart + catch-up, vs the raw pg-logical-replication drain of the same changes.
 *  4. restart of a server holding a large join view (projected, not aggregated): graceful stop,
 *     start, until min_lsn answers at the current LSN (state restore from Redis), beside the
 *     view's backfill from a snapshot; Redis bytes per row of its state and rows.
 *
 * Scenario 2 times BENCH_JOIN_TXNS transactions after 10 warm-up ones.
 *
 * Sizes: BENCH_ENGINE_ORDERS / _CUSTOMERS / _REGIONS / _BATCHES / _DV_BATCHES / _BATCH (see
 * bench/engine-joins.ts); BENCH_JOIN_ORDERS (default 100000), BENCH_JOIN_TXNS (default 100),
 * BENCH_JOIN_CATCHUP_TXNS (default 1000), BENCH_REFRESHES (default 5), BENCH_CUSTOMERS (default
 * 20000) for scenarios 2-4; BENCH_ROWS (default 300000); BENCH_BACKFILL_ROWS (default 1000000).
 * 5. top-10 over BENCH_TOPK_ROWS rows (default 1000000) under BENCH_TOPK_UPDATES random single-row
 *    updates (default 200), beside PostgreSQL running the same ORDER BY … LIMIT 10 query.
 * BENCH_JOIN_SCENARIOS=1,3 runs only those scenarios (quick runs; the results file then holds only them).
 * BENCH_PROFILE=<file.cpuprofile> writes a CPU profile of scenario 2's catch-up (restart to min_lsn).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import WebSocket from 'ws';
import type { RunningServer } from '../src/server/server.ts';
import { startServices } from '../test/harness/services.ts';
import type { EngineResult } from './engine-joins.ts';
import { allRows, dropSlot, envInt, int, launcher, lsnNow, postView, rawDrain, round, say, waitLsn, writeResults, type Aim, type Comparison, type Results } from './lib.ts';

const JOIN_ORDERS = envInt('BENCH_JOIN_ORDERS', 100_000);
const JOIN_TXNS = envInt('BENCH_JOIN_TXNS', 100);
const REFRESHES = envInt('BENCH_REFRESHES', 5);
const CATCHUP_TXNS = envInt('BENCH_JOIN_CATCHUP_TXNS', 1000);
const CUSTOMERS = envInt('BENCH_CUSTOMERS', 20_000);
const ROWS = envInt('BENCH_ROWS', 300_000);
const BACKFILL_ROWS = envInt('BENCH_BACKFILL_ROWS', 1_000_000);
const WARMUP_TXNS = 10;
const TOPK_ROWS = envInt('BENCH_TOPK_ROWS', 1_000_000);
const TOPK_UPDATES = envInt('BENCH_TOPK_UPDATES', 200);
const only = new Set((process.env.BENCH_JOIN_SCENARIOS ?? '1,2,3,4,5').split(',').map((x) => Number(x.trim())));

const figures: Results = {};
const comparisons: Comparison[] = [];
const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;

/** Runs bench/engine-joins.ts for one system in its own `node --expose-gc` process. */
function runEngine(system: 'deltaview' | 'd2ts'): Promise<EngineResult> {
  const script = fileURLToPath(new URL('./engine-joins.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, system], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`engine bench for ${system} exited with ${code}:\n${out}`));
      else resolve(JSON.parse(line.slice(7)) as EngineResult);
    });
  });
}

/** Rows as canonical JSON texts (keys sorted), sorted: for comparing a view with PostgreSQL. */
function canonicalRows(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))).sort();
}

async function pgRows(db: pg.Client, select: string): Promise<string[]> {
  const r = await db.query<{ j: Record<string, unknown> }>(`SELECT to_jsonb(q) AS j FROM (${select}) q`);
  return canonicalRows(r.rows.map((x) => x.j));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// ---------------------------------------------------------------------------------------------
// 1. engine level: deltaview vs d2ts, each in its own process
if (only.has(1)) {
  const dv = await runEngine('deltaview');
  const d2 = await runEngine('d2ts');
  const norm = (t: EngineResult['totals']) => JSON.stringify(Object.entries(t).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (norm(dv.totals) !== norm(d2.totals)) throw new Error(`deltaview and d2ts disagree on the final per-region result:\n${norm(dv.totals)}\n${norm(d2.totals)}`);
  const speed = dv.updatedRowsPerSecond / d2.updatedRowsPerSecond;
  const mem = dv.heapBytesPerRow / d2.heapBytesPerRow;
  Object.assign(figures, {
    engine_orders: dv.orders,
    engine_customers: dv.customers,
    engine_rows_per_txn: dv.batchSize,
    engine_deltaview_txns: dv.batches,
    engine_d2ts_txns: d2.batches,
    engine_deltaview_updated_rows_per_s: dv.updatedRowsPerSecond,
    engine_deltaview_updated_rows_per_s_first_txns: dv.commonRowsPerSecond,
    engine_d2ts_updated_rows_per_s: d2.updatedRowsPerSecond,
    engine_deltaview_vs_d2ts_update_rate: round(speed, 2),
    engine_deltaview_vs_d2ts_update_rate_same_txns: round(dv.commonRowsPerSecond / d2.updatedRowsPerSecond, 2),
    engine_deltaview_batch_p50_ms: dv.batchP50Ms,
    engine_d2ts_batch_p50_ms: d2.batchP50Ms,
    engine_deltaview_batch_p99_ms: dv.batchP99Ms,
    engine_d2ts_batch_p99_ms: d2.batchP99Ms,
    engine_deltaview_heap_bytes_per_row: dv.heapBytesPerRow,
    engine_d2ts_heap_bytes_per_row: d2.heapBytesPerRow,
    engine_deltaview_vs_d2ts_heap_per_row: round(mem, 3),
    engine_deltaview_heap_bytes_per_row_after_updates: dv.heapBytesPerRowAfterUpdates,
    engine_d2ts_heap_bytes_per_row_after_updates: d2.heapBytesPerRowAfterUpdates,
    engine_deltaview_build_seconds: dv.buildSeconds,
    engine_d2ts_build_seconds: d2.buildSeconds,
  });
  comparisons.push(
    {
      scenario: `engine: region totals over ${int(dv.orders)} orders ⋈ ${int(dv.customers)} customers (${dv.regions} regions), transactions of ${dv.batchSize} updated orders (in process; same workload; equal results after the ${d2.batches} transactions both run)`,
      deltaview: `${int(dv.updatedRowsPerSecond)} updated rows/s over ${int(dv.batches)} transactions (${int(dv.commonRowsPerSecond)}/s over the first ${d2.batches}; p50 ${ms(dv.batchP50Ms)} per transaction)`,
      reference: `d2ts 0.1.8: ${int(d2.updatedRowsPerSecond)} updated rows/s over ${d2.batches} transactions (p50 ${ms(d2.batchP50Ms)})`,
      ratio: `${speed.toFixed(1)}× faster`,
    },
    {
      scenario: `engine: heap per stored input row (${int(dv.storedRows)} rows, gc before/after building the state)`,
      deltaview: `${int(dv.heapBytesPerRow)} B/row (${int(dv.heapBytesPerRowAfterUpdates)} after the updates)`,
      reference: `d2ts: ${int(d2.heapBytesPerRow)} B/row (${int(d2.heapBytesPerRowAfterUpdates)} after the updates)`,
      ratio: `${mem.toFixed(2)}× the memory`,
    },
  );
  say(`engine join + aggregate, transactions of ${dv.batchSize} updated orders: deltaview ${dv.updatedRowsPerSecond} rows/s vs d2ts ${d2.updatedRowsPerSecond} rows/s (${speed.toFixed(1)}×); heap per stored row deltaview ${dv.heapBytesPerRow} B vs d2ts ${d2.heapBytesPerRow} B (${mem.toFixed(2)}×); per-region results equal after the ${d2.batches} transactions both ran`);
}

// ---------------------------------------------------------------------------------------------
const services = await startServices();
const db = new pg.Client({ connectionString: services.pg.url });
await db.connect();
await db.query("SET TIME ZONE 'UTC'");
/** The server's log lines with the time they were written. */
const logs: { at: number; m: string }[] = [];
const launch = launcher(services.pg.url, services.redis.url, (m) => logs.push({ at: performance.now(), m }));
/** When the server last logged that it restored its views and started streaming. */
const streamingSince = (): number => {
  const e = [...logs].reverse().find((l) => / view\(s\); streaming from /.test(l.m));
  if (e === undefined) throw new Error('the server did not log "restored N view(s); streaming from …"');
  return e.at;
};
let server: RunningServer | null = null;
const base = () => server!.url;
const deleteView = async (name: string) => {
  const r = await fetch(`${base()}/v1/views/${name}`, { method: 'DELETE' });
  if (r.status !== 204) throw new Error(`DELETE ${name}: ${r.status} ${await r.text()}`);
};

try {
  await db.query('SELECT setseed(0.5)');
  await db.query('CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL)');
  await db.query('CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region_id int NOT NULL)');
  await db.query('CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text NOT NULL, price numeric(10,2) NOT NULL)');
  await db.query('CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, qty int NOT NULL, amount numeric(10,2) NOT NULL)');
  await db.query("INSERT INTO regions SELECT g, 'region ' || g FROM generate_series(0, 9) g");
  await db.query(`INSERT INTO customers SELECT g, 'customer ' || g, floor(random() * 10)::int FROM generate_series(0, ${CUSTOMERS - 1}) g`);
  await db.query("INSERT INTO products SELECT g, 'product ' || g, 'category ' || (g % 20), round((1 + random() * 199)::numeric, 2) FROM generate_series(0, 999) g");
  await db.query(
    `INSERT INTO orders SELECT g, floor(random() * ${CUSTOMERS})::int, floor(random() * 1000)::int, 1 + floor(random() * 10)::int, round((random() * 1000)::numeric, 2) FROM generate_series(0, ${JOIN_ORDERS - 1}) g`,
  );
  await db.query('ANALYZE');
  server = await launch();

  // -------------------------------------------------------------------------------------------
  // 2. 4-way join + aggregate at 0.1% churn per transaction vs REFRESH MATERIALIZED VIEW
  if (only.has(2)) {
    const select = `SELECT r.name AS region, p.category, count(*) AS orders, sum(o.qty * p.price) AS revenue
      FROM orders o JOIN customers c ON o.customer_id = c.id JOIN products p ON p.id = o.product_id JOIN regions r ON r.id = c.region_id
      GROUP BY r.name, p.category`;
    await postView(base(), `CREATE MATERIALIZED VIEW sales AS ${select}`);
    await waitLsn(base(), 'sales', '');
    await db.query(`CREATE MATERIALIZED VIEW pg_sales AS ${select}`);
    const churn = Math.max(1, Math.round(JOIN_ORDERS / 1000));
    // a subscriber, to see when each transaction's diff leaves the server
    const ws = new WebSocket(`${base().replace('http', 'ws')}/v1/views/sales/subscribe`);
    let onDiff: ((at: number) => void) | null = null;
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (d: Buffer) => {
        const at = performance.now();
        const f = d.toString();
        if (f.startsWith('{"type":"ready"')) resolve();
        else if (f.startsWith('{"type":"diff"')) onDiff?.(at);
      });
    });
    let rnd = 12345;
    const next = (n: number) => {
      rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
      return (rnd >>> 8) % n;
    };
    const commitMs: number[] = [];
    const lsnMs: number[] = [];
    const waitMs: number[] = [];
    const diffMs: number[] = [];
    /** One transaction updating `churn` random orders (qty; one in five also product_id, one in ten customer_id); its time from COMMIT until min_lsn answers. */
    const txn = async (): Promise<number> => {
      const ids = new Set<number>();
      while (ids.size < churn) ids.add(next(JOIN_ORDERS));
      const values = [...ids].map((id) => {
        const pid = next(5) === 0 ? String(next(1000)) : 'NULL';
        const cid = next(10) === 0 ? String(next(CUSTOMERS)) : 'NULL';
        return `(${id}, ${1 + next(10)}, ${pid}::int, ${cid}::int)`;
      });
      await db.query('BEGIN');
      await db.query(
        `UPDATE orders o SET qty = v.qty, product_id = coalesce(v.pid, o.product_id), customer_id = coalesce(v.cid, o.customer_id)
         FROM (VALUES ${values.join(',')}) v(id, qty, pid, cid) WHERE o.id = v.id`,
      );
      const diff = new Promise<number>((resolve) => (onDiff = resolve));
      const t0 = performance.now();
      await db.query('COMMIT');
      const t1 = performance.now();
      const lsn = await lsnNow(db);
      const t2 = performance.now();
      await waitLsn(base(), 'sales', lsn);
      const t3 = performance.now();
      const diffAt = await Promise.race([diff, new Promise<null>((r) => setTimeout(() => r(null), 2000))]);
      onDiff = null;
      commitMs.push(t1 - t0);
      lsnMs.push(t2 - t1);
      waitMs.push(t3 - t2);
      if (diffAt !== null) diffMs.push(diffAt - t0);
      return t3 - t0;
    };
    for (let i = 0; i < WARMUP_TXNS; i++) await txn();
    for (const xs of [commitMs, lsnMs, waitMs, diffMs]) xs.length = 0;
    const times: number[] = [];
    for (let i = 0; i < JOIN_TXNS; i++) times.push(await txn());
    ws.close();

    // processing cost per transaction without the round trips: the server is stopped, CATCHUP_TXNS
    // such transactions are committed, the server restarts and catches up; timed from when it logs
    // that it restored its views (operator state included) and streams, until min_lsn answers
    await server.stop();
    server = null;
    await db.query(`DO $$ BEGIN FOR i IN 1..${CATCHUP_TXNS} LOOP
        UPDATE orders SET qty = 1 + floor(random() * 10)::int,
          product_id = CASE WHEN random() < 0.2 THEN floor(random() * 1000)::int ELSE product_id END,
          customer_id = CASE WHEN random() < 0.1 THEN floor(random() * ${CUSTOMERS})::int ELSE customer_id END
        WHERE id IN (SELECT floor(random() * ${JOIN_ORDERS})::int FROM generate_series(1, ${churn}));
        COMMIT;
      END LOOP; END $$`);
    const catchupLsn = await lsnNow(db);
    const profile = process.env.BENCH_PROFILE ? new Session() : null;
    if (profile !== null) {
      profile.connect();
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const tc = performance.now();
    server = await launch();
    await waitLsn(base(), 'sales', catchupLsn);
    const tEnd = performance.now();
    if (profile !== null) {
      const { profile: p } = await profile.post('Profiler.stop');
      writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(p));
      say(`profile written to ${process.env.BENCH_PROFILE}; streaming began ${Math.round(streamingSince() - tc)} ms after its start`);
      profile.disconnect();
    }
    const restartSecs = (tEnd - tc) / 1000;
    const catchupSecs = (tEnd - streamingSince()) / 1000;
    const catchupMs = (catchupSecs * 1000) / CATCHUP_TXNS;

    const refreshes: number[] = [];
    for (let i = 0; i < REFRESHES; i++) {
      const t0 = performance.now();
      await db.query('REFRESH MATERIALIZED VIEW pg_sales');
      refreshes.push(performance.now() - t0);
    }
    const lsn = await lsnNow(db);
    const got = canonicalRows(await allRows(base(), 'sales', lsn));
    const want = await pgRows(db, 'SELECT * FROM pg_sales');
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`view sales differs from PostgreSQL's materialized view (${got.length} vs ${want.length} rows)`);
    const txnMs = mean(times);
    const refreshMs = mean(refreshes);
    Object.assign(figures, {
      join4_orders: JOIN_ORDERS,
      join4_customers: CUSTOMERS,
      join4_rows_changed_per_txn: churn,
      join4_txns: JOIN_TXNS,
      join4_view_rows: got.length,
      join4_deltaview_ms_per_txn_mean: round(txnMs, 2),
      join4_deltaview_ms_per_txn_p50: round(percentile(times, 0.5), 2),
      join4_deltaview_ms_per_txn_p99: round(percentile(times, 0.99), 2),
      join4_commit_ms_mean: round(mean(commitMs), 2),
      join4_lsn_query_ms_mean: round(mean(lsnMs), 2),
      join4_min_lsn_wait_ms_mean: round(mean(waitMs), 2),
      join4_commit_to_ws_diff_ms_p50: diffMs.length > 0 ? round(percentile(diffMs, 0.5), 2) : 'no diffs',
      join4_commit_to_ws_diff_ms_mean: diffMs.length > 0 ? round(mean(diffMs), 2) : 'no diffs',
      join4_catchup_txns: CATCHUP_TXNS,
      join4_catchup_seconds: round(catchupSecs, 2),
      join4_catchup_restart_seconds: round(restartSecs, 2),
      join4_catchup_ms_per_txn: round(catchupMs, 3),
      join4_pg_refresh_ms_mean: round(refreshMs, 1),
      join4_pg_refresh_ms_min: round(Math.min(...refreshes), 1),
      join4_refresh_vs_deltaview_txn: round(refreshMs / txnMs, 1),
      join4_refresh_vs_deltaview_catchup_txn: round(refreshMs / catchupMs, 1),
    });
    const scenario = `4-way join + aggregate (orders ⋈ customers ⋈ products ⋈ regions, ${int(JOIN_ORDERS)} orders, ${got.length} groups), ${churn} orders (0.1%) updated per transaction, on PostgreSQL`;
    const reference = `REFRESH MATERIALIZED VIEW of the same query: ${ms(refreshMs)} (mean of ${REFRESHES})`;
    comparisons.push(
      {
        scenario,
        deltaview: `${ms(txnMs)} per transaction, COMMIT → min_lsn answers (p50 ${ms(percentile(times, 0.5))}, p99 ${ms(percentile(times, 0.99))}, ${JOIN_TXNS} transactions; COMMIT → WebSocket diff p50 ${diffMs.length > 0 ? ms(percentile(diffMs, 0.5)) : '?'})`,
        reference,
        ratio: `${(refreshMs / txnMs).toFixed(1)}× cheaper per transaction`,
      },
      {
        scenario: `the same, processing cost: ${int(CATCHUP_TXNS)} such transactions caught up after a restart (from "streaming" in the log to min_lsn)`,
        deltaview: `${ms(catchupMs)} per transaction (${catchupSecs.toFixed(2)} s catch-up; ${restartSecs.toFixed(2)} s including the restart)`,
        reference,
        ratio: `${(refreshMs / catchupMs).toFixed(1)}× cheaper per transaction`,
      },
    );
    say(`4-way join + aggregate, ${churn} of ${JOIN_ORDERS} orders per transaction: deltaview ${txnMs.toFixed(2)} ms per transaction (p50 ${percentile(times, 0.5).toFixed(2)}, p99 ${percentile(times, 0.99).toFixed(2)}; COMMIT ${mean(commitMs).toFixed(2)}, pg_current_wal_lsn() ${mean(lsnMs).toFixed(2)}, min_lsn wait ${mean(waitMs).toFixed(2)}; COMMIT → WebSocket diff p50 ${diffMs.length > 0 ? percentile(diffMs, 0.5).toFixed(2) : '?'}) vs REFRESH MATERIALIZED VIEW ${refreshMs.toFixed(1)} ms (${(refreshMs / txnMs).toFixed(1)}×); catch-up of ${CATCHUP_TXNS} transactions ${catchupMs.toFixed(3)} ms each (${(refreshMs / catchupMs).toFixed(1)}×); final rows equal`);
    await deleteView('sales');
  }

  // -------------------------------------------------------------------------------------------
  // 3. bulk insert through a 2-way join + aggregate: restart + catch-up vs the raw drain
  if (only.has(3)) {
    await db.query('CREATE TABLE bulk_orders (id bigint PRIMARY KEY, customer_id int, amount numeric(12,2), note text, ts timestamptz)');
    await db.query('ALTER TABLE bulk_orders REPLICA IDENTITY FULL');
    const select = 'SELECT c.region_id, count(*) AS orders, sum(b.amount) AS revenue FROM bulk_orders b JOIN customers c ON b.customer_id = c.id GROUP BY c.region_id';
    await postView(base(), `CREATE MATERIALIZED VIEW bulk_by_region AS ${select}`);
    await waitLsn(base(), 'bulk_by_region', '');
    await db.query('CREATE PUBLICATION raw_bulk_pub FOR TABLE bulk_orders');
    await db.query("SELECT pg_create_logical_replication_slot('raw_bulk_slot', 'pgoutput')");
    await server.stop();
    server = null;
    await db.query(
      `INSERT INTO bulk_orders SELECT g, g % ${CUSTOMERS}, (g % 100000) / 100.0, 'note ' || g, '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, ${ROWS}) g`,
    );
    const target = await lsnNow(db);
    const rawSecs = await rawDrain(services.pg.url, 'raw_bulk_pub', 'raw_bulk_slot', 'insert', ROWS);
    await dropSlot(db, 'raw_bulk_slot');
    const t0 = performance.now();
    server = await launch();
    await waitLsn(base(), 'bulk_by_region', target);
    const secs = (performance.now() - t0) / 1000;
    const got = canonicalRows(await allRows(base(), 'bulk_by_region', target));
    const want = await pgRows(db, select);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error('view bulk_by_region differs from PostgreSQL after the bulk insert');
    const rate = ROWS / secs;
    const raw = ROWS / rawSecs;
    Object.assign(figures, {
      bulk_join_rows: ROWS,
      bulk_join_seconds: round(secs, 2),
      bulk_join_rows_per_s: Math.round(rate),
      bulk_raw_drain_rows_per_s: Math.round(raw),
      bulk_join_vs_raw_drain: round(rate / raw, 3),
    });
    comparisons.push({
      scenario: `${int(ROWS)}-row bulk insert (one transaction) through a 2-way join + aggregate (⋈ ${int(CUSTOMERS)} customers, group by region), restart + catch-up`,
      deltaview: `${int(rate)} rows/s (${secs.toFixed(2)} s)`,
      reference: `pg-logical-replication drains the same changes at ${int(raw)} rows/s into a handler that only counts`,
      ratio: `${(rate / raw).toFixed(2)}×`,
    });
    say(`bulk insert of ${ROWS} rows through a join + aggregate view (restart + catch-up): ${secs.toFixed(2)} s = ${Math.round(rate)} rows/s; raw drain of the same changes ${Math.round(raw)} rows/s (${(rate / raw).toFixed(3)}×)`);
    await deleteView('bulk_by_region');
  }

  // -------------------------------------------------------------------------------------------
  // 4. restart of a server holding a large join view (projected, not aggregated)
  if (only.has(4)) {
    await db.query('CREATE TABLE big_orders (id bigint PRIMARY KEY, customer_id int, amount numeric(12,2), note text, ts timestamptz)');
    await db.query(
      `INSERT INTO big_orders SELECT g, g % ${CUSTOMERS}, (g % 100000) / 100.0, 'note ' || g, '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, ${BACKFILL_ROWS}) g`,
    );
    await db.query('ANALYZE big_orders');
    const tb = performance.now();
    await postView(base(), 'CREATE MATERIALIZED VIEW big_join AS SELECT o.id, o.amount, o.note, o.ts, c.name AS customer, c.region_id FROM big_orders o JOIN customers c ON o.customer_id = c.id');
    await waitLsn(base(), 'big_join', '');
    const backfillSecs = (performance.now() - tb) / 1000;
    await server.stop();
    server = null;
    const lsn = await lsnNow(db);
    logs.length = 0;
    const t0 = performance.now();
    server = await launch();
    await waitLsn(base(), 'big_join', lsn);
    const restartSecs = (performance.now() - t0) / 1000;
    const restored = logs.map((l) => /operator state restored from (\d+) stored input rows in (\d+) ms/.exec(l.m)).find((m) => m !== null);
    const info = (await (await fetch(`${base()}/v1/views/big_join`)).json()) as { rows: number };
    const redis = createClient({ url: services.redis.url, RESP: 2, commandOptions: { timeout: 0 } });
    await redis.connect();
    const usage = async (key: string) => Number(await redis.sendCommand<number>(['MEMORY', 'USAGE', key, 'SAMPLES', '0']));
    const stateBytes = await usage('dv:{v:big_join}:state');
    const rowsBytes = await usage('dv:{v:big_join}:rows');
    const keysBytes = await usage('dv:{v:big_join}:keys');
    const stateEntries = Number(await redis.sendCommand<number>(['HLEN', 'dv:{v:big_join}:state']));
    await redis.close();
    const rows = info.rows;
    Object.assign(figures, {
      restart_view_rows: rows,
      restart_state_entries: stateEntries,
      restart_seconds: round(restartSecs, 2),
      restart_restore_ms_logged: restored ? Number(restored[2]) : 'not logged',
      restart_backfill_seconds: round(backfillSecs, 2),
      restart_backfill_rows_per_s: Math.round(BACKFILL_ROWS / backfillSecs),
      restart_vs_backfill: round(restartSecs / backfillSecs, 3),
      redis_state_bytes_per_row: Math.round(stateBytes / rows),
      redis_rows_hash_bytes_per_row: Math.round(rowsBytes / rows),
      redis_keys_zset_bytes_per_row: Math.round(keysBytes / rows),
    });
    comparisons.push(
      {
        scenario: `restart of a server holding a ${int(rows)}-row join view (big_orders ⋈ customers, projected): graceful stop, start, until min_lsn answers at the current LSN`,
        deltaview: `${restartSecs.toFixed(2)} s (operator state restored from ${restored ? `${int(Number(restored[1]))} stored input rows in ${int(Number(restored[2]))} ms` : '?'})`,
        reference: `building the same view from a snapshot (POST → running): ${backfillSecs.toFixed(2)} s, ${int(BACKFILL_ROWS / backfillSecs)} rows/s`,
        ratio: `${(restartSecs / backfillSecs).toFixed(2)}× the backfill time`,
      },
      {
        scenario: `Redis memory of that view (MEMORY USAGE … SAMPLES 0, per view row)`,
        deltaview: `state hash ${int(stateBytes / rows)} B/row (${int(stateEntries)} entries)`,
        reference: `rows hash ${int(rowsBytes / rows)} B/row, key index zset ${int(keysBytes / rows)} B/row`,
        ratio: `state ${(stateBytes / rowsBytes).toFixed(2)}× the rows hash`,
      },
    );
    say(`restart with a ${rows}-row join view: ${restartSecs.toFixed(2)} s until min_lsn answers (restore ${restored ? restored[2] : '?'} ms), backfill was ${backfillSecs.toFixed(2)} s; Redis state ${Math.round(stateBytes / rows)} B/row, rows hash ${Math.round(rowsBytes / rows)} B/row, keys zset ${Math.round(keysBytes / rows)} B/row`);
  }
  // -------------------------------------------------------------------------------------------
  // 5. top-10 over a large table under random single-row updates vs PostgreSQL running the query
  if (only.has(5)) {
    await db.query('CREATE TABLE scores (id int PRIMARY KEY, player text NOT NULL, score numeric(10,2) NOT NULL)');
    await db.query(`INSERT INTO scores SELECT g, 'player ' || g, round((random() * 1000000)::numeric, 2) FROM generate_series(1, ${TOPK_ROWS}) g`);
    await db.query('ANALYZE scores');
    const select = 'SELECT id, player, score FROM scores ORDER BY score DESC, id LIMIT 10';
    const tb = performance.now();
    await postView(base(), `CREATE MATERIALIZED VIEW top10 AS ${select}`);
    await waitLsn(base(), 'top10', '');
    const backfillSecs = (performance.now() - tb) / 1000;
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const times: number[] = [];
    for (let i = 0; i < WARMUP_TXNS + TOPK_UPDATES; i++) {
      const id = 1 + rand(TOPK_ROWS);
      const score = (rand(100_000_000) / 100).toFixed(2);
      const t0 = performance.now(); // an autocommitted UPDATE by primary key: its commit is most of its time
      await db.query('UPDATE scores SET score = $1 WHERE id = $2', [score, id]);
      await waitLsn(base(), 'top10', await lsnNow(db));
      if (i >= WARMUP_TXNS) times.push(performance.now() - t0);
    }
    // processing cost without round trips: updates while the server is down, then catch-up
    await server.stop();
    server = null;
    const catchup = 10 * TOPK_UPDATES;
    await db.query(`DO $$ DECLARE k int; BEGIN FOR i IN 1..${catchup} LOOP
        k := 1 + floor(random() * ${TOPK_ROWS})::int;
        UPDATE scores SET score = round((random() * 1000000)::numeric, 2) WHERE id = k;
        COMMIT;
      END LOOP; END $$`);
    const target = await lsnNow(db);
    server = await launch();
    await waitLsn(base(), 'top10', target);
    const catchupMs = (performance.now() - streamingSince()) / catchup;
    const queries: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await db.query(select);
      queries.push(performance.now() - t0);
    }
    const got = canonicalRows(await allRows(base(), 'top10', await lsnNow(db)));
    const want = await pgRows(db, select);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error('view top10 differs from PostgreSQL');
    const updMs = mean(times);
    const queryMs = mean(queries);
    Object.assign(figures, {
      topk_rows: TOPK_ROWS,
      topk_backfill_seconds: round(backfillSecs, 2),
      topk_updates: TOPK_UPDATES,
      topk_ms_per_update_mean: round(updMs, 2),
      topk_ms_per_update_p50: round(percentile(times, 0.5), 2),
      topk_catchup_ms_per_update: round(catchupMs, 3),
      topk_pg_query_ms_mean: round(queryMs, 1),
      topk_query_vs_deltaview_update: round(queryMs / updMs, 1),
      topk_query_vs_deltaview_catchup: round(queryMs / catchupMs, 1),
    });
    comparisons.push({
      scenario: `top-10 over a ${int(TOPK_ROWS)}-row table (ORDER BY score DESC, id LIMIT 10, no index on score), random single-row updates`,
      deltaview: `${ms(updMs)} per update, UPDATE (autocommit) → view reflects it (p50 ${ms(percentile(times, 0.5))}); ${ms(catchupMs)} each when catching up ${int(catchup)}`,
      reference: `PostgreSQL running the same query: ${ms(queryMs)} (mean of 5)`,
      ratio: `${(queryMs / updMs).toFixed(1)}× cheaper live, ${(queryMs / catchupMs).toFixed(1)}× in catch-up`,
    });
    say(`top-10 over ${TOPK_ROWS} rows: deltaview ${updMs.toFixed(2)} ms per update (catch-up ${catchupMs.toFixed(3)} ms) vs PostgreSQL's ORDER BY … LIMIT 10 ${queryMs.toFixed(1)} ms (${(queryMs / updMs).toFixed(1)}×, ${(queryMs / catchupMs).toFixed(1)}× in catch-up); backfill ${backfillSecs.toFixed(1)} s; rows equal`);
    await deleteView('top10');
  }
  await server.stop();
  server = null;

  const f = figures as Record<string, number>;
  const aims: Aim[] = [];
  if (f.bulk_join_vs_raw_drain !== undefined) aims.push({ what: 'bulk changes through a 2-way join + aggregate, beside the raw drain', value: f.bulk_join_vs_raw_drain, unit: 'x', reference: `raw drain ${int(f.bulk_raw_drain_rows_per_s!)} rows/s`, op: '>=', target: 0.4 });
  if (f.engine_deltaview_vs_d2ts_heap_per_row !== undefined) aims.push({ what: 'operator state bytes per stored row, beside d2ts on the same join', value: f.engine_deltaview_vs_d2ts_heap_per_row, unit: 'x', reference: `d2ts ${f.engine_d2ts_heap_bytes_per_row} B/row`, op: '<=', target: 0.25 });
  if (f.join4_refresh_vs_deltaview_catchup_txn !== undefined) aims.push({ what: '4-way join + aggregate: REFRESH MATERIALIZED VIEW beside a transaction of 0.1% of the rows (catch-up)', value: f.join4_refresh_vs_deltaview_catchup_txn, unit: 'x', reference: `REFRESH ${f.join4_pg_refresh_ms_mean} ms`, op: '>=', target: 100 });
  await writeResults(
    {
      scenario: 'joins',
      what: 'Joins and aggregates beside d2ts, REFRESH MATERIALIZED VIEW and the raw drain',
      command: 'npm run bench -- joins',
      parameters: { join_orders: JOIN_ORDERS, join_txns: JOIN_TXNS, catchup_txns: CATCHUP_TXNS, customers: CUSTOMERS, bulk_rows: ROWS, restart_rows: BACKFILL_ROWS, topk_rows: TOPK_ROWS, topk_updates: TOPK_UPDATES },
      figures,
      comparisons,
      aims,
    },
    services.pg.url,
  );
} finally {
  await server?.stop().catch(() => {});
  await db.end().catch(() => {});
  await services.stop();
}
