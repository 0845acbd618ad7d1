/**
 * Text ⇄ Value conversion and JSON rendering. decodeText/renderJson/renderRow
 * are on the per-row hot path: one switch on the type name, no regexes.
 */
import { SqlRuntimeError } from '../errors.ts';
import { parseArrayText, quoteArrayElement, type ArrayTextNode } from './array-text.ts';
import { dateText, parseDate, parseTimestamp, timestampText } from './datetime.ts';
import { Decimal } from './decimal.ts';
import { float4Json, float4Text, float8Json, float8Text, parseFloatText } from './float-format.ts';
import { canonicalJson, escapeJsonString } from './json.ts';
import { parseBool, parseInt4, parseInt8, parseUuid } from './input.ts';
import { intervalCmpValue, intervalText, parseInterval } from './interval.ts';
import { Json, PgArray, PgDate, PgInterval, Timestamp, type Datum, type Row, type SqlType, type Value } from './types.ts';

export { canonicalJson } from './json.ts';

function elemOf(type: SqlType): SqlType {
  const e = type.elem;
  if (e === undefined) throw new Error(`array type ${type.display} has no element type`);
  return e;
}

/**
 * PostgreSQL text → Value for `type`, with the type's input-function syntax
 * (as sent by pgoutput and text-mode queries with DateStyle=ISO, TimeZone=UTC,
 * extra_float_digits=1). int8 → bigint, numeric → Decimal, timestamps → Timestamp
 * (any offset, BC, infinity), date → PgDate, interval → PgInterval (any
 * interval_in syntax), json/jsonb → Json (canonical
 * jsonb text), arrays → PgArray, bool 't'/'f' (and boolin's other spellings),
 * uuid → canonical lowercase. Text-like and 'other' types keep the text.
 * Typmods are not applied (see resolveCast). Throws SqlRuntimeError on invalid input.
 */
export function decodeText(text: string, type: SqlType): Value {
  switch (type.name) {
    case 'bool':
      return parseBool(text);
    case 'int2':
      return parseInt4(text, 'int2');
    case 'int4':
      return parseInt4(text, 'int4');
    case 'int8':
      return parseInt8(text);
    case 'numeric':
      return Decimal.parse(text);
    case 'float4':
      return parseFloatText(text, true);
    case 'float8':
      return parseFloatText(text, false);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'unknown':
    case 'other':
      return text;
    case 'uuid':
      return parseUuid(text);
    case 'date':
      return parseDate(text);
    case 'timestamp':
      return parseTimestamp(text, false);
    case 'timestamptz':
      return parseTimestamp(text, true);
    case 'interval':
      return parseInterval(text);
    case 'json':
    case 'jsonb':
      return new Json(canonicalJson(text));
    case 'array':
      return decodeArray(parseArrayText(text), elemOf(type));
  }
}

function decodeArray(node: ArrayTextNode, elem: SqlType): PgArray {
  const out: Value[] = new Array<Value>(node.length);
  for (let i = 0; i < node.length; i++) {
    const e = node[i];
    out[i] = e === null || e === undefined ? null : typeof e === 'string' ? decodeText(e, elem) : decodeArray(e, elem);
  }
  return new PgArray(out);
}

function numericJson(d: Decimal): string {
  return d.isFinite() ? d.toString() : '"' + d.toString() + '"';
}

/**
 * Exactly what PostgreSQL's to_jsonb prints for this datum in a UTC session:
 * numbers as JSON numbers (numeric keeps its scale, floats in plain decimal
 * notation, NaN/±Infinity as strings), timestamps in XSD form
 * ("2024-01-02T03:04:05.5+00:00"), dates "2024-02-29", ±infinity as strings,
 * intervals as their output text ("1 day 02:00:00"),
 * json as its canonical jsonb text, arrays as JSON arrays ("[1, 2]"), text
 * as a JSON string (bpchar keeps its padding), null → null.
 */
export function renderJson(v: Value, type: SqlType): string {
  if (v === null) return 'null';
  switch (type.name) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'int2':
    case 'int4':
    case 'int8':
      return String(v);
    case 'numeric':
      return numericJson(v as Decimal);
    case 'float8':
      return float8Json(v as number);
    case 'float4':
      return float4Json(v as number);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'uuid':
    case 'unknown':
    case 'other':
      return escapeJsonString(v as string);
    case 'date':
      return '"' + dateText(v as PgDate) + '"';
    case 'timestamp':
      return '"' + timestampText(v as Timestamp, false, true) + '"';
    case 'timestamptz':
      return '"' + timestampText(v as Timestamp, true, true) + '"';
    case 'interval':
      return '"' + intervalText(v as PgInterval) + '"';
    case 'json':
    case 'jsonb':
      return (v as Json).text;
    case 'array':
      return arrayJson(v as PgArray, elemOf(type));
  }
}

function arrayJson(a: PgArray, elem: SqlType): string {
  const els = a.elements;
  if (els.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < els.length; i++) {
    if (i > 0) out += ', ';
    const e = els[i] ?? null;
    out += e instanceof PgArray ? arrayJson(e, elem) : renderJson(e, elem);
  }
  return out + ']';
}

/** Removes trailing spaces (bpchar semantics). */
export function rtrimSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return e === s.length ? s : s.slice(0, e);
}

/**
 * PostgreSQL's output function text for a datum (what a text-mode query and
 * array_out print): bool 't'/'f', bpchar padded, floats like float8out
 * ('1e+20'), numeric with its scale, ISO dates/timestamps, intervals in the
 * postgres IntervalStyle ('1 year 2 mons -00:00:01'), arrays as
 * '{1,2,NULL}' with quoting.
 */
export function outputText(v: Datum, type: SqlType): string {
  switch (type.name) {
    case 'bool':
      return v ? 't' : 'f';
    case 'int2':
    case 'int4':
    case 'int8':
      return String(v);
    case 'numeric':
      return (v as Decimal).toString();
    case 'float8':
      return float8Text(v as number);
    case 'float4':
      return float4Text(v as number);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'uuid':
    case 'unknown':
    case 'other':
      return v as string;
    case 'date':
      return dateText(v as PgDate);
    case 'timestamp':
      return timestampText(v as Timestamp, false, false);
    case 'timestamptz':
      return timestampText(v as Timestamp, true, false);
    case 'interval':
      return intervalText(v as PgInterval);
    case 'json':
    case 'jsonb':
      return (v as Json).text;
    case 'array':
      return arrayText(v as PgArray, elemOf(type));
  }
}

function arrayText(a: PgArray, elem: SqlType): string {
  let out = '{';
  const els = a.elements;
  for (let i = 0; i < els.length; i++) {
    if (i > 0) out += ',';
    const e = els[i] ?? null;
    if (e === null) out += 'NULL';
    else if (e instanceof PgArray) out += arrayText(e, elem);
    else out += quoteArrayElement(outputText(e, elem));
  }
  return out + '}';
}

/**
 * PostgreSQL's `::text` of a datum: the output function text, except bool
 * → 'true'/'false' and bpchar with trailing spaces removed. (json text is
 * the canonical jsonb form: the original json spelling is not kept.)
 */
export function renderText(v: Datum, type: SqlType): string {
  if (type.name === 'bool') return v ? 'true' : 'false';
  if (type.name === 'bpchar') return rtrimSpaces(v as string);
  return outputText(v, type);
}

const rowPrefixes = new WeakMap<readonly { name: string; type: SqlType }[], string[]>();

function prefixesFor(columns: readonly { name: string; type: SqlType }[]): string[] {
  let p = rowPrefixes.get(columns);
  if (p === undefined) {
    p = columns.map((c, i) => (i === 0 ? '{' : ',') + escapeJsonString(c.name) + ':');
    rowPrefixes.set(columns, p);
  }
  return p;
}

/**
 * A row as one JSON object `{"col":<renderJson>,...}` in column order (no
 * spaces). Column-name prefixes are cached per columns array.
 */
export function renderRow(row: Row, columns: readonly { name: string; type: SqlType }[]): string {
  if (columns.length === 0) return '{}';
  const p = prefixesFor(columns);
  let out = '';
  for (let i = 0; i < columns.length; i++) {
    out += (p[i] as string) + renderJson(row[i] ?? null, (columns[i] as { type: SqlType }).type);
  }
  return out + '}';
}

/** Canonical key of a tuple: `[` + renderJson of each value joined by `,` + `]`. */
export function rowKey(values: readonly Value[], types: readonly SqlType[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += renderJson(values[i] ?? null, types[i] as SqlType);
  }
  return out + ']';
}

/**
 * Like rowKey, but values that SQL `=` (and GROUP BY / DISTINCT) treats as
 * equal get the same key: numeric 1.5 and 1.50, bpchar with or without
 * trailing spaces, float -0 and 0, intervals with the same total under
 * 30-day months and 24-hour days ('1 mon' and '30 days'; keyed by that total
 * in microseconds). Use for grouping and join keys.
 */
export function equalityKey(values: readonly Value[], types: readonly SqlType[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += equalityJson(values[i] ?? null, types[i] as SqlType);
  }
  return out + ']';
}

function equalityJson(v: Value, type: SqlType): string {
  if (v === null) return 'null';
  switch (type.name) {
    case 'numeric':
      return numericJson((v as Decimal).normalized());
    case 'bpchar':
      return escapeJsonString(rtrimSpaces(v as string));
    case 'interval':
      return '"' + intervalCmpValue(v as PgInterval).toString() + '"';
    case 'array': {
      const elem = elemOf(type);
      const parts = (v as PgArray).elements.map((e) =>
        e instanceof PgArray ? equalityJson(e, type) : equalityJson(e, elem),
      );
      return '[' + parts.join(',') + ']';
    }
    default:
      return renderJson(v, type);
  }
}

/** Throws unless `v` has the JS shape `type` requires (debug aid for other modules' tests). */
export function checkValueShape(v: Value, type: SqlType): void {
  if (v === null) return;
  let ok: boolean;
  switch (type.name) {
    case 'bool':
      ok = typeof v === 'boolean';
      break;
    case 'int2':
    case 'int4':
      ok = typeof v === 'number' && Number.isInteger(v);
      break;
    case 'int8':
      ok = typeof v === 'bigint';
      break;
    case 'numeric':
      ok = v instanceof Decimal;
      break;
    case 'float4':
    case 'float8':
      ok = typeof v === 'number';
      break;
    case 'date':
      ok = v instanceof PgDate;
      break;
    case 'timestamp':
    case 'timestamptz':
      ok = v instanceof Timestamp;
      break;
    case 'interval':
      ok = v instanceof PgInterval;
      break;
    case 'json':
    case 'jsonb':
      ok = v instanceof Json;
      break;
    case 'array':
      ok = v instanceof PgArray;
      break;
    default:
      ok = typeof v === 'string';
  }
  if (!ok) throw new SqlRuntimeError('XX000', `value of JS type ${typeof v} does not fit SQL type ${type.display}`);
}
