/**
 * Name resolution and type checking: syntax tree + catalog → typed plan.
 * Follows PostgreSQL's rules where they are visible to users: unknown-typed
 * string literals take the type of the other operand (all-unknown → text),
 * integer literals are int4/int8/numeric by size, CASE/COALESCE use the
 * common type, WHERE must be boolean, text ordering needs C collation.
 */
import { SqlError, SqlRuntimeError } from '../errors.ts';
import {
  Decimal,
  T,
  commonType,
  compareDatums,
  parseTypeName,
  resolveBinary,
  resolveCast,
  resolveFunction,
  resolveUnary,
} from '../values/index.ts';
import type { Datum, SqlType } from '../values/types.ts';
import { figureColname } from './column-names.ts';
import { foldConstants } from './fold.ts';
import type { BoundExpr, EqTest, PlanNode } from './plan.ts';
import type { Expr, Literal, SelectStmt, TableRef } from './syntax.ts';
import type { Column, SqlSettings, TableInfo } from './types.ts';

/** The result of binding a SELECT over one table. */
export interface BoundSelect {
  /** The operator tree: scan → [filter] → project. */
  readonly plan: PlanNode;
  /** Output columns (names as PostgreSQL gives them, possibly overridden by the view's column list). */
  readonly columns: readonly Column[];
  /** Output names of the source primary key when every key column is projected as a plain column reference; else []. */
  readonly key: readonly string[];
}

/** Functions PostgreSQL evaluates differently on every call or per transaction: a view cannot maintain them. */
const NON_DETERMINISTIC = new Set([
  'now', 'random', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'current_date',
  'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'gen_random_uuid', 'uuid_generate_v1',
  'uuid_generate_v4', 'nextval', 'currval', 'lastval', 'setval', 'setseed', 'txid_current', 'pg_backend_pid',
  'current_user', 'session_user', 'user', 'current_role', 'current_schema', 'current_database', 'version',
  'pg_current_wal_lsn', 'age', 'random_normal', 'inet_client_addr', 'pg_sleep',
]);

const TEXT_LIKE = new Set(['text', 'varchar', 'bpchar']);

interface Scope {
  readonly table: TableInfo;
  readonly ref: TableRef;
  readonly settings: SqlSettings;
}

/** Binds a parsed SELECT against its one source table. `columnNames` renames the leading output columns. */
export function bindSelect(
  stmt: SelectStmt,
  table: TableInfo,
  settings: SqlSettings,
  columnNames: readonly string[] | null,
): BoundSelect {
  const scope: Scope = { table, ref: stmt.from, settings };
  const scan: PlanNode = { kind: 'scan', table, columns: table.columns };
  let input: PlanNode = scan;
  if (stmt.where !== null) {
    const predicate = foldConstants(toBool(bindExpr(stmt.where, scope), 'WHERE'));
    if (!(predicate.kind === 'const' && predicate.value === true)) {
      input = { kind: 'filter', input: scan, predicate, columns: table.columns };
    }
  }
  const exprs: BoundExpr[] = [];
  const names: string[] = [];
  const plainColumn: (number | null)[] = [];
  for (const item of stmt.items) {
    if (item.kind === 'star') {
      if (item.table !== null) checkQualifier(null, item.table, scope);
      table.columns.forEach((c, i) => {
        exprs.push({ kind: 'column', index: i, type: c.type });
        names.push(c.name);
        plainColumn.push(i);
      });
      continue;
    }
    let e = bindExpr(item.expr, scope);
    // An unknown-typed output (a bare string literal or NULL) becomes text, as in PostgreSQL ≥ 10.
    if (e.type.name === 'unknown') e = coerce(e, T.text);
    exprs.push(foldConstants(e));
    names.push(item.alias ?? figureColname(item.expr));
    plainColumn.push(e.kind === 'column' ? e.index : null);
  }
  if (columnNames !== null) {
    if (columnNames.length > names.length) {
      throw new SqlError('bad_request', 'CREATE MATERIALIZED VIEW specifies too many column names');
    }
    columnNames.forEach((n, i) => {
      names[i] = n;
    });
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SqlError('bad_request', `column "${n}" specified more than once`);
    seen.add(n);
  }
  const columns: Column[] = exprs.map((e, i) => ({ name: names[i]!, type: e.type }));
  const key: string[] = [];
  for (const k of table.primaryKey) {
    const at = plainColumn.indexOf(k);
    if (at < 0) {
      key.length = 0;
      break;
    }
    key.push(names[at]!);
  }
  if (table.primaryKey.length === 0) key.length = 0;
  const plan: PlanNode = { kind: 'project', input, exprs, columns };
  return { plan, columns, key };
}

// ---------------------------------------------------------------------------
// Expressions

function bindExpr(e: Expr, scope: Scope): BoundExpr {
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
    default:
      throw new SqlError('internal', `unhandled expression ${(e as { kind: string }).kind}`);
  }
}

function checkQualifier(schema: string | null, table: string, scope: Scope): void {
  const { ref } = scope;
  const visible = ref.alias ?? ref.name;
  if (table === visible && (schema === null || (ref.alias === null && schema === scope.table.schema))) return;
  if (ref.alias !== null && table === ref.name) {
    throw new SqlError('unknown_relation', `invalid reference to FROM-clause entry for table "${table}"`);
  }
  throw new SqlError('unknown_relation', `missing FROM-clause entry for table "${schema === null ? '' : `${schema}.`}${table}"`);
}

function bindColumn(e: Extract<Expr, { kind: 'column' }>, scope: Scope): BoundExpr {
  if (e.table !== null) checkQualifier(e.schema, e.table, scope);
  const index = scope.table.columns.findIndex((c) => c.name === e.name);
  if (index < 0) {
    const shown = e.table === null ? `"${e.name}"` : `${e.table}.${e.name}`;
    throw new SqlError('unknown_column', `column ${shown} does not exist`);
  }
  return { kind: 'column', index, type: scope.table.columns[index]!.type };
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
function coerce(e: BoundExpr, to: SqlType, explicit = false): BoundExpr {
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

function toBool(e: BoundExpr, context: string): BoundExpr {
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

function checkCollation(op: string, t: SqlType, scope: Scope): void {
  if (ORDERING.has(op) && TEXT_LIKE.has(t.name) && !scope.settings.cCollation) {
    throw new SqlError(
      'unsupported',
      `unsupported: text ordering comparison (${op}) under the source database's non-C collation; ` +
        'only C/POSIX collation ordering is supported',
    );
  }
}

function bindBinary(op: string, left: BoundExpr, right: BoundExpr, scope: Scope): BoundExpr {
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

function bindFunction(schema: string | null, name: string, args: BoundExpr[], scope: Scope): BoundExpr {
  const shown = `${schema === null ? '' : `${schema}.`}${name}`;
  if (NON_DETERMINISTIC.has(name)) throw new SqlError('unsupported', `unsupported: function ${shown}() (not deterministic)`);
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
