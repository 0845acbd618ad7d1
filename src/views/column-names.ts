/**
 * Output column names exactly as PostgreSQL 15 picks them for an unaliased
 * select-list expression (FigureColname in parser/parse_target.c): a column
 * reference gives its name, a function call its name (trim → btrim/ltrim/rtrim),
 * CASE gives "case", a cast the name of its operand or else its type's name
 * (`'x'::text` → "text", `1::int` → "int4"), anything else "?column?".
 */
import { unreachable } from '../errors.ts';
import type { Expr } from './syntax.ts';

/** The name PostgreSQL gives an unaliased select-list expression. */
export function figureColname(e: Expr): string {
  return figure(e)?.name ?? '?column?';
}

interface Figured {
  readonly name: string;
  /** PostgreSQL's "strength": 2 for a real name, 1 for a fallback a cast may override. */
  readonly strength: 1 | 2;
}

function figure(e: Expr): Figured | null {
  switch (e.kind) {
    case 'column':
      return { name: e.name, strength: 2 };
    case 'func':
    case 'aggregate':
      return { name: e.name, strength: 2 };
    case 'trim':
      return { name: e.side === 'both' ? 'btrim' : e.side === 'leading' ? 'ltrim' : 'rtrim', strength: 2 };
    case 'case':
      return { name: 'case', strength: 1 };
    case 'cast': {
      const inner = figure(e.arg);
      if (inner !== null && inner.strength === 2) return inner;
      return { name: castTypeName(e.type.text), strength: 1 };
    }
    case 'typed_literal':
      return { name: castTypeName(e.type.text), strength: 1 };
    case 'literal':
    case 'arith':
    case 'compare':
    case 'and':
    case 'or':
    case 'not':
    case 'negate':
    case 'unary_plus':
    case 'is':
    case 'in':
    case 'between':
    case 'like':
    case 'in_query':
    case 'json_op':
    case 'regex':
    case 'distinct':
      return null;
    case 'exists':
      return { name: 'exists', strength: 2 };
    case 'window':
      return { name: e.fn, strength: 2 };
    case 'scalar_query': {
      // PostgreSQL names a scalar subquery after its select item
      const item = e.query.kind === 'select' ? e.query.select.items[0] : undefined;
      if (item === undefined || item.kind !== 'expr') return null;
      return item.alias !== null ? { name: item.alias, strength: 2 } : figure(item.expr);
    }
    default:
      return unreachable(e);
  }
}

/**
 * The last name of a cast's TypeName as PostgreSQL's grammar builds it: SQL
 * keyword types map to their internal names (integer → int4, double precision
 * → float8, character varying → varchar, timestamp with time zone → timestamptz);
 * other names stay as written. Typmods and array brackets are not part of it.
 */
export function castTypeName(text: string): string {
  const base = text.replace(/\[\s*\d*\s*\]/g, '').trim();
  const m = /^([^(]*?)\s*(?:\(([^)]*)\))?\s*(with(?:out)? time zone)?$/i.exec(base);
  const name = (m?.[1] ?? base).trim().toLowerCase().replace(/\s+/g, ' ');
  const mods = m?.[2];
  const zone = (m?.[3] ?? '').toLowerCase();
  if (name.startsWith('interval')) return 'interval'; // interval day to second etc.
  switch (name) {
    case 'int':
    case 'integer':
      return 'int4';
    case 'smallint':
      return 'int2';
    case 'bigint':
      return 'int8';
    case 'real':
      return 'float4';
    case 'float': {
      const p = mods === undefined ? 53 : Number(mods);
      return p <= 24 ? 'float4' : 'float8';
    }
    case 'double precision':
      return 'float8';
    case 'decimal':
    case 'dec':
    case 'numeric':
      return 'numeric';
    case 'boolean':
      return 'bool';
    case 'char':
    case 'character':
      return 'bpchar';
    case 'varchar':
    case 'character varying':
    case 'char varying':
      return 'varchar';
    case 'timestamp':
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return name.includes('with time zone') || zone === 'with time zone' ? 'timestamptz' : 'timestamp';
    case 'time':
    case 'time with time zone':
    case 'time without time zone':
      return name.includes('with time zone') || zone === 'with time zone' ? 'timetz' : 'time';
    default:
      return name;
  }
}
