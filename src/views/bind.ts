/**
 * Name resolution and type checking of expressions: syntax tree + scope →
 * bound expressions (bind-select.ts builds the plan around them).
 * Follows PostgreSQL's rules where they are visible to users: unknown-typed
 * string literals take the type of the other operand (all-unknown → text),
 * integer literals are int4/int8/numeric by size, CASE/COALESCE use the
 * common type, WHERE must be boolean, text ordering needs C collation.
 */
import { SqlError, SqlRuntimeError } from '../errors.ts';
import {
  Decimal,
  T,
  arrayOf,
  commonType,
  compareDatums,
  parseTypeName,
  resolveBinary,
  resolveCast,
  resolveFunction,
  jsonbArrayLength,
  jsonbBuildObject,
  jsonbContains,
  jsonbExists,
  jsonbGet,
  jsonbPath,
  PgArray as PgArrayValue,
  UnsupportedRegex,
  compileRegex,
  regexMatches,
  regexpMatch,
  regexpReplace,
  renderJson,
  resolveUnary,
} from '../values/index.ts';
import type { Datum, Json, PgArray, SqlType, Value } from '../values/types.ts';
import { foldConstants } from './fold.ts';
import type { BoundExpr, EqTest } from './plan.ts';
import type { AggregateCall, Expr, JsonOp, Literal, TableRef } from './syntax.ts';
import type { SqlSettings, TableInfo } from './types.ts';

/** Functions PostgreSQL evaluates differently on every call or per transaction: a view cannot maintain them. */
const NON_DETERMINISTIC = new Set([
  'now', 'random', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'current_date',
  'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'gen_random_uuid', 'uuid_generate_v1',
  'uuid_generate_v4', 'nextval', 'currval', 'lastval', 'setval', 'setseed', 'txid_current', 'pg_backend_pid',
  'current_user', 'session_user', 'user', 'current_role', 'current_schema', 'current_database', 'version',
  'pg_current_wal_lsn', 'age', 'random_normal', 'inet_client_addr', 'pg_sleep',
]);

const TEXT_LIKE = new Set(['text', 'varchar', 'bpchar']);

/** A table visible in a SELECT: its FROM entry and where its columns start in the joined row. */
export interface ScopeTable {
  readonly ref: TableRef;
  readonly table: TableInfo;
  readonly offset: number;
}

/** Where aggregate calls go while binding: collected (select list, HAVING of a grouped query) or refused. */
export interface AggregateSink {
  /** Binds an aggregate call; returns the expression that stands for its result. */
  add(call: AggregateCall, scope: Scope): BoundExpr;
}

/** What names mean while binding an expression. */
export interface Scope {
  readonly tables: readonly ScopeTable[];
  /** Columns of USING joins, visible unqualified: name → expression over the joined row. */
  readonly merged: ReadonlyMap<string, BoundExpr>;
  readonly settings: SqlSettings;
  /** A sink for aggregate calls, or the message refusing them here (PostgreSQL's words). */
  readonly aggregates: AggregateSink | { readonly refused: string };
  /**
   * The enclosing query's scope, for the WHERE clause of a correlated subquery: a name not found
   * here is looked up there and bound as an outer reference (see OUTER_BASE).
   */
  readonly outer?: Scope;
  /** Scalar subqueries of the select list, already joined in: the expression that stands for each. */
  readonly scalars?: ReadonlyMap<Expr, BoundExpr>;
}

/** While a view is bound: which columns of each FROM table (by TableInfo id) it reads. */
let usage: Map<string, Set<number>> | null = null;

/** Records that column `index` of `table` is read. */
export function noteColumn(table: TableInfo, index: number): void {
  if (usage === null) return;
  let s = usage.get(table.id);
  if (s === undefined) {
    s = new Set();
    usage.set(table.id, s);
  }
  s.add(index);
}

/** Runs a bind and returns, with its result, the columns it read of each table (by TableInfo id). */
export function withColumnUsage<T>(bind: () => T): { result: T; usage: Map<string, Set<number>> } {
  const outer = usage;
  const mine = new Map<string, Set<number>>();
  usage = mine;
  try {
    return { result: bind(), usage: mine };
  } finally {
    usage = outer;
  }
}

/** Column indices at or above this are outer references: OUTER_BASE + the column's index in the outer row. */
export const OUTER_BASE = 1 << 29;

// ---------------------------------------------------------------------------
// Expressions

/** Binds a syntax expression in `scope`. */
export function bindExpr(e: Expr, scope: Scope): BoundExpr {
  switch (e.kind) {
    case 'column':
      return bindColumn(e, scope);
    case 'literal':
      return bindLiteral(e.literal);
    case 'typed_literal':
      return coerce({ kind: 'const', value: e.value, type: T.unknown }, parseTypeName(e.type.text));
    case 'arith':
      return bindBinary(e.op, bindExpr(e.left, scope), bindExpr(e.right, scope), scope);
    case 'compare':
      return bindBinary(e.op, bindExpr(e.left, scope), bindExpr(e.right, scope), scope);
    case 'and':
    case 'or': {
      const name = e.kind === 'and' ? 'AND' : 'OR';
      const args: BoundExpr[] = [];
      for (const side of [e.left, e.right]) {
        const b = toBool(bindExpr(side, scope), name);
        if (b.kind === e.kind) args.push(...b.args);
        else args.push(b);
      }
      return { kind: e.kind, args, type: T.bool };
    }
    case 'not':
      return { kind: 'not', arg: toBool(bindExpr(e.arg, scope), 'NOT'), type: T.bool };
    case 'negate':
    case 'unary_plus': {
      let arg = bindExpr(e.arg, scope);
      const op = e.kind === 'negate' ? '-' : '+';
      const r = resolveUnary(op, arg.type);
      arg = coerce(arg, r.arg);
      const fn = r.fn;
      return { kind: 'call', label: `unary ${op}`, fn: (a) => fn(a[0]!), args: [arg], type: r.result };
    }
    case 'is': {
      const arg = bindExpr(e.arg, scope);
      if (e.test === 'null') return { kind: 'is_null', arg, negated: e.negated, type: T.bool };
      const what = `IS ${e.negated ? 'NOT ' : ''}${e.test.toUpperCase()}`;
      const value = e.test === 'true' ? true : e.test === 'false' ? false : null;
      return { kind: 'is_bool', arg: toBool(arg, what), value, negated: e.negated, type: T.bool };
    }
    case 'in': {
      let arg = bindExpr(e.arg, scope);
      const list = e.list.map((x) => bindExpr(x, scope));
      if (arg.type.name === 'unknown') arg = coerce(arg, commonType(list.map((x) => x.type), 'IN'));
      const items = list.map((x) => eqTest(arg.type, x, scope));
      return { kind: 'in', arg, items, negated: e.negated, type: T.bool };
    }
    case 'between': {
      // PostgreSQL expands x BETWEEN a AND b to x >= a AND x <= b (NOT: x < a OR x > b).
      const arg = bindExpr(e.arg, scope);
      const low = bindExpr(e.low, scope);
      const high = bindExpr(e.high, scope);
      if (e.negated) {
        return { kind: 'or', args: [bindBinary('<', arg, low, scope), bindBinary('>', arg, high, scope)], type: T.bool };
      }
      return { kind: 'and', args: [bindBinary('>=', arg, low, scope), bindBinary('<=', arg, high, scope)], type: T.bool };
    }
    case 'like': {
      const op = `${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'}`;
      const arg = toText(bindExpr(e.arg, scope), op);
      const pattern = toText(bindExpr(e.pattern, scope), op);
      return { kind: 'like', arg, pattern, caseInsensitive: e.caseInsensitive, negated: e.negated, type: T.bool };
    }
    case 'func':
      return bindFunction(e.schema, e.name, e.args.map((a) => bindExpr(a, scope)), scope);
    case 'trim': {
      const name = e.side === 'both' ? 'btrim' : e.side === 'leading' ? 'ltrim' : 'rtrim';
      const args = [bindExpr(e.source, scope)];
      if (e.chars !== null) args.push(bindExpr(e.chars, scope));
      return bindFunction(null, name, args, scope);
    }
    case 'case':
      return bindCase(e, scope);
    case 'cast': {
      const arg = bindExpr(e.arg, scope);
      return coerce(arg, parseTypeName(e.type.text), true);
    }
    case 'scalar_query': {
      const known = scope.scalars?.get(e);
      if (known !== undefined) return known;
      throw new SqlError('unsupported', 'unsupported: a scalar subquery outside the select list of a query without GROUP BY');
    }
    case 'distinct': {
      // NULLs are equal to each other and unequal to everything else; otherwise it is <>
      const eq = bindBinary('=', bindExpr(e.left, scope), bindExpr(e.right, scope), scope) as Extract<BoundExpr, { kind: 'call' }>;
      const same = eq.fn;
      const negated = e.negated;
      return {
        kind: 'call',
        label: `operator IS ${negated ? 'NOT ' : ''}DISTINCT FROM`,
        strict: false,
        fn: (a) => {
          const x = a[0] ?? null;
          const y = a[1] ?? null;
          const distinct = x === null || y === null ? x !== y : same([x, y]) !== true;
          return distinct !== negated;
        },
        args: eq.args,
        type: T.bool,
      };
    }
    case 'regex': {
      const op = `${e.negated ? '!' : ''}~${e.caseInsensitive ? '*' : ''}`;
      const arg = toText(bindExpr(e.arg, scope), op);
      const pattern = toText(bindExpr(e.pattern, scope), op);
      const ci = e.caseInsensitive;
      checkRegex(pattern, '', false);
      const negated = e.negated;
      return {
        kind: 'call',
        label: `operator ${op}`,
        fn: (a) => regexRuntime(() => regexMatches(a[0] as string, a[1] as string, ci) !== negated),
        args: [arg, pattern],
        type: T.bool,
      };
    }
    case 'window':
      throw new SqlError('unsupported', `unsupported: window function ${e.fn}() outside the top-k per group pattern (a select item of a derived table, filtered by WHERE ${e.fn === 'row_number' ? 'rn' : 'r'} <= k in the enclosing query)`, `${e.fn} (`);
    case 'json_op':
      return bindJsonOp(e.op, bindExpr(e.left, scope), bindExpr(e.right, scope));
    case 'exists':
    case 'in_query':
      throw new SqlError('unsupported', 'unsupported: subquery outside the top-level AND of WHERE (EXISTS and IN (SELECT …) are supported as WHERE conditions joined by AND)');
    case 'aggregate':
      if ('refused' in scope.aggregates) throw new SqlError('bad_request', scope.aggregates.refused);
      return scope.aggregates.add(e, scope);
    default:
      throw new SqlError('internal', `unhandled expression ${(e as { kind: string }).kind}`);
  }
}

/** The FROM entry a qualified name refers to; PostgreSQL's errors when there is none. */
function findTable(schema: string | null, table: string, scope: Scope): ScopeTable {
  for (const st of scope.tables) {
    const visible = st.ref.alias ?? st.ref.name;
    if (table === visible && (schema === null || (st.ref.alias === null && schema === st.table.schema))) return st;
  }
  if (scope.tables.some((st) => st.ref.alias !== null && st.ref.name === table)) {
    throw new SqlError('unknown_relation', `invalid reference to FROM-clause entry for table "${table}"`);
  }
  throw new SqlError('unknown_relation', `missing FROM-clause entry for table "${schema === null ? '' : `${schema}.`}${table}"`);
}

/** Resolves `[schema.]table.*` to its FROM entry. */
export function starTable(schema: string | null, table: string, scope: Scope): ScopeTable {
  return findTable(schema, table, scope);
}

function bindColumn(e: Extract<Expr, { kind: 'column' }>, scope: Scope): BoundExpr {
  if (scope.outer === undefined) return bindLocalColumn(e, scope);
  try {
    return bindLocalColumn(e, scope);
  } catch (err) {
    if (!(err instanceof SqlError) || (err.code !== 'unknown_column' && err.code !== 'unknown_relation')) throw err;
    const outer = bindColumn(e, scope.outer);
    if (outer.kind === 'column' && outer.index >= OUTER_BASE) throw new SqlError('unsupported', `unsupported: reference to "${e.name}" two queries out (only the enclosing query's columns may be referenced)`);
    if (outer.kind !== 'column') throw new SqlError('unsupported', `unsupported: outer reference to the merged USING column "${e.name}"`);
    return { ...outer, index: OUTER_BASE + outer.index };
  }
}

function bindLocalColumn(e: Extract<Expr, { kind: 'column' }>, scope: Scope): BoundExpr {
  if (e.table !== null) {
    const st = findTable(e.schema, e.table, scope);
    const i = st.table.columns.findIndex((c) => c.name === e.name);
    if (i < 0) throw new SqlError('unknown_column', `column ${e.table}.${e.name} does not exist`);
    noteColumn(st.table, i);
    return { kind: 'column', index: st.offset + i, type: st.table.columns[i]!.type };
  }
  const merged = scope.merged.get(e.name);
  if (merged !== undefined) return merged;
  let found: BoundExpr | null = null;
  for (const st of scope.tables) {
    const i = st.table.columns.findIndex((c) => c.name === e.name);
    if (i < 0) continue;
    if (found !== null) throw new SqlError('bad_request', `column reference "${e.name}" is ambiguous`);
    found = { kind: 'column', index: st.offset + i, type: st.table.columns[i]!.type };
    noteColumn(st.table, i);
  }
  if (found === null) throw new SqlError('unknown_column', `column "${e.name}" does not exist`, e.name);
  return found;
}

const INT4_MIN = -(2n ** 31n);
const INT4_MAX = 2n ** 31n - 1n;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function bindLiteral(l: Literal): BoundExpr {
  switch (l.kind) {
    case 'integer': {
      const v = BigInt(l.text);
      if (v >= INT4_MIN && v <= INT4_MAX) return { kind: 'const', value: Number(v), type: T.int4 };
      if (v >= INT8_MIN && v <= INT8_MAX) return { kind: 'const', value: v, type: T.int8 };
      return { kind: 'const', value: Decimal.parse(l.text), type: T.numeric };
    }
    case 'decimal':
      return { kind: 'const', value: Decimal.parse(l.text), type: T.numeric };
    case 'string':
      return { kind: 'const', value: l.value, type: T.unknown };
    case 'bool':
      return { kind: 'const', value: l.value, type: T.bool };
    case 'null':
      return { kind: 'const', value: null, type: T.unknown };
    default:
      throw new SqlError('internal', 'unhandled literal');
  }
}

function sameType(from: SqlType, to: SqlType): boolean {
  if (from.name !== to.name || from.oid !== to.oid) return false;
  if (to.typmod !== -1 && to.typmod !== from.typmod) return false;
  if (from.name === 'array') return from.elem !== undefined && to.elem !== undefined && sameType(from.elem, to.elem);
  return true;
}

/** Evaluates at compile time; a runtime error here is an error of the statement (PostgreSQL raises it at parse/plan time). */
export function atCompileTime<R>(f: () => R): R {
  try {
    return f();
  } catch (err) {
    if (err instanceof SqlRuntimeError) throw new SqlError('bad_request', err.message);
    throw err;
  }
}

/** Converts `e` to type `to` (an implicit coercion, or an explicit cast when `explicit`). Constants convert now. */
export function coerce(e: BoundExpr, to: SqlType, explicit = false): BoundExpr {
  if (!explicit && sameType(e.type, to)) return e;
  if (explicit && sameType(e.type, to) && to.typmod === -1) return e;
  if (e.kind === 'const') {
    if (e.value === null) return { kind: 'const', value: null, type: to };
    const fn = resolveCast(e.type, to);
    const v = e.value;
    return { kind: 'const', value: atCompileTime(() => fn(v)), type: to };
  }
  const fn = resolveCast(e.type, to);
  return { kind: 'call', label: `cast to ${to.display}`, fn: (a) => fn(a[0]!), args: [e], type: to };
}

export function toBool(e: BoundExpr, context: string): BoundExpr {
  if (e.type.name === 'bool') return e;
  if (e.type.name === 'unknown') return coerce(e, T.bool);
  throw new SqlError('bad_request', `argument of ${context} must be type boolean, not type ${e.type.display}`);
}

function toText(e: BoundExpr, op: string): BoundExpr {
  // bpchar LIKE matches the padded value (PostgreSQL's bpcharlike), so it is used as stored.
  if (e.type.name === 'text' || e.type.name === 'varchar' || e.type.name === 'bpchar') return e;
  if (e.type.name === 'unknown' || e.type.name === 'name') return coerce(e, T.text);
  throw new SqlError('unsupported', `unsupported: operator does not exist: ${e.type.display} ${op} text`);
}

const ORDERING = new Set(['<', '<=', '>', '>=']);

export function checkCollation(op: string, t: SqlType, scope: Scope): void {
  if (ORDERING.has(op) && TEXT_LIKE.has(t.name) && !scope.settings.cCollation) {
    throw new SqlError(
      'unsupported',
      `unsupported: text ordering comparison (${op}) under the source database's non-C collation; ` +
        'only C/POSIX collation ordering is supported',
    );
  }
}

export function bindBinary(op: string, left: BoundExpr, right: BoundExpr, scope: Scope): BoundExpr {
  // resolveBinary applies PostgreSQL's rule for unknown literals (they take the other side's type).
  const r = resolveBinary(op as Parameters<typeof resolveBinary>[0], left.type, right.type);
  checkCollation(op, r.left, scope);
  const fn = r.fn;
  return {
    kind: 'call',
    label: `operator ${op}`,
    fn: (a) => fn(a[0]!, a[1]!),
    args: [coerce(left, r.left), coerce(right, r.right)],
    type: r.result,
  };
}

/** `left = right` where left is evaluated elsewhere (IN, simple CASE, NULLIF). */
function eqTest(leftType: SqlType, right: BoundExpr, scope: Scope): EqTest {
  const r = resolveBinary('=', leftType, right.type);
  checkCollation('=', r.left, scope);
  const leftCast = sameType(leftType, r.left) ? null : resolveCast(leftType, r.left);
  const fn = r.fn;
  return { leftCast, right: foldConstants(coerce(right, r.right)), eq: (a: Datum, b: Datum) => fn(a, b) };
}

function bindCase(e: Extract<Expr, { kind: 'case' }>, scope: Scope): BoundExpr {
  const results = e.whens.map((w) => bindExpr(w.then, scope));
  const otherwiseRaw: BoundExpr =
    e.otherwise === null ? { kind: 'const', value: null, type: T.unknown } : bindExpr(e.otherwise, scope);
  const type = commonType([...results.map((r) => r.type), otherwiseRaw.type], 'CASE');
  const otherwise = coerce(otherwiseRaw, type);
  if (e.operand === null) {
    const whens = e.whens.map((w, i) => ({
      cond: toBool(bindExpr(w.when, scope), 'CASE/WHEN'),
      result: coerce(results[i]!, type),
    }));
    return { kind: 'case', whens, otherwise, type };
  }
  let operand = bindExpr(e.operand, scope);
  const tests = e.whens.map((w) => bindExpr(w.when, scope));
  if (operand.type.name === 'unknown') operand = coerce(operand, commonType(tests.map((t) => t.type), 'CASE'));
  const whens = e.whens.map((_, i) => ({ test: eqTest(operand.type, tests[i]!, scope), result: coerce(results[i]!, type) }));
  return { kind: 'case_simple', operand, whens, otherwise, type };
}

/** A constant pattern is checked when the view is created: what deltaview cannot match the same way is refused then. */
function checkRegex(pattern: BoundExpr, flags: string, forMatches: boolean): void {
  if (pattern.kind !== 'const' || pattern.value === null) return;
  try {
    compileRegex(String(pattern.value), flags, forMatches);
  } catch (err) {
    if (err instanceof UnsupportedRegex) throw new SqlError('unsupported', `unsupported: ${err.message} in a regular expression`);
    if (err instanceof SqlRuntimeError) throw new SqlError('bad_request', err.message);
    throw err;
  }
}

/** A pattern computed per row that deltaview cannot match the same way fails the view, naming why. */
function regexRuntime<R>(f: () => R): R {
  try {
    return f();
  } catch (err) {
    if (err instanceof UnsupportedRegex) throw new SqlRuntimeError('0A000', `deltaview does not support ${err.message} in regular expressions`);
    throw err;
  }
}

/** A jsonb operand (an untyped literal becomes jsonb; json is refused: its operators keep the text as written). */
function toJsonb(e: BoundExpr, op: string): BoundExpr {
  if (e.type.name === 'jsonb') return e;
  if (e.type.name === 'unknown') return coerce(e, T.jsonb);
  if (e.type.name === 'json') throw new SqlError('unsupported', `unsupported: ${op} on json (cast the value to jsonb)`);
  throw new SqlError('unsupported', `unsupported: ${op} on ${e.type.display}`);
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

function bindJsonOp(op: JsonOp, left: BoundExpr, right: BoundExpr): BoundExpr {
  const l = toJsonb(left, `operator ${op}`);
  const call = (r: BoundExpr, type: SqlType, f: (a: Datum, b: Datum) => Value): BoundExpr => ({
    kind: 'call',
    label: `operator ${op}`,
    fn: (a) => f(a[0]!, a[1]!),
    args: [l, r],
    type,
  });
  const asText = (r: BoundExpr) => (TEXT_LIKE.has(r.type.name) ? r : coerce(r, T.text));
  switch (op) {
    case '->':
    case '->>': {
      const text = op === '->>';
      const type = text ? T.text : T.jsonb;
      if (INTEGER_TYPES.has(right.type.name)) return call(coerce(right, T.int4), type, (a, b) => jsonbGet(a as Json, b as number, text));
      return call(asText(right), type, (a, b) => jsonbGet(a as Json, b as string, text));
    }
    case '#>':
    case '#>>': {
      const text = op === '#>>';
      return call(coerce(right, arrayOf(T.text)), text ? T.text : T.jsonb, (a, b) => jsonbPath(a as Json, b as PgArray, text));
    }
    case '@>':
      return call(toJsonb(right, `operator ${op}`), T.bool, (a, b) => jsonbContains(a as Json, b as Json));
    case '<@':
      return call(toJsonb(right, `operator ${op}`), T.bool, (a, b) => jsonbContains(b as Json, a as Json));
    case '?':
      return call(asText(right), T.bool, (a, b) => jsonbExists(a as Json, b as string));
    default:
      throw new SqlError('unsupported', `unsupported: operator ${String(op)}`);
  }
}

function bindFunction(schema: string | null, name: string, args: BoundExpr[], scope: Scope): BoundExpr {
  const shown = `${schema === null ? '' : `${schema}.`}${name}`;
  if (NON_DETERMINISTIC.has(name)) throw new SqlError('unsupported', `unsupported: function ${shown}() (not deterministic)`, name);
  if (schema !== null && schema !== 'pg_catalog') throw new SqlError('unsupported', `unsupported: function ${shown}()`);
  switch (name) {
    case 'coalesce': {
      if (args.length === 0) throw new SqlError('parse_error', 'syntax error: coalesce() needs arguments');
      const type = commonType(args.map((a) => a.type), 'COALESCE');
      return { kind: 'coalesce', args: args.map((a) => coerce(a, type)), type };
    }
    case 'greatest':
    case 'least': {
      if (args.length === 0) throw new SqlError('parse_error', `syntax error: ${name}() needs arguments`);
      const type = commonType(args.map((a) => a.type), name.toUpperCase());
      checkCollation('<', type, scope);
      return {
        kind: 'minmax',
        op: name,
        args: args.map((a) => coerce(a, type)),
        compare: (a: Datum, b: Datum) => compareDatums(a, b, type),
        type,
      };
    }
    case 'position':
      // position(sub IN s) is strpos(s, sub)
      if (args.length !== 2) throw new SqlError('unsupported', 'unsupported: form of position()');
      return bindFunction(null, 'strpos', [args[1]!, args[0]!], scope);
    case 'regexp_replace':
    case 'regexp_match': {
      const replace = name === 'regexp_replace';
      const min = replace ? 3 : 2;
      if (args.length < min || args.length > min + 1) throw new SqlError('unsupported', `unsupported: function ${name}() with ${args.length} arguments`);
      const texts = args.map((a) => toText(a, `function ${name}`));
      const flagArg = texts[min];
      const flagsConst = flagArg !== undefined && flagArg.kind === 'const' && typeof flagArg.value === 'string' ? flagArg.value : '';
      checkRegex(texts[1]!, flagsConst.includes('i') ? 'i' : '', true);
      return {
        kind: 'call',
        label: `function ${name}`,
        fn: (a) =>
          regexRuntime(() => {
            const flags = (a[min] as string | undefined) ?? '';
            if (replace) return regexpReplace(a[0] as string, a[1] as string, a[2] as string, flags);
            const m = regexpMatch(a[0] as string, a[1] as string, flags);
            return m === null ? null : new PgArrayValue(m);
          }),
        args: texts,
        type: replace ? T.text : arrayOf(T.text),
      };
    }
    case 'jsonb_array_length': {
      if (args.length !== 1) throw new SqlError('unsupported', `unsupported: function jsonb_array_length() with ${args.length} arguments`);
      return { kind: 'call', label: 'function jsonb_array_length', fn: (a) => jsonbArrayLength(a[0] as Json), args: [toJsonb(args[0]!, 'jsonb_array_length')], type: T.int4 };
    }
    case 'jsonb_build_object': {
      if (args.length % 2 !== 0) throw new SqlError('bad_request', 'argument list must have even number of elements');
      const keys = args.filter((_, i) => i % 2 === 0).map((k) => (k.type.name === 'unknown' ? coerce(k, T.text) : coerce(k, T.text, true)));
      const vals = args.filter((_, i) => i % 2 === 1).map((v) => (v.type.name === 'unknown' ? coerce(v, T.text) : v));
      const types = vals.map((v) => v.type);
      const interleaved = keys.flatMap((k, i) => [k, vals[i]!]);
      return {
        kind: 'call',
        label: 'function jsonb_build_object',
        strict: false,
        fn: (a) => {
          const pairs: [string | null, string][] = [];
          for (let i = 0; i < a.length; i += 2) pairs.push([(a[i] ?? null) as string | null, renderJson(a[i + 1] ?? null, types[i / 2]!)]);
          return jsonbBuildObject(pairs);
        },
        args: interleaved,
        type: T.jsonb,
      };
    }
    case 'nullif': {
      if (args.length !== 2) throw new SqlError('unsupported', `unsupported: function nullif() with ${args.length} arguments`);
      let left = args[0]!;
      const right = args[1]!;
      if (left.type.name === 'unknown') left = coerce(left, right.type.name === 'unknown' ? T.text : right.type);
      return { kind: 'nullif', left, test: eqTest(left.type, right, scope), type: left.type };
    }
    default: {
      const argTypes = args.map((a) => (a.type.name === 'unknown' ? T.text : a.type));
      const r = resolveFunction(name, argTypes);
      const fn = r.fn;
      return {
        kind: 'call',
        label: `function ${name}`,
        fn: (a) => fn(a as Datum[]),
        args: args.map((a, i) => coerce(a, r.args[i] ?? a.type)),
        type: r.result,
      };
    }
  }
}
