/**
 * Compiles a bound expression ONCE into a JS closure `(row) => Value`; no
 * tree walking per row. SQL semantics: strict calls return NULL when any
 * argument is NULL; AND/OR/NOT use three-valued logic; a predicate keeps a
 * row only when it is TRUE (the caller checks `=== true`).
 */
import { unreachable } from '../errors.ts';
import { likeMatcher } from '../values/index.ts';
import type { Datum, Row, Value } from '../values/types.ts';
import type { BoundExpr, EqTest } from './plan.ts';

/** A compiled expression: evaluates against one input row; throws SqlRuntimeError as PostgreSQL would. */
export type Evaluator = (row: Row) => Value;

/** Compiles `e` into an evaluator. */
export function compileExpr(e: BoundExpr): Evaluator {
  switch (e.kind) {
    case 'column': {
      const i = e.index;
      return (row) => row[i] ?? null;
    }
    case 'const': {
      const v = e.value;
      return () => v;
    }
    case 'call': {
      const args = e.args.map(compileExpr);
      if (e.strict !== false) return compileCall(e.fn, args);
      const fn = e.fn as (a: readonly Value[]) => Value;
      return (row) => fn(args.map((f) => f(row)));
    }
    case 'and': {
      const fs = e.args.map(compileExpr);
      return (row) => {
        let sawNull = false;
        for (const f of fs) {
          const v = f(row);
          if (v === false) return false;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : true;
      };
    }
    case 'or': {
      const fs = e.args.map(compileExpr);
      return (row) => {
        let sawNull = false;
        for (const f of fs) {
          const v = f(row);
          if (v === true) return true;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : false;
      };
    }
    case 'not': {
      const f = compileExpr(e.arg);
      return (row) => {
        const v = f(row);
        return v === null ? null : !v;
      };
    }
    case 'is_null': {
      const f = compileExpr(e.arg);
      const negated = e.negated;
      return (row) => (f(row) === null) !== negated;
    }
    case 'is_bool': {
      const f = compileExpr(e.arg);
      const want = e.value;
      const negated = e.negated;
      return (row) => (f(row) === want) !== negated;
    }
    case 'in': {
      const arg = compileExpr(e.arg);
      const tests = e.items.map(compileTest);
      const negated = e.negated;
      return (row) => {
        const a = arg(row);
        if (a === null) return null;
        let sawNull = false;
        for (const t of tests) {
          const r = t(a, row);
          if (r === true) return !negated;
          if (r === null) sawNull = true;
        }
        return sawNull ? null : negated;
      };
    }
    case 'case': {
      const arms = e.whens.map((w) => ({ cond: compileExpr(w.cond), result: compileExpr(w.result) }));
      const otherwise = compileExpr(e.otherwise);
      return (row) => {
        for (const arm of arms) if (arm.cond(row) === true) return arm.result(row);
        return otherwise(row);
      };
    }
    case 'case_simple': {
      const operand = compileExpr(e.operand);
      const arms = e.whens.map((w) => ({ test: compileTest(w.test), result: compileExpr(w.result) }));
      const otherwise = compileExpr(e.otherwise);
      return (row) => {
        const o = operand(row);
        if (o !== null) for (const arm of arms) if (arm.test(o, row) === true) return arm.result(row);
        return otherwise(row);
      };
    }
    case 'coalesce': {
      const fs = e.args.map(compileExpr);
      return (row) => {
        for (const f of fs) {
          const v = f(row);
          if (v !== null) return v;
        }
        return null;
      };
    }
    case 'minmax': {
      const fs = e.args.map(compileExpr);
      const cmp = e.compare;
      const sign = e.op === 'greatest' ? 1 : -1;
      return (row) => {
        let best: Value = null;
        for (const f of fs) {
          const v = f(row);
          if (v === null) continue;
          if (best === null || sign * cmp(v, best) > 0) best = v;
        }
        return best;
      };
    }
    case 'nullif': {
      const left = compileExpr(e.left);
      const test = compileTest(e.test);
      return (row) => {
        const a = left(row);
        if (a === null) return null;
        return test(a, row) === true ? null : a;
      };
    }
    case 'like': {
      const arg = compileExpr(e.arg);
      const negated = e.negated;
      const ci = e.caseInsensitive;
      if (e.pattern.kind === 'const') {
        const p = e.pattern.value;
        if (p === null) return () => null;
        const m = likeMatcher(String(p), ci);
        return (row) => {
          const v = arg(row);
          return v === null ? null : m(String(v)) !== negated;
        };
      }
      const pattern = compileExpr(e.pattern);
      // Patterns that vary per row: keep the last compiled matcher.
      let last: { pattern: string; match: (s: string) => boolean } | null = null;
      return (row) => {
        const v = arg(row);
        const p = pattern(row);
        if (v === null || p === null) return null;
        const ps = String(p);
        if (last === null || last.pattern !== ps) last = { pattern: ps, match: likeMatcher(ps, ci) };
        return last.match(String(v)) !== negated;
      };
    }
    default:
      return unreachable(e);
  }
}

/** A compiled EqTest: `(left, row) => left = right(row)` with NULL → null. */
function compileTest(t: EqTest): (left: Datum, row: Row) => Value {
  const right = compileExpr(t.right);
  const cast = t.leftCast;
  const eq = t.eq;
  return (left, row) => {
    const r = right(row);
    if (r === null) return null;
    const l = cast === null ? left : cast(left);
    if (l === null) return null;
    return eq(l, r);
  };
}

function compileCall(fn: (args: readonly Datum[]) => Value, args: readonly Evaluator[]): Evaluator {
  // Like PostgreSQL, every argument is evaluated (an error in any of them is
  // raised) before a NULL argument short-cuts the strict call.
  if (args.length === 0) return () => fn([]);
  if (args.length === 1) {
    const a0 = args[0]!;
    return (row) => {
      const a = a0(row);
      return a === null ? null : fn([a]);
    };
  }
  if (args.length === 2) {
    const a0 = args[0]!;
    const a1 = args[1]!;
    return (row) => {
      const a = a0(row);
      const b = a1(row);
      return a === null || b === null ? null : fn([a, b]);
    };
  }
  return (row) => {
    const vals: Datum[] = [];
    let sawNull = false;
    for (const f of args) {
      const v = f(row);
      if (v === null) sawNull = true;
      else vals.push(v);
    }
    return sawNull ? null : fn(vals);
  };
}
