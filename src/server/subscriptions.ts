/**
 * WebSocket subscriptions: `GET /v1/views/:name/subscribe[?since=<token>][&where=<predicate>]`
 * (a filter: filter.ts), and `GET /v1/subscribe`, one socket carrying many of them.
 * A subscriber gets a snapshot consistent with a position (or, resuming, the
 * diff-log entries it missed), `ready`, then every diff after it, in order.
 * Diffs that arrive while the snapshot is read are buffered and those already
 * in the snapshot are dropped, so nothing is duplicated or skipped.
 * A subscriber whose socket backlog grows past a bound is told `lagging` and
 * closed; it resumes with `since` and loses nothing.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatLsn } from '../cdc/pg/lsn.ts';
import { DeltaviewError } from '../errors.ts';
import type { DiffEvent, PipelineListener } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { parseLogId } from '../runtime/view-state.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { bearer, combineFilters, rowFilterOf, type Authenticator, type Grant } from './auth.ts';
import { coalesce, parsedChanges, renderRawChanges, SubscriberIndex, viewFilter, type RawChange, type RowFilter } from './filter.ts';

export interface SubscriptionDeps {
  /** The views: the pipeline of a maintaining instance, or a gateway's mirror. */
  readonly pipeline: ViewReader;
  readonly store: RedisStore;
  readonly auth: Authenticator;
  readonly log: (m: string) => void;
  /** Rows per snapshot frame. */
  readonly snapshotChunk?: number;
  /** How often sockets are pinged; one that misses a whole period is dropped (default 30 s). */
  readonly heartbeatMs?: number;
  /** Bytes buffered on a socket before the subscriber is cut off as lagging. */
  readonly maxBacklog?: number;
}

const PATH = /^\/v1\/views\/([^/]+)\/subscribe$/;
const MUX_PATH = '/v1/subscribe';
/** Subscriptions one multiplexed socket may carry. */
const MAX_PER_SOCKET = 1000;

/**
 * Resume tokens as clients see them: the view's own log position and a tag of the view's name,
 * so that a token of one view is never taken as a resume point of another (whose log may hold an
 * entry at the same position).
 */
const tags = new Map<string, string>();
const viewTag = (view: string): string => {
  let t = tags.get(view);
  if (t === undefined) {
    if (tags.size > 10_000) tags.clear();
    tags.set(view, (t = createHash('sha256').update(view).digest('hex').slice(0, 8)));
  }
  return t;
};
export const externalToken = (view: string, token: string) => `${token}.${viewTag(view)}`;
/** The log position of a client's token for `view`; null when it is not one of this view's tokens. */
export function internalToken(view: string, token: string): string | null {
  const m = /^(\d+-\d+)\.([0-9a-f]{8})$/.exec(token);
  return m !== null && m[2] === viewTag(view) ? m[1]! : null;
}
/** Above this many buffered bytes a snapshot waits for the socket before sending more. */
const PACE_BYTES = 4 * 1024 * 1024;

/**
 * Where a subscriber's frames go: a socket of its own (per-view endpoint), or its share of a
 * multiplexed socket (`/v1/subscribe`), whose frames carry the subscription's id and whose
 * "close" ends only that subscription.
 */
interface Channel {
  send(frame: string, done?: () => void): void;
  /** Sends a frame encoded once for many subscribers (a socket of its own only). */
  sendEncoded?(frame: Buffer): void;
  /** Bytes the socket has not written out yet. */
  buffered(): number;
  close(code: number, reason: string): void;
}

const socketChannel = (ws: WebSocket): Channel => ({
  send: (frame, done) => ws.send(frame, done),
  sendEncoded: (frame) => ws.send(frame, { binary: false }),
  buffered: () => ws.bufferedAmount,
  close: (code, reason) => ws.close(code, reason),
});

/**
 * Above this many bytes waiting on a socket, a live subscriber's diffs are held back and coalesced
 * by key; they go out as one diff (the state at the last one's token) once the socket drains.
 */
const COALESCE_BYTES = 1024 * 1024;
/** Keys held back for one subscriber before it is cut off as lagging (it resumes with its token). */
const MAX_HELD_KEYS = 100_000;

class Subscriber {
  /** Diffs received while the snapshot/log is being read; null once live. */
  private pending: DiffEvent[] | null = [];
  /** Changes held back while the socket is slow, coalesced by key, with the last diff's position. */
  private held: { changes: Map<string, RawChange>; lsn: bigint; token: string; timer: NodeJS.Timeout } | null = null;
  /** Diff-log id (`<lsn>-<n>`) the client has: diffs at or before it are not sent. */
  private position: readonly [bigint, number] = [-1n, 0];
  closed = false;

  constructor(
    readonly view: string,
    private readonly ws: Channel,
    private readonly maxBacklog: number,
    /** `?where=`: what of the view this subscriber sees (null: all of it). */
    readonly filter: RowFilter | null = null,
  ) {}

  send(frame: string): void {
    if (this.closed || this.lagging()) return;
    this.ws.send(frame);
  }

  private lagging(): boolean {
    if (this.ws.buffered() <= this.maxBacklog) return false;
    this.fail('lagging', 'subscriber is too slow: its backlog exceeded the limit; reconnect with ?since=<last token> to resume');
    return true;
  }

  /** Sends a frame and, when the socket's buffer is large, waits until it has been written out. */
  sendPaced(frame: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.ws.buffered() < PACE_BYTES) {
      this.ws.send(frame);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.ws.send(frame, () => resolve()));
  }

  fail(code: string, message: string, closeCode = 1011): void {
    if (this.held !== null) clearInterval(this.held.timer);
    this.held = null;
    if (this.closed) return;
    this.ws.send(JSON.stringify({ type: 'error', code, message }));
    this.closed = true;
    this.ws.close(closeCode, code.slice(0, 100));
  }

  diff(e: DiffEvent): void {
    if (this.pending) this.pending.push(e);
    else this.emit(e);
  }

  private emit(e: DiffEvent): void {
    // ordered by the whole log id: Kafka batches after one transaction share its lsn
    const id = parseLogId(e.token);
    if (id[0] < this.position[0] || (id[0] === this.position[0] && id[1] <= this.position[1])) return;
    this.position = id;
    if (this.closed) return;
    if (this.held !== null || this.ws.buffered() > COALESCE_BYTES) {
      this.hold(e);
      return;
    }
    if (this.filter === null && this.ws.sendEncoded !== undefined) {
      // every whole-view subscriber of a socket of its own gets the same bytes: encoded once per diff
      if (!this.lagging()) this.ws.sendEncoded(encodedDiff(e));
      return;
    }
    let changes: string | null = e.changes;
    if (this.filter !== null) {
      try {
        changes = this.filter.diff(parsedChanges(e));
      } catch (err) {
        this.fail('internal', `the filter could not be applied to a diff: ${(err as Error).message}`);
        return;
      }
      if (changes === null) return; // nothing this subscriber sees changed
    }
    this.send(diffFrame(this.view, e.lsn, e.token, changes));
  }

  /** The socket is slow: fold the diff into what is held back until it drains. */
  private hold(e: DiffEvent): void {
    let changes: RawChange[];
    try {
      changes = this.filter === null ? parsedChanges(e) : this.filter.see(parsedChanges(e));
    } catch (err) {
      this.fail('internal', `the filter could not be applied to a diff: ${(err as Error).message}`);
      return;
    }
    if (this.held === null) {
      this.held = { changes: new Map(), lsn: e.lsn, token: e.token, timer: setInterval(() => this.release(), 10) };
      this.held.timer.unref?.();
    }
    for (const c of changes) coalesce(this.held.changes, c);
    this.held.lsn = e.lsn;
    this.held.token = e.token;
    if (this.held.changes.size > MAX_HELD_KEYS) this.fail('lagging', `subscriber is too slow: over ${MAX_HELD_KEYS} changed rows are waiting for it; reconnect with ?since=<last token> to resume`);
  }

  /** Sends what was held back as one diff once the socket has drained. */
  private release(): void {
    const h = this.held;
    if (h === null || this.ws.buffered() > COALESCE_BYTES / 2) return;
    clearInterval(h.timer);
    this.held = null;
    // held changes that cancel out leave the client's state right as it is: no empty diff is sent
    // (a resume from its older token replays them, to the same state)
    if (h.changes.size === 0) return;
    this.send(diffFrame(this.view, h.lsn, h.token, renderRawChanges(h.changes.values())));
  }

  /** The client now has the state at `lsn`: send `ready`, then everything buffered after it. */
  goLive(lsn: bigint, token: string, backlog: readonly DiffEvent[] = []): void {
    this.position = parseLogId(token);
    this.send(JSON.stringify({ type: 'ready', lsn: formatLsn(lsn), token: externalToken(this.view, token) }));
    for (const e of backlog) this.emit(e);
    const buffered = this.pending ?? [];
    this.pending = null;
    for (const e of buffered) this.emit(e);
  }
}

/** A diff frame: `changes` (a JSON array) take the client to the view's state at log id `token`. */
const diffFrame = (view: string, lsn: bigint, token: string, changes: string) =>
  `{"type":"diff","lsn":${JSON.stringify(formatLsn(lsn))},"token":${JSON.stringify(externalToken(view, token))},"changes":${changes}}`;

/** A diff's whole frame as bytes, encoded once however many subscribers it goes to. */
const encodedDiffs = new WeakMap<DiffEvent, Buffer>();
function encodedDiff(e: DiffEvent): Buffer {
  let b = encodedDiffs.get(e);
  if (b === undefined) encodedDiffs.set(e, (b = Buffer.from(diffFrame(e.view, e.lsn, e.token, e.changes))));
  return b;
}

/** Attaches the subscription endpoint to an HTTP server; returns a closer. */
export function attachSubscriptions(server: Server, deps: SubscriptionDeps): { close(message?: string): void; listener: PipelineListener; counts(): Map<string, number> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const subs = new Map<string, SubscriberIndex<Subscriber>>();
  const chunk = deps.snapshotChunk ?? 1000;
  const maxBacklog = deps.maxBacklog ?? 32 * 1024 * 1024;
  // liveness: every socket is pinged; one that has not answered the previous ping is dead and dropped
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (ws) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, deps.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const listener: PipelineListener = {
    diff(e) {
      const set = subs.get(e.view);
      if (set) for (const s of set.reached(() => parsedChanges(e))) s.diff(e);
    },
    gone(view, code, message) {
      const set = subs.get(view);
      if (set) for (const s of set.all()) s.fail(code, message, 1000);
    },
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    upgrade(req, socket, head).catch((err: unknown) => {
      // a malformed request line or URL must never reach the process as an uncaught exception
      if (err instanceof DeltaviewError) reject(socket, err.status, err.code, err.message);
      else reject(socket, 400, 'bad_request', `malformed WebSocket request: ${(err as Error).message}`);
    });
  };
  server.on('upgrade', onUpgrade);

  /** Adds a subscriber to its view's set; the result takes it out again. */
  function register(sub: Subscriber): () => void {
    let set = subs.get(sub.view);
    if (!set) subs.set(sub.view, (set = new SubscriberIndex<Subscriber>(() => deps.pipeline.columns(sub.view))));
    set.add(sub);
    const own = set;
    return () => {
      sub.closed = true;
      own.delete(sub);
      if (own.size === 0 && subs.get(sub.view) === own) subs.delete(sub.view);
    };
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATH.exec(url.pathname);
    if (!m && url.pathname !== MUX_PATH) {
      reject(socket, 404, 'not_found', `no WebSocket endpoint at ${url.pathname}`);
      return;
    }
    const grant = await deps.auth.grant(bearer(req.headers.authorization) ?? url.searchParams.get('token'));
    if (!m) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.emit('connection', ws, req);
        multiplex(ws, grant);
      });
      return;
    }
    const view = decodeURIComponent(m[1]!);
    let filter: RowFilter | null = null;
    try {
      deps.pipeline.get(view);
      const where = combineFilters(url.searchParams.get('where'), rowFilterOf(grant, view));
      if (where !== null) filter = viewFilter(deps.pipeline, view, where);
    } catch (err) {
      const e = err instanceof DeltaviewError ? err : new DeltaviewError('internal', String(err));
      reject(socket, e.status, e.code, e.message);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req);
      const sub = new Subscriber(view, socketChannel(ws), maxBacklog, filter);
      const detach = register(sub);
      ws.on('close', detach);
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        // The protocol is server → client; anything a client sends is answered, never trusted.
        const text = isBinary ? '' : data.toString();
        let ok = false;
        try {
          const msg = JSON.parse(text) as { type?: unknown };
          ok = msg !== null && typeof msg === 'object' && msg.type === 'ping';
        } catch {
          ok = false;
        }
        if (ok) sub.send('{"type":"pong"}');
        else sub.send(JSON.stringify({ type: 'error', code: 'bad_request', message: 'unexpected frame: this endpoint only sends; the only accepted frame is {"type":"ping"}' }));
      });
      start(sub, view, url.searchParams.get('since')).catch((err: Error) => {
        deps.log(`subscription to ${view} failed: ${err.message}`);
        sub.fail(err instanceof DeltaviewError ? err.code : 'internal', err.message);
      });
    });
  }

  /**
   * `/v1/subscribe`: one socket, many subscriptions. Each subscription's frames are the per-view
   * protocol's with its `id` added; an error about one subscription names it and ends only it.
   */
  function multiplex(ws: WebSocket, grant: Grant): void {
    const mine = new Map<string, { sub: Subscriber; detach: () => void }>();
    const error = (id: string | null, code: string, message: string) => ws.send(JSON.stringify(id === null ? { type: 'error', code, message } : { type: 'error', id, code, message }));
    ws.on('close', () => {
      for (const e of mine.values()) e.detach();
      mine.clear();
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      let msg: { type?: unknown; id?: unknown; view?: unknown; where?: unknown; since?: unknown };
      try {
        msg = JSON.parse(isBinary ? '' : data.toString()) as typeof msg;
        if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('not an object');
      } catch {
        error(null, 'bad_request', 'frames are JSON objects: {"type":"subscribe","id","view","where"?,"since"?}, {"type":"unsubscribe","id"} or {"type":"ping"}');
        return;
      }
      if (msg.type === 'ping') {
        ws.send('{"type":"pong"}');
        return;
      }
      if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') {
        error(null, 'bad_request', `unknown frame type ${JSON.stringify(msg.type) ?? 'undefined'}: expected "subscribe", "unsubscribe" or "ping"`);
        return;
      }
      const id = msg.id;
      if (typeof id !== 'string' || id === '' || id.length > 256) {
        error(null, 'bad_request', `"${msg.type}" needs an "id": a string of 1 to 256 characters that names the subscription`);
        return;
      }
      if (msg.type === 'unsubscribe') {
        const e = mine.get(id);
        if (e === undefined) {
          error(id, 'not_found', `no subscription "${id}" on this socket`);
          return;
        }
        mine.delete(id);
        e.detach();
        ws.send(JSON.stringify({ type: 'unsubscribed', id }));
        return;
      }
      if (mine.has(id)) return error(id, 'already_exists', `subscription "${id}" already exists on this socket`);
      if (mine.size >= MAX_PER_SOCKET) return error(id, 'bad_request', `this socket carries ${mine.size} subscriptions; the limit is ${MAX_PER_SOCKET}`);
      if (typeof msg.view !== 'string') return error(id, 'bad_request', '"subscribe" needs "view": the name of a view');
      if (msg.where !== undefined && typeof msg.where !== 'string') return error(id, 'bad_request', '"where" must be a string: a boolean expression over the view\'s columns');
      if (msg.since !== undefined && typeof msg.since !== 'string') return error(id, 'bad_request', '"since" must be a token string from a diff or ready frame');
      const view = msg.view;
      let filter: RowFilter | null = null;
      try {
        const rowFilter = rowFilterOf(grant, view);
        deps.pipeline.get(view);
        const where = combineFilters((msg.where as string | undefined) ?? null, rowFilter);
        if (where !== null) filter = viewFilter(deps.pipeline, view, where);
      } catch (err) {
        const e = err instanceof DeltaviewError ? err : new DeltaviewError('internal', String(err));
        return error(id, e.code, e.message);
      }
      const prefix = `{"id":${JSON.stringify(id)},`;
      let sub: Subscriber;
      const channel: Channel = {
        send: (frame, done) => ws.send(prefix + frame.slice(1), done),
        buffered: () => ws.bufferedAmount,
        close: () => {
          const e = mine.get(id);
          if (e?.sub !== sub) return;
          mine.delete(id);
          e.detach();
        },
      };
      sub = new Subscriber(view, channel, maxBacklog, filter);
      mine.set(id, { sub, detach: register(sub) });
      start(sub, view, msg.since ?? null).catch((err: Error) => {
        deps.log(`subscription ${id} to ${view} failed: ${err.message}`);
        sub.fail(err instanceof DeltaviewError ? err.code : 'internal', err.message);
      });
    });
  }

  async function start(sub: Subscriber, view: string, since: string | null): Promise<void> {
    // Wait (without limit, while the socket is open) for a backfilling view to go live.
    while (!sub.closed) {
      if (await deps.pipeline.waitFor(view, 0n, 10_000)) break;
      const info = deps.pipeline.get(view);
      if (info.status === 'failed') throw new DeltaviewError('bad_request', `view "${view}" has failed: ${info.error ?? ''}`);
    }
    if (sub.closed) return;
    const from = since === null ? null : internalToken(view, since);
    if (from !== null) {
      const meta = await deps.store.getMeta(view);
      const entries = meta.token ? await deps.store.logSince(view, from, meta.token) : null;
      if (entries) {
        const sinceLsn = BigInt(from.split('-')[0]!);
        const backlog: DiffEvent[] = entries.map((e) => ({ view, token: e.token, prev: e.prev, lsn: BigInt(e.token.split('-')[0]!), changes: e.changes }));
        sub.goLive(sinceLsn, from, backlog);
        return;
      }
    }
    const snap = await deps.store.pagedSnapshot(view);
    const entries = sub.filter === null ? snap.entries : snap.entries.filter(([, r]) => sub.filter!.matches(r));
    for (let i = 0; i < entries.length && !sub.closed; i += chunk) {
      const rows = entries.slice(i, i + chunk).map(([k, r]) => `{"key":${JSON.stringify(k)},"row":${r}}`);
      // the snapshot goes at the client's pace; only live diffs count against the backlog limit
      await sub.sendPaced(`{"type":"snapshot","rows":[${rows.join(',')}]}`);
    }
    sub.goLive(snap.lsn ?? 0n, snap.token);
  }

  return {
    listener,
    counts: () => new Map([...subs].map(([view, set]) => [view, set.size])),
    close(message = 'server is shutting down') {
      server.removeListener('upgrade', onUpgrade);
      for (const set of subs.values()) for (const s of set.all()) s.fail('shutting_down', message, 1001);
      clearInterval(heartbeat);
      wss.close();
    },
  };
}

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };
