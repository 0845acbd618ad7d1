/**
 * The Redis key layout (documented in the README for users who read views
 * straight from Redis). Every key of one view shares the hash tag {v:<name>},
 * so all of a view's keys live in one slot; the deployment-wide keys share
 * {dv}: no script needs keys from two slots, and the layout works on Redis Cluster.
 *
 *   dv:layout                 string  layout version (migrations/)
 *   dv:{dv}:views             hash    view name -> JSON definition {name, sql, created_at}
 *   dv:{dv}:source:pg         hash    slot, checkpoint (16-hex LSN: every view reflects all transactions ending at or before it),
 *                                     epoch (identity of this data set; the source database keeps a copy, see src/cdc/pg/durable.ts),
 *                                     lease_owner, lease_epoch, lease_until (ms, Redis clock): the instance that maintains the views
 *   dv:{v:NAME}:fence         string  the lease epoch of the instance that owns the view: writes of a lower one are refused
 *   dv:{v:NAME}:rows          hash    row key -> row as JSON (to_jsonb form)
 *   dv:{v:NAME}:keys          zset    every row key with score 0 (lexicographic cursor paging)
 *   dv:{v:NAME}:meta          hash    status, lsn (16-hex), token, error, backfill progress
 *   dv:{v:NAME}:log           stream  one entry per source transaction that changed the view:
 *                                     id "<lsn as decimal>-0", fields prev (previous token), changes (JSON array)
 *   dv:{v:NAME}:state         hash    stateful views only: "<source index>:<row key>" -> JSON [count, value texts…],
 *                                     the input rows its joins/aggregates were fed, as of meta.lsn
 *                                     (meta also holds "k:<source>:<partition>" -> 16-hex Kafka offset: every message
 *                                     before it is reflected in the view)
 *   dv:{dv}:sources           hash    Kafka source name -> JSON declaration (as POST /v1/sources took it)
 *   dv:{s:NAME}:offsets       hash    partition -> 16-hex offset the source has been read to (its keyed rows are as of it)
 *   dv:{s:NAME}:keyed         hash    upsert/keyed Debezium sources: message key -> JSON [value texts…], the row the key holds
 *   dv:{s:NAME}:fence         string  as the view's fence, for the source's offsets and keyed rows
 *   dv:{dv}:instances         hash    instance id -> JSON heartbeat {id, url, role, started_at, heartbeat_at, views, lag}
 *                                     (GET /v1/cluster; entries older than a few heartbeats are gone and pruned)
 */
export const LAYOUT_KEY = 'dv:layout';
// the deployment-wide keys share the hash tag {dv}: one slot on a Redis Cluster (layout 3)
export const VIEWS_KEY = 'dv:{dv}:views';
export const PG_SOURCE_KEY = 'dv:{dv}:source:pg';
export const SOURCES_KEY = 'dv:{dv}:sources';
export const INSTANCES_KEY = 'dv:{dv}:instances';

/** A Kafka source's keys (names are lower-case identifiers, so the hash tag is unambiguous). */
export function sourceKeys(name: string): { readonly offsets: string; readonly keyed: string; readonly fence: string } {
  const tag = `{s:${name}}`;
  return { offsets: `dv:${tag}:offsets`, keyed: `dv:${tag}:keyed`, fence: `dv:${tag}:fence` };
}

export interface ViewKeys {
  readonly rows: string;
  readonly keys: string;
  readonly meta: string;
  readonly log: string;
  readonly state: string;
  readonly fence: string;
}

/** View names are identifiers ([a-z_][a-z0-9_$]*, or quoted without braces), so the hash tag is unambiguous. */
export function viewKeys(name: string): ViewKeys {
  const tag = `{v:${name}}`;
  return { rows: `dv:${tag}:rows`, keys: `dv:${tag}:keys`, meta: `dv:${tag}:meta`, log: `dv:${tag}:log`, state: `dv:${tag}:state`, fence: `dv:${tag}:fence` };
}
