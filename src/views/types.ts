/**
 * The view engine's boundary: what goes in (source transactions as weighted
 * row changes) and what comes out (consolidated, rendered row changes keyed
 * by a stable row key). Nothing here does I/O.
 */
import type { Row, SqlType } from '../values/types.ts';
import type { PlanNode } from './plan.ts';

/** A column of a table or of a view's output. */
export interface Column {
  readonly name: string;
  readonly type: SqlType;
}

/** A source table as resolved in the source database. */
export interface TableInfo {
  /** Stable identifier of the source table, namespaced by source (PostgreSQL: `pg:<relation OID>`, e.g. "pg:16384"). */
  readonly id: string;
  readonly schema: string;
  readonly name: string;
  /** Columns in the order rows are delivered in (attnum order, dropped columns skipped). */
  readonly columns: readonly Column[];
  /** Indices into `columns` of the primary key (or replica-identity index); empty when the table has none. */
  readonly primaryKey: readonly number[];
}

/**
 * Looks up tables for the compiler. `schema` is null for an unqualified name,
 * which resolves as the source's search_path would. Resolves to undefined when
 * no such table exists.
 */
export interface TableCatalog {
  lookup(schema: string | null, name: string): Promise<TableInfo | undefined>;
  /** Every table it can resolve, when it can tell (GET /v1/sources). */
  list?(): Promise<{ schema: string; name: string }[]>;
}

/** The views a view may read by name: their CREATE MATERIALIZED VIEW statements. */
export interface ViewCatalog {
  lookup(name: string): string | undefined;
}

/** Settings of the source database that change SQL semantics. */
export interface SqlSettings {
  /** lc_ctype of the source database is C/POSIX: lower/upper/ILIKE touch ASCII only. */
  readonly asciiCaseMapping: boolean;
  /** datcollate of the source database is C/POSIX: text ordering (<, >, BETWEEN) is code point order. Otherwise text ordering comparisons are refused as unsupported. */
  readonly cCollation: boolean;
}

/**
 * One row change of a source transaction. An UPDATE arrives as a delete of the
 * old row followed by an insert of the new one. `row` is in TableInfo.columns order.
 * `table` is the TableInfo.id of the changed table.
 */
export type SourceChange =
  | { readonly kind: 'insert' | 'delete'; readonly table: string; readonly row: Row }
  | { readonly kind: 'truncate'; readonly table: string };

/** One output change; rows are rendered JSON objects (renderRow), keys are canonical row keys. */
export type ViewChange =
  | { readonly op: 'insert'; readonly key: string; readonly row: string }
  | { readonly op: 'update'; readonly key: string; readonly old: string; readonly row: string }
  | { readonly op: 'delete'; readonly key: string; readonly row: string };

/**
 * The effect of one source transaction on a view.
 * `reset`: the view's previous content is removed first (TRUNCATE of a source
 * the view depends on entirely); the deleted rows are known only to storage.
 * `changes` hold at most one change per key and never an insert/delete pair that cancels.
 */
export interface ViewDelta {
  readonly reset: boolean;
  readonly changes: readonly ViewChange[];
  /**
   * Changes to the view's durable operator state (stateful views only; see CompiledView.restore):
   * may be non-empty while `changes` is empty (an input row that changes no output row).
   */
  readonly state: readonly StateChange[];
}

/**
 * One entry of a stateful view's durable state: the input rows its operators were fed, so that
 * they can be rebuilt after a restart without reading a snapshot. `value` null removes the entry.
 */
export interface StateChange {
  readonly field: string;
  readonly value: string | null;
}

/** A compiled, running view: a pure dataflow from source changes to output changes. */
export interface CompiledView {
  /** Normalised view name (lower-cased unless it was quoted). */
  readonly name: string;
  /** The CREATE MATERIALIZED VIEW statement as given. */
  readonly sql: string;
  /** The SELECT part, usable verbatim against PostgreSQL (oracle tests, backfill). */
  readonly selectSql: string;
  /** Output columns with PostgreSQL's names and types. */
  readonly columns: readonly Column[];
  /** Output column names that form the row key when all of them are visible; [] when the key is internal. */
  readonly key: readonly string[];
  /** Tables the view reads (each exactly once), also through the views it reads. */
  readonly sources: readonly TableInfo[];
  /**
   * Per source (TableInfo id): the indices of the columns the view reads — named in its
   * expressions, expanded from `*`, or identifying rows (the primary key; every column of a table
   * without one). A value it cannot decode in another column does not concern it.
   */
  readonly reads: ReadonlyMap<string, ReadonlySet<number>>;
  /** Names of the other views it reads (directly or through them). */
  readonly dependsOn: readonly string[];
  /** The bound plan the operators were built from (queries look into it for key lookups). */
  readonly plan: PlanNode;
  /**
   * The view keeps operator state between transactions (joins, aggregates, duplicate rows): its
   * deltas carry StateChanges to persist with the rows, and `restore` rebuilds it.
   */
  readonly stateful: boolean;
  /**
   * Feed one source transaction (changes to tables the view does not read are ignored).
   * Returns null when the view does not change. Pure and synchronous.
   * Throws SqlRuntimeError when evaluation fails as PostgreSQL's query would.
   */
  step(changes: readonly SourceChange[]): ViewDelta | null;
  /**
   * The view's content over empty inputs, before any step (a global aggregate's one row); null
   * when it is empty. Call once, first, on a fresh view that is backfilled.
   */
  initialize(): ViewDelta | null;
  /**
   * Rebuilds a stateful view's operator state from its persisted StateChange entries (field,
   * value), as of the position its stored rows reflect; produces no output. Call once on a fresh
   * compile, instead of initialize and backfill.
   */
  restore(entries: Iterable<readonly [string, string]>): void;
}
