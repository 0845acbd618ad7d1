/**
 * The deployment's lease on its sources (the replication slot and the Kafka consumer group, and
 * with them every view): one engine instance holds it and maintains the views, the others stand
 * by and take it when it runs out. The lease lives in Redis (LEASE in src/storage/scripts.ts, on
 * Redis's clock); its epoch is the fencing token every write of the holder carries, so a holder
 * that was paused or cut off past its lease can never write after another took over.
 *
 * The holder renews every ttl/3, keeping its epoch. It has lost the lease when a renewal finds
 * another holder or a later epoch (it ran out and was taken meanwhile), or when no renewal has
 * succeeded for a whole ttl (it may have run out: another instance may hold it now). A lease that
 * vanished (Redis lost its data) with no later holder is taken back at the same epoch.
 */
import type { LeaseState, RedisStore } from '../storage/redis-store.ts';

export interface LeaseOptions {
  readonly store: RedisStore;
  /** This instance's id (the membership id: GET /v1/cluster names the holder by it). */
  readonly id: string;
  readonly ttlMs: number;
  readonly log: (m: string) => void;
  /** The lease is lost (called once per holding; the holder must stop writing). */
  readonly onLost: () => void;
}

export class SourceLease {
  /** The epoch while this instance holds the lease, else null. */
  private held: number | null = null;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: LeaseOptions) {}

  get epoch(): number | null {
    return this.held;
  }

  /**
   * One attempt to take the lease; true when this instance holds it now (and renews it from
   * then on). `from`: take it from that holder even if it has not run out (it is known dead).
   */
  async acquire(from?: string): Promise<LeaseState> {
    const t0 = Date.now();
    const s = await this.opts.store.lease(from === undefined ? 'acquire' : 'take', this.opts.id, this.opts.ttlMs, from);
    if (s.held && this.held === null) {
      this.held = s.epoch;
      this.renewedAt = t0;
      this.schedule();
    }
    return s;
  }

  /** Gives the lease up (after the last write): a standby takes it at once instead of after the ttl. */
  async release(): Promise<void> {
    this.cancel();
    if (this.held === null) return;
    this.held = null;
    await this.opts.store.lease('release', this.opts.id, this.opts.ttlMs).catch(() => {});
  }

  /** Stops renewing (the lease then runs out by itself). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Another instance holds a newer lease, whatever the last renewal said: stop renewing and forget it. */
  forfeit(): void {
    this.cancel();
    this.held = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.renew(), Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const epoch = this.held;
    if (epoch === null) return;
    const t0 = Date.now();
    let lost: string | null = null;
    try {
      const s = await this.opts.store.lease('renew', this.opts.id, this.opts.ttlMs, String(epoch));
      if (!s.held) lost = s.owner === '' ? `another instance held it since (epoch ${epoch} → ${s.epoch})` : `instance ${s.owner} holds it (epoch ${s.epoch})`;
      else this.renewedAt = t0;
    } catch (err) {
      if (t0 - this.renewedAt >= this.opts.ttlMs) lost = `it could not be renewed for ${t0 - this.renewedAt} ms (${(err as Error).message})`;
    }
    if (this.held !== epoch) return; // released meanwhile
    if (lost === null) {
      this.schedule();
      return;
    }
    this.held = null;
    this.opts.log(`lease: lost the lease on the sources: ${lost}; this instance stops maintaining views`);
    this.opts.onLost();
  }
}
