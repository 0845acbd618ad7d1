/**
 * deltaview's typed client (`deltaview/client`), for browsers and Node: view
 * rows with read-your-writes, queries, the view catalog, and subscriptions
 * that keep a local replica of a view (or of its filtered slice) and survive
 * disconnects: they reconnect with backoff and resume from their last token,
 * so the replica never misses or repeats a change. Standalone: it imports
 * nothing from the server.
 *
 * Node 20 has no global WebSocket: pass one (`import WebSocket from 'ws'`).
 */

/** The part of a WebSocket the client uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** DELTAVIEW_TOKEN or a JSON Web Token. */
  readonly token?: string;
  readonly WebSocket?: WebSocketConstructor;
  readonly fetch?: typeof fetch;
  /** Parses every answer and frame (default JSON.parse; numbers beyond 2^53 or with many digits need a lossless parser). */
  readonly parse?: (text: string) => unknown;
}

/** An error the server answered with: the contract's code, the HTTP status (0 on a socket) and its message. */
export class DeltaviewError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'DeltaviewError';
  }
}

export interface ViewObject {
  readonly name: string;
  readonly sql: string;
  readonly status: 'backfilling' | 'running' | 'failed';
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly key: readonly string[];
  readonly rows: number;
  readonly lsn: string | null;
  readonly error?: string;
  readonly backfill?: { readonly rows_done: number; readonly rows_estimated: number; readonly rows_per_second: number };
  readonly offsets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type Row = Record<string, unknown>;

export interface SourceObject {
  readonly name: string;
  readonly type: 'postgres' | 'kafka';
  readonly schema?: string;
  readonly table?: string;
  readonly topic?: string;
  readonly envelope?: string;
  readonly columns?: readonly { readonly name: string; readonly type: string }[];
  readonly key?: readonly string[];
  /** Kafka: per partition, the next offset not yet reflected in views. */
  readonly offsets?: Readonly<Record<string, string>>;
  readonly messages?: number;
  readonly errors?: number;
  readonly last_errors?: readonly unknown[];
  readonly partitions?: readonly { partition: number; low: string; high: string }[] | { error: string };
  readonly views?: readonly string[];
}

export interface ServerStatus {
  readonly time: string;
  readonly replication: { readonly lag_bytes: number; readonly lag_seconds: number; readonly retained_wal_bytes: number | null } | null;
  readonly views: Readonly<Record<string, { readonly status: string; readonly commits: number; readonly changes: number; readonly last_commit_at: string | null; readonly subscribers: number }>>;
}

/** One change of a diff, as the subscriber's replica applies it. */
export type Change =
  | { readonly op: 'insert'; readonly key: string; readonly row: Row }
  | { readonly op: 'update'; readonly key: string; readonly old: Row; readonly row: Row }
  | { readonly op: 'delete'; readonly key: string; readonly row: Row };

export interface SubscribeOptions {
  /** A filter over the view's columns (`region = 'EU' AND total > 100`). */
  readonly where?: string;
  /** Resume from this token (a previous subscription's `token`) instead of a snapshot. */
  readonly since?: string;
  /** Rows the replica starts with (the state at `since`). */
  readonly initial?: ReadonlyMap<string, Row>;
  /** After each snapshot or diff frame has been applied. */
  onChange?(changes: readonly Change[], replica: ReadonlyMap<string, Row>): void;
  /** Each time the replica is complete (the first snapshot, or a resume). */
  onReady?(replica: ReadonlyMap<string, Row>): void;
  /** A terminal error (the view was deleted or failed, the filter is bad, access is denied). */
  onError?(error: DeltaviewError): void;
  /** Parses the server's frames (default: the client's `parse`). */
  parse?(text: string): unknown;
}

/** Codes after which reconnecting cannot help. */
const TERMINAL = new Set(['not_found', 'view_failed', 'bad_request', 'parse_error', 'unknown_column', 'unsupported', 'unauthorized', 'forbidden']);

/** A live replica of a view; reconnects and resumes until closed. */
export class Subscription {
  /** The replica: row key → row. */
  readonly rows = new Map<string, Row>();
  /** The token of the last frame applied (resume point). */
  token: string | null;
  /** The position of the last frame applied. */
  lsn: string | null = null;
  /** Reconnections made so far. */
  reconnects = 0;
  private ws: WebSocketLike | null = null;
  private closed = false;
  private resyncing = false;
  private delay = 250;
  private readyResolve!: () => void;
  private readyReject!: (e: DeltaviewError) => void;
  /** Resolves when the replica is first complete; rejects on a terminal error before that. */
  readonly ready: Promise<void>;

  constructor(
    private readonly client: DeltaviewClient,
    readonly view: string,
    private readonly opts: SubscribeOptions,
  ) {
    this.token = opts.since ?? null;
    for (const [k, r] of opts.initial ?? []) this.rows.set(k, r);
    this.ready = new Promise((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => {});
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.ws?.close(1000, 'closed by the client');
  }

  private connect(): void {
    const q = new URLSearchParams();
    if (this.token !== null) q.set('since', this.token);
    if (this.opts.where !== undefined) q.set('where', this.opts.where);
    if (this.client.token !== undefined) q.set('token', this.client.token);
    const ws = new this.client.WebSocket(`${this.client.wsUrl}/v1/views/${encodeURIComponent(this.view)}/subscribe${q.size > 0 ? `?${q}` : ''}`);
    this.ws = ws;
    // a resume whose token the server no longer has sends a fresh snapshot: it replaces the replica
    this.resyncing = true;
    let opened = false;
    let refused: number | null = null;
    ws.onopen = () => {
      opened = true;
      this.delay = 250;
    };
    ws.onmessage = (ev) => this.frame(String(ev.data));
    ws.onerror = (ev) => {
      // the `ws` package says why an upgrade was refused; browsers do not
      const m = /Unexpected server response: (\d+)/.exec(String((ev as { message?: unknown })?.message ?? ''));
      if (m !== null) refused = Number(m[1]);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      if (!opened) {
        void this.refusedBecause(refused).then((e) => (e === null ? this.retry() : this.terminal(e)));
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    this.reconnects++;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, 5000);
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, wait);
  }

  /** Why a socket was refused before it opened, when reconnecting cannot help (null: try again). */
  private async refusedBecause(status: number | null): Promise<DeltaviewError | null> {
    try {
      await this.client.view(this.view);
    } catch (err) {
      if (err instanceof DeltaviewError && TERMINAL.has(err.code)) return err;
      return null;
    }
    if (status === 400) return new DeltaviewError('bad_request', `the server refused the subscription (a bad "where" filter?)`, 400);
    if (status === 401 || status === 403) return new DeltaviewError(status === 401 ? 'unauthorized' : 'forbidden', 'the server refused the subscription', status);
    return null;
  }

  private terminal(e: DeltaviewError): void {
    this.closed = true;
    this.opts.onError?.(e);
    this.readyReject(e);
  }

  private frame(text: string): void {
    const f = (this.opts.parse ?? this.client.parse)(text) as {
      type: string;
      rows?: { key: string; row: Row }[];
      changes?: { op: string; key: string; row: Row; old?: Row }[];
      token?: string;
      lsn?: string;
      code?: string;
      message?: string;
    };
    switch (f.type) {
      case 'snapshot': {
        if (this.resyncing) {
          this.rows.clear();
          this.resyncing = false;
        }
        const changes: Change[] = [];
        for (const r of f.rows ?? []) {
          this.rows.set(r.key, r.row);
          changes.push({ op: 'insert', key: r.key, row: r.row });
        }
        this.opts.onChange?.(changes, this.rows);
        return;
      }
      case 'ready':
        this.resyncing = false;
        this.token = f.token ?? this.token;
        this.lsn = f.lsn ?? this.lsn;
        this.opts.onReady?.(this.rows);
        this.readyResolve();
        return;
      case 'diff': {
        const changes: Change[] = [];
        for (const c of f.changes ?? []) {
          const row = c.row;
          if (c.op === 'delete') this.rows.delete(c.key);
          else this.rows.set(c.key, row);
          changes.push(c.op === 'update' ? { op: 'update', key: c.key, old: c.old!, row } : { op: c.op as 'insert' | 'delete', key: c.key, row });
        }
        this.token = f.token ?? this.token;
        this.lsn = f.lsn ?? this.lsn;
        this.opts.onChange?.(changes, this.rows);
        return;
      }
      case 'error': {
        const e = new DeltaviewError(f.code ?? 'internal', f.message ?? 'subscription error', 0);
        if (TERMINAL.has(e.code)) this.terminal(e);
        return; // lagging, rebuilding, shutting_down: the socket closes and the subscription resumes
      }
      default:
    }
  }
}

export class DeltaviewClient {
  readonly token: string | undefined;
  readonly WebSocket: WebSocketConstructor;
  readonly wsUrl: string;
  readonly parse: (text: string) => unknown;
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.wsUrl = this.base.replace(/^http/, 'ws');
    this.token = opts.token;
    const ws = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (ws === undefined) throw new Error('no WebSocket implementation: pass one as the WebSocket option (in Node 20: import WebSocket from "ws")');
    this.WebSocket = ws;
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.parse = opts.parse ?? JSON.parse;
  }

  views(): Promise<ViewObject[]> {
    return this.call<{ views: ViewObject[] }>('GET', '/v1/views').then((r) => r.views);
  }

  view(name: string): Promise<ViewObject> {
    return this.call('GET', `/v1/views/${encodeURIComponent(name)}`);
  }

  createView(sql: string): Promise<ViewObject> {
    return this.call('POST', '/v1/views', { sql });
  }

  async deleteView(name: string): Promise<void> {
    await this.call('DELETE', `/v1/views/${encodeURIComponent(name)}`);
  }

  /** PostgreSQL tables and declared Kafka sources (admin only). */
  sources(): Promise<SourceObject[]> {
    return this.call<{ sources: SourceObject[] }>('GET', '/v1/sources').then((r) => r.sources);
  }

  /** One source; a Kafka source with its partitions' watermarks and its last unreadable messages. */
  source(name: string): Promise<SourceObject> {
    return this.call('GET', `/v1/sources/${encodeURIComponent(name)}`);
  }

  /** Declares a Kafka source (CONTRACT.md "Sources"). */
  declareSource(declaration: Record<string, unknown>): Promise<SourceObject> {
    return this.call('POST', '/v1/sources', declaration);
  }

  async deleteSource(name: string): Promise<void> {
    await this.call('DELETE', `/v1/sources/${encodeURIComponent(name)}`);
  }

  /** What every view has applied since the server started, and the replication lag. */
  status(): Promise<ServerStatus> {
    return this.call('GET', '/v1/status');
  }

  /** One page of a view's rows; with `minLsn`, once the view reflects that position. */
  rows(view: string, opts: { limit?: number; cursor?: string; minLsn?: string; timeoutMs?: number } = {}): Promise<{ rows: Row[]; next: string | null; lsn: string }> {
    const q = new URLSearchParams();
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.cursor !== undefined) q.set('cursor', opts.cursor);
    if (opts.minLsn !== undefined) q.set('min_lsn', opts.minLsn);
    if (opts.timeoutMs !== undefined) q.set('timeout_ms', String(opts.timeoutMs));
    return this.call('GET', `/v1/views/${encodeURIComponent(view)}/rows${q.size > 0 ? `?${q}` : ''}`);
  }

  /** Every row of a view, paging through it. */
  async allRows(view: string, opts: { minLsn?: string; timeoutMs?: number } = {}): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.rows(view, { ...opts, limit: 10_000, ...(cursor === undefined ? {} : { cursor }) });
      out.push(...page.rows);
      if (page.next === null) return out;
      cursor = page.next;
    }
  }

  query(sql: string, opts: { minLsn?: string; timeoutMs?: number } = {}): Promise<{ rows: Row[]; lsn: string }> {
    return this.call('POST', '/v1/query', { sql, ...(opts.minLsn === undefined ? {} : { min_lsn: opts.minLsn }), ...(opts.timeoutMs === undefined ? {} : { timeout_ms: opts.timeoutMs }) });
  }

  /** A live replica of `view` (or of its rows matching `where`). */
  subscribe(view: string, opts: SubscribeOptions = {}): Subscription {
    return new Subscription(this, view, opts);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetch(`${this.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) {
      let code = 'internal';
      let message = text;
      try {
        const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
        code = e.code;
        message = e.message;
      } catch {
        // not the contract's error body
      }
      throw new DeltaviewError(code, message, res.status);
    }
    return (text === '' ? undefined : this.parse(text)) as T;
  }
}
