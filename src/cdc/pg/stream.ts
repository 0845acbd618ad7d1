/**
 * The PostgreSQL change stream: pgoutput over a logical replication slot,
 * assembled into whole transactions in commit order.
 *
 * Delivery is at-least-once from the durable position the consumer reports:
 * the slot is acknowledged only up to `handler.durableLsn()`, heartbeats are
 * answered with it, and a dropped connection is re-subscribed (with backoff)
 * from it. Consumers skip transactions they have already applied
 * (endLsn <= their position), which makes the whole exactly-once.
 */
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import { decodeText, typeFromOid } from '../../values/index.ts';
import type { Row } from '../../values/types.ts';
import type { RelationShape, SourceTx, StreamChange } from '../types.ts';
import { clientConfig } from './connection.ts';
import { formatLsn, parseLsn } from './lsn.ts';

/** What the stream calls; all callbacks are synchronous and run in stream order. */
export interface StreamHandler {
  /** One whole committed transaction. */
  onTransaction(tx: SourceTx): void;
  /** Every transaction with endLsn <= lsn has been delivered (keepalives, position markers). */
  onPosition(lsn: bigint): void;
  /** The connection failed; the stream reconnects by itself and re-delivers from durableLsn(). */
  onDisconnect(err: Error): void;
  /** Highest position whose effects are durable; acknowledged to the slot, and where a reconnect resumes. */
  durableLsn(): bigint;
}

export interface PgStreamOptions {
  readonly url: string;
  readonly slot: string;
  readonly publication: string;
  /** Prefix of pg_logical_emit_message markers that report positions. */
  readonly markerPrefix: string;
  readonly log: (msg: string) => void;
}

type RawTuple = Record<string, unknown>;
const identity = (v: unknown) => v;

export class PgChangeStream {
  private service: LogicalReplicationService | null = null;
  private readonly plugin: PgoutputPlugin;
  private readonly shapes = new Map<number, { shape: RelationShape; decode: (t: RawTuple) => Row | null }>();
  private open: StreamChange[] | null = null;
  private stopping = false;
  private backoffMs = 100;
  private statusTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private lastAcked = -1n;
  /** Resolves when the current subscription has started streaming. */
  private started: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: PgStreamOptions,
    private readonly handler: StreamHandler,
  ) {
    this.plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [opts.publication], messages: true });
  }

  /** Starts streaming from the handler's durable position; resolves once the server streams. */
  async start(): Promise<void> {
    this.stopping = false;
    this.connect();
    await this.started;
    this.statusTimer = setInterval(() => this.sendStatus(false), 5000);
    this.statusTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.statusTimer = null;
    this.reconnectTimer = null;
    const svc = this.service;
    this.service = null;
    if (svc) {
      this.sendStatus(true, svc);
      await svc.destroy().catch(() => {});
    }
  }

  /** Stops reading from the socket (backpressure); `resume` continues. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket()?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket()?.resume();
  }

  /** Sends a standby status update acknowledging the durable position now. */
  acknowledgeNow(): void {
    this.sendStatus(true);
  }

  private socket(): { pause(): void; resume(): void } | undefined {
    // pg-logical-replication has no backpressure hook without queueing every message;
    // pausing the connection's socket is the narrowest way to stop reading.
    const conn = (this.service as unknown as { _connection?: { stream?: { pause(): void; resume(): void } } } | null)?._connection;
    return conn?.stream;
  }

  private connect(): void {
    const svc = new LogicalReplicationService(clientConfig(this.opts.url), {
      acknowledge: { auto: false, timeoutSeconds: 0 },
    });
    this.service = svc;
    this.open = null;
    let resolveStarted!: () => void;
    let rejectStarted!: (e: Error) => void;
    this.started = new Promise<void>((res, rej) => {
      resolveStarted = res;
      rejectStarted = rej;
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.stopping || this.service !== svc) return;
      failed = true;
      rejectStarted(err);
      this.open = null;
      this.opts.log(`replication stream failed: ${err.message}; reconnecting in ${this.backoffMs} ms from ${formatLsn(this.handler.durableLsn())}`);
      this.handler.onDisconnect(err);
      void svc.destroy().catch(() => {});
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (!this.stopping) this.connect();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    };
    svc.on('start', () => {
      this.paused = false;
      resolveStarted();
    });
    svc.on('error', (err: Error) => fail(err));
    svc.on('data', (_lsn: string, msg: Pgoutput.Message) => {
      try {
        this.onMessage(msg);
      } catch (err) {
        fail(err as Error);
      }
    });
    svc.on('heartbeat', (lsn: string, _ts: number, shouldRespond: boolean) => {
      if (this.open === null) this.handler.onPosition(parseLsn(lsn));
      if (shouldRespond) this.sendStatus(true);
    });
    const from = this.handler.durableLsn();
    svc
      .subscribe(this.plugin, this.opts.slot, formatLsn(from))
      .then(
        () => fail(new Error('replication stream ended')),
        (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
      );
    // Until the first start, an initial failure rejects `started`; later failures only reconnect.
    this.started.catch(() => {});
  }

  private sendStatus(force: boolean, svc = this.service): void {
    if (!svc) return;
    const durable = this.handler.durableLsn();
    if (durable <= 0n) return;
    if (!force && durable === this.lastAcked) return;
    this.lastAcked = durable;
    // acknowledge(x) reports x+1 as flushed; the slot must resume exactly at `durable`.
    void svc.acknowledge(formatLsn(durable - 1n)).catch(() => {});
  }

  private onMessage(msg: Pgoutput.Message): void {
    switch (msg.tag) {
      case 'begin':
        this.open = [];
        return;
      case 'relation':
        this.onRelation(msg);
        return;
      case 'insert': {
        const rel = this.relation(msg.relation.relationOid);
        const row = rel.decode(msg.new);
        this.push(row ? { kind: 'insert', relation: rel.shape, row } : { kind: 'missing_old', relation: rel.shape });
        return;
      }
      case 'update': {
        const rel = this.relation(msg.relation.relationOid);
        const oldRow = msg.old ? rel.decode(msg.old) : null;
        const newRow = rel.decode(msg.new);
        if (!oldRow || !newRow) {
          this.push({ kind: 'missing_old', relation: rel.shape });
          return;
        }
        this.push({ kind: 'delete', relation: rel.shape, row: oldRow });
        this.push({ kind: 'insert', relation: rel.shape, row: newRow });
        return;
      }
      case 'delete': {
        const rel = this.relation(msg.relation.relationOid);
        const oldRow = msg.old ? rel.decode(msg.old) : null;
        this.push(oldRow ? { kind: 'delete', relation: rel.shape, row: oldRow } : { kind: 'missing_old', relation: rel.shape });
        return;
      }
      case 'truncate':
        for (const r of msg.relations) this.push({ kind: 'truncate', relation: this.relation(r.relationOid).shape });
        return;
      case 'commit': {
        const changes = this.open ?? [];
        this.open = null;
        if (!msg.commitLsn || !msg.commitEndLsn) throw new Error('commit message without LSNs');
        this.backoffMs = 100;
        this.handler.onTransaction({ commitLsn: parseLsn(msg.commitLsn), endLsn: parseLsn(msg.commitEndLsn), changes });
        return;
      }
      case 'message':
        if (!msg.transactional && msg.prefix === this.opts.markerPrefix && msg.messageLsn && this.open === null) {
          this.handler.onPosition(parseLsn(msg.messageLsn));
        }
        return;
      case 'origin':
      case 'type':
        return;
    }
  }

  private push(change: StreamChange): void {
    if (this.open === null) throw new Error('row change outside a transaction');
    this.open.push(change);
  }

  private relation(oid: number) {
    const rel = this.shapes.get(oid);
    if (!rel) throw new Error(`row change for unknown relation ${oid}`);
    return rel;
  }

  private onRelation(msg: Pgoutput.MessageRelation): void {
    // Keep values as PostgreSQL's text: the library would otherwise parse them with
    // pg's global type parsers (timestamps as JS Date, losing microseconds).
    for (const c of msg.columns) c.parser = identity;
    const columns = msg.columns.map((c) => ({ name: c.name, type: typeFromOid(c.typeOid, c.typeMod) }));
    const shape: RelationShape = {
      id: String(msg.relationOid),
      schema: msg.schema,
      name: msg.name,
      columns,
      replicaIdentity: msg.replicaIdentity,
    };
    const names = columns.map((c) => c.name);
    const types = columns.map((c) => c.type);
    const decode = (t: RawTuple): Row | null => {
      const row = new Array<unknown>(names.length);
      for (let i = 0; i < names.length; i++) {
        const raw = t[names[i]!];
        if (raw === undefined) return null; // unchanged TOAST value we were not sent
        row[i] = raw === null ? null : decodeText(raw as string, types[i]!);
      }
      return row as Row;
    };
    this.shapes.set(msg.relationOid, { shape, decode });
  }
}
