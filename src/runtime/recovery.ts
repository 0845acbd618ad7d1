/**
 * Recovery from a storage failure: when Redis rejects a commit, what the
 * runtime holds in memory past the stored positions can no longer be trusted.
 * Recovery stops the source, reloads every running view's stored position,
 * sequence number and operator state, republishes diffs that landed but whose
 * replies were lost, and streams again from the lowest stored position,
 * retrying with backoff until storage answers. When storage came back without
 * the data set the views were written to (Redis restarted empty), every view
 * is rebuilt from a fresh snapshot instead (`rebuildIfLost`).
 */
import type { Position, Source } from '../cdc/types.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { KafkaFeed } from './kafka-feed.ts';
import type { DiffEvent } from './pipeline.ts';
import { parseLogId, type ViewState } from './view-state.ts';

/** What recovery needs of the runtime. */
export interface RecoveryHost {
  readonly store: RedisStore;
  readonly source: Source;
  readonly positions: Checkpointer;
  /** The Kafka sources: stopped with the source, restarted from their stored positions. */
  readonly kafka: Pick<KafkaFeed, 'stop' | 'restartFromStore'>;
  readonly log: (m: string) => void;
  views(): Iterable<ViewState>;
  stopped(): boolean;
  /** Waits until every commit issued so far has settled. */
  drain(): Promise<void>;
  /** Forgets commits in flight (they have all settled) and enters or leaves the recovering state. */
  setRecovering(on: boolean): void;
  /** Rebuilds a stateful view's operators from its stored state. */
  restoreState(v: ViewState): Promise<void>;
  publish(v: ViewState, e: DiffEvent): void;
  /** When storage lost the views' data set: puts the definitions back and rebuilds every view; true then. */
  rebuildIfLost(): Promise<boolean>;
  gone(view: string, code: string, message: string): void;
}

export async function recoverFromStorage(host: RecoveryHost): Promise<void> {
  let delay = 200;
  await host.source.stop();
  await host.kafka.stop();
  await host.drain();
  while (!host.stopped()) {
    try {
      let from: Position = host.positions.durable;
      await host.rebuildIfLost();
      for (const v of host.views()) {
        if (v.status !== 'running') continue; // backfilling views retry on their own; failed ones are out
        const meta = await host.store.getMeta(v.def.name);
        if (meta.status !== 'running' || meta.lsn === null) continue;
        // in-memory operator state may be ahead of what was stored: rebuild it from storage
        await host.restoreState(v);
        v.applied = meta.lsn;
        v.kafka = new Map(meta.kafka);
        [v.logMs, v.logSeq] = parseLogId(meta.token);
        v.liveFrom = meta.lsn;
        v.seq = meta.seq;
        v.hold = null;
        if (meta.lsn < from) from = meta.lsn;
        await republish(host, v, meta.token);
      }
      host.positions.rewind(from);
      await host.kafka.restartFromStore();
      host.setRecovering(false);
      await host.source.restart();
      host.log(`stream restarted from ${host.source.formatPosition(host.positions.resumePosition())}`);
      return;
    } catch (e) {
      host.setRecovering(true);
      host.log(`recovery attempt failed: ${(e as Error).message}; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Sends subscribers the diffs stored after the last one they were given (replies lost with a connection). */
async function republish(host: RecoveryHost, v: ViewState, current: string | null): Promise<void> {
  if (v.lastToken === null || current === null || v.lastToken === current) return;
  const entries = await host.store.logSince(v.def.name, v.lastToken, current);
  if (entries === null) {
    host.gone(v.def.name, 'lagging', 'the diff stream was interrupted; reconnect with ?since=<last token> to resume');
    v.lastToken = current;
    return;
  }
  for (const e of entries) host.publish(v, { view: v.def.name, token: e.token, prev: e.prev, lsn: BigInt(e.token.split('-')[0]!), changes: e.changes });
}
