/**
 * Builds the running server: the source, the store, the runtime, the HTTP app
 * and subscriptions on one port. The one composition module (src/main.ts adds
 * configuration and embedded services).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { KafkaSource } from '../cdc/kafka/source.ts';
import { PgSource } from '../cdc/pg/source.ts';
import { KafkaFeed } from '../runtime/kafka-feed.ts';
import { Pipeline } from '../runtime/pipeline.ts';
import { RedisStore } from '../storage/redis-store.ts';
import { createApp } from './app.ts';
import { createAuthenticator } from './auth.ts';
import { createMetrics } from './metrics.ts';
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
  const auth = createAuthenticator({ token: opts.token, jwtSecret: opts.jwtSecret ?? null, jwtPublicKey: opts.jwtPublicKey ?? null });
  const app = createApp({ pipeline, store, auth, metricsToken: opts.metricsToken ?? null, metrics: metrics.registry, kafkaBrokers: opts.kafkaBrokers, activity, log: opts.log });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const subs = attachSubscriptions(server, { pipeline, store, auth, log: opts.log });
  pipeline.addListener(subs.listener);
  metrics.attach({ pipeline, store, subscribers: subs.counts });
  activity.subscribers = subs.counts;
  const port = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${opts.host}:${port}`,
    port,
    pipeline,
    store,
    stop: () =>
      (stopping ??= (async () => {
        subs.close();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections?.();
        });
        await pipeline.stop();
        await store.close();
      })()),
  };
}
