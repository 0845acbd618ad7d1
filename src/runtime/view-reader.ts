/**
 * What the serving side (rows, queries over views, subscriptions, filters)
 * needs of the views: their catalog and status, their columns, the position
 * each reflects, waiting for a position, and their diffs as they commit. The
 * Pipeline (an instance that maintains views) provides it; so does the
 * ViewMirror of a gateway instance, from Redis alone.
 */
import type { Position } from '../cdc/types.ts';
import type { Column, SqlSettings } from '../views/types.ts';
import type { PipelineListener, ViewInfo } from './pipeline.ts';

export interface ViewReader {
  list(): ViewInfo[];
  /** Throws not_found for an unknown view. */
  get(name: string): ViewInfo;
  columns(name: string): readonly Column[];
  /** The source database's settings that change SQL semantics (filters and queries compile with them). */
  sqlSettings(): SqlSettings;
  /** The position the view reflects (null while it is not live). */
  reflectedLsn(name: string): Position | null;
  /** Waits until the view is live and reflects `lsn` (0n: just live); false on timeout. */
  waitFor(name: string, lsn: Position, timeoutMs: number): Promise<boolean>;
  addListener(l: PipelineListener): void;
}
