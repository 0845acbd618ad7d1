/**
 * The one place that touches node-sql-parser's loose AST: parses a
 * CREATE MATERIALIZED VIEW statement and converts its SELECT into the typed
 * syntax tree of syntax.ts, refusing every construct outside the supported
 * set with SqlError('unsupported', 'unsupported: <construct>').
 */
import sqlParser from 'node-sql-parser';
import { SqlError } from '../errors.ts';
import { checkTextLimits, tooComplex } from './limits.ts';
import { AGG_MARKER, PAREN_MARKER, peelCreateView, prepareForParser, locate, syntaxErrorAt } from './sql-text.ts';
import type { AggregateCall, ArithOp, CompareOp, Expr, JsonOp, JoinClause, Literal, OrderItem, QueryExpr, SelectItem, SelectStmt, TableRef, TypeRef } from './syntax.ts';

/** A parsed CREATE MATERIALIZED VIEW statement. */
export interface ParsedView {
  /** View name (folded unless quoted). */
  readonly name: string;
  /** Explicit output column names from `CREATE MATERIALIZED VIEW v (a, b)`, or null. */
  readonly columnNames: readonly string[] | null;
  /** The SELECT text as written, without a trailing semicolon. */
  readonly selectText: string;
  readonly query: QueryExpr;
}

// node-sql-parser is CommonJS; its bundled typings do not resolve, so describe the one call we use.
interface SqlParser {
  astify(sql: string, opt: { database: string }): unknown;
}
const ParserClass = (sqlParser as unknown as { Parser: new () => SqlParser }).Parser;
const parser = new ParserClass();

/**
 * Parses a CREATE MATERIALIZED VIEW statement.
 * Throws SqlError('parse_error') with line/column for malformed SQL and
 * SqlError('unsupported') naming the construct for valid SQL outside the supported set.
 */
export function parseCreateView(sql: string): ParsedView {
  checkTextLimits(sql);
  const head = peelCreateView(sql);
  const prepared = prepareForParser(head.selectText);
  if (prepared.usesAnyAll) throw new SqlError('unsupported', 'unsupported: the jsonb operators ?| and ?&');
  if (locate(head.selectText, 'grouping sets') !== undefined) throw new SqlError('unsupported', 'unsupported: GROUP BY GROUPING SETS', 'grouping sets');
  if (/^\s*with\s+recursive\b/i.test(head.selectText)) throw new SqlError('unsupported', 'unsupported: WITH RECURSIVE (recursive CTEs)', 'recursive');
  let ast: unknown;
  try {
    ast = parser.astify(prepared.text, { database: 'postgresql' });
  } catch (e) {
    const loc = (e as { location?: { start?: { offset?: number } } }).location?.start?.offset;
    if (typeof loc === 'number') {
      throw syntaxErrorAt(sql, head.selectStart + prepared.toOriginal(loc));
    }
    if (e instanceof RangeError) throw tooComplex(e);
    throw new SqlError('parse_error', `syntax error: ${(e as Error).message}`);
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1) throw new SqlError('unsupported', 'unsupported: more than one statement');
    ast = ast[0];
  }
  castTypes = prepared.castTypes;
  setOpAll = prepared.setOpAll;
  try {
    return { name: head.name, columnNames: head.columnNames, selectText: head.selectText, query: convertQuery(ast) };
  } finally {
    castTypes = [];
    setOpAll = [];
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the parser's AST is untyped; this module is the boundary. */
type Ast = any;

function unsupported(what: string, near?: string): SqlError {
  return new SqlError('unsupported', `unsupported: ${what}`, near);
}

function isSubquery(node: Ast): boolean {
  return node !== null && typeof node === 'object' && node.ast !== undefined && node.ast !== null;
}

const SET_OPS: Record<string, { op: 'union' | 'intersect' | 'except'; all: boolean }> = {
  'union': { op: 'union', all: false },
  'union distinct': { op: 'union', all: false },
  'union all': { op: 'union', all: true },
  'intersect': { op: 'intersect', all: false },
  'intersect distinct': { op: 'intersect', all: false },
  'intersect all': { op: 'intersect', all: true },
  'except': { op: 'except', all: false },
  'except distinct': { op: 'except', all: false },
  'except all': { op: 'except', all: true },
};

/**
 * A SELECT or a chain of set operations. node-sql-parser gives the chain as a list (each SELECT's
 * `_next`, joined by its `set_op`); INTERSECT binds tighter, UNION and EXCEPT associate left.
 */
function convertQuery(node: Ast): QueryExpr {
  if (!node?.with) return convertSetOps(node);
  // WITH: each query sees the ones before it; the main query sees all of them
  const scope = new Map<string, Cte>();
  cteScopes.push(scope);
  try {
    for (const w of Array.isArray(node.with) ? node.with : [node.with]) {
      const name = identText(w.name);
      if (scope.has(name)) throw new SqlError('bad_request', `WITH query name "${name}" specified more than once`);
      const stmt = w.stmt?.ast ?? w.stmt;
      const columnNames = Array.isArray(w.columns) ? w.columns.map((c: Ast) => identText(c.column ?? c)) : undefined;
      const query = convertQuery(stmt);
      scope.set(name, columnNames === undefined ? { query } : { query, columnNames });
    }
    return convertSetOps({ ...node, with: null });
  } finally {
    cteScopes.pop();
  }
}

/** A WITH query, as the FROM entries that name it see it. */
interface Cte {
  readonly query: QueryExpr;
  readonly columnNames?: readonly string[];
}

/** The WITH queries visible while converting, innermost last. */
const cteScopes: Map<string, Cte>[] = [];

function findCte(name: string): Cte | undefined {
  for (let i = cteScopes.length - 1; i >= 0; i--) {
    const c = cteScopes[i]!.get(name);
    if (c !== undefined) return c;
  }
  return undefined;
}

function convertSetOps(node: Ast): QueryExpr {
  const selects: QueryExpr[] = [];
  const ops: { op: 'union' | 'intersect' | 'except'; all: boolean }[] = [];
  let intersectOrExcept = 0;
  for (let n: Ast = node; n; n = n._next) {
    selects.push({ kind: 'select', select: convertSelect(n, selects.length === 0) });
    if (n._next) {
      let op = SET_OPS[String(n.set_op ?? '').toLowerCase().replace(/\s+/g, ' ')];
      if (op === undefined) throw unsupported(`set operation ${String(n.set_op).toUpperCase()}`);
      if (op.op !== 'union' && setOpAll[intersectOrExcept++] === true) op = { op: op.op, all: true };
      ops.push(op);
    }
  }
  // INTERSECT first
  const terms: QueryExpr[] = [selects[0]!];
  const between: typeof ops = [];
  ops.forEach((o, i) => {
    const right = selects[i + 1]!;
    if (o.op === 'intersect') terms[terms.length - 1] = { kind: 'setop', op: 'intersect', all: o.all, left: terms[terms.length - 1]!, right };
    else {
      between.push(o);
      terms.push(right);
    }
  });
  let q = terms[0]!;
  between.forEach((o, i) => {
    q = { kind: 'setop', op: o.op, all: o.all, left: q, right: terms[i + 1]! };
  });
  return q;
}

function convertSelect(node: Ast, first: boolean): SelectStmt {
  if (node === null || typeof node !== 'object' || node.type !== 'select') {
    throw unsupported(`statement ${String(node?.type ?? 'unknown').toUpperCase()} (a view is a SELECT)`);
  }
  if (node.with) throw unsupported('WITH in this position');
  if (!first && node.parentheses) throw unsupported('parenthesized set operation');
  const dtype = node.distinct?.type ? String(node.distinct.type).toUpperCase().replace(/\s+/g, '') : '';
  if (dtype !== '' && dtype !== 'DISTINCT' && dtype !== 'DISTINCTON') throw unsupported(dtype);
  const distinctOn: Expr[] | null = dtype === 'DISTINCTON' ? (Array.isArray(node.distinct.columns) ? node.distinct.columns : []).map((c: Ast) => convertExpr(c.expr ?? c)) : null;
  if (node.window) throw unsupported('window function');
  if (node.into && (node.into.expr || node.into.type)) throw unsupported('SELECT INTO');
  if (node.locking_read) throw unsupported('FOR UPDATE');
  let limit: SelectStmt['limit'] = null;
  const lim = node.limit;
  if (lim && Array.isArray(lim.value) && lim.value.length > 0) {
    const count = (v: Ast, what: string): number | null => {
      if (v?.type === 'origin' && String(v.value).toLowerCase() === 'all') return null;
      if (v?.type !== 'number' || !Number.isSafeInteger(v.value) || v.value < 0) throw unsupported(`${what} that is not a non-negative integer constant`);
      return v.value as number;
    };
    if (lim.seperator === 'offset' && lim.value.length === 1) limit = { count: null, offset: count(lim.value[0], 'OFFSET') ?? 0 };
    else limit = { count: count(lim.value[0], 'LIMIT'), offset: lim.value.length > 1 ? (count(lim.value[1], 'OFFSET') ?? 0) : 0 };
    if (limit.count === null && limit.offset === 0) limit = null; // LIMIT ALL
  }
  const { from, joins } = convertFrom(node.from);
  if (!Array.isArray(node.columns)) throw unsupported('select list');
  const items = node.columns.map(convertSelectItem);
  const orderBy: OrderItem[] = Array.isArray(node.orderby) ? node.orderby.map(convertOrderItem) : [];
  const where = node.where ? convertExpr(node.where) : null;
  let groupBy: Expr[] | null = null;
  if (node.groupby) {
    const cols: Ast[] = Array.isArray(node.groupby.columns) ? node.groupby.columns : [];
    if (cols.length === 0 || node.groupby.modifiers?.length) throw unsupported('GROUP BY form');
    groupBy = cols.map((c) => {
      if (c?.type === 'function') {
        const fname = functionName(c).name;
        if (fname === 'rollup' || fname === 'cube' || fname === 'grouping sets') throw unsupported(`GROUP BY ${fname.toUpperCase()}`, fname);
      }
      return convertExpr(c);
    });
  }
  const having = node.having ? convertExpr(node.having) : null;
  return { distinct: dtype === 'DISTINCT', distinctOn, items, from, joins, where, groupBy, having, orderBy, limit };
}

const JOIN_TYPES: Record<string, JoinClause['type']> = {
  'JOIN': 'inner',
  'INNER JOIN': 'inner',
  'LEFT JOIN': 'left',
  'LEFT OUTER JOIN': 'left',
  'RIGHT JOIN': 'right',
  'RIGHT OUTER JOIN': 'right',
  'FULL JOIN': 'full',
  'FULL OUTER JOIN': 'full',
  'CROSS JOIN': 'cross',
};

function convertFrom(from: Ast): { from: TableRef; joins: JoinClause[] } {
  if (!Array.isArray(from) || from.length === 0) throw unsupported('SELECT without FROM (a view must read a table)');
  const first = from[0];
  if (first.join) throw unsupported('JOIN form');
  const joins: JoinClause[] = [];
  for (let i = 1; i < from.length; i++) {
    const f = from[i];
    const prev = from[i - 1];
    if (typeof prev?.as === 'string' && prev.as.toUpperCase() === 'NATURAL') throw unsupported('NATURAL JOIN');
    let type: JoinClause['type'] = 'cross';
    if (f.join) {
      const t = JOIN_TYPES[String(f.join).toUpperCase().replace(/\s+/g, ' ')];
      if (t === undefined) throw unsupported(String(f.join).toUpperCase());
      type = t;
    }
    const using: string[] | null = Array.isArray(f.using) ? f.using.map(identText) : null;
    const on = f.on ? convertExpr(f.on) : null;
    if ((type === 'cross' && (on !== null || using !== null)) || (type !== 'cross' && on === null && using === null)) {
      throw new SqlError('parse_error', `syntax error: ${type === 'cross' ? 'CROSS JOIN takes no ON or USING' : 'JOIN needs ON or USING'}`);
    }
    joins.push({ type, table: convertTableRef(f), on, using });
  }
  if (typeof from[from.length - 1]?.as === 'string' && from[from.length - 1].as.toUpperCase() === 'NATURAL') throw unsupported('NATURAL JOIN');
  return { from: convertTableRef(first), joins };
}

function convertTableRef(f: Ast): TableRef {
  if (f.expr && f.expr.type === 'tables') throw unsupported('parenthesized JOIN');
  if (f.lateral || (typeof f.prefix === 'string' && f.prefix.toUpperCase() === 'LATERAL')) throw unsupported('LATERAL', 'lateral');
  if (f.expr && isSubquery(f.expr)) {
    if (typeof f.as !== 'string' || f.as === '') throw new SqlError('bad_request', 'subquery in FROM must have an alias');
    return { schema: null, name: f.as, alias: f.as, query: convertQuery(f.expr.ast) };
  }
  if (f.expr) throw unsupported('table function in FROM');
  if (f.tablesample) throw unsupported('TABLESAMPLE', 'tablesample');
  if (f.type === 'dual' || typeof f.table !== 'string') throw unsupported('FROM item');
  if (f.table === 'only' && f.as) throw unsupported('ONLY');
  const schema = typeof f.db === 'string' && f.db !== '' ? f.db : null;
  const alias = typeof f.as === 'string' && f.as !== '' ? f.as : null;
  const cte = schema === null ? findCte(f.table) : undefined;
  if (cte !== undefined) return { schema: null, name: f.table, alias, ...cte };
  return { schema, name: f.table, alias };
}

function identText(x: Ast): string {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object' && typeof x.value === 'string') return x.value;
  if (x && typeof x === 'object' && x.expr) return identText(x.expr);
  throw unsupported('identifier form');
}

function convertSelectItem(item: Ast): SelectItem {
  const e = item.expr;
  if (e?.type === 'column_ref' && e.column === '*') {
    return { kind: 'star', table: e.table === null || e.table === undefined ? null : identText(e.table) };
  }
  if (e?.type === 'star') return { kind: 'star', table: null };
  return { kind: 'expr', expr: convertExpr(e), alias: typeof item.as === 'string' ? item.as : item.as ? identText(item.as) : null };
}

const ARITH: Record<string, ArithOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '||': '||' };
const JSON_OPS = new Set(['->', '->>', '#>', '#>>', '@>', '<@', '?']);
const COMPARE: Record<string, CompareOp> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'string_agg', 'array_agg', 'bool_and', 'bool_or', 'every', 'bit_and',
  'bit_or', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'stddev', 'stddev_pop', 'stddev_samp',
  'variance', 'var_pop', 'var_samp', 'mode', 'percentile_cont', 'percentile_disc', 'group_concat', 'xmlagg',
  'corr', 'covar_pop', 'covar_samp', 'regr_count', 'range_agg',
]);
const WINDOW_ONLY = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value']);

/** The aggregate functions views support (incrementally, see src/views/aggregates.ts). */
const SUPPORTED_AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg']);

function convertOrderItem(o: Ast): OrderItem {
  const nulls = typeof o.nulls === 'string' ? o.nulls.toUpperCase() : '';
  return {
    expr: convertExpr(o.expr),
    desc: String(o.type ?? '').toUpperCase() === 'DESC',
    nullsFirst: nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : null,
  };
}

function convertAggregate(node: Ast): AggregateCall {
  let name = String(node.name).toLowerCase();
  const a = node.args ?? {};
  const argNode: Ast = a.expr;
  let delim: Ast = a.separator?.delimiter ?? (a.separator && typeof a.separator === 'object' && a.separator.type ? a.separator : undefined);
  if (name === 'string_agg' && delim?.type === 'single_quote_string' && String(delim.value).startsWith(AGG_MARKER)) {
    // bool_and/bool_or/every, rewritten by prepareForParser
    name = String(delim.value).slice(AGG_MARKER.length);
    delim = undefined;
  }
  if (!SUPPORTED_AGGREGATES.has(name)) throw unsupported(`aggregate function ${name}`);
  const star = argNode?.type === 'star';
  if (star && name !== 'count') throw new SqlError('parse_error', `syntax error: ${name}(*) is only valid for count`);
  const args: Expr[] = star || argNode === undefined || argNode === null ? [] : [convertExpr(argNode)];
  if (delim !== undefined && delim !== null) args.push(convertExpr(delim));
  const orderBy: OrderItem[] = Array.isArray(a.orderby) ? a.orderby.map(convertOrderItem) : [];
  const filter = node.filter?.where ? convertExpr(node.filter.where) : null;
  return { kind: 'aggregate', name, star, args, distinct: String(a.distinct ?? '').toUpperCase() === 'DISTINCT', orderBy, filter };
}

function parseStringLiteral(node: Ast): string {
  // node-sql-parser keeps the doubled quote of 'it''s'.
  return String(node.value).replace(/''/g, "'");
}

function parseEscapeString(raw: string): string {
  // raw is e'...' (E-string); PostgreSQL backslash escapes.
  const body = raw.slice(2, raw.endsWith("'") ? -1 : undefined);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c !== '\\') out += c;
    else {
      const d = body[++i] ?? '';
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (simple[d] !== undefined) out += simple[d];
      else if (/[0-7]/.test(d)) {
        const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
        out += String.fromCodePoint(parseInt(m, 8));
        i += m.length - 1;
      } else if (d === 'x' && /^[0-9a-fA-F]/.test(body[i + 1] ?? '')) {
        const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1))![0];
        out += String.fromCodePoint(parseInt(m, 16));
        i += m.length;
      } else if (d === 'u' || d === 'U') {
        const len = d === 'u' ? 4 : 8;
        const m = body.slice(i + 1, i + 1 + len);
        if (!/^[0-9a-fA-F]+$/.test(m) || m.length !== len) throw new SqlError('parse_error', 'invalid Unicode escape');
        out += String.fromCodePoint(parseInt(m, 16));
        i += len;
      } else out += d;
    }
  }
  return out;
}

function numberLiteral(value: Ast): Literal {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw unsupported(`number ${value}`);
    if (Number.isInteger(value)) {
      if (!Number.isSafeInteger(value)) throw new SqlError('parse_error', `number literal lost precision: ${value}`);
      return { kind: 'integer', text: String(value) };
    }
    return { kind: 'decimal', text: String(value) };
  }
  const text = String(value);
  if (/^-?\d+$/.test(text)) return { kind: 'integer', text };
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { kind: 'decimal', text };
  throw new SqlError('parse_error', `invalid number literal ${text}`);
}

/** Cast target types of the statement being converted (see ParserText.castTypes). */
let castTypes: readonly string[] = [];
/** Whether each INTERSECT/EXCEPT of the statement being converted had ALL (see ParserText.setOpAll). */
let setOpAll: readonly boolean[] = [];

function typeRefOf(target: Ast): TypeRef {
  // Every cast target was replaced by the placeholder varchar(<index into castTypes>).
  const text = String(target?.dataType ?? '').toUpperCase() === 'VARCHAR' ? castTypes[Number(target.length)] : undefined;
  if (text === undefined || target.array) throw unsupported('cast target type');
  return { text };
}

function functionName(node: Ast): { schema: string | null; name: string } {
  const parts = node.name?.name;
  if (!Array.isArray(parts) || parts.length === 0) throw unsupported('function name');
  const last = parts[parts.length - 1];
  const quoted = last.type === 'double_quote_string';
  const raw = String(last.value);
  const name = quoted ? raw : raw.toLowerCase();
  const schema = node.name.schema ? identText(node.name.schema) : null;
  return { schema, name };
}

function argList(node: Ast): Ast[] {
  const a = node.args;
  if (a === undefined || a === null) return [];
  if (a.type === 'expr_list') return Array.isArray(a.value) ? a.value : [a.value];
  return [a];
}

function convertTrim(args: Ast[]): Expr {
  // Forms: trim(x) | trim([both|leading|trailing] [chars] from x)
  let side: 'both' | 'leading' | 'trailing' = 'both';
  let rest = args;
  const first = rest[0];
  if (first?.type === 'origin' && /^(both|leading|trailing)$/i.test(String(first.value))) {
    side = String(first.value).toLowerCase() as 'both' | 'leading' | 'trailing';
    rest = rest.slice(1);
  }
  const fromIdx = rest.findIndex((a) => a?.type === 'origin' && String(a.value).toLowerCase() === 'from');
  if (fromIdx < 0) {
    if (rest.length !== 1) throw unsupported('form of trim()');
    return { kind: 'trim', side, chars: null, source: convertExpr(rest[0]) };
  }
  const before = rest.slice(0, fromIdx);
  const after = rest.slice(fromIdx + 1);
  if (before.length > 1 || after.length !== 1) throw unsupported('form of trim()');
  return {
    kind: 'trim',
    side,
    chars: before.length === 1 ? convertExpr(before[0]) : null,
    source: convertExpr(after[0]),
  };
}

function convertExpr(node: Ast): Expr {
  if (node === null || node === undefined) throw unsupported('empty expression');
  if (isSubquery(node)) return { kind: 'scalar_query', query: convertQuery(node.ast) };
  if (node.collate) throw unsupported('COLLATE');
  if (node.array_index) throw unsupported('array subscript');
  if (node.options) throw unsupported('AT TIME ZONE');
  switch (node.type) {
    case 'column_ref': {
      if (node.column === '*') throw unsupported('* in an expression');
      return {
        kind: 'column',
        schema: node.schema ? identText(node.schema) : null,
        table: node.table === null || node.table === undefined ? null : identText(node.table),
        name: identText(node.column),
      };
    }
    case 'number':
    case 'bigint':
      return { kind: 'literal', literal: numberLiteral(node.value) };
    case 'single_quote_string':
    case 'string':
      return { kind: 'literal', literal: { kind: 'string', value: parseStringLiteral(node) } };
    case 'bool':
      return { kind: 'literal', literal: { kind: 'bool', value: Boolean(node.value) } };
    case 'null':
      return { kind: 'literal', literal: { kind: 'null' } };
    case 'default': {
      const v = String(node.value);
      if (/^e'/i.test(v)) return { kind: 'literal', literal: { kind: 'string', value: parseEscapeString(v) } };
      throw unsupported(`expression ${v}`);
    }
    case 'date':
    case 'timestamp':
    case 'time':
      if (node.type === 'time') throw unsupported('type time');
      return { kind: 'typed_literal', type: { text: node.type }, value: String(node.value) };
    case 'cast': {
      let expr = convertExpr(node.expr);
      const targets: Ast[] = Array.isArray(node.target) ? node.target : [node.target];
      for (const t of targets) expr = { kind: 'cast', arg: expr, type: typeRefOf(t) };
      return expr;
    }
    case 'unary_expr': {
      const op = String(node.operator).toUpperCase().replace(/\s+/g, ' ');
      if ((op === '-' || op === '+') && isDistinctNode(node.expr)) throw unsupported('IS [NOT] DISTINCT FROM next to another operator without parentheses (write (a IS DISTINCT FROM b))');
      if (op === 'NOT EXISTS' && isSubquery(node.expr)) return { kind: 'exists', query: convertQuery(node.expr.ast), negated: true };
      const arg = convertExpr(node.expr);
      if (op === 'NOT') return { kind: 'not', arg };
      if (op === '-') return { kind: 'negate', arg };
      if (op === '+') return { kind: 'unary_plus', arg };
      throw unsupported(`operator ${String(node.operator)}`);
    }
    case 'binary_expr':
      return convertBinary(node);
    case 'case': {
      const whens: { when: Expr; then: Expr }[] = [];
      let otherwise: Expr | null = null;
      for (const a of node.args ?? []) {
        if (a.type === 'when') whens.push({ when: convertExpr(a.cond), then: convertExpr(a.result) });
        else if (a.type === 'else') otherwise = convertExpr(a.result);
        else throw unsupported('CASE form');
      }
      return { kind: 'case', operand: node.expr ? convertExpr(node.expr) : null, whens, otherwise };
    }
    case 'aggr_func':
      if (node.over) throw unsupported(`window function ${String(node.name).toLowerCase()} (only row_number(), rank() and dense_rank() in the top-k per group pattern)`, 'over');
      return convertAggregate(node);
    case 'window_func': {
      const fn = String(node.name).toLowerCase();
      if (fn !== 'row_number' && fn !== 'rank' && fn !== 'dense_rank') {
        throw unsupported(`window function ${fn} (only row_number(), rank() and dense_rank() in the top-k per group pattern)`, `${fn} (`);
      }
      const spec = node.over?.as_window_specification?.window_specification;
      if (spec === undefined || spec === null || typeof spec !== 'object') throw unsupported('named window');
      if (spec.window_frame_clause) throw unsupported('window frame clause', 'over');
      return {
        kind: 'window',
        fn,
        partitionBy: (Array.isArray(spec.partitionby) ? spec.partitionby : []).map((p: Ast) => convertExpr(p.expr ?? p)),
        orderBy: (Array.isArray(spec.orderby) ? spec.orderby : []).map(convertOrderItem),
      };
    }
    case 'function': {
      const { schema, name } = functionName(node);
      if (node.over) throw unsupported(`window function ${name} (only row_number(), rank() and dense_rank() in the top-k per group pattern)`, `${name} (`);
      const args = argList(node);
      if (name === 'exists') {
        if (args.length !== 1 || !isSubquery(args[0])) throw unsupported('form of EXISTS');
        return { kind: 'exists', query: convertQuery(args[0].ast), negated: false };
      }
      if (name === PAREN_MARKER && schema === null) {
        if (args.length !== 1) throw unsupported('row constructor');
        return convertExpr(args[0]);
      }
      if (AGGREGATES.has(name)) {
        if (SUPPORTED_AGGREGATES.has(name) && schema === null) {
          return { kind: 'aggregate', name, star: false, args: args.map(convertExpr), distinct: false, orderBy: [], filter: null };
        }
        throw unsupported(`aggregate function ${name}`);
      }
      if (WINDOW_ONLY.has(name)) throw unsupported(`window function ${name} (only row_number(), rank() and dense_rank() in the top-k per group pattern)`, `${name} (`);
      if (name === 'trim' && schema === null) return convertTrim(args);
      if (name === 'position' && schema === null && args.length === 3 && args[1]?.type === 'origin' && String(args[1].value).toLowerCase() === 'in') {
        return { kind: 'func', schema: null, name: 'position', args: [convertExpr(args[0]), convertExpr(args[2])] };
      }
      if (args.some((a) => a?.type === 'origin')) throw unsupported(`function ${name}() with SQL-syntax arguments`);
      return { kind: 'func', schema, name, args: args.map(convertExpr) };
    }
    case 'extract': {
      // extract(field FROM x) is PostgreSQL's extract(text, x)
      const field = node.args?.field;
      if (typeof field !== 'string' || node.args?.source === undefined) throw unsupported('form of extract()');
      return { kind: 'func', schema: null, name: 'extract', args: [{ kind: 'literal', literal: { kind: 'string', value: field.toLowerCase() } }, convertExpr(node.args.source)] };
    }
    case 'interval': {
      // interval '1 day' [unit]: an untyped literal of type interval (the unit is its typmod)
      const e = node.expr;
      if (e?.type !== 'single_quote_string' && e?.type !== 'string') throw unsupported('form of interval literal');
      const unit = typeof node.unit === 'string' && node.unit !== '' ? ` ${node.unit.toLowerCase()}` : '';
      return { kind: 'typed_literal', type: { text: `interval${unit}` }, value: parseStringLiteral(e) };
    }
    case 'array':
      throw unsupported('ARRAY constructor');
    case 'param':
    case 'var':
      throw unsupported('parameters');
    case 'expr_list':
      throw unsupported('row constructor');
    default:
      throw unsupported(`expression of type ${String(node.type)}`);
  }
}

/** IS [NOT] DISTINCT FROM after prepareForParser: the operators ?& and ?|. */
const isDistinctNode = (n: Ast): boolean => n?.type === 'binary_expr' && (n.operator === '?&' || n.operator === '?|') && !n.parentheses;

function convertBinary(node: Ast): Expr {
  const op = String(node.operator).toUpperCase();
  // node-sql-parser binds ?& tighter than PostgreSQL binds IS DISTINCT FROM: as an operand of
  // anything but AND/OR it may have been grouped differently, so it must be parenthesized there
  if (op !== 'AND' && op !== 'OR' && (isDistinctNode(node.left) || isDistinctNode(node.right))) {
    throw unsupported('IS [NOT] DISTINCT FROM next to another operator without parentheses (write (a IS DISTINCT FROM b))');
  }
  if (op === '?&' || op === '?|') return { kind: 'distinct', left: convertExpr(node.left), right: convertExpr(node.right), negated: op === '?|' };
  const arith = ARITH[op];
  if (arith) return { kind: 'arith', op: arith, left: convertExpr(node.left), right: convertExpr(node.right) };
  const cmp = COMPARE[op];
  if (cmp) return { kind: 'compare', op: cmp, left: convertExpr(node.left), right: convertExpr(node.right) };
  if (JSON_OPS.has(op)) return { kind: 'json_op', op: op as JsonOp, left: convertExpr(node.left), right: convertExpr(node.right) };
  if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
    return { kind: 'regex', arg: convertExpr(node.left), pattern: convertExpr(node.right), caseInsensitive: op.endsWith('*'), negated: op.startsWith('!') };
  }
  switch (op) {
    case 'AND':
      return { kind: 'and', left: convertExpr(node.left), right: convertExpr(node.right) };
    case 'OR':
      return { kind: 'or', left: convertExpr(node.left), right: convertExpr(node.right) };
    case 'IN':
    case 'NOT IN': {
      const r = node.right;
      const sub = isSubquery(r) ? r : r?.type === 'expr_list' && Array.isArray(r.value) && r.value.length === 1 && isSubquery(r.value[0]) ? r.value[0] : null;
      if (sub !== null) return { kind: 'in_query', arg: convertExpr(node.left), query: convertQuery(sub.ast), negated: op === 'NOT IN' };
      if (r?.type !== 'expr_list') throw unsupported('IN with a non-list operand');
      const vals: Ast[] = Array.isArray(r.value) ? r.value : [r.value];
      if (vals.some(isSubquery)) throw unsupported('subquery');
      return { kind: 'in', arg: convertExpr(node.left), list: vals.map(convertExpr), negated: op === 'NOT IN' };
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      const r = node.right;
      const vals: Ast[] = r?.type === 'expr_list' && Array.isArray(r.value) ? r.value : [];
      if (vals.length !== 2) throw unsupported('BETWEEN form');
      return {
        kind: 'between',
        arg: convertExpr(node.left),
        low: convertExpr(vals[0]),
        high: convertExpr(vals[1]),
        negated: op === 'NOT BETWEEN',
      };
    }
    case 'LIKE':
    case 'NOT LIKE':
    case 'ILIKE':
    case 'NOT ILIKE': {
      const r = node.right;
      if (r?.escape) {
        const esc = r.escape.value;
        if (!(esc?.type === 'single_quote_string' && esc.value === '\\')) throw unsupported('LIKE ... ESCAPE');
      }
      return {
        kind: 'like',
        arg: convertExpr(node.left),
        pattern: convertExpr(r?.escape ? { ...r, escape: undefined } : r),
        caseInsensitive: op.includes('ILIKE'),
        negated: op.startsWith('NOT'),
      };
    }
    case 'IS':
    case 'IS NOT': {
      const r = node.right;
      const negated = op === 'IS NOT';
      const arg = convertExpr(node.left);
      if (r?.type === 'null') return { kind: 'is', arg, test: 'null', negated };
      if (r?.type === 'bool') return { kind: 'is', arg, test: r.value ? 'true' : 'false', negated };
      if (r?.type === 'column_ref' && identText(r.column) === 'unknown') return { kind: 'is', arg, test: 'unknown', negated };
      throw unsupported(`IS ${negated ? 'NOT ' : ''}${String(r?.value ?? r?.type ?? '')}`);
    }
    default:
      throw unsupported(`operator ${op}`);
  }
}
