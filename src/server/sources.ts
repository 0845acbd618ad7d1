/**
 * The sources API (CONTRACT.md "Sources"): PostgreSQL tables, which are
 * sources without a declaration, and Kafka topics declared with
 * POST /v1/sources; GET shows a Kafka source's per-partition offsets (the
 * next offset not yet reflected in views), message and error counts and the
 * last few unreadable messages.
 */
import type { Context, Hono } from 'hono';
import { declarationJson } from '../cdc/kafka/declaration.ts';
import { DeltaviewError } from '../errors.ts';
import type { Pipeline } from '../runtime/pipeline.ts';

/** `pipeline` is null on an instance that maintains nothing: `elsewhere` answers every sources route (forwards it). */
export function sourceRoutes(app: Hono, pipeline: Pipeline | null, readJson: (c: Context) => Promise<unknown>, admin: (c: Context) => void, elsewhere: (c: Context) => Promise<Response>): void {
  app.use('/v1/sources/*', async (c, next) => {
    admin(c);
    await next();
  });
  app.use('/v1/sources', async (c, next) => {
    admin(c);
    await next();
  });
  if (pipeline === null) {
    app.all('/v1/sources', (c) => elsewhere(c));
    app.all('/v1/sources/*', (c) => elsewhere(c));
    return;
  }

  const kafkaObject = async (name: string, detail: boolean): Promise<Record<string, unknown>> => {
    const d = pipeline.kafka.declaration(name)!;
    const stats = pipeline.kafka.stats(name);
    const offsets = Object.fromEntries([...pipeline.kafka.offsets(name)].sort(([a], [b]) => a - b).map(([p, o]) => [String(p), String(o)]));
    const o: Record<string, unknown> = { ...declarationJson(d), offsets, messages: stats.messages, errors: stats.errors, views: pipeline.readersOf(`kafka:${name}`) };
    if (detail) {
      o.last_errors = stats.lastErrors;
      o.partitions = await pipeline.kafka.ranges(name).then(
        (r) => r.map((p) => ({ partition: p.partition, low: String(p.low), high: String(p.high) })),
        (err: Error) => ({ error: `the brokers cannot be reached: ${err.message}` }),
      );
    }
    return o;
  };

  app.post('/v1/sources', async (c) => {
    const body = await readJson(c);
    await pipeline.declareSource(body);
    const name = (body as { name: string }).name;
    return c.json(await kafkaObject(name, false), 201);
  });

  app.get('/v1/sources', async (c) => {
    const tables = (await pipeline.postgresTables()).map((t) => ({ name: t.schema === 'public' ? t.name : `${t.schema}.${t.name}`, type: 'postgres', schema: t.schema, table: t.name }));
    const kafka = await Promise.all(pipeline.kafka.declarations().map((d) => kafkaObject(d.name, false)));
    return c.json({ sources: [...tables, ...kafka] });
  });

  app.get('/v1/sources/:name', async (c) => {
    const name = c.req.param('name');
    if (pipeline.kafka.declaration(name) !== undefined) return c.json(await kafkaObject(name, true));
    const dot = name.indexOf('.');
    const t = await pipeline.postgresTable(dot < 0 ? null : name.slice(0, dot), dot < 0 ? name : name.slice(dot + 1)).catch(() => undefined);
    if (t === undefined) throw new DeltaviewError('not_found', `source "${name}" does not exist (neither a declared Kafka source nor a PostgreSQL table)`);
    return c.json({
      name,
      type: 'postgres',
      schema: t.schema,
      table: t.name,
      columns: t.columns.map((col) => ({ name: col.name, type: col.type.display })),
      key: t.primaryKey.map((i) => t.columns[i]!.name),
      views: pipeline.readersOf(t.id),
    });
  });

  app.delete('/v1/sources/:name', async (c) => {
    const name = c.req.param('name');
    if (pipeline.kafka.declaration(name) === undefined) {
      const t = await pipeline.postgresTable(null, name).catch(() => undefined);
      if (t !== undefined) throw new DeltaviewError('bad_request', `"${name}" is a PostgreSQL table: it is a source as long as the table exists, there is nothing to delete`);
      throw new DeltaviewError('not_found', `source "${name}" does not exist`);
    }
    await pipeline.deleteSource(name);
    return c.body(null, 204);
  });
}
