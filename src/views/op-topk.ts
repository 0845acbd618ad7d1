/**
 * Top-k: ORDER BY … LIMIT n [OFFSET m], per partition when the plan has one
 * (DISTINCT ON is the first row of each partition). Every input row is kept in a sorted
 * list of chunks (binary search into chunks of a few hundred rows, so an
 * insertion or removal moves at most a chunk, never the whole list), ordered
 * as the ORDER BY says, NULLS FIRST/LAST as given or PostgreSQL's default,
 * and remaining ties by row key. A step applies the changes and emits the
 * difference between the old and the new window of ranks [m, m + n): a row
 * that leaves the top is replaced by the next one without a rescan.
 */
import { equalityKey } from '../values/index.ts';
import type { Row, Value } from '../values/types.ts';
import type { Batch, Operator, SourceBatch, WeightedRow } from './operators.ts';
import type { PlanNode, SortKey } from './plan.ts';

type TopkPlan = Extract<PlanNode, { kind: 'topk' }>;

interface Item {
  readonly key: string;
  readonly row: Row;
  readonly sort: readonly Value[];
  /** Copies of the row (tables without a primary key). */
  n: number;
  /** The partition it belongs to (equality key of the partition columns; '' without partitions). */
  readonly partition: string;
}

const CHUNK = 256;

/** A row of a window: the input row, its copies in the window and (top-k per group) its rank. */
interface Shown {
  readonly row: Row;
  readonly n: number;
  readonly rank: number;
}

/** One partition's rows in order and the window last emitted for it. */
interface Partition {
  readonly list: SortedChunks;
  shown: Map<string, Shown>;
}

export function topkOperator(plan: TopkPlan, input: Operator): Operator {
  const keys = plan.sortKeys;
  const compare = (a: Item, b: Item): number => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareSort(a.sort[i] ?? null, b.sort[i] ?? null, keys[i]!.key);
      if (c !== 0) return c;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
  const partTypes = plan.partition.map((i) => plan.columns[i]!.type);
  const partitionOf = plan.partition.length === 0 ? () => '' : (row: Row) => equalityKey(plan.partition.map((i) => row[i] ?? null), partTypes);
  const partitions = new Map<string, Partition>();
  const byKey = new Map<string, Item>();
  // ties for rank()/dense_rank(): equal sort values
  const tied = (a: Item, b: Item) => keys.every((k, i) => compareSort(a.sort[i] ?? null, b.sort[i] ?? null, k.key) === 0);
  const rank = plan.rank;
  const output = (s: Shown): Row => {
    if (rank === null) return s.row;
    const r = s.row.slice();
    r[rank.column] = BigInt(s.rank);
    return r;
  };

  return {
    step(source: SourceBatch, discard?: boolean): Batch | null {
      const batch = input.step(source);
      if (batch === null) return null;
      const touched = new Set<string>();
      for (const c of batch) {
        const cur = byKey.get(c.key);
        if (cur !== undefined && (c.weight < 0 || cur.row === c.row || sameSort(cur, c.row, keys))) {
          cur.n += c.weight;
          touched.add(cur.partition);
          if (cur.n === 0) {
            partitions.get(cur.partition)!.list.remove(cur);
            byKey.delete(c.key);
          }
          continue;
        }
        if (cur !== undefined) throw new Error(`top-k input row ${c.key} arrived twice with different contents`);
        const item: Item = { key: c.key, row: c.row, sort: keys.map((k) => c.row[k.index] ?? null), n: c.weight, partition: partitionOf(c.row) };
        byKey.set(c.key, item);
        let p = partitions.get(item.partition);
        if (p === undefined) {
          p = { list: new SortedChunks(compare), shown: new Map() };
          partitions.set(item.partition, p);
        }
        p.list.insert(item);
        touched.add(item.partition);
      }
      const out: WeightedRow[] = [];
      for (const pk of touched) {
        const p = partitions.get(pk)!;
        const now = rank === null ? p.list.window(plan.offset, plan.limit) : p.list.ranked(plan.limit, rank.fn, tied);
        // DISTINCT ON: one row per partition, keyed by the partition so that a new winner is an update
        const outKey = plan.keyByPartition ? () => pk : (k: string) => k;
        const same = (a: Shown | undefined, b: Shown) => a !== undefined && a.row === b.row && a.n === b.n && a.rank === b.rank;
        for (const [k, was] of p.shown) if (!same(now.get(k), was)) out.push({ key: outKey(k), row: output(was), weight: -was.n });
        for (const [k, is] of now) if (!same(p.shown.get(k), is)) out.push({ key: outKey(k), row: output(is), weight: is.n });
        p.shown = now;
        if (p.list.empty()) partitions.delete(pk);
      }
      return out.length === 0 || discard === true ? null : out;
    },
  };
}

function sameSort(item: Item, row: Row, keys: readonly { index: number; key: SortKey }[]): boolean {
  return keys.every((k, i) => compareSort(item.sort[i] ?? null, row[k.index] ?? null, k.key) === 0);
}

/** ORDER BY comparison of one key: NULLs where the key says, then the type's order, reversed for DESC. */
function compareSort(x: Value, y: Value, k: SortKey): number {
  if (x === null || y === null) {
    if (x === y) return 0;
    return (x === null) === k.nullsFirst ? -1 : 1;
  }
  const c = k.compare(x, y);
  return k.desc ? -c : c;
}

/** A sorted list in chunks: O(log n + CHUNK) insertion and removal, ordered iteration. */
class SortedChunks {
  private chunks: Item[][] = [];
  constructor(private readonly compare: (a: Item, b: Item) => number) {}

  /** Index of the first chunk whose last item is not before `x` (the last chunk when none is). */
  private chunkFor(x: Item): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid]!;
      if (this.compare(c[c.length - 1]!, x) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(chunk: Item[], x: Item): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(chunk[mid]!, x) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(x: Item): void {
    if (this.chunks.length === 0) {
      this.chunks.push([x]);
      return;
    }
    const ci = this.chunkFor(x);
    const chunk = this.chunks[ci]!;
    chunk.splice(this.position(chunk, x), 0, x);
    if (chunk.length > 2 * CHUNK) this.chunks.splice(ci, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  remove(x: Item): void {
    const ci = this.chunkFor(x);
    const chunk = this.chunks[ci]!;
    const at = this.position(chunk, x);
    if (chunk[at] !== x) throw new Error(`top-k: row ${x.key} is not where its order puts it`);
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  empty(): boolean {
    return this.chunks.length === 0;
  }

  /** The rows whose row_number / rank / dense_rank is at most `limit`, with it (copies are not allowed here). */
  ranked(limit: number, fn: 'row_number' | 'rank' | 'dense_rank', tied: (a: Item, b: Item) => boolean): Map<string, Shown> {
    const out = new Map<string, Shown>();
    let position = 0;
    let rank = 0;
    let dense = 0;
    let prev: Item | null = null;
    for (const chunk of this.chunks) {
      for (const item of chunk) {
        position++;
        if (prev === null || !tied(prev, item)) {
          rank = position;
          dense++;
        }
        prev = item;
        const r = fn === 'row_number' ? position : fn === 'rank' ? rank : dense;
        if (r > limit) return out;
        out.set(item.key, { row: item.row, n: item.n, rank: r });
      }
    }
    return out;
  }

  /** The rows at ranks [offset, offset + limit), copies counted, by key. */
  window(offset: number, limit: number): Map<string, Shown> {
    const out = new Map<string, Shown>();
    let skip = offset;
    let take = limit;
    for (const chunk of this.chunks) {
      for (const item of chunk) {
        if (take === 0) return out;
        let n = item.n;
        if (skip > 0) {
          const s = Math.min(skip, n);
          skip -= s;
          n -= s;
        }
        if (n === 0) continue;
        const t = Math.min(take, n);
        take -= t;
        out.set(item.key, { row: item.row, n: t, rank: 0 });
      }
    }
    return out;
  }
}
