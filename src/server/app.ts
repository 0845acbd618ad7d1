/**
 * The HTTP API (hono): health, the view catalog, paged read-your-writes row
 * reads and queries; the sources, status and console routes come from their
 * own modules. Subscriptions (WebSockets) are in subscriptions.ts.
 */
import { Hono, type Context } from 'hono';
import type { Registry } from 'prom-client';
import { parseLsn, formatLsn, isLsn } from '../cdc/pg/lsn.ts';
import { DeltaviewError } from '../errors.ts';
import type { Membership } from '../runtime/membership.ts';
import type { Pipeline, ViewInfo } from '../runtime/pipeline.ts';
import type { ViewReader } from '../runtime/view-reader.ts';
import type { RedisStore } from '../storage/redis-store.ts';
import { ADMIN, authorized, bearer, mayRead, requireAdmin, rowFilterOf, type Authenticator, type Grant } from './auth.ts';
import { consoleRoutes } from './console.ts';
import { errorBody } from './errors.ts';
import { viewFilter } from './filter.ts';
import { OPENAPI } from './openapi.ts';
import { forwardToMaintainer, MaintainerNeeded } from './forward.ts';
import { GATEWAY, runQuery, STANDBY } from './query.ts';
import { sourceRoutes } from './sources.ts';
import { type Activity, statusRoute } from './status.ts';

export interface AppDeps {
  /** The views: the pipeline itself, or a gateway's mirror of them. */
  readonly views: ViewReader;
  /** The instance's pipeline; null on a gateway (DELTAVIEW_ROLE=gateway), which maintains nothing. */
  readonly pipeline: Pipeline | null;
  readonly store: RedisStore;
  /** Who may do what (DELTAVIEW_TOKEN, JSON Web Tokens). */
  readonly auth: Authenticator;
  /** When set, GET /metrics needs `Authorization: Bearer <it>` (else it is open). */
  readonly metricsToken: string | null;
  /** The Prometheus registry GET /metrics exposes. */
  readonly metrics: Registry;
  readonly kafkaBrokers: readonly string[];
  /** What each view has applied (GET /v1/status). */
  readonly activity: Activity;
  /** A standby engine (no pipeline until it takes the lease over) rather than a gateway. */
  readonly standby?: boolean;
  /** The deployment's instances (GET /v1/cluster; what only the maintaining instance does is forwarded to it); absent where the app serves no deployment (unit tests). */
  readonly cluster?: Membership;
  readonly log: (m: string) => void;
}

const MAX_BODY = 1 << 20;

export function createApp(deps: AppDeps): Hono {
  const { views: pipeline, store } = deps;
  // what only the maintaining instance does is forwarded to it (forward.ts), or refused with this
  const refusal = (what: string) => new MaintainerNeeded(`${deps.standby ? STANDBY : GATEWAY}: ${what} on the instance that maintains the views`);
  const forward = (c: Context, body: unknown, what: string) => forwardToMaintainer(c, deps.cluster, body === undefined ? null : JSON.stringify(body), refusal(what));
  const app = new Hono();

  app.onError((err, c) => {
    const e = errorBody(err, deps.log);
    return c.body(e.body, e.status as 400, { 'content-type': 'application/json' });
  });
  app.notFound((c) => json(c, 404, { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }));

  app.get('/healthz', (c) => json(c, 200, { status: 'ok' }));

  app.get('/v1/openapi.json', (c) => json(c, 200, OPENAPI));
  consoleRoutes(app);

  app.get('/metrics', async (c) => {
    if (deps.metricsToken !== null && !authorized(c.req.header('authorization'), deps.metricsToken)) {
      throw new DeltaviewError('unauthorized', 'missing or wrong bearer token for /metrics (Authorization: Bearer <DELTAVIEW_METRICS_TOKEN>)');
    }
    return c.body(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType });
  });

  const grants = new WeakMap<Request, Grant>();
  const grantOf = (c: Context): Grant => grants.get(c.req.raw) ?? ADMIN;
  app.use('/v1/*', async (c, next) => {
    grants.set(c.req.raw, await deps.auth.grant(bearer(c.req.header('authorization'))));
    await next();
  });

  app.get('/v1/views', async (c) => {
    const grant = grantOf(c);
    const views = await Promise.all(pipeline.list().filter((v) => mayRead(grant, v.name)).map((v) => viewObject(v, store)));
    return json(c, 200, { views });
  });

  app.post('/v1/views', async (c) => {
    requireAdmin(grantOf(c), 'creating a view');
    const body = await readJson(c);
    const sql = (body as { sql?: unknown } | null)?.sql;
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw new DeltaviewError('bad_request', 'body must be a JSON object with a "sql" string: {"sql":"CREATE MATERIALIZED VIEW name AS SELECT ..."}');
    }
    if (deps.pipeline === null) return forward(c, body, 'views are created');
    const info = await deps.pipeline.create(sql);
    return json(c, 201, await viewObject(info, store));
  });

  app.get('/v1/views/:name', async (c) => {
    const name = c.req.param('name');
    rowFilterOf(grantOf(c), name);
    return json(c, 200, await viewObject(pipeline.get(name), store));
  });

  app.delete('/v1/views/:name', async (c) => {
    requireAdmin(grantOf(c), 'deleting a view');
    if (deps.pipeline === null) return forward(c, undefined, 'views are deleted');
    await deps.pipeline.delete(c.req.param('name'));
    return c.body(null, 204);
  });

  app.get('/v1/views/:name/rows', async (c) => {
    const name = c.req.param('name');
    const rowFilter = rowFilterOf(grantOf(c), name);
    const limit = intParam(c.req.query('limit'), 'limit', 1000, 1, 10_000);
    const timeoutMs = intParam(c.req.query('timeout_ms'), 'timeout_ms', 5000, 0, 300_000);
    const cursorText = c.req.query('cursor');
    const cursor = cursorText ? decodeCursor(cursorText) : null;
    const minLsnText = c.req.query('min_lsn');
    if (minLsnText !== undefined && !isLsn(minLsnText)) {
      throw new DeltaviewError('bad_request', `min_lsn "${minLsnText}" is not an LSN (expected the form 0/16B3748, as pg_current_wal_lsn() prints)`);
    }
    const minLsn = minLsnText ? parseLsn(minLsnText) : 0n;
    const info = pipeline.get(name);
    if (info.status === 'failed') throw new DeltaviewError('bad_request', `view "${name}" has failed: ${info.error ?? 'unknown error'}`);
    if (info.lsn === null || info.lsn < minLsn) {
      const ok = await pipeline.waitFor(name, minLsn, timeoutMs);
      if (!ok) {
        const now = pipeline.get(name);
        const why = now.status === 'backfilling' ? 'the view is still backfilling' : now.status === 'failed' ? `the view failed: ${now.error}` : `the view reflects ${now.lsn === null ? 'nothing yet' : formatLsn(now.lsn)}`;
        throw new DeltaviewError('timeout', `timed out after ${timeoutMs} ms waiting for view "${name}" to reflect ${formatLsn(minLsn)}: ${why}`);
      }
    }
    const lsn = pipeline.reflectedLsn(name);
    const page = await store.page(name, cursor, limit + 1);
    const more = page.keys.length > limit;
    let rows = more ? page.rows.slice(0, limit) : page.rows;
    // a token's row filter: the page keeps the rows it may see (a page may come back short; `next` goes on)
    if (rowFilter !== null) {
      const f = viewFilter(pipeline, name, rowFilter);
      rows = rows.filter((r) => f.matches(r));
    }
    const next = more ? JSON.stringify(encodeCursor(page.keys[limit - 1]!)) : 'null';
    const body = `{"rows":[${rows.join(',')}],"next":${next},"lsn":${lsn === null ? 'null' : JSON.stringify(formatLsn(lsn))}}`;
    return c.body(body, 200, { 'content-type': 'application/json' });
  });

  app.post('/v1/query', async (c) => {
    const body = (await readJson(c)) as { sql?: unknown; min_lsn?: unknown; timeout_ms?: unknown } | null;
    if (body === null || typeof body !== 'object' || typeof body.sql !== 'string' || body.sql.trim() === '') {
      throw new DeltaviewError('bad_request', 'body must be a JSON object with a "sql" string: {"sql":"SELECT … FROM <view> …","min_lsn"?:"…","timeout_ms"?:n}');
    }
    if (body.min_lsn !== undefined && (typeof body.min_lsn !== 'string' || !isLsn(body.min_lsn))) {
      throw new DeltaviewError('bad_request', `min_lsn ${JSON.stringify(body.min_lsn)} is not an LSN (expected the form 0/16B3748, as pg_current_wal_lsn() prints)`);
    }
    const timeoutMs = body.timeout_ms === undefined ? 5000 : body.timeout_ms;
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 300_000) throw new DeltaviewError('bad_request', 'timeout_ms must be a whole number of milliseconds between 0 and 300000');
    let r;
    try {
      r = await runQuery(pipeline, deps.pipeline, store, grantOf(c), body.sql, body.min_lsn === undefined ? 0n : parseLsn(body.min_lsn), timeoutMs);
    } catch (err) {
      if (err instanceof MaintainerNeeded) return forward(c, body, 'a query over sources runs');
      throw err;
    }
    return c.body(`{"rows":[${r.rows.join(',')}],"lsn":${r.lsn === null ? 'null' : JSON.stringify(formatLsn(r.lsn))}}`, 200, { 'content-type': 'application/json' });
  });

  statusRoute(app, pipeline, deps.pipeline, deps.activity, grantOf);

  // the deployment's instances, their roles, the views each maintains and its lag (contract: Several instances)
  app.get('/v1/cluster', async (c) => {
    const m = deps.cluster;
    if (m === undefined) throw new DeltaviewError('unavailable', 'this app serves no deployment');
    const grant = grantOf(c);
    const instances = (await m.list()).map((i) => ({ ...i, views: i.views.filter((v) => mayRead(grant, v)), self: i.id === m.id }));
    return json(c, 200, { self: m.id, instances });
  });
  sourceRoutes(app, deps.pipeline, readJson, (c) => requireAdmin(grantOf(c), 'reading, declaring or deleting sources'), async (c) =>
    forward(c, c.req.method === 'POST' ? await readJson(c) : undefined, 'sources are read, declared and deleted'),
  );

  return app;
}

/** The contract's view object. */
export async function viewObject(v: ViewInfo, store: RedisStore): Promise<Record<string, unknown>> {
  const rows = await store.rowCount(v.name);
  const o: Record<string, unknown> = {
    name: v.name,
    sql: v.sql,
    status: v.status,
    columns: v.columns,
    key: v.key,
    rows,
    lsn: v.lsn === null ? null : formatLsn(v.lsn),
  };
  if (v.error !== null && v.status === 'failed') o.error = v.error;
  if (v.backfill) o.backfill = { rows_done: v.backfill.rowsDone, rows_estimated: v.backfill.rowsEstimated, rows_per_second: v.backfill.rowsPerSecond };
  if (v.offsets !== null) o.offsets = v.offsets;
  return o;
}

function json(c: Context, status: number, body: unknown): Response {
  return c.body(JSON.stringify(body), status as 200, { 'content-type': 'application/json' });
}

async function readJson(c: Context): Promise<unknown> {
  const len = Number(c.req.header('content-length') ?? 0);
  if (len > MAX_BODY) throw new DeltaviewError('bad_request', `request body of ${len} bytes is larger than the limit of ${MAX_BODY} bytes`);
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new DeltaviewError('bad_request', `request body is larger than the limit of ${MAX_BODY} bytes`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DeltaviewError('bad_request', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function intParam(text: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (text === undefined || text === '') return dflt;
  if (!/^\d+$/.test(text)) throw new DeltaviewError('bad_request', `${name} must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new DeltaviewError('bad_request', `${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(text: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new DeltaviewError('bad_request', `cursor "${text.slice(0, 40)}" is malformed; pass the "next" value of the previous page`);
  return Buffer.from(text, 'base64url').toString('utf8');
}
