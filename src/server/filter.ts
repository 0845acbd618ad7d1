/**
 * Filtered subscriptions (`?where=`): what a subscriber sees of a view through
 * a predicate over its columns. Snapshot rows are kept when they match; in a
 * diff, a row that starts matching arrives as `insert`, one that stops as
 * `delete`, one that keeps matching as `update`, and a diff with nothing left
 * is not sent. Rows are read back from their stored JSON (`to_jsonb` form)
 * with the view's column types, so the predicate sees exactly the values.
 */
import type { DiffEvent } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { jsonValueEnd } from '../values/json-fields.ts';
import { jsonRowReader } from '../values/json-input.ts';
import type { Row } from '../values/types.ts';
import { equalityKey } from '../values/index.ts';
import type { Column } from '../views/types.ts';
import { compileFilter } from '../views/predicate.ts';

/** The filter `where` puts on a view's rows; a SqlError when it is bad. */
export function viewFilter(pipeline: ViewReader, view: string, where: string): RowFilter {
  const columns = pipeline.columns(view);
  const f = compileFilter(where, columns, pipeline.sqlSettings());
  return new RowFilter(jsonRowReader(columns), f.matches, f.index === null ? null : { column: f.index.column, keys: new Set(f.index.values.map((v) => equalityKey([v], [columns[f.index!.column]!.type]))) });
}

/** One change of a diff, its parts as the JSON texts they are in the diff. */
export interface RawChange {
  readonly op: string;
  /** The key as a JSON string token. */
  readonly key: string;
  readonly old: string | null;
  readonly row: string;
}

export class RowFilter {
  private readonly cache = new Map<string, boolean>();

  constructor(
    private readonly read: (rowJson: string) => Row,
    private readonly predicate: (row: Row) => boolean,
    /** A row can match only if this column's value (equality key) is one of `keys`. */
    readonly index: { readonly column: number; readonly keys: ReadonlySet<string> } | null = null,
  ) {}

  /** Whether a stored row matches. */
  matches(rowJson: string): boolean {
    let m = this.cache.get(rowJson);
    if (m === undefined) {
      m = this.predicate(this.read(rowJson));
      // rows of one diff are asked about again (old of the next update): keep the last few answers
      if (this.cache.size > 64) this.cache.clear();
      this.cache.set(rowJson, m);
    }
    return m;
  }

  /** A diff's changes as this subscriber sees them. */
  see(changes: readonly RawChange[]): RawChange[] {
    const out: RawChange[] = [];
    for (const c of changes) {
      if (c.op === 'insert' || c.op === 'delete') {
        if (this.matches(c.row)) out.push(c);
      } else {
        const was = c.old !== null && this.matches(c.old);
        const is = this.matches(c.row);
        if (was && is) out.push(c);
        else if (is) out.push({ op: 'insert', key: c.key, old: null, row: c.row });
        else if (was) out.push({ op: 'delete', key: c.key, old: null, row: c.old! });
      }
    }
    return out;
  }

  /** A diff's changes as this subscriber sees them (a JSON array text), or null when none are left. */
  diff(changes: readonly RawChange[]): string | null {
    const seen = this.see(changes);
    return seen.length === 0 ? null : renderRawChanges(seen);
  }
}

/** Changes as the JSON array a diff frame carries. */
export function renderRawChanges(changes: Iterable<RawChange>): string {
  const out: string[] = [];
  for (const c of changes) out.push(c.op === 'update' ? `{"op":"update","key":${c.key},"old":${c.old},"row":${c.row}}` : `{"op":"${c.op}","key":${c.key},"row":${c.row}}`);
  return `[${out.join(',')}]`;
}

/**
 * Folds change `c` into `held`, the changes by key that take a subscriber from the state it has to
 * the state before `c`: afterwards they take it to the state after `c` (one change per key, none
 * for a key that ends as it began).
 */
export function coalesce(held: Map<string, RawChange>, c: RawChange): void {
  const h = held.get(c.key);
  if (h === undefined) {
    held.set(c.key, c);
    return;
  }
  // the key's state before `h` (null: absent) and after `c`
  const before = h.op === 'insert' ? null : h.op === 'update' ? h.old : h.row;
  const after = c.op === 'delete' ? null : c.row;
  if (before === after) held.delete(c.key);
  else if (before === null) held.set(c.key, { op: 'insert', key: c.key, old: null, row: after! });
  else if (after === null) held.set(c.key, { op: 'delete', key: c.key, old: null, row: before });
  else held.set(c.key, { op: 'update', key: c.key, old: before, row: after });
}

/** A diff's changes split once, however many filtered subscribers read them. */
const splitDiffs = new WeakMap<DiffEvent, RawChange[]>();
export function parsedChanges(e: DiffEvent): RawChange[] {
  let c = splitDiffs.get(e);
  if (c === undefined) {
    c = rawChanges(e.changes);
    splitDiffs.set(e, c);
  }
  return c;
}

/** Splits a diff's changes (the JSON array the runtime and the diff log hold) into their raw parts. */
export function rawChanges(text: string): RawChange[] {
  const out: RawChange[] = [];
  let i = skipWs(text, 0);
  if (text[i] !== '[') throw new Error('a diff is not a JSON array');
  i = skipWs(text, i + 1);
  if (text[i] === ']') return out;
  for (;;) {
    if (text[i] !== '{') throw new Error('a diff change is not a JSON object');
    i++;
    const f: Record<string, string> = {};
    for (;;) {
      i = skipWs(text, i);
      const keyEnd = spanEnd(text, i);
      const name = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipWs(text, keyEnd);
      if (text[i] !== ':') throw new Error('malformed diff change');
      i = skipWs(text, i + 1);
      const end = spanEnd(text, i);
      f[name] = text.slice(i, end);
      i = skipWs(text, end);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] !== '}') throw new Error('malformed diff change');
      i++;
      break;
    }
    out.push({ op: JSON.parse(f.op ?? '""') as string, key: f.key ?? '""', old: f.old ?? null, row: f.row ?? 'null' });
    i = skipWs(text, i);
    if (text[i] === ',') {
      i = skipWs(text, i + 1);
      continue;
    }
    if (text[i] !== ']') throw new Error('malformed diff');
    return out;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
  return i;
}

function spanEnd(text: string, i: number): number {
  const end = jsonValueEnd(text, i);
  if (end < 0) throw new Error('unterminated JSON value in a diff');
  return end;
}

/**
 * A view's subscribers, indexed by what their filters pin down (`column = k`, `column IN (…)`): a
 * change reaches only the subscribers whose keys its old or new row holds, plus those whose filter
 * (or lack of one) cannot be indexed. So 10,000 subscribers filtering on distinct tenants cost about
 * what one does per change. Subscribers not reached would have seen nothing of the change.
 */
export class SubscriberIndex<S extends { readonly filter: RowFilter | null }> {
  private readonly plain = new Set<S>();
  /** column → equality key → subscribers */
  private readonly byColumn = new Map<number, Map<string, Set<S>>>();
  private indexed = 0;
  /** The view's columns and their reader, once a diff needs them (a view's columns never change). */
  private reader: { columns: readonly Column[]; read: (json: string) => Row } | null = null;

  constructor(private readonly columns: () => readonly Column[]) {}

  get size(): number {
    return this.plain.size + this.indexed;
  }

  add(s: S): void {
    const ix = s.filter?.index ?? null;
    if (ix === null) {
      this.plain.add(s);
      return;
    }
    let byKey = this.byColumn.get(ix.column);
    if (byKey === undefined) this.byColumn.set(ix.column, (byKey = new Map()));
    for (const k of ix.keys) {
      let set = byKey.get(k);
      if (set === undefined) byKey.set(k, (set = new Set()));
      set.add(s);
    }
    this.indexed++;
  }

  delete(s: S): void {
    if (this.plain.delete(s)) return;
    const ix = s.filter?.index ?? null;
    if (ix === null) return;
    const byKey = this.byColumn.get(ix.column);
    let found = false;
    for (const k of ix.keys) {
      const set = byKey?.get(k);
      if (set?.delete(s)) found = true;
      if (set?.size === 0) byKey!.delete(k);
    }
    if (found) this.indexed--;
  }

  all(): S[] {
    const out = new Set<S>(this.plain);
    for (const byKey of this.byColumn.values()) for (const set of byKey.values()) for (const s of set) out.add(s);
    return [...out];
  }

  /** The subscribers a diff can concern. */
  reached(changes: () => readonly RawChange[]): Iterable<S> {
    if (this.indexed === 0) return this.plain;
    const out = new Set<S>(this.plain);
    if (this.reader === null) {
      const columns = this.columns();
      this.reader = { columns, read: jsonRowReader(columns) };
    }
    const { columns, read } = this.reader;
    for (const c of changes()) {
      for (const json of c.old === null ? [c.row] : [c.row, c.old]) {
        const row = read(json);
        for (const [col, byKey] of this.byColumn) {
          const v = row[col] ?? null;
          if (v === null) continue;
          const set = byKey.get(equalityKey([v], [columns[col]!.type]));
          if (set !== undefined) for (const s of set) out.add(s);
        }
      }
    }
    return out;
  }
}
