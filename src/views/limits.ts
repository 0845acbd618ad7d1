/**
 * The limits of what a view definition may be, checked before the parser and
 * the compiler (both recursive) see the text, so that an over-large query is a
 * 400 naming the limit rather than a stack overflow. README "Limits" lists them.
 */
import { SqlError } from '../errors.ts';
import { lineColumn, tokenize } from './sql-text.ts';

export const LIMITS = {
  /** characters of a CREATE MATERIALIZED VIEW statement */
  sqlLength: 100_000,
  /** significant tokens (words, literals, operators) of one statement: about 1,200 ORed comparisons */
  tokens: 5_000,
  /** parentheses open at once */
  parenDepth: 100,
  /** tables, views and derived tables joined in one SELECT */
  joins: 64,
  /** output columns of a view (PostgreSQL's own limit for a table) */
  columns: 1_600,
  /** views one server maintains */
  views: 1_000,
} as const;

const limitError = (message: string) => new SqlError('bad_request', message);

/** Throws a bad_request naming the limit when the statement text is over one. */
export function checkTextLimits(sql: string): void {
  if (sql.length > LIMITS.sqlLength) throw limitError(`the statement is ${sql.length} characters long; the limit is ${LIMITS.sqlLength}`);
  let tokens = 0;
  let depth = 0;
  for (const t of tokenize(sql)) {
    if (t.kind === 'space' || t.kind === 'comment') continue;
    tokens++;
    if (t.kind !== 'punct') continue;
    const c = sql[t.start];
    if (c === '(' || c === '[') {
      if (++depth > LIMITS.parenDepth) {
        const { line, column } = lineColumn(sql, t.start);
        throw limitError(`parentheses are nested more than ${LIMITS.parenDepth} deep (line ${line}, column ${column}); that is the limit`);
      }
    } else if (c === ')' || c === ']') depth--;
  }
  if (tokens > LIMITS.tokens) throw limitError(`the statement has ${tokens} tokens; the limit is ${LIMITS.tokens} (a long OR of comparisons is usually an IN list)`);
}

/** A stack overflow inside the parser or the compiler, as the limit error it stands for. */
export function tooComplex(err: unknown): unknown {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return limitError(`the statement nests expressions too deeply to compile (limits: ${LIMITS.parenDepth} parentheses deep, ${LIMITS.tokens} tokens)`);
  }
  return err;
}
