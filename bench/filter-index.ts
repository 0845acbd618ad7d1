/**
 * In process: the per-change cost of 10,000 subscribers with distinct `tenant = k` filters, with the
 * filter index (src/server/filter.ts SubscriberIndex) and with every filter evaluated. `npx tsx bench/filter-index.ts`.
 */
import { equalityKey, parseTypeName } from '../src/values/index.ts';
import { jsonRowReader } from '../src/values/json-input.ts';
import { compileFilter } from '../src/views/predicate.ts';
import { RowFilter, SubscriberIndex, rawChanges } from '../src/server/filter.ts';
const columns = [{ name: 'id', type: parseTypeName('int') }, { name: 'tenant', type: parseTypeName('int') }, { name: 'total', type: parseTypeName('numeric') }];
const settings = { asciiCaseMapping: true, cCollation: true };
const N = 10_000;
const read = jsonRowReader(columns);
const subs = Array.from({ length: N }, (_, k) => {
  const f = compileFilter(`tenant = ${k}`, columns, settings);
  return { filter: new RowFilter(read, f.matches, { column: f.index!.column, keys: new Set(f.index!.values.map((v) => equalityKey([v], [columns[1]!.type]))) }) };
});
const idx = new SubscriberIndex<(typeof subs)[number]>(() => columns);
for (const s of subs) idx.add(s);
const diffs = Array.from({ length: 2000 }, (_, i) => `[{"op":"update","key":"[${i}]","old":{"id":${i},"tenant":${i % N},"total":1.5},"row":{"id":${i},"tenant":${i % N},"total":2.5}}]`);
let t0 = performance.now();
let sent = 0;
for (const d of diffs) {
  const ch = rawChanges(d);
  for (const s of idx.reached(() => ch)) if (s.filter.diff(ch) !== null) sent++;
}
const indexed = (performance.now() - t0) / diffs.length;
t0 = performance.now();
let sent2 = 0;
for (const d of diffs.slice(0, 100)) {
  const ch = rawChanges(d);
  for (const s of subs) if (s.filter.diff(ch) !== null) sent2++;
}
const all = (performance.now() - t0) / 100;
console.log(`10k subscribers, distinct tenant filters: indexed ${(indexed * 1000).toFixed(1)} µs per change (${sent} sends), every filter evaluated ${all.toFixed(1)} ms per change (${sent2} sends over 100)`);
