/**
 * The views as a gateway instance (DELTAVIEW_ROLE=gateway) or a standby sees
 * them: read from Redis alone, maintained elsewhere. The catalog, every view's
 * status and position and the Kafka sources' offsets are re-read every POLL_MS; diffs arrive by blocking reads of
 * the views' diff logs (src/storage/log-tail.ts), in log order, each checked
 * against the one before it (its `prev`), so a subscriber of a gateway gets
 * exactly the diffs a subscriber of the maintaining instance gets. When the
 * chain breaks (the log was trimmed past what the gateway read, or the view
 * was rebuilt between two polls), the view's subscribers are told to resume.
 */
import type { Position } from '../cdc/types.ts';
import { DeltaviewError } from '../errors.ts';
import type { LogTail } from '../storage/log-tail.ts';
import type { RedisStore, StoredViewDef, StoredViewMeta } from '../storage/redis-store.ts';
import { parseTypeName } from '../values/index.ts';
import type { Column, SqlSettings } from '../views/types.ts';
import type { DiffEvent, PipelineListener, ViewInfo } from './pipeline.ts';
import type { ViewReader } from './view-reader.ts';

const POLL_MS = 250;
const BLOCK_MS = 500;
const WAIT_STEP_MS = 20;

interface Mirrored {
  def: StoredViewDef;
  columns: readonly Column[];
  meta: StoredViewMeta;
  /** The last diff-log id delivered (null while the view is not running here). */
  lastId: string | null;
  /** Highest position known reflected (meta, or a diff seen since). */
  lsn: Position | null;
}

export class ViewMirror implements ViewReader {
  private readonly views = new Map<string, Mirrored>();
  /** Each Kafka source some view reads: how far it was read, per partition (as of the last poll). */
  private readonly sourceOffsets = new Map<string, ReadonlyMap<number, bigint>>();
  private readonly listeners: PipelineListener[] = [];
  private stopped = false;
  private poller: NodeJS.Timeout | null = null;
  private tailing: Promise<void> | null = null;

  constructor(
    private readonly store: RedisStore,
    private readonly tail: LogTail,
    private readonly settings: SqlSettings,
    private readonly log: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    const poll = () => {
      this.poller = setTimeout(() => {
        this.refresh()
          .catch((err: Error) => this.log(`gateway: reading the catalog from Redis failed: ${err.message}`))
          .finally(() => {
            if (!this.stopped) poll();
          });
      }, POLL_MS);
    };
    poll();
    this.tailing = this.tailLoop();
    this.log(`gateway: serving ${this.views.size} views maintained by other instances`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller !== null) clearTimeout(this.poller);
    await this.tail.close();
    await this.tailing?.catch(() => {});
  }

  addListener(l: PipelineListener): void {
    this.listeners.push(l);
  }

  list(): ViewInfo[] {
    return [...this.views.values()].map((m) => this.info(m));
  }

  get(name: string): ViewInfo {
    return this.info(this.mirrored(name));
  }

  columns(name: string): readonly Column[] {
    return this.mirrored(name).columns;
  }

  sqlSettings(): SqlSettings {
    return this.settings;
  }

  reflectedLsn(name: string): Position | null {
    const m = this.mirrored(name);
    return m.meta.status === 'running' ? m.lsn : null;
  }

  async waitFor(name: string, lsn: Position, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.views.get(name);
      if (m === undefined || m.meta.status === 'failed') return false;
      if (m.meta.status === 'running' && m.lsn !== null && m.lsn >= lsn) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(WAIT_STEP_MS, Math.max(1, deadline - Date.now()))));
      // read-your-writes: look at the stored position now rather than at the next poll
      if (m.meta.status === 'running') await this.refreshMeta(name).catch(() => {});
    }
  }

  private mirrored(name: string): Mirrored {
    const m = this.views.get(name);
    if (m === undefined) throw new DeltaviewError('not_found', `view "${name}" does not exist`);
    return m;
  }

  private info(m: Mirrored): ViewInfo {
    const status = m.meta.status ?? 'backfilling';
    return {
      name: m.def.name,
      sql: m.def.sql,
      columns: m.def.columns,
      key: m.def.key,
      status,
      lsn: status === 'running' ? m.lsn : null,
      error: m.meta.error,
      // the maintaining instance knows the estimate; Redis keeps the rows done
      backfill: status === 'backfilling' ? { rowsDone: m.meta.progressRows, rowsEstimated: 0, rowsPerSecond: 0 } : null,
      offsets: status === 'running' ? this.offsets(m) : null,
    };
  }

  /**
   * As the maintaining instance shows them: per Kafka source the view reads, per partition, the
   * next offset not yet reflected (the source's stored position, or the view's own last commit of
   * the partition when that is further).
   */
  private offsets(m: Mirrored): Record<string, Record<string, string>> | null {
    const kafka = (m.def.sources ?? []).filter((t) => t.id.startsWith('kafka:')).map((t) => t.id.slice('kafka:'.length));
    if (kafka.length === 0) return null;
    const out: Record<string, Record<string, string>> = {};
    for (const source of kafka) {
      const o: Record<string, string> = {};
      for (const [p, n] of this.sourceOffsets.get(source) ?? []) {
        const own = m.meta.kafka.get(`${source}:${p}`);
        o[String(p)] = String(own !== undefined && own > n ? own : n);
      }
      out[source] = o;
    }
    return out;
  }

  private async refreshMeta(name: string): Promise<void> {
    const m = this.views.get(name);
    if (m === undefined) return;
    this.observe(name, m, await this.store.getMeta(name));
  }

  /** Reads the catalog and every view's status; tells subscribers of views that went away. */
  private async refresh(): Promise<void> {
    const defs = await this.store.listViewDefs();
    const names = new Set(defs.map((d) => d.name));
    for (const [name] of this.views) {
      if (names.has(name)) continue;
      this.views.delete(name);
      this.gone(name, 'not_found', `view "${name}" was deleted`);
    }
    const metas = await Promise.all(defs.map((d) => this.store.getMeta(d.name)));
    const sources = new Set(defs.flatMap((d) => (d.sources ?? []).filter((t) => t.id.startsWith('kafka:')).map((t) => t.id.slice('kafka:'.length))));
    for (const name of this.sourceOffsets.keys()) if (!sources.has(name)) this.sourceOffsets.delete(name);
    await Promise.all([...sources].map(async (name) => this.sourceOffsets.set(name, await this.store.kafkaOffsets(name))));
    defs.forEach((def, i) => {
      let m = this.views.get(def.name);
      if (m === undefined || m.def.createdAt !== def.createdAt) {
        if (m !== undefined) this.gone(def.name, 'not_found', `view "${def.name}" was deleted and created again`);
        m = { def, columns: def.columns.map((c) => ({ name: c.name, type: parseTypeName(c.type) })), meta: metas[i]!, lastId: null, lsn: null };
        this.views.set(def.name, m);
      }
      this.observe(def.name, m, metas[i]!);
    });
  }

  /** A view's stored status and position as just read. */
  private observe(name: string, m: Mirrored, meta: StoredViewMeta): void {
    const was = m.meta.status;
    m.meta = meta;
    if (meta.status === 'running') {
      if (m.lastId === null) {
        m.lastId = meta.token ?? '0';
        m.lsn = meta.lsn;
      } else if (meta.lsn !== null && (m.lsn === null || meta.lsn > m.lsn)) m.lsn = meta.lsn;
      return;
    }
    if (m.lastId === null) return;
    m.lastId = null;
    m.lsn = null;
    if (meta.status === 'failed') this.gone(name, 'view_failed', `view "${name}" has failed: ${meta.error ?? 'unknown error'}`);
    else if (was === 'running') this.gone(name, 'rebuilding', `view "${name}" is being rebuilt; reconnect to get a fresh snapshot once it runs`);
  }

  private async tailLoop(): Promise<void> {
    while (!this.stopped) {
      const after = new Map<string, string>();
      for (const [name, m] of this.views) if (m.lastId !== null) after.set(name, m.lastId);
      if (after.size === 0) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      let got;
      try {
        got = await this.tail.read(after, BLOCK_MS);
      } catch (err) {
        if (this.stopped) return;
        this.log(`gateway: reading the diff logs failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [name, entries] of got) {
        const m = this.views.get(name);
        // the view went away or stopped running while the read was out: the next poll starts it afresh
        if (m === undefined || m.lastId === null || m.lastId !== after.get(name)) continue;
        for (const e of entries) {
          if (e.prev !== m.lastId && m.lastId !== '0') {
            this.log(`gateway: view ${name}: diff ${e.token} follows ${e.prev}, not ${m.lastId}: its subscribers resume`);
            this.gone(name, 'lagging', `the gateway missed diffs of view "${name}" (its log moved on); reconnect with ?since=<last token> to resume`);
          }
          m.lastId = e.token;
          const lsn = BigInt(e.token.split('-')[0]!);
          if (m.lsn === null || lsn > m.lsn) m.lsn = lsn;
          const event: DiffEvent = { view: name, token: e.token, prev: e.prev, lsn, changes: e.changes };
          for (const l of this.listeners) l.diff(event);
        }
      }
    }
  }

  private gone(view: string, code: string, message: string): void {
    for (const l of this.listeners) l.gone(view, code, message);
  }
}
