/**
 * Fan-out: commit → delivery latency with many subscribers on one view, the
 * server's memory per subscriber, and one subscriber at 1,000 transactions a
 * second. The server runs as its own process (`src/main.ts`), the
 * subscribers in another (bench/fanout-clients.ts), the load generator here:
 * single-row INSERTs at a steady rate, each stamped with the time it was sent,
 * so a latency is INSERT + COMMIT + replication + view + Redis + fan-out + the
 * socket. Also 20 views on one table at 1,000 tx/s, a subscriber on each. Writes
 * bench/results/fanout.json. `npm run bench -- fanout` (in the default set).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { spawnServer } from '../test/harness/process.ts';
import { startServices } from '../test/harness/services.ts';
import { freshId, nowUs, steadyInserts, subscriberProcess } from './subscribers.ts';
import { envInt, postView, say, waitLsn, writeResults, type Aim, type Comparison, type Results } from './lib.ts';

const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};
const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const SECONDS = envInt('BENCH_FANOUT_SECONDS', 10);
/** Which scenarios run (BENCH_FANOUT=one,views20,1k,10k,10k-slow,tenants; all by default). */
const ONLY = new Set((process.env.BENCH_FANOUT ?? 'one,views20,1k,10k-slow,10k,tenants').split(','));
const VIEWS20 = 20;
const results: Results = {};
const services = await startServices();
const pool = new pg.Pool({ connectionString: services.pg.url, max: 8 });
pool.on('error', () => {}); // idle connections are terminated when PostgreSQL stops at the end
// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server
const server = await spawnServer({ DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url }, undefined, (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean));
const pid = server.child.pid!;
/** A subscriber process on this bench's server (or on `url`). */
const clients = (view: string, n: number, filter: 'none' | 'tenant', url = server.url) => subscriberProcess(url, view, n, filter);
/** Steady single-row INSERTs into `table`, waited for on `view`. */
const load = (table: string, rate: number, seconds: number, tenant: (i: number) => number, view = `${table}_v`) => steadyInserts(pool, server.url, table, view, rate, seconds, tenant);

/**
 * The reference: a bare `ws` server (in this process) that sends each of its sockets the same
 * pre-encoded diff frame of the same size `rate` times a second, stamped when it starts sending.
 * What the machine can fan out with the same library and the same subscriber process.
 */
async function rawFanout(n: number, rate: number, seconds: number): Promise<{ deliveries: number; p50: number | null; p99: number | null; cpu: number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.send('{"type":"ready","lsn":"0/0","token":"0-0.00000000"}'));
  const c = await clients('raw', n, 'none', `http://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const id = freshId();
    const frame = Buffer.from(`{"type":"diff","lsn":"0/${(i + 1).toString(16)}","token":"${i + 1}-0.0123abcd","changes":[{"op":"insert","key":"[${id}]","row":{"id":${id},"tenant":${i % 100},"sent":${nowUs()}}}]}`);
    for (const ws of wss.clients) ws.send(frame, { binary: false });
  }
  await new Promise((r) => setTimeout(r, 300));
  const used = process.cpuUsage(cpu0);
  const r = await c.report();
  wss.close();
  return { deliveries: r.deliveries, p50: r.p50, p99: r.p99, cpu: (used.user + used.system) / 1e6 };
}

try {
  const db = await pool.connect();
  // a table and view per scenario: each starts empty, so subscribers connect with an empty snapshot
  // and the memory measured is the subscriptions', not their snapshots in flight
  for (const t of ['fan_1', 'fan_1k', 'fan_10k_slow', 'fan_10k', 'fan_tenants']) {
    await db.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY, tenant int NOT NULL, sent bigint NOT NULL)`);
    await postView(server.url, `CREATE MATERIALIZED VIEW ${t}_v AS SELECT id, tenant, sent FROM ${t}`);
    await waitLsn(server.url, `${t}_v`, '');
  }
  await db.query('CREATE TABLE fan_20 (id bigint PRIMARY KEY, tenant int NOT NULL, sent bigint NOT NULL)');
  for (let i = 0; i < VIEWS20; i++) {
    await postView(server.url, `CREATE MATERIALIZED VIEW fan_20_v${i} AS SELECT id, tenant, sent, ${i} AS copy FROM fan_20`);
    await waitLsn(server.url, `fan_20_v${i}`, '');
  }
  db.release();

  // first, while the server process is fresh: its memory per subscriber is measured by RSS
  if (ONLY.has('tenants')) {
    const n = 10_000;
    const before = rssBytes(pid);
    const c = await clients('fan_tenants_v', n, 'tenant');
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssBytes(pid);
    const achieved = await load('fan_tenants', 200, SECONDS, () => Math.floor(Math.random() * n));
    const r = await c.report();
    results.tenant_filters_subscribers = n;
    results.tenant_filters_tx_per_s = achieved;
    results.tenant_filters_deliveries = r.deliveries;
    results.tenant_filters_p50_ms = r.p50 ?? 'none';
    results.tenant_filters_p99_ms = r.p99 ?? 'none';
    results.tenant_filters_server_bytes_per_subscriber = Math.round((after - before) / n);
    say(`${n} subscribers with distinct tenant filters, ${achieved} tx/s (each reaching one): ${r.deliveries} deliveries, p50 ${r.p50} ms, p99 ${r.p99} ms; server RSS +${Math.round((after - before) / n)} B per subscriber`);
  }

  if (ONLY.has('views20')) {
    const names = Array.from({ length: VIEWS20 }, (_, i) => `fan_20_v${i}`);
    const c = await clients(names.join(','), VIEWS20, 'none');
    // the first second at this rate is a warm-up (the server's code paths for 20 views compile
    // then, and the backlog of that second takes about as long again to clear): not measured
    await load('fan_20', 1000, 2, (i) => i % 100, names[VIEWS20 - 1]);
    c.reset();
    const seconds = Math.min(SECONDS, 5);
    const achieved = await load('fan_20', 1000, seconds, (i) => i % 100, names[VIEWS20 - 1]);
    const r = await c.report();
    results.views20_tx_per_s = achieved;
    results.views20_deliveries = r.deliveries;
    results.views20_p50_ms = r.p50 ?? 'none';
    results.views20_p99_ms = r.p99 ?? 'none';
    results.views20_max_ms = r.max ?? 'none';
    say(`${VIEWS20} views on one table, a subscriber on each, ${achieved} tx/s for ${seconds} s: ${r.deliveries} deliveries, commit → delivery p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`);
  }

  for (const [name, n, rate, table] of [
    ['one', 1, 1000, 'fan_1'],
    ['1k', 1000, 50, 'fan_1k'],
    ['10k-slow', 10_000, 2, 'fan_10k_slow'],
    ['10k', 10_000, 10, 'fan_10k'],
  ] as const) {
    if (!ONLY.has(name)) continue;
    const before = rssBytes(pid);
    const c = await clients(`${table}_v`, n, 'none');
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssBytes(pid);
    const seconds = n === 1 ? Math.min(SECONDS, 5) : SECONDS;
    const cpu0 = [cpuSeconds(pid), cpuSeconds(c.pid)];
    const achieved = await load(table, rate, seconds, (i) => i % 100);
    const cpu = [cpuSeconds(pid) - cpu0[0]!, cpuSeconds(c.pid) - cpu0[1]!];
    const r = await c.report();
    const tag = n === 1 ? 'one_subscriber' : `subs_${n}_at_${rate}_tx_per_s`;
    results[`${tag}_tx_per_s`] = achieved;
    results[`${tag}_deliveries`] = r.deliveries;
    results[`${tag}_p50_ms`] = r.p50 ?? 'none';
    results[`${tag}_p99_ms`] = r.p99 ?? 'none';
    results[`${tag}_max_ms`] = r.max ?? 'none';
    // RSS moves by a few MB with garbage collection: per subscriber, only 10,000 of them stand out of it
    if (n >= 10_000) results[`${tag}_server_bytes_per_subscriber`] = Math.round((after - before) / n);
    results[`${tag}_connect_ms`] = c.connectMs;
    results[`${tag}_server_cpu_s`] = Number(cpu[0]!.toFixed(2));
    results[`${tag}_clients_cpu_s`] = Number(cpu[1]!.toFixed(2));
    if (n >= 1000) {
      const raw = await rawFanout(n, rate, seconds);
      results[`${tag}_raw_ws_p50_ms`] = raw.p50 ?? 'none';
      results[`${tag}_raw_ws_p99_ms`] = raw.p99 ?? 'none';
      results[`${tag}_raw_ws_cpu_s`] = Number(raw.cpu.toFixed(2));
      say(`  reference, a bare ws server sending the same frames to ${n} sockets at ${rate}/s: ${raw.deliveries} deliveries, p50 ${raw.p50} ms, p99 ${raw.p99} ms, sender CPU ${raw.cpu.toFixed(1)} s`);
    }
    say(`${n} subscriber(s), ${achieved} tx/s for ${seconds} s: ${r.deliveries} deliveries, commit → delivery p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms${n >= 10_000 ? `; server RSS +${Math.round((after - before) / n)} B per subscriber` : ''} (connected in ${c.connectMs} ms; CPU: server ${cpu[0]!.toFixed(1)} s, subscriber process ${cpu[1]!.toFixed(1)} s)`);
  }

  const f = results as Record<string, number>;
  const lat = (tag: string) => `p50 ${f[`${tag}_p50_ms`]} ms, p99 ${f[`${tag}_p99_ms`]} ms`;
  const comparisons: Comparison[] = [];
  const aims: Aim[] = [];
  if (f.one_subscriber_p99_ms !== undefined) comparisons.push({ scenario: '1 subscriber, 1,000 tx/s', deltaview: lat('one_subscriber'), reference: '', ratio: '' });
  if (f.views20_p99_ms !== undefined) {
    comparisons.push({ scenario: `${VIEWS20} views on one table, a subscriber on each, 1,000 tx/s (${VIEWS20},000 deliveries/s), after a 2 s warm-up at that rate`, deltaview: lat('views20'), reference: '', ratio: '' });
    aims.push({ what: `commit → WebSocket diff p99 at 1,000 tx/s with ${VIEWS20} views on the same table`, value: f.views20_p99_ms, unit: 'ms', reference: `p50 ${f.views20_p50_ms} ms`, op: '<=', target: 5 });
  }
  for (const [n, rate] of [[1000, 50], [10_000, 2], [10_000, 10]] as const) {
    const tag = `subs_${n}_at_${rate}_tx_per_s`;
    if (f[`${tag}_p99_ms`] === undefined) continue;
    comparisons.push({
      scenario: `${n.toLocaleString('en-US')} subscribers, ${rate} tx/s (${(n * rate).toLocaleString('en-US')} deliveries/s)`,
      deltaview: lat(tag),
      reference: `a bare ws server sending frames of the same size: ${lat(`${tag}_raw_ws`)}`,
      ratio: typeof f[`${tag}_raw_ws_p99_ms`] === 'number' && typeof f[`${tag}_p99_ms`] === 'number' ? `${(f[`${tag}_p99_ms`]! / f[`${tag}_raw_ws_p99_ms`]!).toFixed(2)}× the bare server's p99` : '',
    });
  }
  if (typeof f.subs_10000_at_2_tx_per_s_p99_ms === 'number') aims.push({ what: 'commit → delivery p99 with 10,000 subscribers of one view', value: f.subs_10000_at_2_tx_per_s_p99_ms, unit: 'ms', reference: `a bare ws server: p99 ${f.subs_10000_at_2_tx_per_s_raw_ws_p99_ms} ms`, op: '<=', target: 100 });
  if (f.tenant_filters_p99_ms !== undefined) comparisons.push({ scenario: `${f.tenant_filters_subscribers} subscribers with distinct tenant = k filters, ${f.tenant_filters_tx_per_s} tx/s (each reaching one)`, deltaview: `${lat('tenant_filters')}; server RSS +${f.tenant_filters_server_bytes_per_subscriber} B per subscriber`, reference: '', ratio: '' });
  await writeResults(
    {
      scenario: 'fanout',
      what: 'Subscribers of one view and 20 views on one table, commit → delivery, beside a bare ws server',
      command: 'npm run bench -- fanout',
      parameters: { seconds: SECONDS, scenarios: [...ONLY].join(','), views: VIEWS20 },
      figures: results,
      comparisons,
      aims,
    },
    services.pg.url,
  );
} finally {
  await server.kill('SIGTERM');
  await pool.end().catch(() => {});
  await services.stop();
}
