/**
 * Kafka message → row change, by the source's envelope (CONTRACT.md "Sources").
 * Pure: no state. What a keyed message replaces is resolved by the caller,
 * which keeps the previous row of every key (`before: undefined` asks for it).
 *
 * Values are read from JSON without losing precision (numbers keep their
 * text: bigint beyond 2^53 and numeric stay exact) and converted to the
 * declared types the way PostgreSQL reads a string literal of that type
 * (its input function, then the typmod: numeric(10,2) rounds, varchar(5)
 * refuses longer text). A JSON string or number is that literal; true/false
 * are booleans; objects and arrays are JSON text for json/jsonb columns and
 * arrays are element-wise for array columns. A missing field is NULL.
 *
 * Every problem is a MessageError naming it (not JSON, not an object, a value
 * that does not fit its column, a missing key, a Debezium event without op).
 */
import { SqlRuntimeError } from '../../errors.ts';
import { canonicalJson, resolveCast, rowKey, T } from '../../values/index.ts';
import { parseJsonb, type JsonNode } from '../../values/json.ts';
import type { Row, SqlType, Value } from '../../values/types.ts';
import type { KafkaSourceDeclaration } from './declaration.ts';
import { flatFields } from '../../values/json-fields.ts';
import { jsonLiteral } from '../../values/json-input.ts';

/** A message's key and value bytes as the broker returned them (null: absent / tombstone). */
export interface RawMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export type Decoded =
  /** append: one more row */
  | { readonly kind: 'append'; readonly row: Row }
  /** keyed changes (two when a Debezium update moves a row to another key) */
  | { readonly kind: 'keyed'; readonly changes: readonly KeyedChange[] }
  /** nothing to do (a Debezium tombstone after a delete) */
  | { readonly kind: 'skip' };

/**
 * What one key holds from now on: `before` is the row it replaces (null: none; undefined:
 * whatever the key holds now, kept by the caller), `after` its row from now on (null: deleted).
 * Key '' (a Debezium source without declared key) always carries `before`.
 */
export interface KeyedChange {
  readonly key: string;
  readonly before: Row | null | undefined;
  readonly after: Row | null;
}

/** Why a message cannot be read; `kind` groups them for counting and logging once per kind. */
export class MessageError extends Error {
  constructor(
    readonly kind: 'not_json' | 'not_object' | 'bad_value' | 'missing_key' | 'bad_envelope',
    message: string,
  ) {
    super(message);
    this.name = 'MessageError';
  }
}

/** Decodes messages of one source. */
export function messageDecoder(d: KafkaSourceDeclaration): (m: RawMessage) => Decoded {
  const casts = d.columns.map((c) => assignment(c.type));
  const keyTypes = d.key.map((i) => d.columns[i]!.type);
  const keyOf = (row: Row): string => {
    const vals = d.key.map((i) => row[i] ?? null);
    if (vals.some((v) => v === null)) throw new MessageError('missing_key', `key column "${d.columns[d.key[vals.indexOf(null)]!]!.name}" is null or missing`);
    return rowKey(vals, keyTypes);
  };

  /** A JSON value as column i's value; a bad_value error says `what` did not fit. */
  const value = (i: number, node: JsonNode, what: string): Value => {
    try {
      return casts[i]!(jsonLiteral(node, d.columns[i]!.type));
    } catch (e) {
      if (e instanceof SqlRuntimeError || e instanceof MessageError) throw new MessageError('bad_value', `${what}: ${e.message}`);
      throw e;
    }
  };

  /** A JSON object's fields as a row of the declared columns. */
  const toRow = (node: JsonNode, what: string): Row => {
    if (node === null || typeof node !== 'object' || !('obj' in node)) throw new MessageError('not_object', `${what} is not a JSON object`);
    return fieldsRow(new Map(node.obj));
  };
  const fieldsRow = (fields: ReadonlyMap<string, JsonNode>): Row =>
    d.columns.map((c, i) => {
      const f = fields.get(c.name);
      if (f === undefined || f === null) return null;
      return value(i, f, `column "${c.name}" (${c.type.display})`);
    });
  /** A message value as a row: one scan of a flat object (fields.ts), else the full parser. */
  const valueRow = (v: Buffer): Row => {
    const fields = flatFields(v.toString('utf8'));
    return fields === null ? toRow(valueJson(v), 'the message value') : fieldsRow(fields);
  };

  /** The row a message key names: a JSON object with the key columns, or (one key column) a JSON scalar or plain text. */
  const keyRow = (key: Buffer | null): Row => {
    if (key === null || key.length === 0) throw new MessageError('missing_key', 'the message has no key');
    const text = key.toString('utf8');
    let node: JsonNode;
    try {
      node = parseJson(text);
    } catch {
      node = text;
    }
    if (node !== null && typeof node === 'object' && 'obj' in node) return toRow(node, 'the message key');
    if (d.key.length !== 1) throw new MessageError('missing_key', `the message key must be a JSON object with ${d.key.map((i) => `"${d.columns[i]!.name}"`).join(', ')}`);
    const row: Value[] = new Array<Value>(d.columns.length).fill(null);
    const k = d.key[0]!;
    row[k] = node === null ? null : value(k, node, `key column "${d.columns[k]!.name}"`);
    return row;
  };

  /** `row` with the key columns taken from `keyRow`. */
  const withKey = (row: Row, keys: Row): Row => row.map((v, i) => (d.key.includes(i) ? keys[i]! : v));

  return (m) => {
    switch (d.envelope) {
      case 'append':
        if (m.value === null) throw new MessageError('not_object', 'the message has no value');
        return { kind: 'append', row: valueRow(m.value) };
      case 'upsert': {
        const keys = keyRow(m.key);
        const key = keyOf(keys);
        const after = m.value === null ? null : withKey(valueRow(m.value), keys);
        return { kind: 'keyed', changes: [{ key, before: undefined, after }] };
      }
      case 'debezium': {
        if (m.value === null) return { kind: 'skip' };
        let ev = valueJson(m.value);
        const field = (n: JsonNode, name: string): JsonNode | undefined =>
          n !== null && typeof n === 'object' && 'obj' in n ? n.obj.find((e) => e[0] === name)?.[1] : undefined;
        const payload = field(ev, 'payload');
        if (payload !== undefined && field(ev, 'op') === undefined) ev = payload;
        const op = field(ev, 'op');
        if (typeof op !== 'string') throw new MessageError('bad_envelope', 'a Debezium event without "op"');
        const before = field(ev, 'before') ?? null;
        const after = field(ev, 'after') ?? null;
        const rowOrNull = (n: JsonNode, what: string) => (n === null ? null : toRow(n, what));
        let b: Row | null;
        let a: Row | null;
        if (op === 'c' || op === 'r') {
          b = null;
          a = rowOrNull(after, '"after"');
          if (a === null) throw new MessageError('bad_envelope', `a Debezium "${op}" event without "after"`);
        } else if (op === 'u') {
          b = rowOrNull(before, '"before"');
          a = rowOrNull(after, '"after"');
          if (a === null) throw new MessageError('bad_envelope', 'a Debezium "u" event without "after"');
        } else if (op === 'd') {
          b = rowOrNull(before, '"before"');
          a = null;
          if (b === null && d.key.length === 0) throw new MessageError('bad_envelope', 'a Debezium "d" event without "before" (declare "key" to delete by key)');
        } else if (op === 't') {
          throw new MessageError('bad_envelope', 'a Debezium truncate event ("t") is not supported');
        } else throw new MessageError('bad_envelope', `a Debezium event with unknown op ${JSON.stringify(op)}`);
        if (d.key.length === 0) {
          if (op === 'u' && b === null) throw new MessageError('bad_envelope', 'a Debezium "u" event without "before" (declare "key" to update by key)');
          return { kind: 'keyed', changes: [{ key: '', before: b, after: a }] };
        }
        const key = keyOf((a ?? b)!);
        if (b !== null && a !== null && keyOf(b) !== key) {
          // the key changed: the old key's row leaves, the new key's row comes
          return { kind: 'keyed', changes: [{ key: keyOf(b), before: undefined, after: null }, { key, before: undefined, after: a }] };
        }
        return { kind: 'keyed', changes: [{ key, before: undefined, after: a }] };
      }
    }
  };
}

/**
 * Text → value of `type` as PostgreSQL assigns a literal to a column: the input function and the
 * typmod, except that text longer than varchar(n)/char(n) is an error rather than cut (as an
 * INSERT does; only trailing spaces may go).
 */
function assignment(type: SqlType): (text: string) => Value {
  const cast = resolveCast(T.unknown, type);
  if ((type.name !== 'varchar' && type.name !== 'bpchar') || type.typmod < 4) return cast;
  const max = type.typmod - 4;
  return (text) => {
    const chars = [...text];
    if (chars.length > max && chars.slice(max).some((c) => c !== ' ')) throw new MessageError('bad_value', `value too long for type ${type.display}`);
    return cast(text);
  };
}

function parseJson(text: string): JsonNode {
  return parseJsonb(canonicalJson(text));
}

function valueJson(value: Buffer): JsonNode {
  try {
    return parseJson(value.toString('utf8'));
  } catch (e) {
    throw new MessageError('not_json', `the message value is not JSON: ${(e as Error).message}`);
  }
}
