/**
 * Helpers shared by the benchmarks (bench/run.ts, bench/joins.ts, bench/engine-joins.ts, bench/kafka.ts):
 * environment sizes, a seeded PRNG, in-memory table shapes for compileView, the raw
 * pg-logical-replication drain that deltaview's rates are compared with, a deltaview
 * server launcher with its HTTP calls, and the results files (bench/results/<scenario>.json, from
 * which bench/report.ts renders bench/RESULTS.md, the README's tables and the plots).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { RESULTS_DIR, renderReport, type Figures, type ResultsFile } from './report.ts';

/** Prints one line of the bench's report. */
export const say = (m: string): void => {
  process.stdout.write(`${m}\n`);
};

/** A positive integer from the environment, or `def`. */
export function envInt(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive integer`);
  return n;
}

/** The tests' deterministic PRNG: both systems of a comparison replay one workload. */
export { rng } from '../test/harness/rng.ts';

/** A whole number with thousands separators, as the comparison tables show figures. */
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Rounds to `digits` decimals (for figures in the results). */
export const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

/** The engine tests' in-memory table shapes, catalog and C-collation settings. */
export { C_SETTINGS, catalog, table } from '../test/unit-views-helpers.ts';

/** The current WAL position, as min_lsn takes it. */
export async function lsnNow(db: pg.Client): Promise<string> {
  return (await db.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
}

/**
 * Seconds pg-logical-replication takes to deliver `count` messages tagged `tag` (pgoutput's
 * 'insert', 'update', 'commit', …) from `slot` into a handler that only counts them.
 */
export async function rawDrain(pgUrl: string, publication: string, slot: string, tag: string, count: number): Promise<number> {
  const svc = new LogicalReplicationService({ connectionString: pgUrl }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
  let n = 0;
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => {
    svc.on('data', (_lsn: string, msg: { tag: string }) => {
      if (msg.tag === tag && ++n === count) resolve();
    });
  });
  void svc.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] }), slot).catch(() => {});
  await done;
  const secs = (performance.now() - t0) / 1000;
  await svc.destroy();
  return secs;
}

/** Starts a deltaview server on a random port against the given services (logs to stderr with DV_LOG=1). */
export function launcher(pgUrl: string, redisUrl: string, onLog?: (m: string) => void, kafkaBrokers: readonly string[] = []): () => Promise<RunningServer> {
  const log = (m: string) => {
    onLog?.(m);
    if (process.env.DV_LOG) process.stderr.write(`[deltaview] ${m}\n`);
  };
  return () => startServer({ pgUrl, redisUrl, port: 0, host: '127.0.0.1', token: null, slot: 'deltaview', publication: 'deltaview', kafkaBrokers, kafkaSessionTimeoutMs: 6000, log });
}

/** POST /v1/views; throws unless 201. */
export async function postView(base: string, sql: string): Promise<void> {
  const r = await fetch(`${base}/v1/views`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  if (r.status !== 201) throw new Error(`POST /v1/views: ${r.status} ${await r.text()}`);
}

/**
 * Waits until `view` reflects `lsn` (or, with lsn '', until it has backfilled), via
 * GET /v1/views/<view>/rows?limit=1&min_lsn=…; retries 504s until `deadlineMs` has passed.
 */
export async function waitLsn(base: string, view: string, lsn: string, deadlineMs = 900_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const r = await fetch(`${base}/v1/views/${view}/rows?limit=1&timeout_ms=300000${lsn ? `&min_lsn=${lsn}` : ''}`);
    if (r.status === 200) {
      await r.arrayBuffer();
      return;
    }
    const body = await r.text();
    if (r.status !== 504 || Date.now() > until) throw new Error(`view ${view} at ${lsn || 'backfill'}: ${r.status} ${body}`);
  }
}

/** GET /v1/views/<view>/rows, every page: the rows as parsed JSON objects. */
export async function allRows(base: string, view: string, lsn: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (;;) {
    const q: string = `limit=10000&min_lsn=${lsn}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const r = await fetch(`${base}/v1/views/${view}/rows?${q}`);
    if (r.status !== 200) throw new Error(`rows of ${view}: ${r.status} ${await r.text()}`);
    const page = (await r.json()) as { rows: Record<string, unknown>[]; next: string | null };
    out.push(...page.rows);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

/** Flat figures of one results file: name → number or text. */
export type Results = Figures;
export type { Aim, Comparison, Series } from './report.ts';

/** What a scenario measured; writeResults adds the date, the machine and the versions. */
export type ScenarioResults = Omit<ResultsFile, 'date' | 'machine' | 'versions' | 'comparisons' | 'aims' | 'series'> &
  Partial<Pick<ResultsFile, 'comparisons' | 'aims' | 'series'>>;

const pkgVersion = (name: string): string => {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
};

/** The machine, as the results files describe it. */
export function machine(): string {
  return `${cpus().length} cores, ${cpus()[0]?.model.trim() ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}`;
}

/** Versions of what the figures depend on: Node, PostgreSQL (asked), Redis, the libraries, deltaview. */
export async function versions(pgUrl: string): Promise<Record<string, string>> {
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  const server = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  await db.end();
  const redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  const own = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return {
    deltaview: own,
    node: process.version,
    postgresql: server,
    redis,
    'pg-logical-replication': pkgVersion('pg-logical-replication'),
    kafkajs: pkgVersion('kafkajs'),
    'redis (client)': pkgVersion('redis'),
    ws: pkgVersion('ws'),
  };
}

/** Writes bench/results/<scenario>.json and re-renders the report (RESULTS.md, README tables, plots). */
export async function writeResults(r: ScenarioResults, pgUrl: string): Promise<void> {
  const file: ResultsFile = {
    scenario: r.scenario,
    what: r.what,
    command: r.command,
    date: new Date().toISOString(),
    machine: machine(),
    versions: await versions(pgUrl),
    parameters: r.parameters,
    figures: r.figures,
    comparisons: r.comparisons ?? [],
    aims: r.aims ?? [],
    series: r.series ?? [],
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(new URL(`${r.scenario}.json`, RESULTS_DIR), `${JSON.stringify(file, null, 2)}\n`);
  await renderReport();
  say(`written to bench/results/${r.scenario}.json; bench/RESULTS.md, the README's tables and plots re-rendered`);
}

/** Drops a replication slot once the walsender of a finished drain has let go of it (that exit is asynchronous). */
export async function dropSlot(db: pg.Client, slot: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (r.rows.length === 0) return;
    if (!r.rows[0]!.active) {
      await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return;
    }
    if (Date.now() > deadline) throw new Error(`replication slot ${slot} is still active after 10 s`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
