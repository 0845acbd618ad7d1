/**
 * What only the maintaining instance can do (create and delete views, the sources routes, queries
 * over sources), asked of an instance that maintains nothing (a gateway, a standby): the request
 * is forwarded to the instance that holds the lease, as GET /v1/cluster lists it, with the
 * caller's credentials, and its answer is passed back. A forwarded request is never forwarded
 * again (an instance that has just lost the views answers 503 instead of bouncing it on).
 */
import type { Context } from 'hono';
import { DeltaviewError } from '../errors.ts';
import type { Membership } from '../runtime/membership.ts';

const FORWARDED = 'x-deltaview-forwarded';
/** Creating a view answers once it is registered (the backfill runs on); a slow source database can still take a while. */
const FORWARD_TIMEOUT_MS = 60_000;

/** Thrown where the maintaining instance is needed; the app forwards the request (or answers 503 with `message`). */
export class MaintainerNeeded extends DeltaviewError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/**
 * Forwards the request to the maintaining instance; `body` is the request's body as read (null:
 * none). Throws `refusal` when there is no deployment to forward to or the request was forwarded
 * already, and 503 when no instance maintains the views right now (a failover under way).
 */
export async function forwardToMaintainer(c: Context, cluster: Membership | undefined, body: string | null, refusal: DeltaviewError): Promise<Response> {
  if (cluster === undefined || c.req.header(FORWARDED) !== undefined) throw refusal;
  const owner = (await cluster.list()).find((i) => i.role === 'maintain' && i.id !== cluster.id);
  if (owner === undefined) {
    throw new DeltaviewError('unavailable', `${refusal.message}; and no instance of the deployment maintains the views right now (a failover may be under way): try again in a few seconds`);
  }
  const url = new URL(c.req.url);
  const headers: Record<string, string> = { [FORWARDED]: cluster.id };
  for (const h of ['authorization', 'content-type']) {
    const v = c.req.header(h);
    if (v !== undefined) headers[h] = v;
  }
  let res: Response;
  try {
    res = await fetch(`${owner.url}${url.pathname}${url.search}`, { method: c.req.method, headers, body, signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
  } catch (err) {
    throw new DeltaviewError('unavailable', `the instance that maintains the views (${owner.url}) cannot be reached: ${(err as Error).message}`);
  }
  const out = new Headers({ 'x-deltaview-maintainer': owner.url });
  const type = res.headers.get('content-type');
  if (type !== null) out.set('content-type', type);
  return new Response(res.status === 204 ? null : await res.arrayBuffer(), { status: res.status, headers: out });
}
