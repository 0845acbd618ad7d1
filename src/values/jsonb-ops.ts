/**
 * jsonb operators and functions with PostgreSQL's semantics: field and element
 * access (`->`, `->>`, `#>`, `#>>`), containment (`@>`, `<@`), key existence
 * (`?`), jsonb_array_length and jsonb_build_object. Values are Json (canonical
 * jsonb text); numbers are compared exactly.
 */
import { SqlRuntimeError } from '../errors.ts';
import { Decimal } from './decimal.ts';
import { canonicalJson, parseJsonb, renderJsonb, type JsonNode } from './json.ts';
import { Json, PgArray, type Value } from './types.ts';

const isObj = (n: JsonNode): n is { obj: [string, JsonNode][] } => n !== null && typeof n === 'object' && !Array.isArray(n) && 'obj' in n;
const isNum = (n: JsonNode): n is { num: string } => n !== null && typeof n === 'object' && !Array.isArray(n) && 'num' in n;

function field(n: JsonNode, key: string): JsonNode | undefined {
  return isObj(n) ? n.obj.find(([k]) => k === key)?.[1] : undefined;
}

function element(n: JsonNode, i: number): JsonNode | undefined {
  if (!Array.isArray(n)) return undefined;
  const at = i < 0 ? n.length + i : i;
  return at >= 0 && at < n.length ? n[at] : undefined;
}

const asJson = (n: JsonNode | undefined): Value => (n === undefined ? null : new Json(renderJsonb(n)));
/** ->> and #>>: a string's value, JSON null as SQL NULL, anything else as its jsonb text. */
const asText = (n: JsonNode | undefined): Value => (n === undefined || n === null ? null : typeof n === 'string' ? n : renderJsonb(n));

/** jsonb -> text / int. */
export function jsonbGet(j: Json, key: string | number, text: boolean): Value {
  const n = parseJsonb(j.text);
  const r = typeof key === 'string' ? field(n, key) : element(n, key);
  return text ? asText(r) : asJson(r);
}

/** jsonb #> text[] (and #>>). */
export function jsonbPath(j: Json, path: PgArray, text: boolean): Value {
  let n: JsonNode | undefined = parseJsonb(j.text);
  for (const step of path.elements) {
    if (n === undefined) break;
    if (step === null || typeof step !== 'string') return null;
    if (Array.isArray(n)) n = /^-?\d+$/.test(step) ? element(n, Number(step)) : undefined;
    else n = field(n, step);
  }
  return text ? asText(n) : asJson(n);
}

function equalScalars(a: JsonNode, b: JsonNode): boolean {
  if (isNum(a) && isNum(b)) return Decimal.parse(a.num).cmp(Decimal.parse(b.num)) === 0;
  return a === b;
}

/** PostgreSQL's JsonbDeepContains. */
function contains(a: JsonNode, b: JsonNode, top: boolean): boolean {
  if (isObj(a)) {
    if (!isObj(b)) return false;
    return b.obj.every(([k, bv]) => {
      const av = field(a, k);
      if (av === undefined) return false;
      if (isObj(bv) || Array.isArray(bv)) return (isObj(av) || Array.isArray(av)) && contains(av, bv, false);
      return equalScalars(av, bv);
    });
  }
  if (Array.isArray(a)) {
    // a top-level array contains a lone scalar that is one of its elements
    if (!Array.isArray(b)) return top && !isObj(b) && a.some((x) => !isObj(x) && !Array.isArray(x) && equalScalars(x, b));
    return b.every((bv) => {
      if (isObj(bv) || Array.isArray(bv)) return a.some((av) => (Array.isArray(bv) ? Array.isArray(av) : isObj(av)) && contains(av, bv, false));
      return a.some((av) => !isObj(av) && !Array.isArray(av) && equalScalars(av, bv));
    });
  }
  return !isObj(b) && !Array.isArray(b) && equalScalars(a, b);
}

/** jsonb @> jsonb. */
export function jsonbContains(a: Json, b: Json): boolean {
  return contains(parseJsonb(a.text), parseJsonb(b.text), true);
}

/** jsonb ? text: a top-level key, a string element of a top-level array, or the string itself. */
export function jsonbExists(j: Json, key: string): boolean {
  const n = parseJsonb(j.text);
  if (isObj(n)) return n.obj.some(([k]) => k === key);
  if (Array.isArray(n)) return n.some((x) => x === key);
  return n === key;
}

export function jsonbArrayLength(j: Json): number {
  const n = parseJsonb(j.text);
  if (Array.isArray(n)) return n.length;
  throw new SqlRuntimeError('22023', isObj(n) ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
}

/** jsonb_build_object(k1, v1, …): keys as text (never NULL), values as their to_jsonb text. */
export function jsonbBuildObject(pairs: readonly (readonly [string | null, string])[]): Json {
  const parts = pairs.map(([k, v], i) => {
    if (k === null) throw new SqlRuntimeError('22004', `argument ${2 * i + 1}: key must not be null`);
    return `${JSON.stringify(k)}: ${v}`;
  });
  return new Json(canonicalJson(`{${parts.join(', ')}}`));
}
