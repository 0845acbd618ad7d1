/**
 * Filtered subscriptions (`?where=`): what a subscriber sees of a view through
 * a predicate over its columns. Snapshot rows are kept when they match; in a
 * diff, a row that starts matching arrives as `insert`, one that stops as
 * `delete`, one that keeps matching as `update`, and a diff with nothing left
 * is not sent. Rows are read back from their stored JSON (`to_jsonb` form)
 * with the view's column types, so the predicate sees exactly the values.
 */
import type { Pipeline } from '../runtime/pipeline.ts';
import { jsonRowReader } from '../values/json-input.ts';
import type { Row } from '../values/types.ts';
import { compilePredicate } from '../views/predicate.ts';

/** The filter `where` puts on a view's rows; a SqlError when it is bad. */
export function viewFilter(pipeline: Pipeline, view: string, where: string): RowFilter {
  const columns = pipeline.columns(view);
  return new RowFilter(jsonRowReader(columns), compilePredicate(where, columns, pipeline.sqlSettings()));
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

  /** A diff's changes as this subscriber sees them (a JSON array text), or null when none are left. */
  diff(changes: readonly RawChange[]): string | null {
    const out: string[] = [];
    for (const c of changes) {
      if (c.op === 'insert') {
        if (this.matches(c.row)) out.push(`{"op":"insert","key":${c.key},"row":${c.row}}`);
      } else if (c.op === 'delete') {
        if (this.matches(c.row)) out.push(`{"op":"delete","key":${c.key},"row":${c.row}}`);
      } else {
        const was = c.old !== null && this.matches(c.old);
        const is = this.matches(c.row);
        if (was && is) out.push(`{"op":"update","key":${c.key},"old":${c.old},"row":${c.row}}`);
        else if (is) out.push(`{"op":"insert","key":${c.key},"row":${c.row}}`);
        else if (was) out.push(`{"op":"delete","key":${c.key},"row":${c.old}}`);
      }
    }
    return out.length === 0 ? null : `[${out.join(',')}]`;
  }
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
      const keyEnd = valueEnd(text, i);
      const name = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipWs(text, keyEnd);
      if (text[i] !== ':') throw new Error('malformed diff change');
      i = skipWs(text, i + 1);
      const end = valueEnd(text, i);
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

/** The end of the JSON value starting at i (strings, nested objects and arrays skipped whole). */
function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < s.length) {
      const d = s[j];
      if (d === '"') {
        j++;
        while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      } else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new Error('unterminated JSON value in a diff');
  }
  let j = i;
  while (j < s.length && s[j] !== ',' && s[j] !== '}' && s[j] !== ']') j++;
  return j;
}
