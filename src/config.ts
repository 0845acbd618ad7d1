/** Configuration from the environment (see README "Configuration"). */
import { resolve } from 'node:path';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** null: start an embedded PostgreSQL under dataDir. */
  readonly databaseUrl: string | null;
  /** null: use redis://127.0.0.1:6379, or start a private redis-server under dataDir when nothing answers there. */
  readonly redisUrl: string | null;
  readonly kafkaBrokers: readonly string[];
  /** How long a Kafka consumer group waits for a silent member (a server killed without leaving) before reassigning its partitions. */
  readonly kafkaSessionTimeoutMs: number;
  readonly token: string | null;
  /** JSON Web Tokens: an HS256 secret, or a PEM public key for RS256/ES256 (`\n` may stand for newlines). */
  readonly jwtSecret: string | null;
  readonly jwtPublicKey: string | null;
  /** When set, GET /metrics needs it as a bearer token. */
  readonly metricsToken: string | null;
  readonly slot: string;
  readonly publication: string;
  readonly dataDir: string;
  /** `maintain` (the default): maintains views and serves them; `gateway`: only serves the views other instances maintain. */
  readonly role: 'maintain' | 'gateway';
  /** The URL other instances and GET /v1/cluster give for this one (null: http://HOST:PORT as bound). */
  readonly advertiseUrl: string | null;
  /** How long the lease on the sources lasts without renewal: a failover takes about this long (DELTAVIEW_LEASE_MS). */
  readonly leaseMs: number;
}

function role(value: string | undefined): Config['role'] {
  if (value === undefined || value === '' || value === 'maintain') return 'maintain';
  if (value === 'gateway') return 'gateway';
  throw new Error(`DELTAVIEW_ROLE must be "maintain" (the default) or "gateway", got "${value}"`);
}

function advertiseUrl(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!/^https?:\/\/[^\s/]+$/.test(value)) throw new Error(`DELTAVIEW_ADVERTISE_URL must be an http(s) origin such as http://10.0.0.5:8080 (no path), got "${value}"`);
  return value;
}

function leaseMs(ms: number): number {
  // renewed every third of it: below a few hundred ms an ordinary pause (GC, a slow Redis reply) loses it
  if (ms < 300) throw new Error(`DELTAVIEW_LEASE_MS must be at least 300 (milliseconds), got ${ms}`);
  return ms;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const ident = (name: string, value: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(value)) throw new Error(`${name} must be a lower-case identifier, got "${value}"`);
    return value;
  };
  const positive = (name: string, value: string | undefined, dflt: number) => {
    if (value === undefined || value === '') return dflt;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (milliseconds), got "${value}"`);
    return n;
  };
  return {
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || null,
    redisUrl: env.REDIS_URL || null,
    kafkaBrokers: (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    kafkaSessionTimeoutMs: positive('KAFKA_SESSION_TIMEOUT_MS', env.KAFKA_SESSION_TIMEOUT_MS, 30_000),
    token: env.DELTAVIEW_TOKEN || null,
    metricsToken: env.DELTAVIEW_METRICS_TOKEN || null,
    jwtSecret: env.DELTAVIEW_JWT_SECRET || null,
    jwtPublicKey: env.DELTAVIEW_JWT_PUBLIC_KEY ? env.DELTAVIEW_JWT_PUBLIC_KEY.replace(/\\n/g, '\n') : null,
    slot: ident('DELTAVIEW_SLOT', env.DELTAVIEW_SLOT || 'deltaview'),
    publication: ident('DELTAVIEW_PUBLICATION', env.DELTAVIEW_PUBLICATION || 'deltaview'),
    dataDir: resolve(env.DELTAVIEW_DATA_DIR || './.deltaview'),
    role: role(env.DELTAVIEW_ROLE),
    advertiseUrl: advertiseUrl(env.DELTAVIEW_ADVERTISE_URL),
    leaseMs: leaseMs(positive('DELTAVIEW_LEASE_MS', env.DELTAVIEW_LEASE_MS, 5000)),
  };
}
