/**
 * The uniform change stream every source produces: whole transactions in
 * commit order, each carrying the position that commits it.
 */
import type { Column } from '../views/types.ts';
import type { Row } from '../values/types.ts';

/** The shape of a source relation as the stream describes it (changes after ALTER TABLE carry a new shape). */
export interface RelationShape {
  /** Same identifier as TableInfo.id (PostgreSQL: relation OID). */
  readonly id: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
  /** pgoutput replica identity: updates/deletes carry the whole old row only with 'full'. */
  readonly replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
}

/** One row change; an update is a delete of the old row then an insert of the new one. */
export type StreamChange =
  | { readonly kind: 'insert' | 'delete'; readonly relation: RelationShape; readonly row: Row }
  | { readonly kind: 'truncate'; readonly relation: RelationShape }
  /** An update or delete whose old row the source did not send (replica identity not FULL). */
  | { readonly kind: 'missing_old'; readonly relation: RelationShape };

/** One committed source transaction. Positions are 64-bit LSNs. */
export interface SourceTx {
  /** LSN of the commit record. */
  readonly commitLsn: bigint;
  /** LSN just past the commit record: the transaction is reflected once a view's position is >= endLsn. */
  readonly endLsn: bigint;
  readonly changes: readonly StreamChange[];
}
