/**
 * The OpenAPI 3.1 description of the HTTP API, served at `/v1/openapi.json`.
 * A test (api.test.ts "openapi") keeps it in step with the routes the app
 * serves. The WebSocket endpoints are described as GET operations that
 * upgrade (OpenAPI has no WebSocket object); their frames are in the README.
 */
const error = { $ref: '#/components/responses/Error' };
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });
const lsn = { type: 'string', description: 'a PostgreSQL LSN as pg_current_wal_lsn() prints it, e.g. 0/16B3748', pattern: '^[0-9A-Fa-f]+/[0-9A-Fa-f]+$' };

const view = obj(
  {
    name: { type: 'string' },
    sql: { type: 'string' },
    status: { enum: ['backfilling', 'running', 'failed'] },
    columns: { type: 'array', items: obj({ name: { type: 'string' }, type: { type: 'string' } }) },
    key: { type: 'array', items: { type: 'string' } },
    rows: { type: 'integer' },
    lsn: { oneOf: [lsn, { type: 'null' }] },
    error: { type: 'string' },
    backfill: obj({ rows_done: { type: 'integer' }, rows_estimated: { type: 'integer' }, rows_per_second: { type: 'integer' } }),
    offsets: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'string' } }, description: 'per Kafka source, per partition: the next offset not yet reflected' },
  },
  ['name', 'sql', 'status', 'columns', 'key', 'rows', 'lsn'],
);
const source = {
  type: 'object',
  description: 'a Kafka source (its declaration and state) or a PostgreSQL table',
  properties: {
    name: { type: 'string' },
    type: { enum: ['kafka', 'postgres'] },
    topic: { type: 'string' },
    format: { const: 'json' },
    envelope: { enum: ['append', 'upsert', 'debezium'] },
    columns: { type: 'object', additionalProperties: { type: 'string' } },
    key: { type: 'array', items: { type: 'string' } },
    dead_letter_topic: { type: 'string' },
    offsets: { type: 'object', additionalProperties: { type: 'string' } },
    messages: { type: 'integer' },
    errors: { type: 'integer' },
    views: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'type'],
};
const rows = obj({ rows: { type: 'array', items: { type: 'object' } }, next: { type: ['string', 'null'] }, lsn }, ['rows', 'lsn']);
const upgrade = (summary: string, parameters: unknown[]) => ({ summary, parameters, responses: { '101': { description: 'switching to the WebSocket protocol (frames: README "Subscriptions")' }, '400': error, '401': error, '403': error, '404': error } });

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'deltaview', version: '1.1', description: 'Incrementally maintained SQL views over PostgreSQL and Kafka, stored in Redis, served over HTTP and WebSockets.' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'DELTAVIEW_TOKEN or a JSON Web Token' } },
    responses: { Error: json(obj({ error: obj({ code: { type: 'string' }, message: { type: 'string' } }, ['code', 'message']) }, ['error']), 'an error with its contract code') },
  },
  security: [{ bearer: [] }],
  paths: {
    '/healthz': { get: { summary: 'health', security: [], responses: { '200': json(obj({ status: { const: 'ok' } })) } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text exposition', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': error } } },
    '/v1/openapi.json': { get: { summary: 'this description', security: [], responses: { '200': json({ type: 'object' }) } } },
    '/v1/views': {
      get: { summary: 'the views (those a token may read)', responses: { '200': json(obj({ views: { type: 'array', items: view } })), '401': error } },
      post: {
        summary: 'create a view (admin)',
        requestBody: { required: true, content: { 'application/json': { schema: obj({ sql: { type: 'string', description: 'CREATE MATERIALIZED VIEW <name> AS <select>' } }, ['sql']) } } },
        responses: { '201': json(view, 'created; backfilling'), '400': error, '401': error, '403': error, '409': error },
      },
    },
    '/v1/views/{name}': {
      get: { summary: 'a view', parameters: [name], responses: { '200': json(view), '403': error, '404': error } },
      delete: { summary: 'delete a view (admin)', parameters: [name], responses: { '204': { description: 'deleted' }, '403': error, '404': error, '409': error, '503': error } },
    },
    '/v1/views/{name}/rows': {
      get: {
        summary: 'a page of a view’s rows, read-your-writes with min_lsn',
        parameters: [
          name,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'min_lsn', in: 'query', schema: lsn },
          { name: 'timeout_ms', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 300000, default: 5000 } },
        ],
        responses: { '200': json(rows), '400': error, '403': error, '404': error, '504': error },
      },
    },
    '/v1/views/{name}/subscribe': {
      get: upgrade('WebSocket: snapshot, ready, then diffs of one view', [
        name,
        { name: 'since', in: 'query', schema: { type: 'string' } },
        { name: 'where', in: 'query', schema: { type: 'string' }, description: 'a boolean expression over the view’s columns' },
        { name: 'token', in: 'query', schema: { type: 'string' } },
      ]),
    },
    '/v1/subscribe': { get: upgrade('WebSocket carrying many subscriptions ({"type":"subscribe","id","view","where"?,"since"?})', [{ name: 'token', in: 'query', schema: { type: 'string' } }]) },
    '/v1/query': {
      post: {
        summary: 'a SELECT over views (or, admin, over sources) answered once',
        requestBody: { required: true, content: { 'application/json': { schema: obj({ sql: { type: 'string' }, min_lsn: lsn, timeout_ms: { type: 'integer' } }, ['sql']) } } },
        responses: { '200': json(obj({ rows: { type: 'array', items: { type: 'object' } }, lsn: { oneOf: [lsn, { type: 'null' }] } }, ['rows', 'lsn'])), '400': error, '403': error, '504': error },
      },
    },
    '/v1/sources': {
      get: { summary: 'PostgreSQL tables and Kafka sources (admin)', responses: { '200': json(obj({ sources: { type: 'array', items: source } })), '403': error } },
      post: {
        summary: 'declare a Kafka source (admin)',
        requestBody: { required: true, content: { 'application/json': { schema: source } } },
        responses: { '201': json(source, 'declared; streaming'), '400': error, '403': error, '409': error, '503': error },
      },
    },
    '/v1/cluster': {
      get: {
        summary: "the deployment's live instances (this one first): role, URL, the views each maintains (those the token may read) and its lag",
        responses: {
          '200': json(
            obj({
              self: { type: 'string' },
              instances: {
                type: 'array',
                items: obj({
                  id: { type: 'string' },
                  url: { type: 'string' },
                  role: { type: 'string', enum: ['maintain', 'standby', 'gateway'] },
                  self: { type: 'boolean' },
                  started_at: { type: 'string', format: 'date-time' },
                  heartbeat_at: { type: 'string', format: 'date-time' },
                  views: { type: 'array', items: { type: 'string' } },
                  lag: { oneOf: [obj({ bytes: { type: ['integer', 'null'] }, seconds: { type: ['number', 'null'] } }), { type: 'null' }] },
                }),
              },
            }),
          ),
          '401': error,
          '503': error,
        },
      },
    },
    '/v1/status': {
      get: {
        summary: 'what each view (a token may read) has applied since the server started, and the replication lag',
        responses: {
          '200': json(
            obj({
              time: { type: 'string', format: 'date-time' },
              replication: { oneOf: [obj({ lag_bytes: { type: 'integer' }, lag_seconds: { type: 'number' }, retained_wal_bytes: { type: ['integer', 'null'] } }), { type: 'null' }] },
              views: { type: 'object', additionalProperties: obj({ status: { type: 'string' }, commits: { type: 'integer' }, changes: { type: 'integer' }, last_commit_at: { type: ['string', 'null'] }, subscribers: { type: 'integer' } }) },
            }),
          ),
          '401': error,
        },
      },
    },
    '/console': { get: { summary: 'redirects to /console/', security: [], responses: { '301': { description: 'to /console/' } } } },
    '/console/': { get: { summary: 'the web console (?view=<name> opens a view)', security: [], responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
    '/console/app.js': { get: { summary: 'the console’s script', security: [], responses: { '200': { description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } } } } },
    '/console/style.css': { get: { summary: 'the console’s stylesheet', security: [], responses: { '200': { description: 'CSS', content: { 'text/css': { schema: { type: 'string' } } } } } } },
    '/v1/sources/{name}': {
      get: { summary: 'a source with its offsets, counts and last errors (admin)', parameters: [name], responses: { '200': json(source), '403': error, '404': error } },
      delete: { summary: 'delete a Kafka source (admin)', parameters: [name], responses: { '204': { description: 'deleted' }, '403': error, '404': error, '409': error } },
    },
  },
} as const;

/** Paths served as WebSocket upgrades, not as HTTP routes of the app. */
export const UPGRADE_PATHS: readonly string[] = ['/v1/views/{name}/subscribe', '/v1/subscribe'];
