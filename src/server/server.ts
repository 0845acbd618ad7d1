/**
 * Builds the running server: the source, the store, the runtime, the HTTP app
 * and subscriptions on one port; or, for a gateway, the store, a mirror of the
 * views and the same HTTP app and subscriptions. The one composition module
 * (src/main.ts adds configuration and embedded services).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { KafkaSource } from '../cdc/kafka/source.ts';
import { PgSource } from '../cdc/pg/source.ts';
import { KafkaFeed } from '../runtime/kafka-feed.ts';
import pg from 'pg';
import { readSqlSettings } from '../cdc/pg/catalog.ts';
import { type InstanceLag, Membership, type MembershipOptions } from '../runtime/membership.ts';
import { ViewMirror } from '../runtime/mirror.ts';
import { Pipeline, type PipelineListener } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { LogTail } from '../storage/log-tail.ts';
import { RedisStore } from '../storage/redis-store.ts';
import { createApp } from './app.ts';
import { createAuthenticator } from './auth.ts';
import { createMetrics } from './metrics.ts';
import { parsedChanges } from './filter.ts';
import { Activity } from './status.ts';
import { attachSubscriptions } from './subscriptions.ts';

export interface ServerOptions {
  readonly pgUrl: string;
  readonly redisUrl: string;
  readonly port: number;
  readonly host: string;
  readonly token: string | null;
  readonly slot: string;
  readonly publication: string;
  readonly kafkaBrokers: readonly string[];
  /** JSON Web Tokens: an HS256 secret, or a PEM public key (RS256/ES256). */
  readonly jwtSecret?: string | null;
  readonly jwtPublicKey?: string | null;
  /** When set, GET /metrics needs `Authorization: Bearer <it>`. */
  readonly metricsToken?: string | null;
  /** How long the Kafka group waits for a silent member (tests shorten it). */
  readonly kafkaSessionTimeoutMs?: number;
  /** The URL the deployment's instance list gives for this one (HOST=0.0.0.0 binds everywhere but reaches nowhere); default http://HOST:PORT. */
  readonly advertiseUrl?: string | null;
  readonly log: (m: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly pipeline: Pipeline;
  readonly store: RedisStore;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const store = await RedisStore.connect(opts.redisUrl, opts.log);
  const source = new PgSource({ url: opts.pgUrl, slot: opts.slot, publication: opts.publication, log: opts.log });
  // one consumer group per deployment (named after the replication slot, which is per deployment too)
  const kafkaSource = opts.kafkaBrokers.length === 0 ? null : new KafkaSource({ brokers: opts.kafkaBrokers, groupId: `deltaview-${opts.slot}`, log: opts.log, sessionTimeoutMs: opts.kafkaSessionTimeoutMs });
  const kafka = new KafkaFeed(kafkaSource, store, opts.log);
  const metrics = createMetrics();
  const activity = new Activity(metrics.observer);
  const pipeline = new Pipeline({ source, store, slot: opts.slot, log: opts.log, kafka, observer: activity });
  try {
    await pipeline.start();
  } catch (err) {
    await pipeline.stop().catch(() => {});
    await store.close();
    throw err;
  }
  const maintains = async (): Promise<{ views: string[]; lag: InstanceLag | null }> => {
    const r = await pipeline.replicationStatus().catch(() => null);
    return { views: pipeline.list().filter((v) => v.status !== 'failed').map((v) => v.name), lag: r === null ? null : { bytes: r.lagBytes, seconds: r.lagSeconds } };
  };
  const http = await serveViews(opts, { views: pipeline, pipeline, store, metrics, activity, role: 'maintain', maintains });
  pipeline.addListener(http.listener);
  return {
    url: http.url,
    port: http.port,
    pipeline,
    store,
    stop: once(async () => {
      await http.close();
      await pipeline.stop();
      await store.close();
    }),
  };
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly views: ViewMirror;
  stop(): Promise<void>;
}

/**
 * A gateway instance (DELTAVIEW_ROLE=gateway): serves reads, queries over views and
 * subscriptions of the views other instances maintain, from Redis alone; no replication slot,
 * no Kafka consumer. Subscribers scale out over as many gateways as needed.
 */
export async function startGateway(opts: ServerOptions): Promise<RunningGateway> {
  const store = await RedisStore.connect(opts.redisUrl, opts.log);
  let tail: LogTail | null = null;
  let mirror: ViewMirror | null = null;
  try {
    tail = await LogTail.connect(opts.redisUrl, opts.log);
    // filters and queries compile with the source database's collation, as on the maintaining instance
    const db = new pg.Client({ connectionString: opts.pgUrl });
    await db.connect();
    const settings = await readSqlSettings(db).finally(() => db.end().catch(() => {}));
    mirror = new ViewMirror(store, tail, settings, opts.log);
    await mirror.start();
  } catch (err) {
    await (mirror?.stop() ?? tail?.close());
    await store.close();
    throw err;
  }
  const views = mirror;
  const metrics = createMetrics();
  const activity = new Activity(metrics.observer);
  const http = await serveViews(opts, { views, pipeline: null, store, metrics, activity, role: 'gateway', maintains: async () => ({ views: [], lag: null }) });
  views.addListener(http.listener);
  // the maintaining instance's commits, as the diff logs show them, feed the gateway's GET /v1/status
  views.addListener({ diff: (e) => activity.seen(e.view, parsedChanges(e).length), gone: () => {} });
  return {
    url: http.url,
    port: http.port,
    views,
    stop: once(async () => {
      await http.close();
      await views.stop();
      await store.close();
    }),
  };
}

/** The HTTP app and the subscriptions on one port, over either kind of views. */
async function serveViews(
  opts: ServerOptions,
  parts: {
    views: ViewReader;
    pipeline: Pipeline | null;
    store: RedisStore;
    metrics: ReturnType<typeof createMetrics>;
    activity: Activity;
  } & Omit<MembershipOptions, 'store' | 'log'>,
): Promise<{ url: string; port: number; listener: PipelineListener; close(): Promise<void> }> {
  const { views, pipeline, store, metrics, activity } = parts;
  const auth = createAuthenticator({ token: opts.token, jwtSecret: opts.jwtSecret ?? null, jwtPublicKey: opts.jwtPublicKey ?? null });
  const membership = new Membership({ store, role: parts.role, maintains: parts.maintains, log: opts.log });
  const app = createApp({ views, pipeline, store, auth, metricsToken: opts.metricsToken ?? null, metrics: metrics.registry, kafkaBrokers: opts.kafkaBrokers, activity, cluster: membership, log: opts.log });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const subs = attachSubscriptions(server, { pipeline: views, store, auth, log: opts.log });
  metrics.attach({ views, pipeline, store, subscribers: subs.counts });
  activity.subscribers = subs.counts;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host}:${port}`;
  await membership.start(opts.advertiseUrl ?? url);
  return {
    url,
    port,
    listener: subs.listener,
    close: async () => {
      await membership.stop();
      subs.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections?.();
      });
    },
  };
}

/** `f` run at most once; later calls get the first call's promise. */
function once(f: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= f());
}
