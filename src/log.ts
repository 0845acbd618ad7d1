/** Minimal line logger: ISO time, then the message, on stderr. */
export type Log = (msg: string) => void;

export function createLog(prefix = 'deltaview'): Log {
  return (msg) => process.stderr.write(`${new Date().toISOString()} ${prefix} ${msg}\n`);
}
