/**
 * A Kafka source as users declare it (`POST /v1/sources`, CONTRACT.md
 * "Sources"): validated into a typed declaration and the relation views read.
 * Every problem is a bad_request naming the field and what was expected.
 */
import { DeltaviewError, SqlError } from '../../errors.ts';
import { parseTypeName } from '../../values/index.ts';
import type { Column, TableInfo } from '../../views/types.ts';

export type Envelope = 'append' | 'upsert' | 'debezium';

export interface KafkaSourceDeclaration {
  readonly name: string;
  readonly topic: string;
  readonly format: 'json';
  readonly envelope: Envelope;
  readonly columns: readonly Column[];
  /** Indices into columns of the key (upsert: required; debezium: optional; append: none). */
  readonly key: readonly number[];
  /** Where messages that cannot be read are copied, when declared. */
  readonly deadLetterTopic: string | null;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const FIELDS = new Set(['name', 'type', 'topic', 'format', 'envelope', 'columns', 'key', 'dead_letter_topic']);

const bad = (message: string) => new DeltaviewError('bad_request', message);

/** Validates a POST /v1/sources body. */
export function parseSourceDeclaration(body: unknown): KafkaSourceDeclaration {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('a source declaration is a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!FIELDS.has(k)) throw bad(`unknown field "${k}" in the source declaration (known: ${[...FIELDS].join(', ')})`);
  if (b.type !== 'kafka') throw bad(`"type" must be "kafka" (PostgreSQL tables are sources without a declaration), got ${show(b.type)}`);
  if (typeof b.name !== 'string' || !NAME.test(b.name)) {
    throw bad(`"name" must be a lower-case SQL identifier (letters, digits, _; at most 63), got ${show(b.name)}`);
  }
  if (typeof b.topic !== 'string' || !TOPIC.test(b.topic)) throw bad(`"topic" must be a Kafka topic name (letters, digits, . _ -), got ${show(b.topic)}`);
  const format = b.format ?? 'json';
  if (format !== 'json') throw bad(`"format" must be "json", got ${show(format)}`);
  const envelope = b.envelope ?? 'append';
  if (envelope !== 'append' && envelope !== 'upsert' && envelope !== 'debezium') {
    throw bad(`"envelope" must be "append", "upsert" or "debezium", got ${show(envelope)}`);
  }
  if (b.columns === null || typeof b.columns !== 'object' || Array.isArray(b.columns) || Object.keys(b.columns).length === 0) {
    throw bad('"columns" must be an object of column name → type, e.g. {"id":"bigint","price":"numeric"}');
  }
  const columns: Column[] = [];
  for (const [name, t] of Object.entries(b.columns as Record<string, unknown>)) {
    if (!NAME.test(name)) throw bad(`column name ${show(name)} must be a lower-case SQL identifier`);
    if (typeof t !== 'string') throw bad(`the type of column "${name}" must be a string such as "bigint", got ${show(t)}`);
    try {
      columns.push({ name, type: parseTypeName(t) });
    } catch (e) {
      if (e instanceof SqlError) throw bad(`column "${name}": ${e.message}`);
      throw e;
    }
  }
  let key: number[] = [];
  if (b.key !== undefined) {
    if (!Array.isArray(b.key) || b.key.some((k) => typeof k !== 'string')) throw bad('"key" must be an array of column names');
    key = (b.key as string[]).map((k) => {
      const i = columns.findIndex((c) => c.name === k);
      if (i < 0) throw bad(`key column "${k}" is not among the columns`);
      return i;
    });
    if (new Set(key).size !== key.length) throw bad('"key" names a column twice');
  }
  if (envelope === 'upsert' && key.length === 0) throw bad('the upsert envelope needs "key": the columns the message key identifies the row by');
  if (envelope === 'append' && key.length > 0) throw bad('the append envelope takes no "key" (every message is a new row)');
  const dlt = b.dead_letter_topic ?? null;
  if (dlt !== null && (typeof dlt !== 'string' || !TOPIC.test(dlt))) throw bad(`"dead_letter_topic" must be a Kafka topic name, got ${show(dlt)}`);
  if (dlt === b.topic) throw bad('"dead_letter_topic" must differ from "topic"');
  return { name: b.name, topic: b.topic, format: 'json', envelope, columns, key, deadLetterTopic: dlt as string | null };
}

/** The relation views read: id `kafka:<name>`, in schema "kafka"; keyed by `key` (append: a multiset). */
export function sourceTable(d: KafkaSourceDeclaration): TableInfo {
  return { id: `kafka:${d.name}`, schema: 'kafka', name: d.name, columns: d.columns, primaryKey: d.key };
}

/** The declaration as stored and shown (the body's own form, normalised). */
export function declarationJson(d: KafkaSourceDeclaration): Record<string, unknown> {
  const o: Record<string, unknown> = {
    name: d.name,
    type: 'kafka',
    topic: d.topic,
    format: d.format,
    envelope: d.envelope,
    columns: Object.fromEntries(d.columns.map((c) => [c.name, c.type.display])),
  };
  if (d.key.length > 0) o.key = d.key.map((i) => d.columns[i]!.name);
  if (d.deadLetterTopic !== null) o.dead_letter_topic = d.deadLetterTopic;
  return o;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
