/**
 * A dedicated Redis connection that blocks on views' diff logs (XREAD BLOCK):
 * how a gateway instance learns of every diff another instance commits. A
 * blocking read holds its connection, so it gets one of its own.
 */
import { createClient } from 'redis';
import { viewKeys } from './keys.ts';
import type { LogEntry } from './redis-store.ts';

export class LogTail {
  private constructor(private readonly client: { sendCommand<T>(args: string[]): Promise<T>; close(): Promise<unknown> }) {}

  static async connect(url: string, log: (m: string) => void): Promise<LogTail> {
    const client = createClient({ url, RESP: 2, socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) } });
    client.on('error', (err: Error) => log(`redis (log tail): ${err.message}`));
    await client.connect();
    return new LogTail({ sendCommand: <T>(args: string[]) => client.sendCommand<T>(args), close: () => client.close() });
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
    const reply = await this.client.sendCommand<[string, [string, string[]][]][] | null>([
      'XREAD', 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', ...byKey.keys(), ...names.map((n) => after.get(n)!),
    ]);
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
