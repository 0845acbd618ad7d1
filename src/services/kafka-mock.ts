/**
 * Starts a Kafka-protocol broker for tests and local runs: librdkafka's mock
 * cluster, in the small launcher kafka-mock.c, compiled with the system's C
 * compiler on first use (Debian: gcc and librdkafka-dev) and cached by the
 * hash of its source. Brokers listen on random loopback ports. Topics must be
 * created through `createTopic` (the mock has no CreateTopics API).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface RunningKafka {
  /** host:port of every broker. */
  readonly brokers: readonly string[];
  readonly process: ChildProcess;
  createTopic(name: string, partitions: number): Promise<void>;
  /** Disconnects broker `id` (1-based; -1: all) and refuses connections until `up`. */
  down(id: number): Promise<void>;
  up(id: number): Promise<void>;
  stop(): Promise<void>;
}

const SOURCE = fileURLToPath(new URL('./kafka-mock.c', import.meta.url));

/** The launcher binary, compiled when its source changed. */
async function launcher(): Promise<string> {
  const text = await readFile(SOURCE);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'deltaview-kafka-mock');
  const bin = join(dir, `kafka-mock-${hash}`);
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  try {
    await promisify(execFile)('cc', ['-O2', '-o', tmp, SOURCE, '-lrdkafka'], { timeout: 60_000 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    throw new Error(`cannot compile the Kafka mock broker (needs a C compiler and librdkafka-dev): ${stderr.trim()}`);
  }
  await rename(tmp, bin);
  return bin;
}

export async function startKafkaMock(brokers = 1): Promise<RunningKafka> {
  const child = spawn(await launcher(), [String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else early.push(l);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nextLine = (what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const e = early.shift();
      if (e !== undefined) return resolve(e);
      const timer = setTimeout(() => reject(new Error(`Kafka mock broker: no answer to ${what}: ${stderr}`)), 10_000);
      waiting.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
      void exited.then(() => reject(new Error(`Kafka mock broker exited: ${stderr}`)));
    });
  const first = await nextLine('start');
  const m = /^bootstraps (\S+)$/.exec(first);
  if (m === null) throw new Error(`Kafka mock broker: unexpected output ${first}`);
  // one command at a time: answers come back in order
  let chain: Promise<unknown> = Promise.resolve();
  const command = (cmd: string): Promise<void> => {
    const run = chain.then(async () => {
      child.stdin!.write(`${cmd}\n`);
      const answer = await nextLine(cmd);
      if (answer !== 'ok') throw new Error(`Kafka mock broker: ${cmd}: ${answer}`);
    });
    chain = run.catch(() => undefined);
    return run;
  };
  return {
    brokers: m[1]!.split(','),
    process: child,
    createTopic: (name, partitions) => {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new Error(`invalid topic name ${name}`));
      if (!Number.isInteger(partitions) || partitions < 1) return Promise.reject(new Error(`invalid partition count ${partitions}`));
      return command(`topic ${name} ${partitions}`);
    },
    down: (id) => command(`down ${id}`),
    up: (id) => command(`up ${id}`),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end('quit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
