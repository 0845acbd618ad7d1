/**
 * Generic walks over bound expressions: rebuilding with replaced subtrees
 * (column shifts for join sides, GROUP BY substitution), the columns an
 * expression reads, and a structural key that says when two expressions are
 * the same (a select-list expression that matches a GROUP BY expression).
 */
import { unreachable } from '../errors.ts';
import { renderJson } from '../values/index.ts';
import type { BoundExpr, EqTest } from './plan.ts';

/**
 * Rebuilds `e` bottom-up where `f` returns a replacement; `f` is asked first for every
 * node (top-down), and a node it replaces is not descended into.
 */
export function mapBound(e: BoundExpr, f: (e: BoundExpr) => BoundExpr | undefined): BoundExpr {
  const r = f(e);
  if (r !== undefined) return r;
  const m = (x: BoundExpr): BoundExpr => mapBound(x, f);
  const mt = (t: EqTest): EqTest => ({ ...t, right: m(t.right) });
  switch (e.kind) {
    case 'column':
    case 'const':
      return e;
    case 'call':
      return { ...e, args: e.args.map(m) };
    case 'and':
    case 'or':
      return { ...e, args: e.args.map(m) };
    case 'not':
    case 'is_null':
    case 'is_bool':
      return { ...e, arg: m(e.arg) };
    case 'in':
      return { ...e, arg: m(e.arg), items: e.items.map(mt) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ cond: m(w.cond), result: m(w.result) })), otherwise: m(e.otherwise) };
    case 'case_simple':
      return {
        ...e,
        operand: m(e.operand),
        whens: e.whens.map((w) => ({ test: mt(w.test), result: m(w.result) })),
        otherwise: m(e.otherwise),
      };
    case 'coalesce':
    case 'minmax':
      return { ...e, args: e.args.map(m) };
    case 'nullif':
      return { ...e, left: m(e.left), test: mt(e.test) };
    case 'like':
      return { ...e, arg: m(e.arg), pattern: m(e.pattern) };
    default:
      return unreachable(e);
  }
}

/** Column indices `e` reads. */
export function columnsOf(e: BoundExpr): Set<number> {
  const out = new Set<number>();
  mapBound(e, (x) => {
    if (x.kind === 'column') out.add(x.index);
    return undefined;
  });
  return out;
}

/** `e` with every column index moved by `delta` (an expression over a join side, rebased onto that side's rows). */
export function shiftColumns(e: BoundExpr, delta: number): BoundExpr {
  if (delta === 0) return e;
  return mapBound(e, (x) => (x.kind === 'column' ? { ...x, index: x.index + delta } : undefined));
}

/**
 * A structural key: equal keys mean the same computation on the same columns (operators and
 * functions are told apart by their label and result type; constants by value and type).
 */
export function boundKey(e: BoundExpr): string {
  const k = boundKey;
  const t = (x: EqTest): string => `=${k(x.right)}${x.leftCast === null ? '' : '~'}`;
  switch (e.kind) {
    case 'column':
      return `c${e.index}`;
    case 'const':
      return `k(${e.value === null ? 'null' : renderJson(e.value, e.type)}:${e.type.display})`;
    case 'call':
      return `f(${e.label}:${e.type.display}|${e.args.map(k).join(',')})`;
    case 'and':
    case 'or':
    case 'coalesce':
      return `${e.kind}(${e.args.map(k).join(',')})`;
    case 'minmax':
      return `${e.op}(${e.args.map(k).join(',')})`;
    case 'not':
      return `not(${k(e.arg)})`;
    case 'is_null':
      return `isnull${e.negated ? '!' : ''}(${k(e.arg)})`;
    case 'is_bool':
      return `is${String(e.value)}${e.negated ? '!' : ''}(${k(e.arg)})`;
    case 'in':
      return `in${e.negated ? '!' : ''}(${k(e.arg)}|${e.items.map(t).join(',')})`;
    case 'case':
      return `case(${e.whens.map((w) => `${k(w.cond)}?${k(w.result)}`).join(',')}|${k(e.otherwise)})`;
    case 'case_simple':
      return `cases(${k(e.operand)}|${e.whens.map((w) => `${t(w.test)}?${k(w.result)}`).join(',')}|${k(e.otherwise)})`;
    case 'nullif':
      return `nullif(${k(e.left)}|${t(e.test)})`;
    case 'like':
      return `like${e.caseInsensitive ? 'i' : ''}${e.negated ? '!' : ''}(${k(e.arg)},${k(e.pattern)})`;
    default:
      return unreachable(e);
  }
}
