/**
 * `npm start`: configuration from the environment, embedded PostgreSQL and
 * Redis when none are configured, then the server; graceful shutdown on
 * SIGINT/SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from './config.ts';
import { createLog } from './log.ts';
import { startEmbeddedPostgres } from './services/embedded-postgres.ts';
import { answersPing, startRedisServer } from './services/redis-server.ts';
import { startGateway, startServer } from './server/server.ts';

let log: ReturnType<typeof createLog>;
try {
  log = createLog();
} catch (err) {
  process.stderr.write(`failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
const cleanups: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  const cfg = loadConfig();
  if (cfg.role === 'gateway' && (!cfg.databaseUrl || !cfg.redisUrl)) {
    throw new Error('DELTAVIEW_ROLE=gateway serves the views of another instance: set DATABASE_URL and REDIS_URL to that deployment\'s');
  }
  let pgUrl = cfg.databaseUrl;
  if (!pgUrl) {
    log(`DATABASE_URL is not set: starting an embedded PostgreSQL under ${join(cfg.dataDir, 'postgres')}`);
    const pg = await startEmbeddedPostgres({ dataDir: join(cfg.dataDir, 'postgres'), persistent: true });
    cleanups.unshift(() => pg.stop());
    pgUrl = pg.url;
    log(`embedded PostgreSQL: ${pgUrl}`);
  }
  let redisUrl = cfg.redisUrl;
  if (!redisUrl) {
    if (await answersPing(6379)) {
      redisUrl = 'redis://127.0.0.1:6379';
    } else if (onPath('redis-server')) {
      log(`nothing answers at redis://127.0.0.1:6379: starting a private redis-server under ${join(cfg.dataDir, 'redis')}`);
      const redis = await startRedisServer({ dataDir: join(cfg.dataDir, 'redis') });
      cleanups.unshift(() => redis.stop());
      redisUrl = redis.url;
      log(`private Redis: ${redisUrl}`);
    } else {
      throw new Error('REDIS_URL is not set, nothing answers at redis://127.0.0.1:6379 and redis-server is not on the PATH (apt-get install redis-server)');
    }
  }
  const server = await (cfg.role === 'gateway' ? startGateway : startServer)({
    pgUrl,
    redisUrl,
    port: cfg.port,
    host: cfg.host,
    token: cfg.token,
    metricsToken: cfg.metricsToken,
    jwtSecret: cfg.jwtSecret,
    jwtPublicKey: cfg.jwtPublicKey,
    slot: cfg.slot,
    publication: cfg.publication,
    kafkaBrokers: cfg.kafkaBrokers,
    kafkaSessionTimeoutMs: cfg.kafkaSessionTimeoutMs,
    advertiseUrl: cfg.advertiseUrl,
    leaseMs: cfg.leaseMs,
    onStuck: (why) => {
      log(`exiting: ${why}; started again it stands by`);
      process.exit(1);
    },
    log,
  });
  cleanups.unshift(() => server.stop());
  log(`${cfg.role === 'gateway' ? 'gateway ' : ''}listening on ${server.url} (health: ${server.url}/healthz, API: ${server.url}/v1/views, console: ${server.url}/console/)`);
}

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: shutting down`);
  for (const c of cleanups) await c().catch((err: Error) => log(`shutdown: ${err.message}`));
  process.exit(0);
}
// embedded-postgres installs exit hooks that stop PostgreSQL and exit(143) on a signal, racing our
// shutdown (final checkpoint, closing subscribers); ours stops everything in order instead.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(sig);
  process.on(sig, () => void shutdown(sig));
}

main().catch(async (err: Error) => {
  log(`failed to start: ${err.message}`);
  for (const c of cleanups) await c().catch(() => {});
  process.exit(1);
});
