/**
 * The typed client (deltaview/client) against a real server: catalog calls,
 * rows with read-your-writes, queries, typed errors, and a subscription whose
 * replica stays exactly the view across a server restart (reconnect and resume
 * from its token, no gap, no duplicate), filtered or not.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { DeltaviewClient, DeltaviewError, type WebSocketConstructor } from 'deltaview/client';
import { currentLsn, startHarness, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE items (id int PRIMARY KEY, kind text, qty int)');
  await h.db.query("INSERT INTO items SELECT g, (ARRAY['a','b'])[1 + g % 2], g FROM generate_series(1, 50) g");
});
after(async () => {
  await h?.stop();
});

const client = () => new DeltaviewClient({ url: h.server.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
const pgRows = async (where: string) =>
  (await h.db.query<{ id: number; kind: string; qty: number }>(`SELECT id, kind, qty FROM items WHERE ${where} ORDER BY id`)).rows.map((r) => JSON.stringify({ id: r.id, kind: r.kind, qty: r.qty }));
const replicaRows = (m: ReadonlyMap<string, Record<string, unknown>>) =>
  [...m.values()].map((r) => JSON.stringify({ id: r.id, kind: r.kind, qty: r.qty })).sort((a, b) => (JSON.parse(a) as { id: number }).id - (JSON.parse(b) as { id: number }).id);

test('catalog, rows, queries and typed errors', async () => {
  const c = client();
  const v = await c.createView('CREATE MATERIALIZED VIEW items_v AS SELECT id, kind, qty FROM items');
  assert.equal(v.name, 'items_v');
  await h.db.query('INSERT INTO items VALUES (51, $1, 51)', ['a']);
  const all = await c.allRows('items_v', { minLsn: await currentLsn(h.db), timeoutMs: 20000 });
  assert.equal(all.length, 51);
  const q = await c.query("SELECT kind, count(*) AS n FROM items_v GROUP BY kind ORDER BY kind");
  assert.deepEqual(q.rows, [{ kind: 'a', n: 26 }, { kind: 'b', n: 25 }]);
  assert.ok((await c.views()).some((x) => x.name === 'items_v'));
  await assert.rejects(c.view('nope'), (e: unknown) => e instanceof DeltaviewError && e.code === 'not_found' && e.status === 404);
  await assert.rejects(c.createView('CREATE MATERIALIZED VIEW broken AS SELEC 1'), (e: unknown) => e instanceof DeltaviewError && e.code === 'parse_error');
});

test('a subscription keeps an exact replica across a server restart, filtered or not', async () => {
  const c = client();
  const errors: string[] = [];
  const check = (label: string) => (changes: readonly { op: string; key: string }[], replica: ReadonlyMap<string, unknown>) => {
    for (const ch of changes) if (ch.op === 'delete' && replica.has(ch.key)) errors.push(`${label}: deleted key ${ch.key} still there`);
  };
  const whole = c.subscribe('items_v', { onChange: check('whole') });
  const kindA = c.subscribe('items_v', { where: "kind = 'a' AND qty > 10", onChange: check('a') });
  await Promise.all([whole.ready, kindA.ready]);
  assert.equal(whole.rows.size, 51);
  const writes = async (n: number, salt: number) => {
    for (let i = 0; i < n; i++) {
      const id = 1 + ((i * 7 + salt) % 70);
      if (i % 4 === 3) await h.db.query('DELETE FROM items WHERE id = $1', [id]);
      else await h.db.query("INSERT INTO items VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, qty = items.qty + 5", [id, i % 3 === 0 ? 'a' : 'b', i]);
    }
  };
  await writes(30, 1);
  const tokenBefore = whole.token;
  // the server goes away (its sockets close) and comes back; writes go on meanwhile
  const restarting = h.restart(true);
  await writes(20, 2);
  await restarting;
  await writes(30, 3);
  await waitUntil(async () => JSON.stringify(replicaRows(whole.rows)) === JSON.stringify(await pgRows('true')), 30_000, 'the whole replica converges');
  await waitUntil(async () => JSON.stringify(replicaRows(kindA.rows)) === JSON.stringify(await pgRows("kind = 'a' AND qty > 10")), 30_000, 'the filtered replica converges');
  assert.ok(whole.reconnects >= 1 && kindA.reconnects >= 1, 'both reconnected');
  assert.notEqual(whole.token, tokenBefore);
  assert.deepEqual(errors, []);
  whole.close();
  kindA.close();

  // a terminal error: a subscription to a view that does not exist, or through a bad filter
  const gone = c.subscribe('no_such_view');
  await assert.rejects(gone.ready, (e: unknown) => e instanceof DeltaviewError && e.code === 'not_found');
  const bad = c.subscribe('items_v', { where: 'nope = 1' });
  await assert.rejects(bad.ready, (e: unknown) => e instanceof DeltaviewError && e.code === 'bad_request');
});
