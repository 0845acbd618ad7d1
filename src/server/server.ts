/**
 * Builds the running server: the store, the lease on the sources and, while
 * this instance holds it, the source and the runtime (else a mirror of the
 * views), the HTTP app and subscriptions on one port; or, for a gateway, the
 * store, a mirror of the views and the same HTTP app and subscriptions. The one
 * composition module (src/main.ts adds configuration and embedded services).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { KafkaSource } from '../cdc/kafka/source.ts';
import { PgSource } from '../cdc/pg/source.ts';
import { KafkaFeed } from '../runtime/kafka-feed.ts';
import pg from 'pg';
import { readSqlSettings } from '../cdc/pg/catalog.ts';
import type { Hono } from 'hono';
import { type InstanceInfo, type InstanceLag, Membership } from '../runtime/membership.ts';
import { SourceLease } from '../runtime/lease.ts';
import { ViewMirror } from '../runtime/mirror.ts';
import { Pipeline } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { LogTail } from '../storage/log-tail.ts';
import { type LeaseState, RedisStore } from '../storage/redis-store.ts';
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
  /** How long the lease on the sources lasts without renewal (default LEASE_MS). */
  readonly leaseMs?: number;
  /**
   * The instance cannot stop maintaining after it lost the lease (its Kafka consumers do not leave
   * their groups): `npm start` exits, for its supervisor to start it again (it then stands by).
   * Without it the instance stands by regardless.
   */
  readonly onStuck?: (why: string) => void;
  readonly log: (m: string) => void;
}

/** How long the lease on the sources lasts without renewal (DELTAVIEW_LEASE_MS): the bound on a failover. */
export const LEASE_MS = 5000;
/** How long an instance that lost the lease waits for its pipeline to stop before it stands by anyway. */
const DEMOTE_WAIT_MS = 5000;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The runtime while this instance maintains the views (holds the lease); null while it stands by. */
  readonly pipeline: Pipeline | null;
  readonly store: RedisStore;
  stop(): Promise<void>;
}

/** The runtime of a server that maintains the views (a lone instance always does); throws on a standby. */
export function maintainer(server: RunningServer): Pipeline {
  if (server.pipeline === null) throw new Error(`the server at ${server.url} stands by: it maintains no views`);
  return server.pipeline;
}

/**
 * What an instance is at one time: maintaining the views (the lease holder's Pipeline), or
 * serving a mirror of them from Redis (a standby engine, a gateway).
 */
interface Phase {
  readonly role: InstanceInfo['role'];
  readonly views: ViewReader;
  readonly pipeline: Pipeline | null;
  maintains(): Promise<{ views: string[]; lag: InstanceLag | null }>;
  stop(): Promise<void>;
}

/**
 * An engine instance (the default role). It takes the deployment's lease on the sources if it is
 * free (or held by a dead process of this machine) and maintains the views; else it stands by,
 * serving every view from Redis, and takes the lease over when its holder's runs out. One that
 * loses the lease (paused, cut off) stops maintaining and stands by; its writes since are refused
 * by the fences. The port and the instance's id stay the same throughout; subscribers are asked
 * to reconnect (they resume from their token) when the instance changes role.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const store = await RedisStore.connect(opts.redisUrl, opts.log);
  const metrics = createMetrics();
  const activity = new Activity(metrics.observer);
  let phase: Phase | null = null;
  let served: ServedViews | null = null;
  let stopped = false;
  const membership = new Membership({ store, log: opts.log, maintains: async () => (phase === null ? { role: 'standby', views: [], lag: null } : { role: phase.role, ...(await phase.maintains()) }) });
  // changes of role one at a time, in order
  let changing: Promise<void> = Promise.resolve();
  const change = (f: () => Promise<void>) => (changing = changing.then(f).catch((err: Error) => opts.log(`instance: ${err.message}`)));
  const lease = new SourceLease({ store, id: membership.id, ttlMs: opts.leaseMs ?? LEASE_MS, log: opts.log, onLost: () => void change(demote) });
  // a write refused by a fence: another instance holds a newer lease whatever this one believes
  store.onFenced = () => {
    if (phase?.pipeline && lease.epoch !== null) {
      opts.log('lease: a write was refused by a newer owner\'s fence; this instance stops maintaining views');
      lease.forfeit();
      void change(demote);
    }
  };

  const use = async (next: Phase, why: string) => {
    const old = phase;
    phase = next;
    served?.use(next, why);
    if (old !== null) await old.stop().catch((err: Error) => opts.log(`instance: stopping the ${old.role} phase: ${err.message}`));
    await membership.refresh();
  };
  /** Takes the lease if it can; true when this instance maintains the views now. */
  async function promote(): Promise<boolean> {
    const s = await takeLease(lease, membership.id);
    if (!s.held) return false;
    store.fence = String(s.epoch);
    let next: Phase;
    try {
      next = await maintainingPhase(opts, store, activity);
    } catch (err) {
      await lease.release();
      throw err;
    }
    if (lease.epoch !== s.epoch) {
      await next.stop();
      return false;
    }
    opts.log(`lease: this instance maintains the views (lease epoch ${s.epoch})`);
    await use(next, 'this instance now maintains the views; reconnect to resume');
    return true;
  }
  async function demote(): Promise<void> {
    lease.cancel();
    if (stopped || phase?.role !== 'maintain') return;
    // the pipeline first: nothing more is sent (its writes would be refused anyway). A Kafka
    // consumer that was dropped from its group while the process was paused is rejoining it, and
    // kafkajs cannot leave a group mid-rebalance (kafkajs issue 1462): should it still hold
    // partitions it would never read, the process gives up (DEMOTE_WAIT_MS) rather than keep them.
    const stopping = phase.stop().catch(() => {});
    let bound: NodeJS.Timeout | undefined;
    const late = await Promise.race([stopping.then(() => false), new Promise<boolean>((r) => (bound = setTimeout(() => r(true), DEMOTE_WAIT_MS)))]);
    clearTimeout(bound);
    if (late) {
      const why = `the former pipeline has not stopped ${DEMOTE_WAIT_MS} ms after this instance lost the lease (a Kafka consumer cannot leave its group mid-rebalance): its consumers would hold partitions the new owner needs`;
      if (opts.onStuck) return opts.onStuck(why);
      opts.log(`instance: ${why}; standing by meanwhile`);
    }
    await use(await mirrorPhase(opts, store, 'standby'), 'this instance no longer maintains the views; reconnect to resume');
  }

  try {
    if (!(await promote())) {
      phase = await mirrorPhase(opts, store, 'standby');
      const s = await store.lease('acquire', '', 0).catch(() => null);
      opts.log(`standby: instance ${s?.owner || '(unknown)'} maintains the views; this one serves them and takes over when that one's lease runs out`);
    }
  } catch (err) {
    await phase?.stop().catch(() => {});
    await store.close();
    throw err;
  }
  served = await serveViews(opts, { store, metrics, activity, membership }, phase!);
  // a standby tries for the lease a few times per lease period
  const watch = setInterval(() => {
    if (stopped || lease.epoch !== null || phase?.role === 'maintain') return;
    void change(async () => {
      if (stopped || lease.epoch !== null) return;
      await promote();
    });
  }, Math.max(100, Math.floor((opts.leaseMs ?? LEASE_MS) / 3)));
  watch.unref();
  const http = served;
  return {
    url: http.url,
    port: http.port,
    get pipeline() {
      return phase?.pipeline ?? null;
    },
    store,
    stop: once(async () => {
      stopped = true;
      clearInterval(watch);
      await changing;
      await http.close();
      await phase?.stop();
      // after the last write: a standby takes over at once
      await lease.release();
      await store.close();
    }),
  };
}

/**
 * One attempt at the lease; a holder that is a process of this machine that no longer runs (the
 * instance this one restarts after a crash) has it taken from it at once rather than after its lease.
 */
async function takeLease(lease: SourceLease, id: string): Promise<LeaseState> {
  const s = await lease.acquire();
  if (s.held || s.owner === '') return s;
  const [host, pid] = s.owner.split(':');
  if (host !== id.split(':')[0] || pid === undefined || Number(pid) === process.pid || processRuns(Number(pid))) return s;
  return lease.acquire(s.owner);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lease holder's phase: fences raised on everything it takes over, then the source, the store and the runtime. */
async function maintainingPhase(opts: ServerOptions, store: RedisStore, activity: Activity): Promise<Phase> {
  await store.raiseFences(
    (await store.listViewDefs()).map((d) => d.name),
    (await store.listSources()).map((d) => (d as { name: string }).name),
  );
  const source = new PgSource({ url: opts.pgUrl, slot: opts.slot, publication: opts.publication, log: opts.log, takeOver: true });
  // one consumer group per deployment (named after the replication slot, which is per deployment too)
  const kafkaSource = opts.kafkaBrokers.length === 0 ? null : new KafkaSource({ brokers: opts.kafkaBrokers, groupId: `deltaview-${opts.slot}`, log: opts.log, sessionTimeoutMs: opts.kafkaSessionTimeoutMs });
  const kafka = new KafkaFeed(kafkaSource, store, opts.log);
  const pipeline = new Pipeline({ source, store, slot: opts.slot, log: opts.log, kafka, observer: activity });
  try {
    await pipeline.start();
  } catch (err) {
    await pipeline.stop().catch(() => {});
    throw err;
  }
  return {
    role: 'maintain',
    views: pipeline,
    pipeline,
    maintains: async () => {
      const r = await pipeline.replicationStatus().catch(() => null);
      return { views: pipeline.list().filter((v) => v.status !== 'failed').map((v) => v.name), lag: r === null ? null : { bytes: r.lagBytes, seconds: r.lagSeconds } };
    },
    stop: () => pipeline.stop(),
  };
}

/** A mirror of the views from Redis (a standby engine, a gateway): no replication slot, no Kafka consumer. */
async function mirrorPhase(opts: ServerOptions, store: RedisStore, role: 'standby' | 'gateway'): Promise<Phase & { views: ViewMirror }> {
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
    throw err;
  }
  const views = mirror;
  return { role, views, pipeline: null, maintains: async () => ({ views: [], lag: null }), stop: () => views.stop() };
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly views: ViewMirror;
  stop(): Promise<void>;
}

/**
 * A gateway instance (DELTAVIEW_ROLE=gateway): serves reads, queries over views and
 * subscriptions of the views other instances maintain, from Redis alone; never takes the lease.
 * Subscribers scale out over as many gateways as needed.
 */
export async function startGateway(opts: ServerOptions): Promise<RunningGateway> {
  const store = await RedisStore.connect(opts.redisUrl, opts.log);
  let phase: Awaited<ReturnType<typeof mirrorPhase>>;
  try {
    phase = await mirrorPhase(opts, store, 'gateway');
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = createMetrics();
  const activity = new Activity(metrics.observer);
  const membership = new Membership({ store, log: opts.log, maintains: async () => ({ role: 'gateway', views: [], lag: null }) });
  const http = await serveViews(opts, { store, metrics, activity, membership }, phase);
  return {
    url: http.url,
    port: http.port,
    views: phase.views,
    stop: once(async () => {
      await http.close();
      await phase.stop();
      await store.close();
    }),
  };
}

interface ServedViews {
  readonly url: string;
  readonly port: number;
  /** Serves another phase's views from now on; the subscribers of the last one are asked to reconnect (`why`). */
  use(phase: Phase, why: string): void;
  close(): Promise<void>;
}

/** The HTTP app and the subscriptions on one port, over whichever views the instance has now. */
async function serveViews(
  opts: ServerOptions,
  shared: { store: RedisStore; metrics: ReturnType<typeof createMetrics>; activity: Activity; membership: Membership },
  first: Phase,
): Promise<ServedViews> {
  const { store, metrics, activity, membership } = shared;
  const auth = createAuthenticator({ token: opts.token, jwtSecret: opts.jwtSecret ?? null, jwtPublicKey: opts.jwtPublicKey ?? null });
  let app: Hono | null = null;
  let subs: ReturnType<typeof attachSubscriptions> | null = null;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: (req: Request, env: unknown) => app!.fetch(req, env), port: opts.port, hostname: opts.host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const use = (phase: Phase, why: string) => {
    const { views, pipeline } = phase;
    app = createApp({ views, pipeline, standby: phase.role === 'standby', store, auth, metricsToken: opts.metricsToken ?? null, metrics: metrics.registry, kafkaBrokers: opts.kafkaBrokers, activity, cluster: membership, log: opts.log });
    subs?.close(why);
    const next = attachSubscriptions(server, { pipeline: views, store, auth, log: opts.log });
    subs = next;
    metrics.attach({ views, pipeline, store, subscribers: next.counts });
    activity.subscribers = next.counts;
    views.addListener(next.listener);
    // a mirror's commits, as the diff logs show them, feed GET /v1/status (a pipeline reports its own)
    if (pipeline === null) views.addListener({ diff: (e) => activity.seen(e.view, parsedChanges(e).length), gone: () => {} });
  };
  use(first, '');
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host}:${port}`;
  await membership.start(opts.advertiseUrl ?? url);
  return {
    url,
    port,
    use,
    close: async () => {
      await membership.stop();
      subs?.close();
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
