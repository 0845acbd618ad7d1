/**
 * Domain errors. Every error that can reach a user carries a stable `code`
 * (the codes of the external contract) and a message naming the problem.
 */
export type ErrorCode =
  | 'parse_error'
  | 'unsupported'
  | 'unknown_relation'
  | 'unknown_column'
  | 'already_exists'
  | 'conflict'
  | 'not_found'
  | 'bad_request'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'internal';

/** An error with a contract code; `status` is the HTTP status it maps to. */
export class DeltaviewError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number = statusFor(code),
  ) {
    super(message);
    this.name = 'DeltaviewError';
  }
}

/** A query-compile error (bad SQL, unknown names, unsupported constructs). */
export class SqlError extends DeltaviewError {
  /**
   * @param near the words of the SQL text the error is about (e.g. 'lateral',
   *   'now (', 'group by rollup'); the compiler turns the first place they
   *   occur into "(line L, column C)" in the message.
   */
  constructor(
    code: ErrorCode,
    message: string,
    readonly near?: string,
  ) {
    super(code, message);
    this.name = 'SqlError';
  }
}

/**
 * A runtime evaluation error with PostgreSQL's meaning (division by zero,
 * out-of-range value, invalid input syntax). PostgreSQL would fail the
 * query; a view that hits one is marked failed with this message.
 */
export class SqlRuntimeError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqlRuntimeError';
  }
}

function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'not_found':
      return 404;
    case 'already_exists':
    case 'conflict':
      return 409;
    case 'timeout':
      return 504;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default:
      return 400;
  }
}

/** Exhaustiveness guard for switches over tagged unions. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

/** Invariant check that survives production builds. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
