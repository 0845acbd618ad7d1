/**
 * Engine-level join + aggregate benchmark, one system per process (bench/joins.ts spawns it
 * twice under `node --expose-gc`, so neither system's heap counts against the other):
 *
 *   node --expose-gc --import tsx bench/engine-joins.ts deltaview|d2ts
 *
 * Both systems maintain
 *   SELECT c.region, count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region
 * over the same seeded workload: BENCH_ENGINE_ORDERS orders (default 200000) and
 * BENCH_ENGINE_CUSTOMERS customers (default 20000) in BENCH_ENGINE_REGIONS regions (default 10),
 * then transactions of BENCH_ENGINE_BATCH updated orders each (default 100): every update changes
 * the amount, one in five also the customer_id. d2ts runs the first BENCH_ENGINE_BATCHES
 * transactions (default 100); deltaview runs those and continues to BENCH_ENGINE_DV_BATCHES
 * (default 1000), so that its much shorter run time is still measured over seconds. Both report
 * the per-region result after the first BENCH_ENGINE_BATCHES transactions (bench/joins.ts
 * asserts they are equal) and the rate over them, besides the rate over their whole run.
 *
 * deltaview: compileView with in-memory table shapes; the initial rows are fed in 5000-row steps
 * as a backfill feeds them, each transaction is one step() of SourceChanges (an update is a
 * delete of the old row then an insert of the new one, fresh row objects as pgoutput would give).
 * d2ts: the graph its README describes for this (inputs keyed by primary key as its Electric
 * adapter feeds them, rekey to the join key, join, reduce to count and sum per region,
 * consolidate, output); the initial rows are version 0, each transaction one version followed by
 * a frontier on both inputs and graph.run(). Amounts are integer cents for d2ts (exact in a JS
 * number, and cheaper than deltaview's exact numeric).
 *
 * Measured: heap bytes per stored input row (process.memoryUsage().heapUsed after forced gc,
 * before and after building the state), and the update rate (updated input rows per second of
 * step()/run() time). The last stdout line is `RESULT <json>` (EngineResult), with the final
 * per-region result, which is also checked here against a direct computation.
 * BENCH_ENGINE_PROFILE=<dir> writes a CPU profile of the update phase to <dir>/<system>-updates.cpuprofile.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { D2, MessageType, MultiSet, consolidate, innerJoin, map, output, reduce, rekey } from '@electric-sql/d2ts';
import { decodeText, parseTypeName } from '../src/values/index.ts';
import type { Row } from '../src/values/types.ts';
import { compileView } from '../src/views/index.ts';
import type { SourceChange, ViewDelta } from '../src/views/types.ts';
import { C_SETTINGS, catalog, envInt, rng, table } from './lib.ts';

/** Per region: [count, sum of amounts in cents]. */
export type RegionTotals = Record<string, [number, number]>;

/** What one run reports (the `RESULT` line). */
export interface EngineResult {
  readonly system: 'deltaview' | 'd2ts';
  readonly orders: number;
  readonly customers: number;
  readonly regions: number;
  readonly storedRows: number;
  readonly buildSeconds: number;
  readonly heapBytesPerRow: number;
  readonly heapBytesPerRowAfterUpdates: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly updatedRows: number;
  readonly updateSeconds: number;
  readonly updatedRowsPerSecond: number;
  /** The transactions both systems run; `totals` is the result after them. */
  readonly commonBatches: number;
  readonly commonRowsPerSecond: number;
  readonly batchP50Ms: number;
  readonly batchP99Ms: number;
  readonly totals: RegionTotals;
}

const ENGINE_SQL =
  'CREATE MATERIALIZED VIEW region_totals AS SELECT c.region, count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region';

const ORDERS = envInt('BENCH_ENGINE_ORDERS', 200_000);
const CUSTOMERS = envInt('BENCH_ENGINE_CUSTOMERS', 20_000);
const REGIONS = envInt('BENCH_ENGINE_REGIONS', 10);
if (REGIONS > 256) throw new Error('BENCH_ENGINE_REGIONS is at most 256');
const COMMON_BATCHES = envInt('BENCH_ENGINE_BATCHES', 100);
const DV_BATCHES = Math.max(COMMON_BATCHES, envInt('BENCH_ENGINE_DV_BATCHES', 1000));
const ALL_BATCHES = DV_BATCHES;
const BATCH = envInt('BENCH_ENGINE_BATCH', 100);

/** The workload as plain typed arrays, so that every row object in the heap belongs to the system under test. */
class Workload {
  readonly custOf = new Int32Array(ORDERS);
  readonly cents = new Int32Array(ORDERS);
  readonly regionOf = new Uint8Array(CUSTOMERS);
  /** Per update: order id, new customer id, new amount in cents. */
  readonly updates = new Int32Array(ALL_BATCHES * BATCH * 3);

  constructor(seed: number) {
    const r = rng(seed);
    for (let c = 0; c < CUSTOMERS; c++) this.regionOf[c] = Math.floor(r() * REGIONS);
    for (let o = 0; o < ORDERS; o++) {
      this.custOf[o] = Math.floor(r() * CUSTOMERS);
      this.cents[o] = Math.floor(r() * 100_000);
    }
    // a copy of the customer assignment, to draw "sometimes a new customer" from the current one
    const cust = Int32Array.from(this.custOf);
    for (let u = 0; u < ALL_BATCHES * BATCH; u++) {
      const id = Math.floor(r() * ORDERS);
      if (r() < 0.2) cust[id] = Math.floor(r() * CUSTOMERS);
      this.updates[3 * u] = id;
      this.updates[3 * u + 1] = cust[id]!;
      this.updates[3 * u + 2] = Math.floor(r() * 100_000);
    }
  }

  region(c: number): string {
    return `region-${this.regionOf[c]}`;
  }

  /** Applies update u to the arrays and returns the old [customer, cents]. */
  apply(u: number): [number, number, number] {
    const id = this.updates[3 * u]!;
    const old: [number, number, number] = [id, this.custOf[id]!, this.cents[id]!];
    this.custOf[id] = this.updates[3 * u + 1]!;
    this.cents[id] = this.updates[3 * u + 2]!;
    return old;
  }

  /** The view's result computed directly from the current arrays. */
  truth(): RegionTotals {
    const t: RegionTotals = {};
    for (let o = 0; o < ORDERS; o++) {
      const reg = this.region(this.custOf[o]!);
      const e = (t[reg] ??= [0, 0]);
      e[0]++;
      e[1] += this.cents[o]!;
    }
    return t;
  }
}

const centsText = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;

async function settle(): Promise<void> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run under node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

async function heap(): Promise<number> {
  await settle();
  return process.memoryUsage().heapUsed;
}

/** One system behind a common shape: build the state, run one transaction, read the result. */
interface System {
  build(w: Workload): void;
  step(w: Workload, firstUpdate: number, count: number): void;
  totals(): RegionTotals;
}

async function deltaviewSystem(): Promise<System> {
  const orders = table('orders', [['id', 'int4'], ['customer_id', 'int4'], ['amount', 'numeric(10,2)']], ['id']);
  const customers = table('customers', [['id', 'int4'], ['name', 'text'], ['region', 'text']], ['id']);
  const numeric = parseTypeName('numeric(10,2)');
  const view = await compileView(ENGINE_SQL, catalog(orders, customers), C_SETTINGS);
  const rows = new Map<string, string>();
  const apply = (d: ViewDelta | null) => {
    if (d === null) return;
    if (d.reset) rows.clear();
    for (const c of d.changes) {
      if (c.op === 'delete') rows.delete(c.key);
      else rows.set(c.key, c.row);
    }
  };
  const orderRow = (id: number, cust: number, cents: number): Row => [id, cust, decodeText(centsText(cents), numeric)];
  return {
    build(w) {
      apply(view.initialize());
      const CHUNK = 5000; // the pipeline's backfill batch
      let batch: SourceChange[] = [];
      const flush = () => {
        apply(view.step(batch));
        batch = [];
      };
      // in the order a backfill reads the sources: orders, then customers
      for (let o = 0; o < ORDERS; o++) {
        batch.push({ kind: 'insert', table: orders.id, row: orderRow(o, w.custOf[o]!, w.cents[o]!) });
        if (batch.length === CHUNK) flush();
      }
      if (batch.length > 0) flush();
      for (let c = 0; c < CUSTOMERS; c++) {
        batch.push({ kind: 'insert', table: customers.id, row: [c, `customer ${c}`, w.region(c)] });
        if (batch.length === CHUNK) flush();
      }
      if (batch.length > 0) flush();
    },
    step(w, first, count) {
      const changes: SourceChange[] = [];
      for (let u = first; u < first + count; u++) {
        const [id, oldCust, oldCents] = w.apply(u);
        changes.push({ kind: 'delete', table: orders.id, row: orderRow(id, oldCust, oldCents) });
        changes.push({ kind: 'insert', table: orders.id, row: orderRow(id, w.custOf[id]!, w.cents[id]!) });
      }
      const t0 = performance.now();
      apply(view.step(changes));
      timed += performance.now() - t0;
    },
    totals() {
      const t: RegionTotals = {};
      for (const json of rows.values()) {
        const m = /^\{"region":"([^"]*)","count":(\d+),"sum":(\d+)\.(\d\d)\}$/.exec(json);
        if (m === null) throw new Error(`unexpected row ${json}`);
        t[m[1]!] = [Number(m[2]), Number(m[3]) * 100 + Number(m[4])];
      }
      return t;
    },
  };
}

interface Order {
  readonly id: number;
  readonly customer_id: number;
  readonly amount: number;
}
interface Customer {
  readonly id: number;
  readonly name: string;
  readonly region: string;
}

/** One output row of the d2ts graph. */
interface RegionRow {
  readonly region: string;
  readonly count: number;
  readonly sum: number;
}

function d2tsSystem(): System {
  const graph = new D2({ initialFrontier: 0 });
  const ordersIn = graph.newInput<[string, Order]>();
  const customersIn = graph.newInput<[string, Customer]>();
  const outputRows = new Map<string, number>();
  const customersById = customersIn.pipe(rekey<string, number, Customer>((c) => c.id));
  const collect = output<[string, RegionRow]>((msg) => {
    if (msg.type !== MessageType.DATA) return;
    for (const [item, m] of msg.data.collection.getInner()) {
      const k = JSON.stringify(item[1]);
      const n = (outputRows.get(k) ?? 0) + m;
      if (n === 0) outputRows.delete(k);
      else outputRows.set(k, n);
    }
  });
  const joined = ordersIn.pipe(rekey<string, number, Order>((o) => o.customer_id), innerJoin(customersById));
  // one reduce computing both aggregates over the (region, amount) pairs: measured as fast as
  // groupBy({ count: count(), sum: sum(…) }) and with less memory per row, so the more favourable one
  joined.pipe(
    map(([, [o, c]]: [number, [Order, Customer]]) => [c.region, o.amount] as [string, number]),
    reduce((vals: [number, number][]) => {
      let n = 0;
      let total = 0;
      for (const [amount, m] of vals) {
        n += m;
        total += amount * m;
      }
      return [[{ n, total }, 1]];
    }),
    map(([region, r]: [string, { n: number; total: number }]) => [region, { region, count: r.n, sum: r.total }] as [string, RegionRow]),
    consolidate(),
    collect,
  );
  graph.finalize();
  let version = 0;
  const order = (id: number, cust: number, cents: number): [string, Order] => [String(id), { id, customer_id: cust, amount: cents }];
  const advance = () => {
    version++;
    ordersIn.sendFrontier(version);
    customersIn.sendFrontier(version);
    graph.run();
  };
  return {
    build(w) {
      const os: [[string, Order], number][] = [];
      for (let o = 0; o < ORDERS; o++) os.push([order(o, w.custOf[o]!, w.cents[o]!), 1]);
      const cs: [[string, Customer], number][] = [];
      for (let c = 0; c < CUSTOMERS; c++) cs.push([[String(c), { id: c, name: `customer ${c}`, region: w.region(c) }], 1]);
      ordersIn.sendData(version, new MultiSet(os));
      customersIn.sendData(version, new MultiSet(cs));
      advance();
    },
    step(w, first, n) {
      const changes: [[string, Order], number][] = [];
      for (let u = first; u < first + n; u++) {
        const [id, oldCust, oldCents] = w.apply(u);
        changes.push([order(id, oldCust, oldCents), -1]);
        changes.push([order(id, w.custOf[id]!, w.cents[id]!), 1]);
      }
      const t0 = performance.now();
      ordersIn.sendData(version, new MultiSet(changes));
      advance();
      timed += performance.now() - t0;
    },
    totals() {
      const t: RegionTotals = {};
      for (const [k, n] of outputRows) {
        if (n !== 1) throw new Error(`d2ts output row ${k} has multiplicity ${n}`);
        const row = JSON.parse(k) as { region: string; count: number; sum: number };
        t[row.region] = [row.count, row.sum];
      }
      return t;
    },
  };
}

let timed = 0;

/** Starts the V8 CPU profiler (BENCH_ENGINE_PROFILE=<dir>: the update phase only); the result writes the profile to a file. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

function sameTotals(a: RegionTotals, b: RegionTotals): boolean {
  const norm = (t: RegionTotals) => JSON.stringify(Object.entries(t).sort(([x], [y]) => (x < y ? -1 : 1)));
  return norm(a) === norm(b);
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which !== 'deltaview' && which !== 'd2ts') throw new Error('usage: engine-joins.ts deltaview|d2ts');
  const w = new Workload(20261201);
  const sys = which === 'deltaview' ? await deltaviewSystem() : d2tsSystem();
  const h0 = await heap();
  const tb = performance.now();
  sys.build(w);
  const buildSeconds = (performance.now() - tb) / 1000;
  const h1 = await heap();
  const stored = ORDERS + CUSTOMERS;
  const batches = which === 'deltaview' ? DV_BATCHES : COMMON_BATCHES;
  const profile = process.env.BENCH_ENGINE_PROFILE ? await startProfile() : null;
  const perBatch: number[] = [];
  let totals: RegionTotals = {};
  let commonSeconds = 0;
  for (let b = 0; b < batches; b++) {
    const before = timed;
    sys.step(w, b * BATCH, BATCH);
    perBatch.push(timed - before);
    if (b + 1 === COMMON_BATCHES) {
      commonSeconds = timed / 1000;
      totals = sys.totals();
      const truth = w.truth();
      if (!sameTotals(totals, truth)) throw new Error(`${which}: per-region result after ${COMMON_BATCHES} transactions differs from a direct computation\n${JSON.stringify(totals)}\n${JSON.stringify(truth)}`);
    }
  }
  if (profile !== null) await profile(`${process.env.BENCH_ENGINE_PROFILE}/${which}-updates.cpuprofile`);
  const h2 = await heap();
  if (!sameTotals(sys.totals(), w.truth())) throw new Error(`${which}: final per-region result differs from a direct computation`);
  perBatch.sort((a, b) => a - b);
  const result: EngineResult = {
    system: which,
    orders: ORDERS,
    customers: CUSTOMERS,
    regions: REGIONS,
    storedRows: stored,
    buildSeconds: Number(buildSeconds.toFixed(2)),
    heapBytesPerRow: Math.round((h1 - h0) / stored),
    heapBytesPerRowAfterUpdates: Math.round((h2 - h0) / stored),
    batches,
    batchSize: BATCH,
    updatedRows: batches * BATCH,
    updateSeconds: Number((timed / 1000).toFixed(3)),
    updatedRowsPerSecond: Math.round((batches * BATCH) / (timed / 1000)),
    commonBatches: COMMON_BATCHES,
    commonRowsPerSecond: Math.round((COMMON_BATCHES * BATCH) / commonSeconds),
    batchP50Ms: Number(perBatch[Math.floor(perBatch.length * 0.5)]!.toFixed(3)),
    batchP99Ms: Number(perBatch[Math.floor(perBatch.length * 0.99)]!.toFixed(3)),
    totals,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();
