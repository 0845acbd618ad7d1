/**
 * Read-your-writes waiters: requests waiting until a view reflects a source
 * position (`min_lsn`), resolved true when it does and false on timeout or
 * when the view goes away.
 */
import type { Position } from '../cdc/types.ts';

interface Waiter {
  readonly view: string;
  readonly position: Position;
  readonly resolve: (ok: boolean) => void;
}

export class ReadWaiters {
  private readonly waiters = new Set<Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  /** Waits (at most `timeoutMs`) until `settleReached` finds the view at or past `position`. */
  wait(view: string, position: Position, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const w: Waiter = { view, position, resolve };
      this.waiters.add(w);
      setTimeout(() => this.settle(w, false), timeoutMs).unref();
    });
  }

  /**
   * Resolves the waiters whose view now reflects their position (`reflected(view)`, null while
   * the view is not live; only `view` when given). True when some of them must keep waiting.
   */
  settleReached(reflected: (view: string) => Position | null, view?: string): boolean {
    let pending = false;
    for (const w of this.waiters) {
      if (view !== undefined && w.view !== view) continue;
      const r = reflected(w.view);
      if (r !== null && r >= w.position) this.settle(w, true);
      else pending = true;
    }
    return pending;
  }

  /** Resolves every waiter of `view` (or all) false: the view was deleted or failed, or the server stops. */
  cancel(view?: string): void {
    for (const w of [...this.waiters]) if (view === undefined || w.view === view) this.settle(w, false);
  }

  private settle(w: Waiter, ok: boolean): void {
    if (this.waiters.delete(w)) w.resolve(ok);
  }
}
