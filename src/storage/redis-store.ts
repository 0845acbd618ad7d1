/**
 * All Redis I/O of deltaview: the view catalog, view rows, diff logs, view
 * positions and the source checkpoint. One connection carries every write in
 * order (node-redis pipelines commands issued together), so commits land in
 * commit order; per-view atomicity comes from the Lua scripts.
 */
import { createHash } from 'node:crypto';
import { connectRedis } from './connection.ts';
import type { StateChange, ViewChange, ViewDelta } from '../views/types.ts';
import { INSTANCES_KEY, PG_SOURCE_KEY, SOURCES_KEY, sourceKeys, VIEWS_KEY, viewKeys } from './keys.ts';
import { runMigrations } from './migrate.ts';
import { BACKFILL_CHUNK, BEGIN_BACKFILL, BUMP, CHECKPOINT, COMMIT, FENCED_CATALOG, FENCED_DEL, FENCED_HSET, KAFKA_ADVANCE, LEASE, PAGE, RAISE_FENCE, ROWS_BY_KEY, SETTLE, SNAPSHOT } from './scripts.ts';

/** The part of a node-redis client the store uses (all commands go through sendCommand). */
interface Client {
  sendCommand<T>(args: ReadonlyArray<string>): Promise<T>;
  close(): Promise<void>;
}

/** A view's definition as persisted in the catalog. */
export interface StoredViewDef {
  readonly name: string;
  readonly sql: string;
  readonly createdAt: string;
  /** Output columns as shown in the API (name, PostgreSQL type name). */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly key: readonly string[];
  /** The other views it reads (absent in definitions stored before views could read views). */
  readonly dependsOn?: readonly string[];
  /**
   * The source tables as the view was built over them: id (a recreated table has a new one) and
   * the columns it reads as "name type" (absent in definitions stored before this was kept).
   */
  readonly sources?: readonly { readonly table: string; readonly id: string; readonly columns: readonly string[] }[];
}

/** A view's persisted state. */
export interface StoredViewMeta {
  readonly status: 'backfilling' | 'running' | 'failed' | null;
  /** Highest transaction end LSN reflected in the stored rows (null before the first backfill completes). */
  readonly lsn: bigint | null;
  readonly token: string | null;
  readonly error: string | null;
  /** Number of commits since the backfill: the sequence number the next commit must carry. */
  readonly seq: number;
  /** Per Kafka partition (`<source>:<partition>`), the offset before which every message is reflected. */
  readonly kafka: ReadonlyMap<string, bigint>;
  /** Rows a backfill in progress has written. */
  readonly progressRows: number;
}

/**
 * What a commit did: the diff-log token it wrote, the token before it, and the changes as a
 * JSON array. `replay`: the transaction had already been applied; this is its stored entry.
 */
export interface CommitResult {
  readonly token: string;
  readonly prev: string;
  readonly changes: string;
  readonly replay: boolean;
}

export interface LogEntry {
  readonly token: string;
  readonly prev: string;
  /** JSON array of change objects. */
  readonly changes: string;
}

const LOG_MAX = 10_000;

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const scripts = {
  commit: new Script(COMMIT),
  page: new Script(PAGE),
  snapshot: new Script(SNAPSHOT),
  settle: new Script(SETTLE),
  rowsByKey: new Script(ROWS_BY_KEY),
  bump: new Script(BUMP),
  kafka: new Script(KAFKA_ADVANCE),
  raiseFence: new Script(RAISE_FENCE),
  beginBackfill: new Script(BEGIN_BACKFILL),
  backfillChunk: new Script(BACKFILL_CHUNK),
  fencedHset: new Script(FENCED_HSET),
  fencedDel: new Script(FENCED_DEL),
  lease: new Script(LEASE),
  checkpoint: new Script(CHECKPOINT),
  catalog: new Script(FENCED_CATALOG),
};

/** What the lease script says: whether the caller holds the lease now, its epoch, its owner ('' none) and the ms left. */
export interface LeaseState {
  readonly held: boolean;
  readonly epoch: number;
  readonly owner: string;
  readonly msLeft: number;
}

export class RedisStore {
  private constructor(readonly client: Client) {}

  /**
   * The lease epoch this store writes views and sources under (see FENCE in scripts.ts): a write
   * to keys whose fence is higher is refused with FencedError. '' writes unfenced (one instance
   * without a lease: storage tests, tools).
   */
  fence = '';
  /** Called once per refused write, before it rejects (the instance lost its views to another). */
  onFenced: (() => void) | null = null;

  /** Connects, loads the scripts and runs layout migrations. */
  static async connect(url: string, log: (m: string) => void = () => {}): Promise<RedisStore> {
    // Never hold commands while disconnected and send them after a reconnect: a commit issued
    // before a failure must not land after the pipeline has started recovering.
    const conn = await connectRedis(url, log, { failWhileDisconnected: true, name: '' });
    const store = new RedisStore(conn);
    conn.onReconnect(() => {
      for (const l of store.reconnected) l();
    });
    // on a cluster each node learns a script at its first EVAL (evalsha falls back to it)
    if (!conn.cluster) for (const s of Object.values(scripts)) await conn.sendCommand(['SCRIPT', 'LOAD', s.source]);
    await runMigrations(store.client, log);
    return store;
  }

  /** Called after the connection to Redis was lost and made again. */
  readonly reconnected: (() => void)[] = [];

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }

  private async evalsha<T>(script: Script, keys: string[], args: string[]): Promise<T> {
    const cmd = [String(keys.length), ...keys, ...args];
    try {
      return await this.client.sendCommand<T>(['EVALSHA', script.sha, ...cmd]);
    } catch (err) {
      if (!String(err).includes('NOSCRIPT')) throw err;
      return this.client.sendCommand<T>(['EVAL', script.source, ...cmd]);
    }
  }

  /** A script that writes under the fence: its first argument is the store's epoch; 'fenced' rejects with FencedError. */
  private async fenced(script: Script, keys: string[], args: string[], what: string): Promise<void> {
    const r = await this.evalsha<unknown>(script, keys, [this.fence, ...args]);
    if (r === 'fenced') throw this.refused(what);
  }

  /** A catalog write (see FENCED_CATALOG); 1 when it wrote. */
  private async catalogWrite(catalog: string, op: 'nx' | 'set' | 'del', field: string, value: string, what: string): Promise<number> {
    const r = await this.evalsha<number | 'fenced'>(scripts.catalog, [PG_SOURCE_KEY, catalog], [this.fence, op, field, value]);
    if (r === 'fenced') throw this.refused(what);
    return r;
  }

  private refused(what: string): FencedError {
    this.onFenced?.();
    return new FencedError(`${what} refused: another instance holds a newer lease on it (this one, at lease epoch ${this.fence}, lost it)`);
  }

  // ---- catalog ----

  async listViewDefs(): Promise<StoredViewDef[]> {
    const all = await this.client.sendCommand<string[]>(['HGETALL', VIEWS_KEY]);
    const out: StoredViewDef[] = [];
    for (let i = 1; i < all.length; i += 2) out.push(JSON.parse(all[i]!) as StoredViewDef);
    return out;
  }

  /** Replaces a stored definition (after a rebuild over changed sources). */
  async replaceViewDef(def: StoredViewDef): Promise<void> {
    await this.catalogWrite(VIEWS_KEY, 'set', def.name, JSON.stringify(def), `storing view ${def.name}`);
  }

  async putViewDef(def: StoredViewDef): Promise<boolean> {
    return (await this.catalogWrite(VIEWS_KEY, 'nx', def.name, JSON.stringify(def), `creating view ${def.name}`)) === 1;
  }

  async getMeta(name: string): Promise<StoredViewMeta> {
    const flat = await this.client.sendCommand<string[]>(['HGETALL', viewKeys(name).meta]);
    const f = new Map<string, string>();
    const kafka = new Map<string, bigint>();
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i]!;
      if (field.startsWith('k:')) kafka.set(field.slice(2), BigInt(`0x${flat[i + 1]!}`));
      else f.set(field, flat[i + 1]!);
    }
    const lsn = f.get('lsn');
    return {
      status: (f.get('status') as StoredViewMeta['status']) ?? null,
      lsn: lsn ? BigInt(`0x${lsn}`) : null,
      token: f.get('token') ?? null,
      error: f.get('error') ?? null,
      seq: Number(f.get('seq') ?? 0),
      kafka,
      progressRows: Number(f.get('progress_rows') ?? 0),
    };
  }

  async rowCount(name: string): Promise<number> {
    return this.client.sendCommand<number>(['HLEN', viewKeys(name).rows]);
  }

  /**
   * Removes a view's state (its fence too) and catalog entry. A former owner still writing to it
   * is refused while the fence stands; after, its commits find no running view ('gone') and
   * write nothing.
   */
  async deleteView(name: string): Promise<void> {
    const k = viewKeys(name);
    await this.fenced(scripts.fencedDel, [k.fence, k.rows, k.keys, k.meta, k.log, k.state, k.fence], [], `deleting view ${name}`);
    await this.catalogWrite(VIEWS_KEY, 'del', name, '', `deleting view ${name}`);
  }

  /** Claims views and Kafka sources for the store's epoch: writes of any lower epoch are refused from now on. */
  async raiseFences(views: readonly string[], sources: readonly string[]): Promise<void> {
    const fences = [...views.map((v) => viewKeys(v).fence), ...sources.map((s) => sourceKeys(s).fence)];
    await Promise.all(fences.map((f) => this.evalsha(scripts.raiseFence, [f], [this.fence])));
  }

  // ---- backfill ----

  /** Clears any previous state and marks the view backfilling. */
  async beginBackfill(name: string): Promise<void> {
    const k = viewKeys(name);
    await this.fenced(scripts.beginBackfill, [k.rows, k.keys, k.log, k.meta, k.state, k.fence], [], `backfilling view ${name}`);
  }

  /**
   * Writes a chunk of a backfill: row changes (a backfill may also remove rows it wrote, e.g. the
   * NULL-padded row of an outer join whose partner arrives later) and operator state. Not atomic
   * with anything: the view is not visible as running yet.
   */
  async writeBackfill(name: string, changes: readonly ViewChange[], state: readonly StateChange[], progressRows: number): Promise<void> {
    const k = viewKeys(name);
    const del: string[] = [];
    const added: string[] = [];
    const updated: string[] = [];
    for (const c of changes) {
      if (c.op === 'delete') del.push(c.key);
      else (c.op === 'insert' ? added : updated).push(c.key, c.row);
    }
    const sdel: string[] = [];
    const sset: string[] = [];
    for (const s of state) {
      if (s.value === null) sdel.push(s.field);
      else sset.push(s.field, s.value);
    }
    const counts = [del.length, (added.length + updated.length) / 2, added.length / 2, sdel.length, sset.length / 2].map(String);
    const args = [String(progressRows), ...counts];
    for (const part of [del, added, updated, sdel, sset]) for (const a of part) args.push(a);
    await this.fenced(scripts.backfillChunk, [k.rows, k.keys, k.state, k.meta, k.fence], args, `backfilling view ${name}`);
  }

  /** A stateful view's persisted operator state, in chunks (HSCAN: the view is not being written meanwhile). */
  async *readState(name: string, chunk = 10_000): AsyncGenerator<[string, string][]> {
    const k = viewKeys(name);
    let cursor = '0';
    do {
      const [next, flat] = await this.client.sendCommand<[string, string[]]>(['HSCAN', k.state, cursor, 'COUNT', String(chunk)]);
      cursor = next;
      const entries: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
      if (entries.length > 0) yield entries;
    } while (cursor !== '0');
  }

  /** Flips the view to running at snapshot position `lsn` in one step. */
  async finishBackfill(name: string, lsn: bigint, kafka: ReadonlyMap<string, bigint> = new Map()): Promise<string> {
    const k = viewKeys(name);
    const token = `${lsn}-0`;
    const offsets = [...kafka].flatMap(([part, offset]) => [`k:${part}`, hex(offset)]);
    await this.fenced(scripts.fencedHset, [k.meta, k.fence], ['status', 'running', 'lsn', hex(lsn), 'token', token, 'seq', '0', ...offsets], `finishing the backfill of view ${name}`);
    return token;
  }

  async markFailed(name: string, error: string): Promise<void> {
    const k = viewKeys(name);
    await this.fenced(scripts.fencedHset, [k.meta, k.fence], ['status', 'failed', 'error', error], `marking view ${name} failed`);
  }

  // ---- incremental commits ----

  /**
   * Applies one transaction's delta to a view atomically with its diff-log entry and position.
   * `seq` is the view's commit sequence number (StoredViewMeta.seq, then +1 per commit issued).
   * A transaction already applied (a replay) changes nothing and resolves to its stored log entry;
   * null when there is none, when only operator state changed, or when the view is gone. Rejects when `seq` does not follow the stored one.
   * Commits of one view issued while an earlier one is on its way are sent together, in order, in
   * one script call when that one returns (each still its own commit): under load, round trips and
   * script calls stop growing with the transactions.
   */
  commit(name: string, lsn: bigint, seq: number, delta: ViewDelta, kafka?: KafkaCommit): Promise<CommitResult | null> {
    const rendered = renderChanges(delta);
    const segment = commitSegment(lsn, seq, delta, rendered, kafka);
    return new Promise<CommitResult | null>((resolve, reject) => {
      let q = this.commitQueues.get(name);
      if (q === undefined) {
        q = { pending: [], busy: false };
        this.commitQueues.set(name, q);
      }
      q.pending.push({ name, lsn, seq, rendered, segment, resolve, reject });
      if (!q.busy) this.sendCommits(name, q);
    });
  }

  private readonly commitQueues = new Map<string, CommitQueue>();

  /** Sends the view's queued commits (up to a bound) in one script call; the rest when it returns. */
  private sendCommits(name: string, q: CommitQueue): void {
    const batch: QueuedCommit[] = [];
    let size = 0;
    while (q.pending.length > 0 && batch.length < MAX_COMMITS_PER_CALL && (batch.length === 0 || size + q.pending[0]!.segment.length <= MAX_ARGS_PER_CALL)) {
      const c = q.pending.shift()!;
      size += c.segment.length;
      batch.push(c);
    }
    if (batch.length === 0) {
      this.commitQueues.delete(name);
      return;
    }
    q.busy = true;
    const args: string[] = [this.fence, String(batch.length)];
    for (const c of batch) for (const a of c.segment) args.push(a);
    const k = viewKeys(name);
    this.evalsha<CommitReply[] | 'fenced'>(scripts.commit, [k.rows, k.keys, k.meta, k.log, k.state, k.fence], args).then(
      (replies) => {
        if (replies === 'fenced') {
          const err = this.refused(`committing to view ${name}`);
          for (const c of [...batch, ...q.pending.splice(0)]) c.reject(err);
          q.busy = false;
          this.commitQueues.delete(name);
          return;
        }
        batch.forEach((c, i) => settleCommit(c, replies[i] ?? null));
        q.busy = false;
        this.sendCommits(name, q);
      },
      (err: unknown) => {
        // the connection failed under these commits: the ones queued behind them would only be
        // refused as out of sequence, so they fail with them
        for (const c of [...batch, ...q.pending.splice(0)]) c.reject(err);
        q.busy = false;
        this.commitQueues.delete(name);
      },
    );
  }

  // ---- reads ----

  /** Rows in key order after `cursor` (exclusive). */
  async page(name: string, cursor: string | null, limit: number): Promise<{ keys: string[]; rows: string[] }> {
    const k = viewKeys(name);
    const flat = await this.evalsha<string[]>(scripts.page, [k.rows, k.keys], [cursor ?? '', String(limit)]);
    const keys: string[] = [];
    const rows: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      keys.push(flat[i]!);
      rows.push(flat[i + 1]!);
    }
    return { keys, rows };
  }

  /** The whole view, consistent with the returned token and position. */
  async snapshot(name: string): Promise<{ token: string; lsn: bigint | null; status: string; entries: [string, string][] }> {
    const k = viewKeys(name);
    const flat = await this.evalsha<string[]>(scripts.snapshot, [k.rows, k.meta], []);
    const entries: [string, string][] = [];
    for (let i = 3; i < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
    const lsn = flat[1] ? BigInt(`0x${flat[1]}`) : null;
    return { token: flat[0] ?? '', lsn, status: flat[2] ?? '', entries };
  }

  /** The rows of a view stored under `keys` (absent ones left out), with the token they are consistent with. */
  async rowsByKey(name: string, keys: readonly string[]): Promise<{ token: string; entries: [string, string][] }> {
    const k = viewKeys(name);
    const r = await this.evalsha<(string | null)[]>(scripts.rowsByKey, [k.rows, k.meta], [...keys]);
    const entries: [string, string][] = [];
    keys.forEach((key, i) => {
      const row = r[3 + i];
      if (row !== null && row !== undefined) entries.push([key, row]);
    });
    return { token: r[0] ?? '', entries };
  }

  /**
   * The diff-log entries after `token` up to position `until` (inclusive), or null when the log
   * no longer reaches back to `token`.
   */
  logUntil(name: string, token: string, until: bigint): Promise<LogEntry[] | null> {
    return this.logRange(name, token, String(until));
  }

  /**
   * A view's rows as of one position without holding Redis for the whole view: the rows hash is
   * read in HSCAN pages while commits go on; every key the diff log shows changed since the scan
   * began is then read again in one small atomic step at the position it ends at. Keys no commit
   * touched were the same throughout the scan, so the result is exactly the state at that position.
   * Falls back to the one-script read when the log was trimmed past the scan's start.
   */
  async pagedSnapshot(name: string, pageSize = 1000): Promise<{ token: string; lsn: bigint | null; status: string; entries: [string, string][] }> {
    const k = viewKeys(name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const [startToken] = await this.client.sendCommand<(string | null)[]>(['HMGET', k.meta, 'token']);
      const from = startToken ?? '';
      const rows = new Map<string, string>();
      let cursor = '0';
      do {
        const [next, flat] = await this.client.sendCommand<[string, string[]]>(['HSCAN', k.rows, cursor, 'COUNT', String(pageSize)]);
        for (let i = 0; i < flat.length; i += 2) rows.set(flat[i]!, flat[i + 1]!);
        cursor = next;
      } while (cursor !== '0');
      const touched = new Set<string>();
      let at = from;
      for (let round = 0; round < 20; round++) {
        const entries = await this.logAfter(name, at);
        if (entries === null) break; // trimmed: start over
        for (const e of entries) for (const c of JSON.parse(e.changes) as { key: string }[]) touched.add(c.key);
        if (entries.length > 0) at = entries[entries.length - 1]!.token;
        const keys = [...touched];
        const r = await this.evalsha<string[] | 'moved'>(scripts.settle, [k.rows, k.meta], [at, ...keys]);
        if (r === 'moved') continue;
        keys.forEach((key, i) => {
          const v = r[3 + i];
          if (v === null || v === undefined) rows.delete(key);
          else rows.set(key, v);
        });
        const lsn = r[1] ? BigInt(`0x${r[1]}`) : null;
        return { token: r[0] ?? '', lsn, status: r[2] ?? '', entries: [...rows] };
      }
    }
    return this.snapshot(name);
  }

  /** Diff-log entries after `token` ('' : all of them), [] when there are none, null when the log no longer reaches back to it. */
  private logAfter(name: string, token: string): Promise<LogEntry[] | null> {
    return this.logRange(name, token, '+');
  }

  /** Diff-log entries after `token` up to the stream id `end`; null when the log no longer reaches back to `token`. */
  private async logRange(name: string, token: string, end: string): Promise<LogEntry[] | null> {
    const k = viewKeys(name);
    const raw = await this.client.sendCommand<[string, string[]][]>(['XRANGE', k.log, token === '' ? '-' : `(${token}`, end]);
    const entries = raw.map(([id, fields]): LogEntry => {
      const f = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      return { token: id, prev: f.get('prev') ?? '', changes: f.get('changes') ?? '[]' };
    });
    if (token !== '' && entries.length > 0 && entries[0]!.prev !== token) return null;
    return entries;
  }

  /** Diff-log entries after `token`, or null when the log no longer reaches back to it. */
  async logSince(name: string, token: string, currentToken: string): Promise<LogEntry[] | null> {
    if (token === currentToken) return [];
    if (!/^\d+-\d+$/.test(token)) return null;
    const entries = await this.logAfter(name, token);
    // the current token is after `token`, so the log must hold something after it
    return entries === null || entries.length === 0 ? null : entries;
  }

  // ---- Kafka sources ----

  /** Every stored Kafka source declaration. */
  async listSources(): Promise<unknown[]> {
    const all = await this.client.sendCommand<string[]>(['HGETALL', SOURCES_KEY]);
    const out: unknown[] = [];
    for (let i = 1; i < all.length; i += 2) out.push(JSON.parse(all[i]!));
    return out;
  }

  /** Stores a declaration; false when one of that name exists. */
  async putSource(name: string, declaration: unknown): Promise<boolean> {
    return (await this.catalogWrite(SOURCES_KEY, 'nx', name, JSON.stringify(declaration), `declaring source ${name}`)) === 1;
  }

  async deleteSource(name: string): Promise<void> {
    const k = sourceKeys(name);
    await this.fenced(scripts.fencedDel, [k.fence, k.offsets, k.keyed, k.fence], [], `deleting source ${name}`);
    await this.catalogWrite(SOURCES_KEY, 'del', name, '', `deleting source ${name}`);
  }

  /** How far a Kafka source was read, per partition (the next offset; its views reflect everything before it once their commits landed). */
  async kafkaOffsets(name: string): Promise<Map<number, bigint>> {
    const flat = await this.client.sendCommand<string[]>(['HGETALL', sourceKeys(name).offsets]);
    const offsets = new Map<number, bigint>();
    for (let i = 0; i < flat.length; i += 2) offsets.set(Number(flat[i]), BigInt(`0x${flat[i + 1]!}`));
    return offsets;
  }

  /** How far a Kafka source was read (per partition) and, for keyed sources, what each key holds as of that. */
  async readKafkaState(name: string): Promise<{ offsets: Map<number, bigint>; keyed: [string, string][] }> {
    const k = sourceKeys(name);
    const offsets = await this.kafkaOffsets(name);
    const keyed: [string, string][] = [];
    let cursor = '0';
    do {
      const [next, page] = await this.client.sendCommand<[string, string[]]>(['HSCAN', k.keyed, cursor, 'COUNT', '10000']);
      cursor = next;
      for (let i = 0; i < page.length; i += 2) keyed.push([page[i]!, page[i + 1]!]);
    } while (cursor !== '0');
    return { offsets, keyed };
  }

  /** Records a Kafka source read to the given offsets (per partition), with the rows of the keys touched meanwhile ('' : none), in one step. */
  async advanceKafka(name: string, offsets: readonly (readonly [number, bigint])[], keyed: readonly (readonly [string, string])[]): Promise<void> {
    const k = sourceKeys(name);
    const args = [String(offsets.length), ...offsets.flatMap(([p, o]) => [String(p), hex(o)]), ...keyed.flat()];
    await this.fenced(scripts.kafka, [k.offsets, k.keyed, k.fence], args, `advancing source ${name}`);
  }

  /** Replaces a Kafka source's whole stored state (after storage lost it). */
  async replaceKafkaState(name: string, offsets: ReadonlyMap<number, bigint>, keyed: readonly (readonly [string, string])[]): Promise<void> {
    const k = sourceKeys(name);
    await this.fenced(scripts.fencedDel, [k.fence, k.offsets, k.keyed], [], `replacing the state of source ${name}`);
    for (let i = 0; i < keyed.length; i += 1000) await this.client.sendCommand(['HSET', k.keyed, ...keyed.slice(i, i + 1000).flat()]);
    if (offsets.size > 0) await this.client.sendCommand(['HSET', k.offsets, ...[...offsets].flatMap(([p, o]) => [String(p), hex(o)])]);
  }

  // ---- instances of the deployment ----

  /** Records (or refreshes) one instance's heartbeat, a JSON object. */
  async putInstance(id: string, heartbeat: string): Promise<void> {
    await this.client.sendCommand(['HSET', INSTANCES_KEY, id, heartbeat]);
  }

  /** Every instance's last heartbeat, by id. */
  async listInstances(): Promise<Map<string, string>> {
    const flat = await this.client.sendCommand<string[]>(['HGETALL', INSTANCES_KEY]);
    const out = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
    return out;
  }

  async removeInstances(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.client.sendCommand(['HDEL', INSTANCES_KEY, ...ids]);
  }

  // ---- source checkpoint ----

  /** The identity of this Redis data set (null: none, e.g. after Redis lost its data). */
  async getEpoch(): Promise<string | null> {
    return this.client.sendCommand<string | null>(['HGET', PG_SOURCE_KEY, 'epoch']);
  }

  async setEpoch(epoch: string): Promise<void> {
    await this.catalogWrite(PG_SOURCE_KEY, 'set', 'epoch', epoch, 'starting a new data set');
  }

  async getCheckpoint(): Promise<bigint | null> {
    const v = await this.client.sendCommand<string | null>(['HGET', PG_SOURCE_KEY, 'checkpoint']);
    return v ? BigInt(`0x${v}`) : null;
  }

  /**
   * Records that every transaction ending at or before `lsn` is reflected in the given
   * running views (raising each view's stored position, never lowering it) and in the
   * source checkpoint.
   */
  async setCheckpoint(lsn: bigint, slot: string, views: readonly string[]): Promise<void> {
    const h = hex(lsn);
    const replies = await Promise.all([
      ...views.map((v) => this.evalsha<unknown>(scripts.bump, [viewKeys(v).meta, viewKeys(v).fence], [h, this.fence])),
      this.evalsha<unknown>(scripts.checkpoint, [PG_SOURCE_KEY], [this.fence, h, slot]),
    ]);
    if (replies.includes('fenced')) throw this.refused('the checkpoint');
  }

  /** Takes or renews the deployment's lease for `ttlMs` (see LEASE), or gives it up. */
  async lease(op: 'acquire' | 'renew' | 'take' | 'release', id: string, ttlMs: number, arg = ''): Promise<LeaseState> {
    const [held, epoch, owner, left] = await this.evalsha<[number, number, string, number]>(scripts.lease, [PG_SOURCE_KEY], [op, id, String(ttlMs), arg]);
    return { held: held === 1, epoch, owner, msLeft: left };
  }
}

/** Where a commit of a Kafka batch stands: the partition it came from and the diff-log entry id to write. */
export interface KafkaCommit {
  readonly source: string;
  readonly partition: number;
  /** The partition's offset after the batch. */
  readonly nextOffset: bigint;
  /** The diff-log entry id (`<lsn>-<n>`), above every id the view's log holds. */
  readonly logId: string;
}

/** The view meta field holding a Kafka partition's offset: everything before it is reflected. */
function kafkaField(source: string, partition: number): string {
  return `k:${source}:${partition}`;
}

/** Commits sent in one script call at most, and their arguments (a call holds Redis meanwhile). */
const MAX_COMMITS_PER_CALL = 64;
const MAX_ARGS_PER_CALL = 100_000;

type CommitReply = [string, string, string, string?] | null | 'gone' | 'gap' | 'state';

interface QueuedCommit {
  readonly name: string;
  readonly lsn: bigint;
  readonly seq: number;
  readonly rendered: string;
  readonly segment: readonly string[];
  readonly resolve: (r: CommitResult | null) => void;
  readonly reject: (err: unknown) => void;
}

interface CommitQueue {
  readonly pending: QueuedCommit[];
  busy: boolean;
}

/** One transaction's arguments of the commit script (see COMMIT). */
function commitSegment(lsn: bigint, seq: number, delta: ViewDelta, rendered: string, kafka: KafkaCommit | undefined): string[] {
  const ins: string[] = [];
  const upd: string[] = [];
  const del: string[] = [];
  for (const c of delta.changes) {
    if (c.op === 'insert') ins.push(c.key, c.row);
    else if (c.op === 'update') upd.push(c.key, c.row);
    else del.push(c.key);
  }
  const stateSet: string[] = [];
  const stateDel: string[] = [];
  for (const s of delta.state) {
    if (s.value === null) stateDel.push(s.field);
    else stateSet.push(s.field, s.value);
  }
  const args: string[] = [
    hex(lsn),
    kafka?.logId ?? `${lsn}-0`,
    delta.reset ? '1' : '0',
    String(LOG_MAX),
    rendered,
    String(seq),
    String(ins.length / 2),
    kafka === undefined ? '' : kafkaField(kafka.source, kafka.partition),
    kafka === undefined ? '' : hex(kafka.nextOffset),
    String(upd.length / 2),
    String(del.length),
    String(stateSet.length / 2),
    String(stateDel.length),
  ];
  for (const part of [ins, upd, del, stateSet, stateDel]) for (const a of part) args.push(a);
  return args;
}

/** Settles one queued commit with its result from the script. */
function settleCommit(c: QueuedCommit, r: CommitReply): void {
  if (r === 'gone') return c.reject(new StorageLostError(`view ${c.name} is not running in storage: its state was lost (or the view was deleted meanwhile)`));
  if (r === null || r === 'state') return c.resolve(null);
  if (r === 'gap') return c.reject(new Error(`commit ${c.seq} of view ${c.name} at ${c.lsn} is out of sequence: an earlier commit was lost`));
  if (r[3] === 'replay') return c.resolve({ token: r[0], prev: r[1], changes: r[2], replay: true });
  const body = r[2] === '' ? c.rendered : c.rendered === '' ? r[2] : `${r[2]},${c.rendered}`;
  c.resolve({ token: r[0], prev: r[1], changes: `[${body}]`, replay: false });
}

/** A write refused by a fence: another instance took over what this one was writing (see FENCE in scripts.ts). */
export class FencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedError';
  }
}

/** A commit found storage without the view it was written for (Redis lost or replaced its data). */
export class StorageLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageLostError';
  }
}

function hex(lsn: bigint): string {
  return lsn.toString(16).padStart(16, '0');
}

/** Renders a delta's changes as contract change objects joined by ','. */
function renderChanges(delta: ViewDelta): string {
  const parts: string[] = new Array(delta.changes.length);
  for (let i = 0; i < delta.changes.length; i++) {
    const c = delta.changes[i]!;
    const key = JSON.stringify(c.key);
    parts[i] =
      c.op === 'update'
        ? `{"op":"update","key":${key},"old":${c.old},"row":${c.row}}`
        : `{"op":"${c.op}","key":${key},"row":${c.row}}`;
  }
  return parts.join(',');
}
