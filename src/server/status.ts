/**
 * `GET /v1/status` (an extension of the contract, read by the console): what
 * each view has applied since the server started (commits, row changes, the
 * time of the last one), its subscribers, and how far the PostgreSQL side is
 * behind. Clients turn the counters into rates by polling.
 */
import type { Context, Hono } from 'hono';
import type { Pipeline, PipelineObserver } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import { mayRead, type Grant } from './auth.ts';

interface ViewActivity {
  commits: number;
  changes: number;
  lastCommitMs: number | null;
}

/** Counts every view's commits as they land; passes each on to the next observer (metrics). */
export class Activity implements PipelineObserver {
  private readonly views = new Map<string, ViewActivity>();
  /** Subscribers per view (wired in once subscriptions exist). */
  subscribers: () => Map<string, number> = () => new Map();

  constructor(private readonly next?: PipelineObserver) {}

  committed(view: string, seconds: number, changes: number): void {
    this.seen(view, changes);
    this.next?.committed(view, seconds, changes);
  }

  /** A commit another instance made, seen in the view's diff log (a gateway's count). */
  seen(view: string, changes: number): void {
    let a = this.views.get(view);
    if (a === undefined) this.views.set(view, (a = { commits: 0, changes: 0, lastCommitMs: null }));
    a.commits++;
    a.changes += changes;
    a.lastCommitMs = Date.now();
  }

  of(view: string): Readonly<ViewActivity> {
    return this.views.get(view) ?? { commits: 0, changes: 0, lastCommitMs: null };
  }
}

export function statusRoute(app: Hono, views: ViewReader, pipeline: Pipeline | null, activity: Activity, grantOf: (c: Context) => Grant): void {
  app.get('/v1/status', async (c) => {
    const grant = grantOf(c);
    const r = pipeline === null ? null : await pipeline.replicationStatus().catch(() => null);
    const subscribers = activity.subscribers();
    const out: Record<string, unknown> = {};
    for (const v of views.list()) {
      if (!mayRead(grant, v.name)) continue;
      const a = activity.of(v.name);
      out[v.name] = {
        status: v.status,
        commits: a.commits,
        changes: a.changes,
        last_commit_at: a.lastCommitMs === null ? null : new Date(a.lastCommitMs).toISOString(),
        subscribers: subscribers.get(v.name) ?? 0,
      };
    }
    const replication = r === null ? null : { lag_bytes: r.lagBytes, lag_seconds: r.lagSeconds, retained_wal_bytes: r.retainedBytes };
    return c.json({ time: new Date().toISOString(), replication, views: out });
  });
}
