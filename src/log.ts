/**
 * The server's log (pino): JSON lines with `level`, `time`, `msg` and the
 * fields a message names (`view`, `source`, `lsn`) when stderr is not a
 * terminal, readable lines when it is; `LOG_LEVEL` (fatal, error, warn, info,
 * debug, trace, silent; default info) filters both. Call sites pass one
 * sentence; its level follows from what it says (warnings, failures).
 */
import pino from 'pino';

export type Log = (msg: string) => void;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type Level = 'error' | 'warn' | 'info';

export interface LogOptions {
  /** Default: LOG_LEVEL, else info. */
  readonly level?: string;
  /** Default: stderr. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Readable lines instead of JSON (default: when the stream is a terminal). */
  readonly pretty?: boolean;
}

/** The log; throws naming LOG_LEVEL when it is not a level. */
export function createLog(opts: LogOptions = {}): Log {
  const level = opts.level ?? (process.env.LOG_LEVEL || 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const stream = opts.stream ?? process.stderr;
  const logger = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, opts.pretty ?? stream.isTTY === true ? readable(stream) : stream);
  return (msg) => {
    const c = classify(msg);
    logger[c.level](c.fields, msg);
  };
}

/** A message's level and the fields it names. */
export function classify(msg: string): { level: Level; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  const view = /\bview "?([A-Za-z_][\w$]*)"?/.exec(msg);
  if (view !== null) fields.view = view[1]!;
  const source = /\bkafka source "?([a-z_][\w]*)"?/i.exec(msg);
  if (source !== null) fields.source = source[1]!;
  const lsn = /\b([0-9A-F]{1,8}\/[0-9A-F]{1,8})\b/.exec(msg);
  if (lsn !== null) fields.lsn = lsn[1]!;
  let level: Level = 'info';
  if (/^failed to start|internal error|^view \S+ failed:/.test(msg)) level = 'error';
  else if (/^warning:|\bfailed\b|\bcannot\b|timed out|\blost\b|retrying|^storage:|^redis:|^postgres pool:|no longer holds|skipped a message/.test(msg)) level = 'warn';
  return { level, fields };
}

/** A terminal's form of the JSON lines: time, level, message, then the fields. */
function readable(out: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write(chunk: string | Uint8Array) {
      const o = JSON.parse(String(chunk)) as Record<string, unknown>;
      const { time, level, msg, ...rest } = o;
      const extra = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      out.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${extra === '' ? '' : `  (${extra})`}\n`);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}
