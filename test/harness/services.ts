/**
 * Real services for integration tests: a throwaway PostgreSQL 15 with
 * wal_level=logical, a redis-server and, when asked for, the Kafka-protocol
 * test broker (librdkafka's mock cluster), all on random loopback ports,
 * torn down (data deleted) by stop().
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/services/embedded-postgres.ts';
import { startKafkaMock, type RunningKafka } from '../../src/services/kafka-mock.ts';
import { startRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';

export interface TestServices {
  readonly pg: RunningPostgres;
  readonly redis: RunningRedis;
  /** The Kafka-protocol test broker, when asked for. */
  readonly kafka: RunningKafka | null;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<RunningPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: dir, persistent: false, fast: true });
  return {
    ...pg,
    stop: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startServices(opts: { kafka?: boolean } = {}): Promise<TestServices> {
  const [pg, redis, kafka] = await Promise.all([startPostgres(), startRedisServer(), opts.kafka ? startKafkaMock(1) : null]);
  return {
    pg,
    redis,
    kafka,
    stop: async () => {
      await Promise.allSettled([pg.stop(), redis.stop(), kafka?.stop()]);
    },
  };
}
