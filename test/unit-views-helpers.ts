/**
 * Shared helpers for the view engine's unit tests: an in-memory catalog, and
 * a harness that applies ViewDeltas to a keyed map while checking the
 * ViewDelta invariants.
 */
import assert from 'node:assert/strict';
import { parseTypeName } from '../src/values/index.ts';
import type { Row } from '../src/values/types.ts';
import { compileView } from '../src/views/index.ts';
import type { CompiledView, SourceChange, SqlSettings, TableCatalog, TableInfo, ViewDelta } from '../src/views/types.ts';

export const C_SETTINGS: SqlSettings = { asciiCaseMapping: true, cCollation: true };

/** A TableInfo from `[name, sql type]` pairs; `pk` names the key columns. */
export function table(name: string, cols: [string, string][], pk: string[], id = `oid-${name}`, schema = 'public'): TableInfo {
  const columns = cols.map(([n, t]) => ({ name: n, type: parseTypeName(t) }));
  return {
    id,
    schema,
    name,
    columns,
    primaryKey: pk.map((k) => {
      const i = cols.findIndex(([n]) => n === k);
      assert.ok(i >= 0, `no column ${k}`);
      return i;
    }),
  };
}

/** A catalog over a fixed list of tables (search_path = public). */
export function catalog(...tables: TableInfo[]): TableCatalog {
  return {
    lookup: async (schema, name) => tables.find((t) => t.name === name && (schema === null ? t.schema === 'public' : t.schema === schema)),
  };
}

/** The view's content: key → rendered row. */
export type ViewState = Map<string, string>;

/** Applies a delta, asserting its invariants (never empty, at most one change per key, update/delete only for present keys with the right old row, insert only for absent keys). */
export function applyDelta(state: ViewState, delta: ViewDelta | null): void {
  if (delta === null) return;
  assert.ok(delta.reset || delta.changes.length > 0 || delta.state.length > 0, 'a delta is never empty');
  if (delta.reset) state.clear();
  const keys = new Set<string>();
  for (const c of delta.changes) {
    assert.ok(!keys.has(c.key), `two changes for key ${c.key}`);
    keys.add(c.key);
    switch (c.op) {
      case 'insert':
        assert.ok(!state.has(c.key), `insert of present key ${c.key}`);
        state.set(c.key, c.row);
        break;
      case 'update':
        assert.equal(state.get(c.key), c.old, `update of key ${c.key}: old row differs`);
        assert.notEqual(c.old, c.row, 'update that changes nothing');
        state.set(c.key, c.row);
        break;
      case 'delete':
        assert.equal(state.get(c.key), c.row, `delete of key ${c.key}: row differs`);
        state.delete(c.key);
        break;
    }
  }
}

/** Evaluates a view from scratch: a fresh compile fed every current row as an insert. */
export async function fromScratch(sql: string, cat: TableCatalog, rows: Map<string, Row[]>, settings = C_SETTINGS): Promise<ViewState> {
  const view = await compileView(sql, cat, settings);
  const changes: SourceChange[] = [];
  for (const [tableId, list] of rows) for (const row of list) changes.push({ kind: 'insert', table: tableId, row });
  const state: ViewState = new Map();
  applyDelta(state, view.initialize());
  applyDelta(state, view.step(changes));
  return state;
}

/** Convenience: compile with C settings. */
export function compile(sql: string, cat: TableCatalog, settings = C_SETTINGS): Promise<CompiledView> {
  return compileView(sql, cat, settings);
}

export { rng } from './harness/rng.ts';
