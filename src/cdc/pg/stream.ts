/**
 * The PostgreSQL change stream: pgoutput over a logical replication slot,
 * assembled into whole transactions in commit order.
 *
 * Delivery is at-least-once from the positions the consumer reports: the slot
 * is acknowledged only up to `handler.ackLsn()` (heartbeats are answered with
 * it), and a dropped connection is re-subscribed (with backoff) from
 * `handler.resumeLsn()`. Consumers skip transactions they have already applied
 * (endLsn <= their position), which makes the whole exactly-once.
 */
import { LogicalReplicationService } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import { typeFromOid } from '../../values/index.ts';
import type { SqlType } from '../../values/types.ts';
import type { RelationShape, SourceTx, StreamChange } from '../types.ts';
import { clientConfig, relationId } from './connection.ts';
import { formatLsn, parseLsn } from './lsn.ts';
import { RowsPlugin, TupleReader, type RowMessage } from './row-messages.ts';

/** What the stream calls; all callbacks are synchronous and run in stream order. */
export interface StreamHandler {
  /** One whole committed transaction. */
  onTransaction(tx: SourceTx): void;
  /** Every transaction with endLsn <= lsn has been delivered (keepalives, position markers). */
  onPosition(lsn: bigint): void;
  /** The connection failed; the stream reconnects by itself and re-delivers from resumeLsn(). */
  onDisconnect(err: Error): void;
  /** Where a (re)connection starts streaming: everything before it is applied and stored. */
  resumeLsn(): bigint;
  /** How far the slot may be acknowledged: nothing before it will ever be needed again. */
  ackLsn(): bigint;
  /**
   * The columns (by name) some view reads of a relation, null when no view reads it: only those
   * are decoded (the others are NULL) and a relation nobody reads is skipped. Asked again after
   * `readsChanged`; without it every column of every relation is decoded.
   */
  columnsRead?(relationId: string): ReadonlySet<string> | null;
}

export interface PgStreamOptions {
  readonly url: string;
  readonly slot: string;
  readonly publication: string;
  /** Prefix of pg_logical_emit_message markers that report positions. */
  readonly markerPrefix: string;
  readonly log: (msg: string) => void;
}

/** A relation as the stream last described it, and the reader of its tuples for the current reads. */
interface KnownRelation {
  readonly shape: RelationShape;
  readonly types: readonly SqlType[];
  reader: TupleReader | null;
  readsVersion: number;
}

export class PgChangeStream {
  private service: LogicalReplicationService | null = null;
  private readonly plugin: RowsPlugin;
  private readonly shapes = new Map<number, KnownRelation>();
  private readsVersion = 0;
  private open: StreamChange[] | null = null;
  private stopping = false;
  private backoffMs = 100;
  private statusTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private lastAcked = -1n;
  /** The pending start() call, settled by the first successful subscription (or failure without retry). */
  private waiting: { resolve: () => void; reject: (e: Error) => void; retry: boolean } | null = null;

  constructor(
    private readonly opts: PgStreamOptions,
    private readonly handler: StreamHandler,
  ) {
    this.plugin = new RowsPlugin({ protoVersion: 1, publicationNames: [opts.publication], messages: true }, (oid) => this.readerFor(oid));
  }

  /**
   * The columns views read have changed (a view was added, recompiled or removed). A view added
   * now only takes transactions committed after its snapshot, which is opened after this call,
   * so no transaction it takes was decoded for the reads before.
   */
  readsChanged(): void {
    this.readsVersion++;
  }

  private readerFor(oid: number): TupleReader | undefined {
    const rel = this.shapes.get(oid);
    if (rel === undefined) return undefined;
    if (rel.reader === null || rel.readsVersion !== this.readsVersion) {
      const read = this.handler.columnsRead === undefined ? undefined : this.handler.columnsRead(rel.shape.id);
      const wanted = read === null ? null : rel.shape.columns.map((c) => read === undefined || read.has(c.name));
      rel.reader = new TupleReader(rel.types, wanted);
      rel.readsVersion = this.readsVersion;
    }
    return rel.reader;
  }

  /**
   * Starts streaming from the handler's resume position; resolves once the server streams.
   * With `retry`, failures are retried with backoff until it streams (or `stop`); without, the
   * first failure rejects (start-up should fail loudly). Either way, once streaming, a dropped
   * connection reconnects by itself.
   */
  async start(retry = false): Promise<void> {
    if (this.service || this.reconnectTimer || this.waiting) throw new Error('change stream already started');
    this.stopping = false;
    await new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject, retry };
      this.connect();
    });
    this.statusTimer ??= setInterval(() => this.sendStatus(false), 5000);
    this.statusTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.statusTimer = null;
    this.reconnectTimer = null;
    this.waiting?.reject(new Error('change stream stopped'));
    this.waiting = null;
    const svc = this.service;
    this.service = null;
    this.open = null;
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
    // Events of a connection that has been replaced or stopped are ignored: two live
    // subscriptions feeding one transaction buffer would corrupt it.
    const current = () => this.service === svc && !this.stopping;
    let failed = false;
    const fail = (err: Error) => {
      if (failed || !current()) return;
      failed = true;
      this.service = null;
      this.open = null;
      void svc.destroy().catch(() => {});
      const w = this.waiting;
      if (w && !w.retry) {
        this.waiting = null;
        w.reject(err);
        return;
      }
      this.opts.log(`replication stream failed: ${err.message}; reconnecting in ${this.backoffMs} ms from ${formatLsn(this.handler.resumeLsn())}`);
      this.handler.onDisconnect(err);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (!this.stopping) this.connect();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    };
    svc.on('start', () => {
      if (!current()) return;
      this.paused = false;
      const w = this.waiting;
      this.waiting = null;
      w?.resolve();
    });
    svc.on('error', (err: Error) => fail(err));
    svc.on('data', (_lsn: string, msg: Pgoutput.Message) => {
      if (!current()) return;
      try {
        this.onMessage(msg);
      } catch (err) {
        fail(err as Error);
      }
    });
    svc.on('heartbeat', (lsn: string, _ts: number, shouldRespond: boolean) => {
      if (!current()) return;
      if (this.open === null) this.handler.onPosition(parseLsn(lsn));
      if (shouldRespond) this.sendStatus(true);
    });
    svc
      .subscribe(this.plugin, this.opts.slot, formatLsn(this.handler.resumeLsn()))
      .then(
        () => fail(new Error('replication stream ended')),
        (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
      );
  }

  private sendStatus(force: boolean, svc = this.service): void {
    if (!svc) return;
    const ack = this.handler.ackLsn();
    if (!force && ack === this.lastAcked) return;
    this.lastAcked = ack;
    // acknowledge(x) reports x+1 as flushed; the slot must resume exactly at `ack`. With nothing
    // to acknowledge yet, 0/1 still answers the keepalive (PostgreSQL never moves a slot back).
    void svc.acknowledge(formatLsn(ack > 0n ? ack - 1n : 0n)).catch(() => {});
  }

  private onMessage(msg: Pgoutput.Message): void {
    switch (msg.tag) {
      case 'begin':
        this.open = [];
        return;
      case 'relation':
        this.onRelation(msg);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        // RowsPlugin reads every row message of a relation it has seen described
        throw new Error(`row change for unknown relation ${msg.relation.relationOid}`);
      case 'rows' as Pgoutput.Message['tag']:
        this.onRows(msg as unknown as RowMessage);
        return;
      case 'truncate':
        for (const r of msg.relations) this.push({ kind: 'truncate', relation: this.relation(r.relationOid).shape });
        return;
      case 'commit': {
        const changes = this.open ?? [];
        this.open = null;
        if (!msg.commitLsn || !msg.commitEndLsn) throw new Error('commit message without LSNs');
        this.backoffMs = 100;
        this.handler.onTransaction({ commitLsn: parseLsn(msg.commitLsn), endLsn: parseLsn(msg.commitEndLsn), changes, commitTimeMs: Number(BigInt(msg.commitTime as bigint) / 1000n) });
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

  private onRows(m: RowMessage): void {
    if (m.skipped) return;
    const shape = this.relation(m.relationOid).shape;
    if (m.op === 'insert') {
      this.push(m.new ? { kind: 'insert', relation: shape, ...m.new } : { kind: 'missing_old', relation: shape });
      return;
    }
    if (!m.old || (m.op === 'update' && !m.new)) {
      this.push({ kind: 'missing_old', relation: shape });
      return;
    }
    this.push({ kind: 'delete', relation: shape, ...m.old });
    if (m.op === 'update') this.push({ kind: 'insert', relation: shape, ...m.new! });
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
    const columns = msg.columns.map((c) => ({ name: c.name, type: typeFromOid(c.typeOid, c.typeMod) }));
    const shape: RelationShape = {
      id: relationId(msg.relationOid),
      schema: msg.schema,
      name: msg.name,
      columns,
      replicaIdentity: msg.replicaIdentity,
    };
    this.shapes.set(msg.relationOid, { shape, types: columns.map((c) => c.type), reader: null, readsVersion: -1 });
  }
}
