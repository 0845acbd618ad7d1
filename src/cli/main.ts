/**
 * The `deltaview` command line: start the server, create/list/show/drop
 * views (from SQL files too), read rows, tail a view's diffs in the terminal,
 * run a query, list sources. It talks to a running server through the typed
 * client (src/client); `--help` works on every command.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import WebSocket from 'ws';
import { DeltaviewClient, DeltaviewError, type Change, type Row, type WebSocketConstructor } from '../client/index.ts';
import { JNum, parseLossless, stringifyLossless, type JValue } from '../values/lossless-json.ts';
import { lineColumn, splitStatements } from '../views/sql-text.ts';

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options?: ParseArgsConfig['options'];
  readonly details?: string;
  run(args: { positionals: string[]; values: Record<string, string | boolean | undefined> }, out: Output): Promise<number>;
}

/** Where a command writes: stdout for results, stderr for errors and progress. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  readonly client: () => DeltaviewClient;
  /** Resolves when the user interrupts a long-running command (tail). */
  readonly interrupted: Promise<void>;
}

const GLOBAL_HELP = `Global options (every command):
  --url URL      the server (default $DELTAVIEW_URL or http://127.0.0.1:8080)
  --token TOKEN  DELTAVIEW_TOKEN or a JSON Web Token (default $DELTAVIEW_TOKEN)
  --json         print JSON instead of tables
  -h, --help     this help`;

const COMMANDS: Record<string, Command> = {
  start: {
    usage: 'deltaview start',
    summary: 'start the server (what `npm start` runs), configured by the environment',
    details: 'Without DATABASE_URL and REDIS_URL it starts an embedded PostgreSQL and a private redis-server under .deltaview/. See the README for the variables.',
    async run() {
      await import('../main.ts');
      return new Promise<number>(() => {}); // runs until a signal stops it (src/main.ts exits)
    },
  },
  list: {
    usage: 'deltaview list',
    summary: 'list the views with status, rows and position',
    async run(_a, o) {
      const views = await o.client().views();
      if (json(o, views)) return 0;
      table(o, ['view', 'status', 'rows', 'lsn', 'key'], views.map((v) => [v.name, v.status + (v.backfill ? ` ${v.backfill.rows_done}/~${v.backfill.rows_estimated}` : ''), String(v.rows), v.lsn ?? '-', v.key.join(', ')]));
      return 0;
    },
  },
  show: {
    usage: 'deltaview show VIEW',
    summary: 'a view: its SQL, columns, key, status and position',
    async run({ positionals }, o) {
      const v = await o.client().view(one(positionals, 'VIEW'));
      if (json(o, v)) return 0;
      o.out(`${v.name}: ${v.status}, ${v.rows} rows, at ${v.lsn ?? '-'}, key (${v.key.join(', ')})`);
      if (v.error) o.out(`error: ${v.error}`);
      o.out(v.sql);
      table(o, ['column', 'type'], v.columns.map((c) => [c.name, c.type]));
      return 0;
    },
  },
  create: {
    usage: 'deltaview create (-f FILE | SQL)',
    summary: 'create views from CREATE MATERIALIZED VIEW statements (a file may hold several, ; between them)',
    options: { file: { type: 'string', short: 'f' }, wait: { type: 'boolean', short: 'w' } },
    details: '  -f, --file FILE  read the statements from FILE (- for standard input)\n  -w, --wait       wait until each view has backfilled',
    async run({ positionals, values }, o) {
      const file = values.file as string | undefined;
      if (file === undefined && positionals.length === 0) throw new UsageError('give the SQL as an argument or with -f FILE');
      const script = file === undefined ? positionals.join(' ') : readFileSync(file === '-' ? 0 : file, 'utf8');
      const where = file === undefined ? 'argument' : file === '-' ? 'stdin' : file;
      const statements = splitStatements(script);
      if (statements.length === 0) throw new UsageError(`no SQL statement in ${where}`);
      for (const st of statements) {
        try {
          const v = await o.client().createView(st.text);
          if (values.wait) await o.client().rows(v.name, { limit: 1, timeoutMs: 300_000 });
          o.out(`created ${v.name}${values.wait ? ' (backfilled)' : ` (${v.status})`}`);
        } catch (err) {
          // point into the file: the server's position is within the statement
          if (err instanceof DeltaviewError) {
            const m = /\(line (\d+), column (\d+)\)/.exec(err.message);
            const base = lineColumn(script, st.offset);
            const at = m === null ? base : { line: base.line + Number(m[1]) - 1, column: Number(m[1]) === 1 ? base.column + Number(m[2]) - 1 : Number(m[2]) };
            o.err(`${where}:${at.line}:${at.column}: ${err.code}: ${err.message}`);
            return 1;
          }
          throw err;
        }
      }
      return 0;
    },
  },
  drop: {
    usage: 'deltaview drop VIEW...',
    summary: 'delete views',
    async run({ positionals }, o) {
      if (positionals.length === 0) throw new UsageError('name the views to drop');
      for (const name of positionals) {
        await o.client().deleteView(name);
        o.out(`dropped ${name}`);
      }
      return 0;
    },
  },
  rows: {
    usage: 'deltaview rows VIEW [--min-lsn LSN] [--limit N]',
    summary: "print a view's rows (every page), once it reflects --min-lsn",
    options: { 'min-lsn': { type: 'string' }, limit: { type: 'string' } },
    details: '  --min-lsn LSN  wait until the view reflects this position (pg_current_wal_lsn())\n  --limit N      at most N rows',
    async run({ positionals, values }, o) {
      const view = one(positionals, 'VIEW');
      const limit = values.limit === undefined ? Infinity : positiveInt(values.limit as string, '--limit');
      const minLsn = values['min-lsn'] as string | undefined;
      const rows = (await o.client().allRows(view, minLsn === undefined ? {} : { minLsn })).slice(0, limit);
      if (json(o, rows)) return 0;
      const info = await o.client().view(view);
      rowTable(o, info.columns.map((c) => c.name), rows);
      return 0;
    },
  },
  query: {
    usage: 'deltaview query (-f FILE | SQL) [--min-lsn LSN]',
    summary: 'run a SELECT over views (or, as admin, over sources) once',
    options: { file: { type: 'string', short: 'f' }, 'min-lsn': { type: 'string' } },
    details: '  -f, --file FILE  read the query from FILE (- for standard input)\n  --min-lsn LSN    answer once the views read reflect this position',
    async run({ positionals, values }, o) {
      const file = values.file as string | undefined;
      const sql = file === undefined ? positionals.join(' ') : readFileSync(file === '-' ? 0 : file, 'utf8');
      if (sql.trim() === '') throw new UsageError('give the query as an argument or with -f FILE');
      const minLsn = values['min-lsn'] as string | undefined;
      const r = await o.client().query(sql, minLsn === undefined ? {} : { minLsn });
      if (json(o, r)) return 0;
      rowTable(o, columnsOf(r.rows), r.rows);
      o.err(`${r.rows.length} rows at ${r.lsn ?? '-'}`);
      return 0;
    },
  },
  tail: {
    usage: 'deltaview tail VIEW [--where FILTER] [--since TOKEN] [--snapshot]',
    summary: "follow a view's diffs: + inserted, - deleted, ~ updated rows, one transaction per block",
    options: { where: { type: 'string' }, since: { type: 'string' }, snapshot: { type: 'boolean' } },
    details: "  --where FILTER  only rows matching it, e.g. \"region = 'EU'\"\n  --since TOKEN   resume from a diff's token (printed with each block)\n  --snapshot      print the current rows first\nStops on Ctrl+C; reconnects and resumes by itself when the connection drops.",
    async run({ positionals, values }, o) {
      const view = one(positionals, 'VIEW');
      let ready = false;
      let failed: DeltaviewError | null = null;
      let end!: () => void;
      const ended = new Promise<void>((r) => (end = r));
      const sub = o.client().subscribe(view, {
        ...(values.where === undefined ? {} : { where: values.where as string }),
        ...(values.since === undefined ? {} : { since: values.since as string }),
        onChange(changes: readonly Change[]) {
          if (!ready) {
            if (values.snapshot) for (const c of changes) print(o, values.json === true, c);
            return;
          }
          if (changes.length === 0) return;
          if (values.json !== true) o.out(`# ${sub.lsn ?? '-'}  token ${sub.token ?? '-'}`);
          for (const c of changes) print(o, values.json === true, c, sub.token);
        },
        onReady(replica) {
          if (!ready) o.err(`following ${view}${values.where ? ` where ${values.where}` : ''}: ${replica.size} rows at ${sub.lsn ?? '-'} (Ctrl+C stops)`);
          ready = true;
        },
        onError(err) {
          // the view was deleted or failed, the filter is bad, access is denied: reconnecting cannot help
          failed = err;
          end();
        },
      });
      await Promise.race([o.interrupted, ended]);
      sub.close();
      if (failed !== null) throw failed;
      return 0;
    },
  },
  sources: {
    usage: 'deltaview sources',
    summary: 'list the sources: PostgreSQL tables and Kafka topics, with offsets and errors (admin)',
    async run(_a, o) {
      const sources = await o.client().sources();
      if (json(o, sources)) return 0;
      table(
        o,
        ['source', 'type', 'reads', 'offsets', 'messages', 'errors'],
        sources.map((s) => [s.name, s.type, s.type === 'kafka' ? `${s.topic} (${s.envelope})` : `${s.schema}.${s.table}`, Object.entries(s.offsets ?? {}).map(([p, n]) => `${p}:${n}`).join(' '), String(s.messages ?? ''), String(s.errors ?? '')]),
      );
      return 0;
    },
  },
};

class UsageError extends Error {}

let jsonOutput = false;
function json(o: Output, value: unknown): boolean {
  if (!jsonOutput) return false;
  o.out(Array.isArray(value) ? `[\n${value.map((v) => `  ${stringifyLossless(v as JValue)}`).join(',\n')}\n]` : stringifyLossless(value as JValue));
  return true;
}

function print(o: Output, asJson: boolean, c: Change, token?: string | null): void {
  if (asJson) {
    o.out(stringifyLossless({ ...(c as unknown as Record<string, JValue>), ...(token ? { token } : {}) }));
    return;
  }
  const r = (row: Row) => stringifyLossless(row as JValue);
  if (c.op === 'insert') o.out(`+ ${r(c.row)}`);
  else if (c.op === 'delete') o.out(`- ${r(c.row)}`);
  else o.out(`~ ${r(c.old)} -> ${r(c.row)}`);
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`give exactly one ${what}`);
  return positionals[0]!;
}

function positiveInt(text: string, name: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${name} must be a whole number above 0, got "${text}"`);
  return Number(text);
}

function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof JNum) return v.text;
  return typeof v === 'object' ? stringifyLossless(v as JValue) : String(v);
}

function rowTable(o: Output, columns: readonly string[], rows: readonly Row[]): void {
  table(o, columns, rows.map((r) => columns.map((c) => shown(r[c]))));
}

function table(o: Output, head: readonly string[], rows: readonly (readonly string[])[]): void {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  o.out(line(head));
  o.out(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) o.out(line(r));
}

function help(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return `deltaview: incrementally maintained SQL views over PostgreSQL and Kafka

Usage: deltaview COMMAND [options]

Commands:
${names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n]!.summary}`).join('\n')}

${GLOBAL_HELP}

deltaview COMMAND --help tells more about one.`;
}

function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n\n${c.summary}\n${c.details ? `\n${c.details}\n` : ''}\n${GLOBAL_HELP}`;
}

/** Runs one command line; the exit code. */
export async function runCli(argv: readonly string[], io: Omit<Output, 'client'>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    io.err(`deltaview: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: { ...cmd.options, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    io.err(`deltaview ${name}: ${(err as Error).message}\n\n${commandHelp(cmd)}`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out(commandHelp(cmd));
    return 0;
  }
  jsonOutput = values.json === true;
  const url = (values.url as string | undefined) ?? env.DELTAVIEW_URL ?? 'http://127.0.0.1:8080';
  const token = (values.token as string | undefined) ?? env.DELTAVIEW_TOKEN;
  let client: DeltaviewClient | null = null;
  const o: Output = { ...io, client: () => (client ??= new DeltaviewClient({ url, ...(token ? { token } : {}), WebSocket: WebSocket as unknown as WebSocketConstructor, parse: parseLossless })) };
  try {
    return await cmd.run({ positionals: parsed.positionals, values }, o);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`deltaview ${name}: ${err.message}\n\n${commandHelp(cmd)}`);
      return 2;
    }
    if (err instanceof DeltaviewError) io.err(`deltaview ${name}: ${err.code}: ${err.message}`);
    else if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') io.err(`deltaview ${name}: no server answers at ${url} (start one with \`deltaview start\`, or pass --url)`);
    else io.err(`deltaview ${name}: ${(err as Error).message}`);
    return 1;
  }
}

/** The `deltaview` executable (bin/deltaview.mjs): argv, stdout/stderr, Ctrl+C, the exit code. */
export async function cliMain(argv: readonly string[]): Promise<void> {
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  const code = await runCli(argv, { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), interrupted });
  // let the pipes drain, then leave even if a socket or timer is still open
  process.stdout.write('', () => process.exit(code));
}
