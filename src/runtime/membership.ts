/**
 * The instances of one deployment (servers on the same DATABASE_URL and
 * REDIS_URL), as GET /v1/cluster shows them: each instance writes a heartbeat
 * to Redis every HEARTBEAT_MS (its URL, role, the views it maintains and its
 * replication lag) and removes it when it stops. An instance whose last
 * heartbeat is older than GONE_AFTER_MS (killed, paused, cut off) is gone: it
 * is left out of the list and its entry is pruned by the next instance that
 * reads it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RedisStore } from '../storage/redis-store.ts';

export const HEARTBEAT_MS = 1000;
export const GONE_AFTER_MS = 5 * HEARTBEAT_MS;
const STOP_WAIT_MS = 1000;

export interface InstanceLag {
  readonly bytes: number | null;
  readonly seconds: number | null;
}

export interface InstanceInfo {
  readonly id: string;
  readonly url: string;
  /** maintain: holds the lease and maintains the views; standby: an engine waiting to take over; gateway: serves only. */
  readonly role: 'maintain' | 'standby' | 'gateway';
  readonly started_at: string;
  readonly heartbeat_at: string;
  /** The views this instance maintains (none on a gateway). */
  readonly views: readonly string[];
  /** How far behind the source log its views are (null on a gateway, or while unknown). */
  readonly lag: InstanceLag | null;
}

export interface MembershipOptions {
  readonly store: RedisStore;
  /** What the instance is and maintains right now, read at each heartbeat. */
  readonly maintains: () => Promise<{ role: InstanceInfo['role']; views: readonly string[]; lag: InstanceLag | null }>;
  readonly log: (m: string) => void;
}

export class Membership {
  /** host:pid:random, unique across restarts of the same process id. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private failing = false;
  private stopped = false;
  private url = '';

  constructor(private readonly opts: MembershipOptions) {}

  /** Writes the first heartbeat under `url` (known once the port is bound), then one every HEARTBEAT_MS. */
  async start(url: string): Promise<void> {
    this.url = url;
    await this.beat();
    const next = () => {
      this.timer = setTimeout(() => {
        this.beating = this.beat().finally(() => {
          if (!this.stopped) next();
        });
      }, HEARTBEAT_MS);
      this.timer.unref();
    };
    next();
  }

  /**
   * Stops beating and removes this instance's entry (others see it gone at once). Waits at most
   * STOP_WAIT_MS for Redis: a shutdown never hangs on an unresponsive Redis (the entry then ages out).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS)));
    const remove = this.beating.then(() => this.opts.store.removeInstances([this.id])).catch(() => {});
    await Promise.race([remove, bound]);
    clearTimeout(timer);
  }

  /** Writes a heartbeat now (after a change of role, so that the list shows it at once). */
  async refresh(): Promise<void> {
    if (!this.stopped) await this.beat();
  }

  /** The live instances, this one first, then by start time; stale entries are pruned. */
  async list(now = Date.now()): Promise<InstanceInfo[]> {
    const all = await this.opts.store.listInstances();
    const live: InstanceInfo[] = [];
    const gone: string[] = [];
    for (const [id, text] of all) {
      let info: InstanceInfo | null;
      try {
        info = JSON.parse(text) as InstanceInfo;
      } catch {
        info = null;
      }
      if (info === null || now - Date.parse(info.heartbeat_at) > GONE_AFTER_MS) gone.push(id);
      else live.push(info);
    }
    await this.opts.store.removeInstances(gone).catch(() => {});
    return live.sort((a, b) => (a.id === this.id ? -1 : b.id === this.id ? 1 : a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id)));
  }

  private async beat(): Promise<void> {
    try {
      const { role, views, lag } = await this.opts.maintains();
      const info: InstanceInfo = { id: this.id, url: this.url, role, started_at: this.startedAt, heartbeat_at: new Date().toISOString(), views, lag };
      await this.opts.store.putInstance(this.id, JSON.stringify(info));
      if (this.failing) this.opts.log('cluster: heartbeat written again');
      this.failing = false;
    } catch (err) {
      // logged once per outage: Redis being down is reported by the store and the pipeline too
      if (!this.failing) this.opts.log(`cluster: cannot write this instance's heartbeat: ${(err as Error).message}`);
      this.failing = true;
    }
  }
}
