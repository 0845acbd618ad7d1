/**
 * `GET /metrics`: Prometheus text exposition (prom-client). Per view: rows,
 * status, commits landed and their latency; the PostgreSQL side: replication
 * lag in bytes and seconds and the WAL the slot retains; per Kafka source:
 * messages, unreadable messages and consumer lag per partition; subscribers
 * per view; and the process's own metrics. Gauges are read when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pipeline, PipelineObserver, ReplicationStatus } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import type { RedisStore } from '../storage/redis-store.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly observer: PipelineObserver;
  /** Wires the running parts in once they exist. */
  attach(parts: { views: ViewReader; pipeline: Pipeline | null; store: RedisStore; subscribers: () => Map<string, number> }): void;
}

/** Kafka lag is read from the brokers at most this often. */
const KAFKA_LAG_EVERY_MS = 5000;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let parts: Parameters<Metrics['attach']>[0] | null = null;

  const commits = new Counter({ name: 'deltaview_view_commits_total', help: 'Transactions and Kafka batches whose changes to the view were committed to Redis', labelNames: ['view'], registers: [registry] });
  const latency = new Histogram({
    name: 'deltaview_view_apply_seconds',
    help: 'From a change reaching the runtime to the view commit landing in Redis',
    labelNames: ['view'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'deltaview_view_rows',
    help: 'Rows a view holds',
    labelNames: ['view'],
    registers: [registry],
    async collect() {
      this.reset();
      if (parts === null) return;
      for (const v of parts.views.list()) this.set({ view: v.name }, await parts.store.rowCount(v.name).catch(() => 0));
    },
  });
  new Gauge({
    name: 'deltaview_view_status',
    help: 'A view’s status: 1 for the status it is in',
    labelNames: ['view', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const v of parts?.views.list() ?? []) for (const s of ['backfilling', 'running', 'failed']) this.set({ view: v.name, status: s }, v.status === s ? 1 : 0);
    },
  });
  const replication = () => (parts?.pipeline ? parts.pipeline.replicationStatus().catch(() => null) : Promise.resolve(null));
  const replicationGauge = (name: string, help: string, pick: (r: ReplicationStatus) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const r = await replication();
        const v = r === null ? null : pick(r);
        if (v !== null) this.set(v);
      },
    });
  replicationGauge('deltaview_replication_lag_bytes', 'WAL written by PostgreSQL beyond what every view reflects', (r) => r.lagBytes);
  replicationGauge('deltaview_replication_lag_seconds', 'Age of the oldest committed transaction received but not yet reflected in every view (0 when caught up)', (r) => r.lagSeconds);
  replicationGauge('deltaview_slot_retained_wal_bytes', 'WAL the replication slot makes PostgreSQL keep', (r) => r.retainedBytes);
  const sourceGauge = (name: string, help: string, pick: (s: ReturnType<Pipeline['kafka']['stats']>) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        const feed = parts?.pipeline?.kafka;
        if (feed === undefined) return;
        for (const d of feed.declarations()) this.set({ source: d.name }, pick(feed.stats(d.name)));
      },
    });
  sourceGauge('deltaview_source_messages_total', 'Messages a Kafka source has read since the server started', (st) => st.messages);
  sourceGauge('deltaview_source_errors_total', 'Messages of a Kafka source that could not be read (counted, skipped) since the server started', (st) => st.errors);
  let lagAt = 0;
  let lag: { source: string; partition: number; lag: number }[] = [];
  new Gauge({
    name: 'deltaview_kafka_consumer_lag',
    help: 'Messages of a Kafka partition not yet reflected in views (high watermark minus stored offset)',
    labelNames: ['source', 'partition'],
    registers: [registry],
    async collect() {
      const feed = parts?.pipeline?.kafka;
      if (feed === undefined) return;
      if (Date.now() - lagAt > KAFKA_LAG_EVERY_MS) {
        lagAt = Date.now();
        const next: typeof lag = [];
        for (const d of feed.declarations()) {
          const stored = feed.offsets(d.name);
          const ranges = await feed.ranges(d.name).catch(() => []);
          for (const r of ranges) next.push({ source: d.name, partition: r.partition, lag: Number(r.high - (stored.get(r.partition) ?? r.low)) });
        }
        lag = next;
      }
      this.reset();
      for (const l of lag) this.set({ source: l.source, partition: String(l.partition) }, Math.max(0, l.lag));
    },
  });
  new Gauge({
    name: 'deltaview_subscribers',
    help: 'WebSocket subscribers per view',
    labelNames: ['view'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [view, n] of parts?.subscribers() ?? []) this.set({ view }, n);
    },
  });

  return {
    registry,
    observer: {
      committed(view, seconds) {
        commits.inc({ view });
        latency.observe({ view }, seconds);
      },
    },
    attach(p) {
      parts = p;
    },
  };
}
