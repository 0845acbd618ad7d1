/** deltaview as a child process (`src/main.ts`), for crash and start-up tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node --max-semi-space-size=64 --import tsx src/main.ts` (as `npm start` does) with `env` (merged over a clean PORT=0 environment) and waits for it to listen. */
export async function spawnServer(env: Record<string, string>, cwd = ROOT, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...nodeArgs, '--import', 'tsx', `${ROOT}/src/main.ts`], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`deltaview exited (${code}) before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`deltaview did not listen within 60 s:\n${out}`)), 60_000).unref();
  });
  return {
    url,
    child,
    output: () => out,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
