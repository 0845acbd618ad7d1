/**
 * The subscriber side and the load generator shared by bench/fanout.ts and bench/growth.ts: a
 * process of WebSocket subscribers (bench/fanout-clients.ts) that reports commit → delivery
 * latencies, and single-row INSERTs at a steady rate, each stamped with the time it was sent.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { waitLsn } from './lib.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Microseconds since the epoch (what the rows' `sent` column holds). */
export const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
let nextId = 1;
/** A fresh row id for the load generators of one bench process. */
export const freshId = (): number => nextId++;

/** Latency percentiles of what a subscriber process received. */
export interface Deliveries {
  readonly deliveries: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/**
 * A subscriber process with `n` subscriptions to `view` (or round-robin to views a,b,…); resolves
 * once all are ready. `reset()` forgets what it recorded so far (after a warm-up); `report()` ends it
 * with its percentiles.
 */
export async function subscriberProcess(url: string, view: string, n: number, filter: 'none' | 'tenant') {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}/bench/fanout-clients.ts`], {
    env: { ...process.env, FANOUT_URL: url, FANOUT_VIEW: view, FANOUT_N: String(n), FANOUT_FILTER: filter },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = JSON.parse((await lines.next()).value as string) as { ready: number; connectMs: number };
  return {
    ...first,
    pid: child.pid!,
    reset(): void {
      child.stdin!.write('reset\n');
    },
    async report(): Promise<Deliveries> {
      child.stdin!.write('report\n');
      return JSON.parse((await lines.next()).value as string) as Deliveries;
    },
  };
}

/**
 * Single-row INSERTs (id, tenant, sent) into `table` at `rate` per second for `seconds`, then
 * waits until `view` reflects them (and 300 ms for the last diffs). The rate achieved.
 */
export async function steadyInserts(pool: pg.Pool, serverUrl: string, table: string, view: string, rate: number, seconds: number, tenant: (i: number) => number): Promise<number> {
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(pool.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [freshId(), tenant(i), nowUs()]));
    if (inflight.length >= 64) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const secs = (performance.now() - t0) / 1000;
  const lsn = (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
  await waitLsn(serverUrl, view, lsn);
  await new Promise((r) => setTimeout(r, 300));
  return Math.round(total / secs);
}
