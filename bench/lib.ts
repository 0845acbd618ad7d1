/**
 * Helpers shared by the benchmarks (bench/run.ts, bench/joins.ts, bench/engine-joins.ts, bench/kafka.ts):
 * environment sizes, a seeded PRNG, in-memory table shapes for compileView, the raw
 * pg-logical-replication drain that deltaview's rates are compared with, a deltaview
 * server launcher with its HTTP calls, and the results files (bench/results.json,
 * bench/results-joins.json, bench/results-kafka.json, and bench/RESULTS.md rendered from them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { startServer, type RunningServer } from '../src/server/server.ts';

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
export type Results = Record<string, number | string>;

/** One line of a comparison table: a deltaview figure beside its reference, measured in the same run. */
export interface Comparison {
  readonly scenario: string;
  readonly deltaview: string;
  readonly reference: string;
  readonly ratio: string;
}

/** Contents of bench/results-joins.json: the comparisons and every figure behind them. */
export interface JoinResults {
  readonly comparisons: readonly Comparison[];
  readonly figures: Results;
}

const RESULTS_JSON = new URL('./results.json', import.meta.url);
const JOINS_JSON = new URL('./results-joins.json', import.meta.url);
const KAFKA_JSON = new URL('./results-kafka.json', import.meta.url);
const FANOUT_JSON = new URL('./results-fanout.json', import.meta.url);
const FAULTS_JSON = new URL('./results-faults.json', import.meta.url);
const RESULTS_MD = new URL('./RESULTS.md', import.meta.url);

async function readJson(url: URL): Promise<unknown> {
  try {
    return JSON.parse(await readFile(url, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Writes bench/results.json (bench/run.ts's figures) and re-renders bench/RESULTS.md. */
export function writeBaseResults(results: Results): Promise<void> {
  return writeResults(RESULTS_JSON, results);
}

/** Writes bench/results-kafka.json (bench/kafka.ts's figures) and re-renders bench/RESULTS.md. */
export function writeKafkaResults(results: Results): Promise<void> {
  return writeResults(KAFKA_JSON, results);
}

/** Writes bench/results-fanout.json (bench/fanout.ts's figures) and re-renders bench/RESULTS.md. */
export function writeFanoutResults(results: Results): Promise<void> {
  return writeResults(FANOUT_JSON, results);
}

/** Writes bench/results-faults.json (bench/faults.ts's figures) and re-renders bench/RESULTS.md. */
export function writeFaultResults(results: Results): Promise<void> {
  return writeResults(FAULTS_JSON, results);
}

/** Writes bench/results-joins.json (bench/joins.ts's figures) and re-renders bench/RESULTS.md. */
export function writeJoinResults(results: JoinResults): Promise<void> {
  return writeResults(JOINS_JSON, results);
}

/** Writes one results file and re-renders bench/RESULTS.md from all of them. */
async function writeResults(file: URL, results: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await renderResultsMd();
}

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|');
const kvTable = (r: Results) => ['| measure | value |', '| --- | --- |', ...Object.entries(r).map(([k, v]) => `| ${k} | ${cell(v)} |`)].join('\n');

/** bench/RESULTS.md from whichever of the two results files exist. */
async function renderResultsMd(): Promise<void> {
  const base = (await readJson(RESULTS_JSON)) as Results | null;
  const joins = (await readJson(JOINS_JSON)) as JoinResults | null;
  const kafka = (await readJson(KAFKA_JSON)) as Results | null;
  const fanout = (await readJson(FANOUT_JSON)) as Results | null;
  const faults = (await readJson(FAULTS_JSON)) as Results | null;
  const parts = ['# Benchmark results (npm run bench)\n'];
  if (base !== null) parts.push('## Filter views, backfill, Redis, latency (bench/run.ts → bench/results.json)\n', kvTable(base), '');
  if (joins !== null) {
    parts.push(
      '## Joins and aggregates (bench/joins.ts → bench/results-joins.json)\n',
      '| scenario | deltaview | reference, same run | ratio |',
      '| --- | --- | --- | --- |',
      ...joins.comparisons.map((c) => `| ${cell(c.scenario)} | ${cell(c.deltaview)} | ${cell(c.reference)} | ${cell(c.ratio)} |`),
      '',
      kvTable(joins.figures),
      '',
    );
  }
  if (kafka !== null) parts.push('## Kafka: an append topic through an aggregate view (bench/kafka.ts → bench/results-kafka.json)\n', kvTable(kafka), '');
  if (fanout !== null) parts.push('## Fan-out: subscribers of one view, commit → delivery (bench/fanout.ts → bench/results-fanout.json)\n', kvTable(fanout), '');
  if (faults !== null) parts.push('## Faults at scale: a 10M-row backfill, kill -9 and Redis loss with 1M-row join state (bench/faults.ts → bench/results-faults.json)\n', kvTable(faults), '');
  await writeFile(RESULTS_MD, `${parts.join('\n')}\n`);
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
