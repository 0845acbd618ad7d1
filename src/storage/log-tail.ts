/**
 * A dedicated Redis connection that blocks on views' diff logs (XREAD BLOCK):
 * how a gateway instance learns of every diff another instance commits. A
 * blocking read holds its connection, so it gets one of its own. On a Redis
 * Cluster one XREAD cannot name keys of several slots, and a blocking one would
 * hold the node's connection: each view's log is read on its own, without
 * blocking, every CLUSTER_POLL_MS while nothing comes.
 */
import { connectRedis, type RedisConnection } from './connection.ts';
import { viewKeys } from './keys.ts';
import type { LogEntry } from './redis-store.ts';

const CLUSTER_POLL_MS = 25;

type XReadReply = [string, [string, string[]][]][] | null;

export class LogTail {
  private constructor(private readonly client: RedisConnection) {}

  static async connect(url: string, log: (m: string) => void): Promise<LogTail> {
    return new LogTail(await connectRedis(url, log, { failWhileDisconnected: false, name: ' (log tail)' }));
  }

  /**
   * The entries after `after` of each view's log (its last id seen; '0' for all), waiting up to
   * `blockMs` for the first one; at most `count` per view. Views whose logs have nothing new are absent.
   */
  async read(after: ReadonlyMap<string, string>, blockMs: number, count = 1000): Promise<Map<string, LogEntry[]>> {
    const out = new Map<string, LogEntry[]>();
    if (after.size === 0) return out;
    const names = [...after.keys()];
    const byKey = new Map(names.map((n) => [viewKeys(n).log, n]));
    let reply: XReadReply;
    if (!this.client.cluster) {
      reply = await this.client.sendCommand<XReadReply>(['XREAD', 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', ...byKey.keys(), ...names.map((n) => after.get(n)!)]);
    } else {
      const deadline = Date.now() + blockMs;
      for (;;) {
        const each = await Promise.all(names.map((n) => this.client.sendCommand<XReadReply>(['XREAD', 'COUNT', String(count), 'STREAMS', viewKeys(n).log, after.get(n)!])));
        reply = each.flatMap((r) => r ?? []);
        if (reply.length > 0 || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, Math.min(CLUSTER_POLL_MS, Math.max(1, deadline - Date.now()))));
      }
    }
    for (const [key, entries] of reply ?? []) {
      const view = byKey.get(key);
      if (view === undefined) continue;
      out.set(
        view,
        entries.map(([id, fields]) => {
          const f = new Map<string, string>();
          for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
          return { token: id, prev: f.get('prev') ?? '', changes: f.get('changes') ?? '[]' };
        }),
      );
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}
