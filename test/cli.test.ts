/**
 * The `deltaview` command line against a real server: views created from a
 * SQL file (an error placed at its line and column in the file), listed,
 * shown, read with --min-lsn, queried, tailed (the bin itself, stopped with
 * Ctrl+C; a tail whose view is deleted ends with the error) and dropped;
 * --help on every command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../src/cli/main.ts';
import { currentLsn, startHarness, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const dir = mkdtempSync(join(tmpdir(), 'deltaview-cli-'));

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE items (id int PRIMARY KEY, kind text, price numeric(10,2))');
  await h.db.query("INSERT INTO items SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END, g * 0.5 FROM generate_series(1, 20) g");
});
after(async () => {
  await h?.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), interrupted: new Promise(() => {}) }, { DELTAVIEW_URL: h.server.url });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli', () => {
  test('--help on every command', async () => {
    const top = await cli('--help');
    assert.equal(top.code, 0);
    const commands = [...top.out.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    assert.deepEqual(commands, ['start', 'list', 'show', 'create', 'drop', 'rows', 'query', 'tail', 'sources']);
    for (const c of commands) {
      const r = await cli(c, '--help');
      assert.equal(r.code, 0, c);
      assert.match(r.out, new RegExp(`^Usage: deltaview ${c}`), c);
      assert.match(r.out, /--url URL/, c);
    }
    const unknown = await cli('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command "frobnicate"/);
    const badFlag = await cli('list', '--nope');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /Unknown option '--nope'/);
  });

  test('create from a file with several statements, list, show, rows, query', async () => {
    const file = join(dir, 'views.sql');
    writeFileSync(file, "-- two views\nCREATE MATERIALIZED VIEW cheap AS\n  SELECT id, price FROM items WHERE price < 3;\n\nCREATE MATERIALIZED VIEW kinds AS SELECT kind, count(*) AS n, sum(price) AS total FROM items GROUP BY kind;\n");
    const created = await cli('create', '-f', file, '--wait');
    assert.equal(created.code, 0, created.err);
    assert.deepEqual(created.out.split('\n'), ['created cheap (backfilled)', 'created kinds (backfilled)']);

    const list = await cli('list');
    assert.equal(list.code, 0);
    assert.match(list.out, /^view +status +rows/);
    assert.match(list.out, /\ncheap +running +5 /);
    assert.match(list.out, /\nkinds +running +2 /);

    const show = await cli('show', 'kinds');
    assert.match(show.out, /^kinds: running, 2 rows/);
    assert.match(show.out, /\ntotal +numeric/);

    await h.db.query("INSERT INTO items VALUES (100, 'odd', 0.25)");
    const lsn = await currentLsn(h.db);
    const rows = await cli('rows', 'cheap', '--min-lsn', lsn, '--json');
    assert.equal(rows.code, 0, rows.err);
    const got = (JSON.parse(rows.out) as { id: number; price: string }[]).map((r) => r.id).sort((a, b) => a - b);
    const want = (await h.db.query('SELECT id FROM items WHERE price < 3 ORDER BY id')).rows.map((r) => r.id as number);
    assert.deepEqual(got, want);

    const q = await cli('query', 'SELECT kind, n FROM kinds ORDER BY kind', '--min-lsn', lsn);
    assert.equal(q.code, 0, q.err);
    assert.deepEqual(q.out.split('\n'), ['kind  n', '----  --', 'even  10', 'odd   11']);
    assert.match(q.err, /^2 rows at /);
  });

  test('an error in a file names the file, line and column, and the statements before it stay created', async () => {
    const file = join(dir, 'bad.sql');
    writeFileSync(file, 'CREATE MATERIALIZED VIEW good_one AS SELECT id FROM items;\n\nCREATE MATERIALIZED VIEW bad_one AS\n  SELECT id, nope FROM items;\n');
    const r = await cli('create', '-f', file);
    assert.equal(r.code, 1);
    assert.match(r.out, /^created good_one \((backfilling|running)\)$/);
    // "nope" sits on line 4, column 14 of the file
    assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:14: unknown_column: `), r.err);
    const missing = await cli('show', 'bad_one');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /not_found/);
    const empty = await cli('create');
    assert.equal(empty.code, 2);
    assert.match(empty.err, /give the SQL/);
  });

  test('tail prints each transaction as it commits and stops on Ctrl+C', async () => {
    const child = spawn(process.execPath, ['bin/deltaview.mjs', 'tail', 'cheap', '--where', 'id >= 200', '--url', h.server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitUntil(() => /following cheap where id >= 200: 0 rows/.test(err), 20_000, 'the tail to start');
      await h.db.query("INSERT INTO items VALUES (200, 'even', 1.5), (201, 'odd', 9)");
      await h.db.query('UPDATE items SET price = 2 WHERE id = 200');
      await h.db.query('DELETE FROM items WHERE id = 200');
      await waitUntil(() => out.includes('- {'), 10_000, 'the delete to be printed');
      const blocks = out.split(/^# /m).filter((b) => b !== '');
      assert.equal(blocks.length, 3, out);
      assert.match(blocks[0]!, /^\d+\/[0-9A-F]+ {2}token \S+\n\+ \{"id":200,"price":1.50\}\n$/);
      assert.match(blocks[1]!, /\n~ \{"id":200,"price":1.50\} -> \{"id":200,"price":2.00\}\n$/);
      assert.match(blocks[2]!, /\n- \{"id":200,"price":2.00\}\n$/);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, err);
  });

  test('tail ends with the error when its view is deleted', async () => {
    await h.db.query('CREATE TABLE scratch (id int PRIMARY KEY)');
    await runCli(['create', '--wait', 'CREATE MATERIALIZED VIEW short_lived AS SELECT id FROM scratch'], { out: () => {}, err: () => {}, interrupted: new Promise(() => {}) }, { DELTAVIEW_URL: h.server.url });
    const out: string[] = [];
    const err: string[] = [];
    const tailing = runCli(['tail', 'short_lived'], { out: (l) => out.push(l), err: (l) => err.push(l), interrupted: new Promise(() => {}) }, { DELTAVIEW_URL: h.server.url });
    await waitUntil(() => err.some((l) => l.startsWith('following short_lived')), 10_000, 'the tail to start');
    await cli('drop', 'short_lived');
    assert.equal(await tailing, 1);
    assert.match(err.join('\n'), /deltaview tail: not_found: view "short_lived" was deleted/);
  });

  test('drop', async () => {
    const r = await cli('drop', 'cheap', 'good_one');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'dropped cheap\ndropped good_one');
    const list = await cli('list', '--json');
    assert.deepEqual((JSON.parse(list.out) as { name: string }[]).map((v) => v.name), ['kinds']);
  });
});
