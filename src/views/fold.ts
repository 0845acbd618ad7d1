/**
 * Constant folding in the manner of PostgreSQL's eval_const_expressions:
 * constant subexpressions are evaluated once at compile time (so `1/0`
 * fails the CREATE like it fails PostgreSQL's planning), AND/OR drop
 * constant arguments and stop at a deciding one, CASE drops arms whose
 * condition is constant FALSE/NULL and stops at a constant TRUE one, and
 * COALESCE stops at its first non-null constant. Parts that PostgreSQL
 * would not simplify are left unevaluated, so no error is raised for them.
 */
import { SqlError, SqlRuntimeError, unreachable } from '../errors.ts';
import type { Value } from '../values/types.ts';
import { compileExpr } from './compile-expr.ts';
import type { BoundExpr, EqTest } from './plan.ts';

function isConst(e: BoundExpr): e is Extract<BoundExpr, { kind: 'const' }> {
  return e.kind === 'const';
}

function evaluate(e: BoundExpr): BoundExpr {
  let value: Value;
  try {
    value = compileExpr(e)([]);
  } catch (err) {
    if (err instanceof SqlRuntimeError) throw new SqlError('bad_request', err.message);
    throw err;
  }
  return { kind: 'const', value, type: e.type };
}

function foldTest(t: EqTest): EqTest {
  return { ...t, right: foldConstants(t.right) };
}

/** Returns an equivalent expression with constant parts evaluated. Throws SqlError('bad_request') for a constant that fails to evaluate. */
export function foldConstants(e: BoundExpr): BoundExpr {
  switch (e.kind) {
    case 'column':
    case 'const':
      return e;
    case 'call': {
      const args = e.args.map(foldConstants);
      const next = { ...e, args };
      return args.every(isConst) ? evaluate(next) : next;
    }
    case 'and':
    case 'or': {
      const decisive = e.kind === 'or';
      const kept: BoundExpr[] = [];
      let sawNull = false;
      for (const a of e.args) {
        const f = foldConstants(a);
        if (isConst(f)) {
          if (f.value === decisive) return f;
          if (f.value === null) sawNull = true;
          continue;
        }
        kept.push(f);
      }
      if (kept.length === 0) return { kind: 'const', value: sawNull ? null : !decisive, type: e.type };
      if (sawNull) kept.push({ kind: 'const', value: null, type: e.type });
      if (kept.length === 1) return kept[0]!;
      return { ...e, args: kept };
    }
    case 'not':
    case 'is_null':
    case 'is_bool': {
      const arg = foldConstants(e.arg);
      const next = { ...e, arg };
      return isConst(arg) ? evaluate(next) : next;
    }
    case 'in': {
      const arg = foldConstants(e.arg);
      const items = e.items.map(foldTest);
      const next = { ...e, arg, items };
      return isConst(arg) && items.every((t) => isConst(t.right)) ? evaluate(next) : next;
    }
    case 'case': {
      const whens: { cond: BoundExpr; result: BoundExpr }[] = [];
      for (const w of e.whens) {
        const cond = foldConstants(w.cond);
        if (isConst(cond)) {
          if (cond.value !== true) continue; // FALSE or NULL: the arm can never be taken
          const result = foldConstants(w.result);
          if (whens.length === 0) return result;
          return { ...e, whens, otherwise: result };
        }
        whens.push({ cond, result: foldConstants(w.result) });
      }
      const otherwise = foldConstants(e.otherwise);
      if (whens.length === 0) return otherwise;
      return { ...e, whens, otherwise };
    }
    case 'case_simple': {
      const operand = foldConstants(e.operand);
      const whens = e.whens.map((w) => ({ test: foldTest(w.test), result: foldConstants(w.result) }));
      const otherwise = foldConstants(e.otherwise);
      const next = { ...e, operand, whens, otherwise };
      const allConst =
        isConst(operand) && isConst(otherwise) && whens.every((w) => isConst(w.test.right) && isConst(w.result));
      return allConst ? evaluate(next) : next;
    }
    case 'coalesce': {
      const args: BoundExpr[] = [];
      for (const a of e.args) {
        const f = foldConstants(a);
        if (isConst(f)) {
          if (f.value === null) continue;
          args.push(f);
          break;
        }
        args.push(f);
      }
      if (args.length === 0) return { kind: 'const', value: null, type: e.type };
      if (args.length === 1 || isConst(args[0]!)) return args[0]!;
      return { ...e, args };
    }
    case 'minmax': {
      const args = e.args.map(foldConstants);
      const next = { ...e, args };
      return args.every(isConst) ? evaluate(next) : next;
    }
    case 'nullif': {
      const left = foldConstants(e.left);
      const test = foldTest(e.test);
      const next = { ...e, left, test };
      return isConst(left) && isConst(test.right) ? evaluate(next) : next;
    }
    case 'like': {
      const arg = foldConstants(e.arg);
      const pattern = foldConstants(e.pattern);
      const next = { ...e, arg, pattern };
      return isConst(arg) && isConst(pattern) ? evaluate(next) : next;
    }
    default:
      return unreachable(e);
  }
}
