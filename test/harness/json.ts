/**
 * Lossless JSON for oracle comparisons: numbers keep their exact text, objects
 * are re-serialised with sorted keys, so `{"b": 1.50, "a": 1}` and
 * `{"a":1,"b":1.50}` compare equal and 1.50 never equals 1.5.
 */
import { JNum, parseLossless, type JValue } from '../../src/values/lossless-json.ts';

export { JNum, parseLossless, stringifyLossless, type JValue } from '../../src/values/lossless-json.ts';

/** Canonical text: sorted object keys, numbers as written. */
export function canonical(v: JValue): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof JNum) return `#${v.text}`;
  const o = v as { [k: string]: JValue };
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k]!)}`)
    .join(',')}}`;
}

export function canonicalText(text: string): string {
  return canonical(parseLossless(text));
}

/** Multiset of canonical rows, sorted, for equality checks with readable diffs. */
export function sortedCanonical(rows: readonly string[]): string[] {
  return rows.map(canonicalText).sort();
}
