/**
 * JSON values (as lossless jsonb nodes) read as values of a column type, the
 * way PostgreSQL assigns a string literal to a column: the type's input
 * function on the text the JSON value stands for. Kafka messages are decoded
 * with it, and so are view rows as stored (the `to_jsonb` form) when a
 * subscription filters them.
 */
import { SqlRuntimeError } from '../errors.ts';
import { resolveCast } from './casts.ts';
import { canonicalJson, parseJsonb, renderJsonb, type JsonNode } from './json.ts';
import { flatFields } from './json-fields.ts';
import { T } from './sql-types.ts';
import type { Row, SqlType, Value } from './types.ts';

/** A JSON value as the literal text PostgreSQL's input function of `type` reads. */
export function jsonLiteral(n: JsonNode, type: SqlType): string {
  if (type.name === 'json' || type.name === 'jsonb') return renderJsonb(n);
  if (typeof n === 'string') return n;
  if (typeof n === 'boolean') return n ? 'true' : 'false';
  if (n !== null && typeof n === 'object' && 'num' in n) return n.num;
  if (Array.isArray(n)) {
    if (type.name !== 'array') throw new SqlRuntimeError('22P02', `a JSON array for a column of type ${type.display}`);
    return arrayLiteral(n, type.elem!);
  }
  if (n === null) return 'NULL';
  throw new SqlRuntimeError('22P02', `a JSON object for a column of type ${type.display}`);
}

/** A JSON array as PostgreSQL array input text: elements quoted, NULL for null, nested for nested. */
function arrayLiteral(items: readonly JsonNode[], elem: SqlType): string {
  const parts = items.map((x) => {
    if (x === null) return 'NULL';
    if (Array.isArray(x)) return arrayLiteral(x, elem);
    const s = jsonLiteral(x, elem);
    return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  });
  return `{${parts.join(',')}}`;
}

/** The fields of a JSON object text (one scan where it is flat, else the full jsonb parser); null when it is not an object. */
export function jsonObjectFields(text: string): Map<string, JsonNode> | null {
  const flat = flatFields(text);
  if (flat !== null) return flat;
  const n = parseJsonb(canonicalJson(text));
  return n !== null && typeof n === 'object' && 'obj' in n ? new Map(n.obj) : null;
}

/** Reads JSON objects (a view's stored rows) as rows of `columns`: a missing or null field is NULL. */
export function jsonRowReader(columns: readonly { readonly name: string; readonly type: SqlType }[]): (text: string) => Row {
  const casts = columns.map((c) => resolveCast(T.unknown, c.type));
  return (text) => {
    const fields = jsonObjectFields(text);
    if (fields === null) throw new SqlRuntimeError('22P02', 'a row that is not a JSON object');
    return columns.map((c, i): Value => {
      const f = fields.get(c.name);
      return f === undefined || f === null ? null : casts[i]!(jsonLiteral(f, c.type));
    });
  };
}
