import type { Migration } from './index.ts';

/** The deployment-wide hashes before layout 3, and where they are from it on. */
const MOVES: readonly (readonly [string, string])[] = [
  ['dv:views', 'dv:{dv}:views'],
  ['dv:source:pg', 'dv:{dv}:source:pg'],
  ['dv:sources', 'dv:{dv}:sources'],
  ['dv:instances', 'dv:{dv}:instances'],
];

/**
 * Layout 3: the deployment-wide data (the view catalog, the checkpoint and the lease, the Kafka
 * source declarations, the instance heartbeats) share the hash tag {dv}, so that on a Redis Cluster
 * they sit in one slot and a script may check the lease while it writes the catalog. Each hash is
 * copied field by field (RENAME cannot cross slots) and the old key removed.
 */
export const m003DeploymentSlot: Migration = {
  description: 'deployment-wide hashes under one hash tag ({dv}) for Redis Cluster',
  async up(client) {
    for (const [from, to] of MOVES) {
      const flat = await client.sendCommand<string[]>(['HGETALL', from]);
      for (let i = 0; i < flat.length; i += 1000) await client.sendCommand(['HSET', to, ...flat.slice(i, i + 1000)]);
      if (flat.length > 0) await client.sendCommand(['DEL', from]);
    }
  },
};
