/**
 * Backpressure over real sockets: a subscriber that stops reading does not
 * delay one that reads; what piles up for it is coalesced by key and arrives,
 * once it reads again, as fewer diffs that still take it to exactly the
 * view's state (each frame a state the view was in, at its token), whole or
 * filtered. Sockets that stop answering pings are dropped.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createAuthenticator } from '../src/server/auth.ts';
import { attachSubscriptions } from '../src/server/subscriptions.ts';
import { createView, currentLsn, maintainer, oracle, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
const PAD = 'x'.repeat(2000);

before(async () => {
  h = await startHarness();
  await h.db.query('CREATE TABLE docs (id int PRIMARY KEY, grp int NOT NULL, version int NOT NULL, body text NOT NULL)');
  await h.db.query(`INSERT INTO docs SELECT g, g % 4, 0, '${PAD}' FROM generate_series(1, 200) g`);
  await createView(h.server.url, 'CREATE MATERIALIZED VIEW docs_v AS SELECT id, grp, version, body FROM docs');
});
after(async () => {
  await h?.stop();
});

describe('backpressure and limits', () => {
  test('a client that stops reading converges through coalesced diffs and does not delay one that reads', async () => {
    const fast = new Subscriber(h.server.url, 'docs_v');
    const slow = new Subscriber(h.server.url, 'docs_v');
    const slowFiltered = new Subscriber(h.server.url, 'docs_v', undefined, undefined, 'grp = 1');
    for (const s of [fast, slow, slowFiltered]) await s.open();
    await waitUntil(() => fast.ready && slow.ready && slowFiltered.ready, 10_000, 'ready');
    slow.pause();
    slowFiltered.pause();
    // 150 transactions, each rewriting 50 rows of 2 KB: about 30 MB of diffs, more than the
    // kernel's socket buffers hold for a reader that does not read
    const TXNS = 150;
    const fastDiffsBefore = fast.frames.length;
    for (let t = 1; t <= TXNS; t++) {
      await h.db.query(`UPDATE docs SET version = $1, grp = CASE WHEN id % 7 = $2 THEN (grp + 1) % 4 ELSE grp END WHERE id % 4 = $3 OR id <= 2`, [t, t % 7, t % 4]);
      if (t % 50 === 0) await h.db.query('INSERT INTO docs VALUES ($1, 1, $2, $3)', [1000 + t, t, PAD]);
      if (t % 60 === 0) await h.db.query('DELETE FROM docs WHERE id = (SELECT min(id) FROM docs)');
    }
    const lsn = await currentLsn(h.db);
    const want = await oracle(h.db, 'SELECT id, grp, version, body FROM docs');
    await viewRows(h.server.url, 'docs_v', lsn);
    // the reader is not held up by the ones that do not read
    await waitUntil(() => JSON.stringify(fast.rows()) === JSON.stringify(want), 5000, 'the fast subscriber to converge while the slow ones do not read');
    const fastDiffs = fast.frames.length - fastDiffsBefore;
    assert.equal(fastDiffs, TXNS + 3 + 2, 'the fast subscriber got every transaction as its own diff');
    assert.deepEqual(fast.errors, []);

    slow.recordStates = true;
    slow.resume();
    slowFiltered.resume();
    await waitUntil(() => JSON.stringify(slow.rows()) === JSON.stringify(want), 20_000, 'the slow subscriber to converge');
    const wantSlice = await oracle(h.db, 'SELECT id, grp, version, body FROM docs WHERE grp = 1');
    await waitUntil(() => JSON.stringify(slowFiltered.rows()) === JSON.stringify(wantSlice), 20_000, 'the slow filtered subscriber to converge');
    assert.deepEqual(slow.errors, [], slow.frames.slice(-2).join('\n'));
    assert.deepEqual(slowFiltered.errors, []);
    const slowDiffs = slow.frames.filter((f) => f.startsWith('{"type":"diff"')).length;
    assert.ok(slowDiffs < TXNS, `the slow subscriber's diffs were coalesced (${slowDiffs} frames for ${TXNS + 5} transactions)`);
    assert.equal(slow.lastToken, fast.lastToken, 'both end at the same token');
    assert.ok(slowFiltered.frames.every((f) => !f.includes('"changes":[]')), 'no empty diffs');
    for (const s of [fast, slow, slowFiltered]) s.close();
  });

  test('limits name themselves: subscriptions per socket, filter length, frame size', async () => {
    const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/v1/subscribe`);
    await new Promise<void>((r) => ws.once('open', () => r()));
    const frames: { type: string; id?: string; code?: string; message?: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    for (let i = 0; i <= 1000; i++) ws.send(JSON.stringify({ type: 'subscribe', id: `s${i}`, view: 'docs_v', where: 'id < 0' }));
    await waitUntil(() => frames.filter((f) => f.type === 'ready').length === 1000 && frames.some((f) => f.type === 'error'), 20_000, '1,000 subscriptions and one refusal');
    const refused = frames.filter((f) => f.type === 'error');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.id, 's1000');
    assert.match(refused[0]!.message!, /this socket carries 1000 subscriptions; the limit is 1000/);
    ws.send(JSON.stringify({ type: 'unsubscribe', id: 's0' }));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'long', view: 'docs_v', where: `id IN (${Array.from({ length: 3000 }, (_, i) => i).join(',')})` }));
    await waitUntil(() => frames.some((f) => f.id === 'long' && f.type === 'error'), 5000, 'the long filter to be refused');
    assert.match(frames.find((f) => f.id === 'long')!.message!, /the filter is \d+ characters long; the limit is 10000/);
    // a frame over 64 KiB closes the socket with 1009 (message too big)
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'big', view: 'docs_v', where: 'x'.repeat(70_000) }));
    assert.equal(await closed, 1009);
  });

  test('a socket that stops answering pings is dropped', async () => {
    const server = createServer();
    const subs = attachSubscriptions(server, { pipeline: maintainer(h.server), store: h.server.store, auth: createAuthenticator({ token: null, jwtSecret: null, jwtPublicKey: null }), log: () => {}, heartbeatMs: 100 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/views/docs_v/subscribe`);
      await new Promise<void>((r) => ws.once('message', () => r()));
      await waitUntil(() => subs.counts().get('docs_v') === 1, 5000, 'subscribed');
      // a live client answers pings: still there after several periods
      await new Promise((r) => setTimeout(r, 450));
      assert.equal(subs.counts().get('docs_v'), 1);
      // one that stops reading does not see them, so does not answer
      ws.pause();
      await waitUntil(() => subs.counts().get('docs_v') === undefined, 5000, 'the silent socket to be dropped');
      ws.terminate();
    } finally {
      subs.close();
      server.close();
    }
  });
});
