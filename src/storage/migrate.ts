/**
 * Runs the layout migrations in migrations/ in order, recording the version
 * in dv:layout. A store written by a newer deltaview is refused.
 */
import { MIGRATIONS, type RedisCommands } from '../../migrations/index.ts';
import { LAYOUT_KEY } from './keys.ts';

export async function runMigrations(client: RedisCommands, log: (m: string) => void): Promise<void> {
  const current = Number((await client.sendCommand<string | null>(['GET', LAYOUT_KEY])) ?? 0);
  const latest = MIGRATIONS.length;
  if (current > latest) {
    throw new Error(`the Redis store has layout version ${current}, newer than this deltaview understands (${latest}); upgrade deltaview`);
  }
  for (let v = current + 1; v <= latest; v++) {
    const m = MIGRATIONS[v - 1]!;
    log(`migrating Redis layout to version ${v}: ${m.description}`);
    await m.up(client);
    await client.sendCommand(['SET', LAYOUT_KEY, String(v)]);
  }
}
