/**
 * Filtered subscriptions (`?where=`) over real sockets: under a random
 * workload that moves rows into, out of and within each filter, every
 * subscriber's replica equals PostgreSQL's answer to the view's query with the
 * filter added; rows entering, leaving and changing arrive as insert, delete
 * and update under the view's keys; no diff is empty; a filtered subscriber
 * that disconnects resumes with `since` and loses and repeats nothing; a bad
 * filter is refused before the upgrade with the code a view definition gets.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { canonical, parseLossless, type JValue } from './harness/json.ts';
import { createView, currentLsn, oracle, startHarness, Subscriber, tryUpgrade, viewRows, waitUntil, type Harness } from './harness/server.ts';
import { rng } from './harness/rng.ts';

let h: Harness;
const seed = Number(process.env.SEED ?? Date.now() % 100000);

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE orders (id int PRIMARY KEY, region text, total numeric(10,2), tenant int, big bigint)');
  await h.db.query("INSERT INTO orders SELECT g, (ARRAY['EU','US','APAC'])[1 + g % 3], (g * 7 % 300)::numeric / 1.5, g % 5, 9007199254740993 + g FROM generate_series(1, 300) g");
});
after(async () => {
  await h?.stop();
});

const VIEWS = {
  orders_v: 'SELECT id, region, total, tenant, big FROM orders',
  by_region: 'SELECT region, count(*) AS n, sum(total) AS total FROM orders GROUP BY region',
};
const FILTERS: [keyof typeof VIEWS, string][] = [
  ['orders_v', "region = 'EU' AND total > 100"],
  ['orders_v', 'tenant IN (1, 2)'],
  ['orders_v', 'total IS NULL OR big = 9007199254741000'],
  ['by_region', 'n > 100'],
  ['by_region', "region <> 'US'"],
  // indexed: only changes of rows holding these values reach them
  ['orders_v', 'tenant = 3'],
  ['orders_v', "tenant = 0 AND region = 'US'"],
  ['by_region', "region = 'EU'"],
  ...Array.from({ length: 20 }, (_, i) => ['orders_v', `id = ${1 + i * 17}`] as [keyof typeof VIEWS, string]),
];

test('filtered subscribers converge to the filtered view; no empty diffs; resume; bad filters refused', async () => {
  const base = h.server.url;
  for (const [name, sql] of Object.entries(VIEWS)) await createView(base, `CREATE MATERIALIZED VIEW ${name} AS ${sql}`);
  const subs = FILTERS.map(([view, where]) => new Subscriber(base, view, undefined, undefined, where));
  await Promise.all(subs.map((s) => s.open()));
  await waitUntil(() => subs.every((s) => s.ready), 20_000, 'subscribers ready');
  const r = rng(seed);
  const write = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = 1 + Math.floor(r() * 400);
      const k = r();
      if (k < 0.45) {
        const total = r() < 0.1 ? null : (Math.floor(r() * 30000) / 100).toFixed(2);
        await h.db.query('INSERT INTO orders VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, total = EXCLUDED.total, tenant = EXCLUDED.tenant', [
          id, ['EU', 'US', 'APAC'][Math.floor(r() * 3)], total, Math.floor(r() * 5), (9007199254740993n + BigInt(Math.floor(r() * 20))).toString(),
        ]);
      } else if (k < 0.8) await h.db.query('UPDATE orders SET total = total + 50 WHERE id = $1', [id]);
      else await h.db.query('DELETE FROM orders WHERE id = $1', [id]);
    }
  };
  await write(150);

  // one subscriber drops out and resumes later from its last token
  const resumed = subs[0]!;
  const token = resumed.lastToken!;
  const had = new Map(resumed.state);
  resumed.close();
  await write(100);
  const again = new Subscriber(base, FILTERS[0]![0], token, had, FILTERS[0]![1]);
  await again.open();
  subs[0] = again;
  await write(100);

  const lsn = await currentLsn(h.db);
  for (const [i, [view, where]] of FILTERS.entries()) {
    const want = await oracle(h.db, `SELECT * FROM (${VIEWS[view]}) v WHERE ${where}`);
    await viewRows(base, view, lsn);
    const sub = subs[i]!;
    await waitUntil(() => JSON.stringify(sub.rows()) === JSON.stringify(want), 20_000, `subscriber ${i} (${where}) converges (seed ${seed})`).catch(() => {
      assert.deepEqual(sub.rows(), want, `subscriber ${i} (${where}), seed ${seed}`);
    });
    assert.deepEqual(sub.errors, [], `subscriber ${i}`);
    const diffs = sub.frames.filter((f) => f.includes('"type":"diff"'));
    if (i < 8) assert.ok(diffs.length > 0, `subscriber ${i} got diffs`);
    assert.ok(diffs.every((f) => !f.includes('"changes":[]')), `subscriber ${i}: no empty diff`);
  }
  // every key a filtered subscriber holds is the view's own key for that row
  const all = new Map((await viewRows(base, 'orders_v', lsn)).rows.map((row) => [canonical(parseLossless(row)), row]));
  for (const row of subs[1]!.rows()) assert.ok(all.has(row), 'filtered rows are rows of the view');
  assert.ok(subs[0]!.frames.some((f) => f.includes('"type":"ready"')) && !subs[0]!.frames.some((f) => f.includes('"type":"snapshot"')), 'the resumed subscriber got only what it missed');
  for (const s of subs) s.close();

  // bad filters: refused before the upgrade, with the code a view definition would get
  for (const [where, code] of [['nope = 1', 'unknown_column'], ["region = 'EU' AND", 'parse_error'], ["region || 'x'", 'bad_request'], ['id IN (SELECT id FROM rows)', 'unsupported']] as const) {
    const res = await tryUpgrade(`${base}/v1/views/orders_v/subscribe?where=${encodeURIComponent(where)}`);
    assert.equal(res.status, 400, `${where}: ${res.body}`);
    assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, code, `${where}: ${res.body}`);
  }
});

test('one socket, many subscriptions: frames carry their id, errors name theirs and leave the others running, since resumes each', async () => {
  const base = h.server.url;
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/subscribe`);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const replicas = new Map<string, Map<string, string>>();
  const frames: { id?: string; type: string; code?: string; token?: string }[] = [];
  ws.on('message', (data) => {
    const f = parseLossless(data.toString()) as { id?: string; type: string; rows?: { key: string; row: JValue }[]; changes?: { op: string; key: string; row: JValue }[]; code?: string; token?: string };
    frames.push(f);
    if (f.id === undefined) return;
    const m = replicas.get(f.id) ?? new Map<string, string>();
    replicas.set(f.id, m);
    for (const r of f.rows ?? []) m.set(r.key, canonical(r.row));
    for (const c of f.changes ?? []) {
      if (c.op === 'delete') m.delete(c.key);
      else m.set(c.key, canonical(c.row));
    }
  });
  const send = (o: object) => ws.send(JSON.stringify(o));
  const lastOf = (id: string, type: string) => [...frames].reverse().find((f) => f.id === id && f.type === type);
  send({ type: 'subscribe', id: 'eu', view: 'orders_v', where: "region = 'EU'" });
  send({ type: 'subscribe', id: 'regions', view: 'by_region' });
  send({ type: 'subscribe', id: 'bad', view: 'no_such_view' });
  send({ type: 'subscribe', id: 'badwhere', view: 'orders_v', where: 'nope > 1' });
  send({ type: 'subscribe', id: 'eu', view: 'orders_v' });
  send({ type: 'hello' });
  await waitUntil(() => lastOf('eu', 'ready') !== undefined && lastOf('regions', 'ready') !== undefined, 20_000, 'both subscriptions ready');
  await waitUntil(() => frames.filter((f) => f.type === 'error').length >= 4, 10_000, 'the errors');
  assert.equal(lastOf('bad', 'error')?.code, 'not_found');
  assert.equal(lastOf('badwhere', 'error')?.code, 'unknown_column');
  assert.equal(lastOf('eu', 'error')?.code, 'already_exists');
  assert.ok(frames.some((f) => f.type === 'error' && f.id === undefined && f.code === 'bad_request'), 'an unknown frame type is an error without id');

  await h.db.query("INSERT INTO orders VALUES (1001, 'EU', 12.5, 1, 1), (1002, 'US', 13.5, 2, 2)");
  await h.db.query("UPDATE orders SET region = 'EU' WHERE id IN (SELECT id FROM orders WHERE region = 'APAC' LIMIT 3)");
  const lsn = await currentLsn(h.db);
  await viewRows(base, 'orders_v', lsn);
  const wantEu = await oracle(h.db, `SELECT * FROM (${VIEWS.orders_v}) v WHERE region = 'EU'`);
  const wantRegions = await oracle(h.db, VIEWS.by_region);
  const rowsOf = (id: string) => [...(replicas.get(id) ?? new Map<string, string>()).values()].sort();
  await waitUntil(() => JSON.stringify(rowsOf('eu')) === JSON.stringify(wantEu) && JSON.stringify(rowsOf('regions')) === JSON.stringify(wantRegions), 20_000, 'both replicas converge');

  // unsubscribe one; resume it later on the same socket from its last token
  const token = (lastOf('eu', 'diff') ?? lastOf('eu', 'ready'))!.token!;
  send({ type: 'unsubscribe', id: 'eu' });
  await waitUntil(() => frames.some((f) => f.type === 'unsubscribed' && f.id === 'eu'), 10_000, 'unsubscribed');
  await h.db.query("UPDATE orders SET total = total + 1 WHERE region = 'EU'");
  await h.db.query("DELETE FROM orders WHERE id = 1001");
  const before = frames.length;
  send({ type: 'subscribe', id: 'eu', view: 'orders_v', where: "region = 'EU'", since: token });
  const lsn2 = await currentLsn(h.db);
  await viewRows(base, 'orders_v', lsn2);
  const wantEu2 = await oracle(h.db, `SELECT * FROM (${VIEWS.orders_v}) v WHERE region = 'EU'`);
  await waitUntil(() => JSON.stringify(rowsOf('eu')) === JSON.stringify(wantEu2), 20_000, 'the resumed subscription converges');
  assert.ok(!frames.slice(before).some((f) => f.id === 'eu' && f.type === 'snapshot'), 'resumed from the diff log, not a snapshot');
  ws.close();
});
