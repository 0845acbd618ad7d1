/**
 * Final consolidation of a view's weighted output into a ViewDelta: rows are
 * rendered (renderRow), weights summed per (key, rendered row); per key a
 * remaining retraction and insertion become one `update` (several updates
 * of a row within a transaction collapse into one), a lone retraction a
 * `delete`, a lone insertion an `insert`; pairs that cancel vanish.
 */
import { assert } from '../errors.ts';
import { renderRow } from '../values/index.ts';
import type { Batch } from './operators.ts';
import type { Column, StateChange, ViewChange, ViewDelta } from './types.ts';

/**
 * Consolidates a transaction's output. Returns null when nothing changes,
 * there is no reset and no state change. Asserts the output is consistent with a keyed view: per
 * key at most one row leaves and one row arrives (and none leaves after a reset).
 */
export function toViewDelta(
  batch: Batch | null,
  reset: boolean,
  columns: readonly Column[],
  state: readonly StateChange[] = [],
): ViewDelta | null {
  const changes: ViewChange[] = [];
  if (batch !== null) {
    // Most keys see one row in a transaction: keep that one inline and allocate a
    // per-key map only when a second, different rendering of the same key arrives.
    const byKey = new Map<string, KeyAcc>();
    for (const c of batch) {
      const rendered = renderRow(c.row, columns);
      const acc = byKey.get(c.key);
      if (acc === undefined) byKey.set(c.key, { first: rendered, weight: c.weight, more: null });
      else if (acc.more === null && acc.first === rendered) acc.weight += c.weight;
      else {
        acc.more ??= new Map([[acc.first, acc.weight]]);
        acc.more.set(rendered, (acc.more.get(rendered) ?? 0) + c.weight);
      }
    }
    for (const [key, acc] of byKey) {
      let old: string | null = null;
      let row: string | null = null;
      const rows: Iterable<[string, number]> = acc.more ?? [[acc.first, acc.weight]];
      for (const [rendered, w] of rows) {
        if (w === 0) continue;
        assert(w === 1 || w === -1, `view row ${key} has weight ${w} after a transaction`);
        if (w === -1) {
          assert(old === null, `view row ${key} removed twice in one transaction`);
          old = rendered;
        } else {
          assert(row === null, `view row ${key} inserted twice in one transaction`);
          row = rendered;
        }
      }
      assert(!(reset && old !== null), `view row ${key} removed after a reset`);
      if (old !== null && row !== null) changes.push({ op: 'update', key, old, row });
      else if (old !== null) changes.push({ op: 'delete', key, row: old });
      else if (row !== null) changes.push({ op: 'insert', key, row });
    }
  }
  if (changes.length === 0 && !reset && state.length === 0) return null;
  return { reset, changes, state };
}

/** Weights of one key's renderings within a transaction. */
interface KeyAcc {
  first: string;
  weight: number;
  more: Map<string, number> | null;
}
