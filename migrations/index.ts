/**
 * Versioned changes of the Redis layout and catalog. Migration N brings a
 * store from layout N-1 to N; they run in order at start (src/storage/migrate.ts).
 * Append only: never edit a migration that has shipped.
 */
import { m001Initial } from './001-initial.ts';
import { m002ViewState } from './002-view-state.ts';
import { m003DeploymentSlot } from './003-deployment-slot.ts';

/** The slice of a Redis client that migrations use. */
export interface RedisCommands {
  sendCommand<T = unknown>(args: ReadonlyArray<string>): Promise<T>;
}

export interface Migration {
  readonly description: string;
  up(client: RedisCommands): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [m001Initial, m002ViewState, m003DeploymentSlot];
