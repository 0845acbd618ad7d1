/** Renders errors as the contract's JSON body: {"error":{"code","message"}}. */
import { DeltaviewError } from '../errors.ts';

export interface ErrorBody {
  readonly status: number;
  readonly body: string;
}

export function errorBody(err: unknown, log?: (m: string) => void): ErrorBody {
  if (err instanceof DeltaviewError) {
    return { status: err.status, body: JSON.stringify({ error: { code: err.code, message: err.message } }) };
  }
  log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return { status: 500, body: JSON.stringify({ error: { code: 'internal', message: (err as Error)?.message ?? 'internal error' } }) };
}
