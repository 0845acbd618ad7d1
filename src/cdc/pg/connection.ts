/**
 * Connection settings shared by every PostgreSQL connection deltaview opens,
 * so that text output (which the codec decodes) is the same on the
 * replication stream and in snapshot reads.
 */
import type { ClientConfig } from 'pg';

/** GUCs that fix the text form of values: UTC timestamps, ISO dates, shortest exact floats. */
export const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex';

export function clientConfig(url: string, extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    connectionString: url,
    options: SESSION_OPTIONS,
    application_name: 'deltaview',
    ...extra,
  };
}

/** node-postgres type parsing that keeps every value as PostgreSQL's text (decoded by our codec). */
export const RAW_TEXT_TYPES = {
  getTypeParser: () => (value: string) => value,
};

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Relation ids of the PostgreSQL source are `pg:<relation OID>`. */
export function relationId(oid: number | string): string {
  return `pg:${oid}`;
}

/** The relation OID inside a PostgreSQL relation id. */
export function relationOid(id: string): string {
  if (!id.startsWith('pg:')) throw new Error(`not a PostgreSQL relation id: ${id}`);
  return id.slice(3);
}
