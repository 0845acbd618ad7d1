/**
 * Kafka sources end to end, on the test broker, with the Nexmark-style
 * workload of harness/kafka-workload.ts: joins and aggregates over append
 * topics, an upsert topic with tombstones, Debezium events with and without
 * the wrapper, a Kafka × PostgreSQL join, malformed messages mixed in. Every
 * view must equal PostgreSQL's answer to its own query over tables holding the
 * same data: after backfilling from the topics' history, live, for a view
 * created later, across a restart while producing and a broker restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KafkaWorkload, SOURCES } from './harness/kafka-workload.ts';
import { sortedCanonical } from './harness/json.ts';
import { http, startHarness, Subscriber, viewRows, waitUntil, type Harness } from './harness/server.ts';

let h: Harness;
let w: KafkaWorkload;
const seed = Number(process.env.SEED ?? Date.now() % 100000);

before(async () => {
  h = await startHarness({ kafka: true });
  const kafka = h.services.kafka!;
  w = await KafkaWorkload.start({ seed, db: h.db, pgUrl: h.services.pg.url, brokers: kafka.brokers, createTopic: (t, n) => kafka.createTopic(t, n) });
});

after(async () => {
  await w?.stop();
  await h?.stop();
});

test('Kafka sources: declared, backfilled from history, maintained live, joined with PostgreSQL, exact across restarts', async () => {
  const base = () => h.server.url;
  // history before anything is declared
  await w.round(60);
  for (const s of SOURCES) {
    const r = await http(base(), 'POST', '/v1/sources', s);
    assert.equal(r.status, 201, r.text);
  }
  await w.round(40);
  for (const [name, select] of Object.entries(w.views)) {
    const r = await http(base(), 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
    assert.equal(r.status, 201, r.text);
  }
  await w.check(base(), 'after the backfill');

  // live, with the PostgreSQL side moving too; subscribers follow diff by diff
  const watched = ['bid_stats', 'auction_board', 'priced', 'by_category', 'stock'];
  const subs = watched.map((v) => new Subscriber(base(), v));
  await Promise.all(subs.map((x) => x.open()));
  await waitUntil(() => subs.every((x) => x.ready), 20_000, 'the subscribers are ready');
  await w.round(80);
  await h.db.query("UPDATE categories SET name = name || '!' WHERE id = 1");
  await h.db.query("INSERT INTO categories VALUES (4, 'cat 4')");
  await w.check(base(), 'live');
  for (const [i, sub] of subs.entries()) {
    const want = sortedCanonical((await viewRows(base(), watched[i]!, null)).rows);
    await waitUntil(() => JSON.stringify(sub.rows()) === JSON.stringify(want), 20_000, `the subscriber of ${watched[i]} converges`);
    assert.deepEqual(sub.errors, [], `subscriber of ${watched[i]}`);
    assert.ok(sub.frames.some((f) => f.includes('"type":"diff"')), `${watched[i]} got diffs`);
    sub.close();
  }

  // the source object: offsets, counts, errors
  const src = (await http(base(), 'GET', '/v1/sources/bids')).json<{ offsets: Record<string, string>; messages: number; errors: number; last_errors: { kind: string }[]; partitions: unknown[] }>();
  assert.equal(Object.keys(src.offsets).length, 3);
  assert.ok(src.errors > 0 && src.last_errors.length > 0, 'bad bids are counted and kept');
  assert.ok(src.last_errors.every((e) => e.kind === 'not_json' || e.kind === 'bad_value'));
  const list = (await http(base(), 'GET', '/v1/sources')).json<{ sources: { name: string; type: string }[] }>();
  assert.ok(list.sources.some((s) => s.name === 'categories' && s.type === 'postgres'), 'PostgreSQL tables are listed');
  assert.equal(list.sources.filter((s) => s.type === 'kafka').length, SOURCES.length);
  const busy = await http(base(), 'DELETE', '/v1/sources/bids');
  assert.equal(busy.status, 409, busy.text);
  assert.match(busy.text, /read by .*bid_stats/);

  // a view created now over the same sources gets the same history
  w.views.late_bids = 'SELECT auction, count(*) AS n FROM bids GROUP BY auction';
  assert.equal((await http(base(), 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW late_bids AS ${w.views.late_bids}` })).status, 201);
  await w.round(30);
  await w.check(base(), 'a view created later');

  // graceful restart while producing
  const producing = w.round(60);
  await h.restart();
  await producing;
  await w.round(30);
  await w.check(base(), 'after a restart while producing');
  assert.ok(h.logs.some((l) => /view bid_stats: operator state restored/.test(l)), 'the aggregate came back from its stored state, not a new snapshot');

  // the broker goes away and comes back while producing (the producer retries)
  await h.services.kafka!.down(-1);
  const during = w.round(20);
  await new Promise((r) => setTimeout(r, 1500));
  await h.services.kafka!.up(-1);
  await during;
  await w.round(40);
  await w.check(base(), 'after the broker came back');
  assert.ok(w.bad > 0, 'malformed messages were mixed in');
});
