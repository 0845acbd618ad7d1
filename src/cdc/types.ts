/**
 * What every change source gives the runtime: a catalog of its relations, an
 * ordered stream of whole transactions, consistent snapshots for backfills,
 * and acknowledgement of what storage has made durable. PostgreSQL
 * (src/cdc/pg) is the first implementation.
 *
 * Positions are opaque to the runtime except for their total order within one
 * source (PostgreSQL: 64-bit LSNs). Relation ids are namespaced by source
 * (`pg:16384`), so views over several sources never confuse their tables.
 */
import type { Column, SqlSettings, TableCatalog, TableInfo } from '../views/types.ts';
import type { Row } from '../values/types.ts';

/** A position in one source's stream (PostgreSQL: an LSN). Only the order is meaningful to the runtime. */
export type Position = bigint;

/** The shape of a source relation as the stream describes it (changes after ALTER TABLE carry a new shape). */
export interface RelationShape {
  /** Same identifier as TableInfo.id (namespaced: `pg:<relation OID>`). */
  readonly id: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
  /** pgoutput replica identity: updates/deletes carry the whole old row only with 'full'. */
  readonly replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
}

/** A value of a row the source could not decode: the row holds NULL there. */
export interface PoisonedValue {
  /** Index into the relation shape's columns. */
  readonly index: number;
  /** The decoding error, in PostgreSQL's words. */
  readonly message: string;
}

/** One row change; an update is a delete of the old row then an insert of the new one. */
export type StreamChange =
  | { readonly kind: 'insert' | 'delete'; readonly relation: RelationShape; readonly row: Row; readonly poisoned?: readonly PoisonedValue[] }
  | { readonly kind: 'truncate'; readonly relation: RelationShape }
  /** An update or delete whose old row the source did not send (replica identity not FULL). */
  | { readonly kind: 'missing_old'; readonly relation: RelationShape };

/** One committed source transaction. */
export interface SourceTx {
  /** Position of the commit record. */
  readonly commitLsn: Position;
  /** Position just past the commit: the transaction is reflected once a view's position is >= endLsn. */
  readonly endLsn: Position;
  readonly changes: readonly StreamChange[];
  /** When the source committed it (ms since the epoch), when the source says. */
  readonly commitTimeMs?: number;
}

/** What a source calls; all callbacks are synchronous and run in stream order. */
export interface SourceHandler {
  /** One whole committed transaction. */
  onTransaction(tx: SourceTx): void;
  /** Every transaction ending at or before `position` has been delivered (keepalives, markers). */
  onPosition(position: Position): void;
  /** Where a (re)connection starts streaming: everything before it is applied and stored. */
  resumePosition(): Position;
  /** How far the source may forget its history: nothing before it will ever be needed again. */
  ackPosition(): Position;
  /**
   * The columns (by name) some view reads of a relation, null when none does: a source may
   * leave the other columns NULL and skip the changes of relations nobody reads. Asked again
   * after `Source.readsChanged`.
   */
  columnsRead?(relationId: string): ReadonlySet<string> | null;
}

/** A consistent snapshot of a source's relations, for backfills. */
export interface SourceSnapshot {
  /** The consistent point: the snapshot reflects every transaction ending at or before it. */
  readonly position: Position;
  /**
   * Reads a whole relation as of the snapshot, in batches. With `reads`, only those columns
   * (indices) are read; the others are NULL in the rows.
   */
  readTable(table: TableInfo, batchSize: number, onBatch: (rows: Row[]) => Promise<void> | void, reads?: ReadonlySet<number>): Promise<number>;
  /** Approximate row count, for progress reports. */
  estimateRows(table: TableInfo): Promise<number>;
  close(): Promise<void>;
}

/** What a durable catalog holds (see DurableCatalog). */
export interface DurableRecord {
  /** The stored view definitions, as put. */
  readonly views: readonly unknown[];
  /** The stored Kafka source declarations, as put. */
  readonly sources: readonly unknown[];
  /** The identity of the storage data set the views were last written to; null before the first. */
  readonly epoch: string | null;
  /** The last checkpoint known to be stored in that data set. */
  readonly checkpoint: Position | null;
}

/**
 * Storage that survives the loss of Redis (PostgreSQL: a small schema in the source database):
 * view definitions and Kafka source declarations, and an epoch with the last stored checkpoint, so that the runtime can tell
 * Redis lost its data or came back from an older backup.
 */
export interface DurableCatalog {
  load(): Promise<DurableRecord>;
  putView(name: string, def: unknown): Promise<void>;
  deleteView(name: string): Promise<void>;
  putSource(name: string, def: unknown): Promise<void>;
  deleteSource(name: string): Promise<void>;
  /** A new data set: its epoch, no checkpoint yet. */
  setEpoch(epoch: string): Promise<void>;
  /** Raises the epoch's stored checkpoint (never lowers it). */
  setCheckpoint(epoch: string, position: Position): Promise<void>;
}

/**
 * A change source. Delivery is at-least-once from `handler.resumePosition()`: after a reconnect
 * or restart, transactions already applied may arrive again (consumers skip them by position);
 * none is ever skipped.
 */
export interface Source {
  /** Namespace of its relation ids and key of its checkpoint. */
  readonly id: string;
  /** Resolves relation names for the view compiler. */
  readonly catalog: TableCatalog;
  /** A position as people read it in logs and the API (PostgreSQL: `0/16B3748`). */
  formatPosition(p: Position): string;
  /** Settings of the source that change SQL semantics (collation, case mapping); valid after `prepare`. */
  settings(): SqlSettings;
  /**
   * Checks and creates what the source needs; `historyLost` when its history was lost (a new
   * slot), so nothing stored can be resumed; `confirmed`, how far the source was told it may
   * forget (a stored position behind it cannot be resumed either).
   */
  prepare(): Promise<{ readonly historyLost: boolean; readonly confirmed: Position | null }>;
  /** Where view definitions and storage epochs survive the loss of Redis, when the source offers it. */
  readonly durable?: DurableCatalog;
  /**
   * Makes a relation's changes flow (and complete: old rows of updates and deletes). True when
   * they did not before: changes made until now may be missing from the stream.
   */
  includeRelation(table: TableInfo): Promise<boolean>;
  /** Starts streaming to `handler`; resolves once streaming. */
  start(handler: SourceHandler): Promise<void>;
  /** Starts again after `stop` (retrying until it streams). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /**
   * What the views read has changed (handler.columnsRead answers differently). Called before a
   * new view's snapshot is opened: the transactions it takes are decoded for its reads.
   */
  readsChanged?(): void;
  /** Stops reading (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  /** Reports `handler.ackPosition()` to the source now. */
  acknowledgeNow(): void;
  /** Asks the source to prove its current position soon (an onPosition call), even when idle. */
  requestPosition(): void;
  openSnapshot(): Promise<SourceSnapshot>;
  /** Where the source's log stands now and how much of it is retained for this reader (for metrics), when it can tell. */
  logStatus?(): Promise<{ readonly current: Position; readonly retainedBytes: number | null }>;
  close(): Promise<void>;
}
