/**
 * A deltaview server on real services for integration tests, plus HTTP and
 * WebSocket clients that speak the contract.
 */
import { request } from 'node:http';
import pg from 'pg';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { startServices, type TestServices } from './services.ts';
export { maintainer } from '../../src/server/server.ts';
import { canonical, canonicalText, parseLossless, stringifyLossless, type JValue } from './json.ts';

export interface Harness {
  readonly services: TestServices;
  server: RunningServer;
  readonly db: pg.Client;
  readonly logs: string[];
  /** Restarts the deltaview server on the same services (graceful stop); `samePort` keeps its URL; `token` sets DELTAVIEW_TOKEN. */
  restart(samePort?: boolean, token?: string | null): Promise<void>;
  /** Starts another deltaview server on the same services (after `server.stop()`). */
  launch(): Promise<RunningServer>;
  stop(): Promise<void>;
}

/** `kafka`: start the test broker too and give the server its address (KAFKA_BROKERS). */
export async function startHarness(opts: { kafka?: boolean } = {}): Promise<Harness> {
  const services = await startServices(opts);
  const logs: string[] = [];
  const log = (m: string) => {
    logs.push(m);
    if (process.env.DV_LOG) process.stderr.write(`[deltaview] ${m}\n`);
  };
  const launch = (port = 0, token: string | null = null) =>
    startServer({
      pgUrl: services.pg.url,
      redisUrl: services.redis.url,
      port,
      host: '127.0.0.1',
      token,
      slot: 'deltaview',
      publication: 'deltaview',
      kafkaBrokers: services.kafka?.brokers ?? [],
      kafkaSessionTimeoutMs: 6000,
      log,
    });
  const db = new pg.Client({ connectionString: services.pg.url });
  await db.connect();
  await db.query("SET TIME ZONE 'UTC'");
  const h: Harness = {
    services,
    server: await launch(),
    launch: () => launch(),
    db,
    logs,
    async restart(samePort = false, token: string | null = null) {
      const port = h.server.port;
      await h.server.stop();
      h.server = await launch(samePort ? port : 0, token);
    },
    async stop() {
      await h.server.stop().catch(() => {});
      await db.end().catch(() => {});
      await services.stop();
    },
  };
  return h;
}

export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
  json<T = unknown>(): T;
}

export async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, text, headers: Object.fromEntries(res.headers), json: <T>() => JSON.parse(text) as T };
}

/**
 * Asks for a WebSocket upgrade at `url` (http:// or ws://) and reports how the server answered:
 * status 101 when it upgraded (the socket is then dropped), else the refusal's status and body.
 */
export function tryUpgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Creates a view and waits until it is running. */
export async function createView(base: string, sql: string): Promise<{ name: string }> {
  const r = await http(base, 'POST', '/v1/views', { sql });
  if (r.status !== 201) throw new Error(`create view failed: ${r.status} ${r.text}`);
  const { name } = r.json<{ name: string }>();
  const wait = await http(base, 'GET', `/v1/views/${name}/rows?limit=1&timeout_ms=60000`);
  if (wait.status !== 200) throw new Error(`view ${name} did not come up: ${wait.status} ${wait.text}`);
  return { name };
}

/** Every row of a view (as raw JSON texts), paging with `limit`, read-your-writes at `minLsn`. */
export async function viewRows(base: string, name: string, minLsn: string | null, limit = 1000): Promise<{ rows: string[]; lsn: string }> {
  const rows: string[] = [];
  let cursor: string | null = null;
  let lsn = '';
  for (;;) {
    const q = new URLSearchParams({ limit: String(limit), timeout_ms: '20000' });
    if (cursor) q.set('cursor', cursor);
    if (minLsn) q.set('min_lsn', minLsn);
    const r = await http(base, 'GET', `/v1/views/${name}/rows?${q}`);
    if (r.status !== 200) throw new Error(`rows of ${name}: ${r.status} ${r.text}`);
    // parsed losslessly so that numbers keep their exact text
    const body = parseLossless(r.text) as { rows: JValue[]; next: string | null; lsn: string };
    rows.push(...body.rows.map(stringifyLossless));
    lsn = body.lsn;
    if (!body.next) break;
    cursor = body.next;
  }
  return { rows, lsn };
}

/** PostgreSQL's own answer: to_jsonb of each row of the query, as canonical text. */
export async function oracle(db: pg.Client, select: string): Promise<string[]> {
  const r = await db.query<{ j: string }>(`SELECT to_jsonb(q)::text AS j FROM (${select}) q`);
  return r.rows.map((x) => canonicalText(x.j)).sort();
}

export async function currentLsn(db: pg.Client): Promise<string> {
  const r = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return r.rows[0]!.lsn;
}

/** A WebSocket subscriber that applies snapshot and diffs to a key → row map, checking the protocol as it goes. */
export class Subscriber {
  readonly state = new Map<string, string>();
  readonly errors: string[] = [];
  readonly frames: string[] = [];
  /** The replica's rows (as rows() gives them) after each diff frame, when recordStates is set. */
  readonly diffStates: string[][] = [];
  recordStates = false;
  ready = false;
  lastToken: string | null = null;
  lastLsn: string | null = null;
  private ws: WebSocket;
  private opened: Promise<void>;

  constructor(base: string, view: string, since?: string, initial?: Map<string, string>, where?: string) {
    if (initial) for (const [k, v] of initial) this.state.set(k, v);
    const q = new URLSearchParams();
    if (since) q.set('since', since);
    if (where !== undefined) q.set('where', where);
    const url = `${base.replace(/^http/, 'ws')}/v1/views/${view}/subscribe${q.size > 0 ? `?${q}` : ''}`;
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => this.onFrame(data.toString()));
  }

  async open(): Promise<void> {
    await this.opened;
  }

  private onFrame(text: string): void {
    this.frames.push(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    type Change = { op: string; key: string; row: JValue; old?: JValue };
    const f = parseLossless(text) as { type: string; rows?: { key: string; row: JValue }[]; changes?: Change[]; token?: string; lsn?: string; code?: string; message?: string };
    switch (f.type) {
      case 'snapshot':
        if (this.ready) this.errors.push('snapshot after ready');
        for (const r of f.rows ?? []) {
          if (this.state.has(r.key)) this.errors.push(`duplicate snapshot key ${r.key}`);
          this.state.set(r.key, canonical(r.row));
        }
        break;
      case 'ready':
        this.ready = true;
        this.lastToken = f.token ?? null;
        this.lastLsn = f.lsn ?? null;
        break;
      case 'diff': {
        if (!this.ready) this.errors.push('diff before ready');
        for (const c of f.changes ?? []) {
          if (c.op === 'insert') {
            if (this.state.has(c.key)) this.errors.push(`insert of existing key ${c.key}`);
            this.state.set(c.key, canonical(c.row));
          } else if (c.op === 'update') {
            if (c.old === undefined || this.state.get(c.key) !== canonical(c.old)) this.errors.push(`update of ${c.key} with wrong old row`);
            this.state.set(c.key, canonical(c.row));
          } else if (c.op === 'delete') {
            if (this.state.get(c.key) !== canonical(c.row)) this.errors.push(`delete of ${c.key} with wrong row`);
            this.state.delete(c.key);
          } else this.errors.push(`unknown op ${c.op}`);
        }
        this.lastToken = f.token ?? null;
        this.lastLsn = f.lsn ?? null;
        if (this.recordStates) this.diffStates.push(this.rows());
        break;
      }
      case 'error':
        this.errors.push(`error frame ${f.code}: ${f.message}`);
        break;
      default:
        this.errors.push(`unknown frame ${f.type}`);
    }
  }

  rows(): string[] {
    return [...this.state.values()].sort();
  }

  /** Stops reading from the socket (a slow client); `resume` reads on. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): void {
    this.ws.close();
  }
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
