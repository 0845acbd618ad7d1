/**
 * A local Redis Cluster for integration tests: `n` redis-server nodes with cluster-enabled on
 * random loopback ports, joined by `redis-cli --cluster create` (no replicas), and slot moves
 * with `redis-cli --cluster reshard` while traffic flows.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { startRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';

const run = promisify(execFile);

export interface RedisCluster {
  readonly nodes: readonly RunningRedis[];
  /** Moves `slots` slots from node `from` to node `to` (indexes into nodes), keys and all. */
  reshard(from: number, to: number, slots: number): Promise<void>;
  /** The node that serves `key`'s slot now (index into nodes). */
  nodeOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

async function nodeId(node: RunningRedis): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(node.port), 'CLUSTER', 'MYID']);
  return stdout.trim();
}

async function clusterOk(node: RunningRedis): Promise<boolean> {
  const { stdout } = await run('redis-cli', ['-p', String(node.port), 'CLUSTER', 'INFO']);
  return /cluster_state:ok/.test(stdout);
}

export async function startRedisCluster(n = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-redis-cluster-'));
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startRedisServer({ dataDir: join(dir, String(i)), cluster: true })));
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((x) => `127.0.0.1:${x.port}`), '--cluster-replicas', '0', '--cluster-yes']);
  const deadline = Date.now() + 20_000;
  while (!(await Promise.all(nodes.map(clusterOk))).every(Boolean)) {
    if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    nodes,
    async reshard(from, to, slots) {
      const [a, b] = await Promise.all([nodeId(nodes[from]!), nodeId(nodes[to]!)]);
      await run('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${nodes[from]!.port}`, '--cluster-from', a, '--cluster-to', b, '--cluster-slots', String(slots), '--cluster-yes', '--cluster-pipeline', '100']);
    },
    async nodeOf(key) {
      const c = createClient({ url: nodes[0]!.url });
      await c.connect();
      try {
        const slot = await c.sendCommand<number>(['CLUSTER', 'KEYSLOT', key]);
        const shards = await c.sendCommand<[number, number, [string, number, string]][]>(['CLUSTER', 'SLOTS']);
        const owner = shards.find(([lo, hi]) => slot >= lo && slot <= hi)!;
        return nodes.findIndex((x) => x.port === Number(owner[2][1]));
      } finally {
        await c.close();
      }
    },
    async stop() {
      await Promise.allSettled(nodes.map((x) => x.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
