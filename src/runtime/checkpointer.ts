/**
 * The source positions that make delivery exactly-once, and the checkpoint
 * that records them (all are transaction end positions of one source):
 *  - reflected: every transaction ending at or before it is committed to
 *    storage for every live view (advanced in stream order once commits resolve;
 *    keepalives and markers advance it between transactions);
 *  - durable: `reflected` as last written to storage as the checkpoint (raising
 *    every live view's stored position with it). Streaming (re)starts from
 *    min(durable, holds), where a hold is a backfilling view's snapshot point;
 *  - acknowledged: the source may forget its history up to min(durable as of
 *    ACK_DELAY_MS ago, holds): Redis' default `appendfsync everysec` has
 *    flushed a checkpoint by then.
 */
import type { Position } from '../cdc/types.ts';
import { FencedError, type RedisStore } from '../storage/redis-store.ts';

/** Acknowledgements trail the checkpoint by this much (Redis fsyncs its AOF every second). */
const ACK_DELAY_MS = 2000;
const CHECKPOINT_MS = 200;

export interface CheckpointerDeps {
  readonly store: RedisStore;
  /** The slot name recorded with the checkpoint. */
  readonly slot: string;
  /** Names of the views that are running and live (their stored positions are raised). */
  liveViews(): string[];
  /** The lowest position a backfilling view holds the source at, or null. */
  lowestHold(): Position | null;
  /** A new checkpoint is durable: the source may be acknowledged further. */
  onDurable(): void;
  readonly log: (m: string) => void;
}

export class Checkpointer {
  private reflectedAt = 0n;
  private durableAt = 0n;
  private ackable = 0n;
  /** Durable positions not yet old enough to acknowledge, oldest first. */
  private recent: { at: number; position: Position }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  /** While suspended (storage recovery) nothing advances and nothing is written. */
  suspended = false;

  constructor(private readonly deps: CheckpointerDeps) {}

  get reflected(): Position {
    return this.reflectedAt;
  }

  /** The last position written as the checkpoint. */
  get durable(): Position {
    return this.durableAt;
  }

  /** Start-up: everything up to the stored checkpoint `p` is durable (and was acknowledged before). */
  init(p: Position): void {
    this.reflectedAt = p;
    this.durableAt = p;
    this.ackable = p;
    this.recent = [];
  }

  /** Storage recovery: what is stored reaches only `p` (the lowest stored view position); never acknowledge past it. */
  rewind(p: Position): void {
    this.reflectedAt = p;
    this.durableAt = p;
    this.recent = this.recent.filter((d) => d.position <= p);
    if (this.ackable > p) this.ackable = p;
  }

  /** Records that everything ending at or before `p` is committed; false when it was already. */
  advance(p: Position): boolean {
    if (this.suspended || p <= this.reflectedAt) return false;
    this.reflectedAt = p;
    return true;
  }

  /** Where streaming (re)starts: everything before it is stored (or held for a backfill). */
  resumePosition(): Position {
    const hold = this.deps.lowestHold();
    return hold !== null && hold < this.durableAt ? hold : this.durableAt;
  }

  /** How far the source may be acknowledged: the resume point, as of ACK_DELAY_MS ago. */
  ackPosition(): Position {
    const cutoff = Date.now() - ACK_DELAY_MS;
    while (this.recent.length > 0 && this.recent[0]!.at <= cutoff) this.ackable = this.recent.shift()!.position;
    const r = this.resumePosition();
    return this.ackable < r ? this.ackable : r;
  }

  start(): void {
    this.timer = setInterval(() => void this.write(), CHECKPOINT_MS);
    this.timer.unref();
  }

  /** Stops the timer and writes a final checkpoint. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.writing = false;
    await this.write().catch(() => {});
  }

  /** Writes `reflected` as the checkpoint when it moved. */
  async write(): Promise<void> {
    if (this.writing || this.suspended) return;
    const target = this.reflectedAt;
    if (target <= this.durableAt) return;
    this.writing = true;
    try {
      await this.deps.store.setCheckpoint(target, this.deps.slot, this.deps.liveViews());
      if (!this.suspended && target > this.durableAt) {
        this.durableAt = target;
        this.recent.push({ at: Date.now(), position: target });
      }
      this.deps.onDurable();
    } catch (err) {
      // refused by a fence: this instance lost the views (the composition says so once, and stops it)
      if (!(err instanceof FencedError)) this.deps.log(`checkpoint failed: ${(err as Error).message}`);
    } finally {
      this.writing = false;
    }
  }
}
