/**
 * deltaview on a 3-node Redis Cluster: REDIS_URL names one node, the engine finds the others;
 * views (a filter, an aggregate, a join) stay equal to PostgreSQL while writes flow, including
 * while the slots holding a view and the deployment's catalog move to another node; a gateway on
 * another node serves the same rows and its subscribers converge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { RunningPostgres } from '../src/services/embedded-postgres.ts';
import { startGateway, startServer, type RunningGateway, type RunningServer } from '../src/server/server.ts';
import { sortedCanonical } from './harness/json.ts';
import { startRedisCluster, type RedisCluster } from './harness/redis-cluster.ts';
import { currentLsn, http, oracle, Subscriber, viewRows, waitUntil } from './harness/server.ts';
import { startPostgres } from './harness/services.ts';

const VIEWS: Record<string, string> = {
  hot: 'SELECT id, v, tag FROM acc WHERE v % 3 <> 0',
  by_tag: 'SELECT tag, count(*) AS n, sum(v) AS total, max(v) AS top FROM acc GROUP BY tag',
  labelled: 'SELECT a.id, a.v, g.label FROM acc a LEFT JOIN groups g ON g.id = a.id % 7',
};

let postgres: RunningPostgres;
let cluster: RedisCluster;
let db: pg.Client;
let server: RunningServer;
let gateway: RunningGateway;
const logs: string[] = [];

const options = (redisUrl: string) => ({
  pgUrl: postgres.url,
  redisUrl,
  port: 0,
  host: '127.0.0.1',
  token: null,
  slot: 'deltaview',
  publication: 'deltaview',
  kafkaBrokers: [],
  log: (m: string) => {
    logs.push(m);
    if (process.env.DV_LOG) process.stderr.write(`[deltaview] ${m}\n`);
  },
});

before(async () => {
  [postgres, cluster] = await Promise.all([startPostgres(), startRedisCluster(3)]);
  db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  await db.query('CREATE TABLE acc (id int PRIMARY KEY, v bigint NOT NULL, tag text)');
  await db.query("INSERT INTO acc SELECT g, g, 't' || (g % 5) FROM generate_series(1, 3000) g");
  await db.query('CREATE TABLE groups (id int PRIMARY KEY, label text)');
  await db.query("INSERT INTO groups SELECT g, 'group ' || g FROM generate_series(0, 5) g");
  server = await startServer(options(cluster.nodes[1]!.url));
  gateway = await startGateway(options(cluster.nodes[2]!.url));
});

after(async () => {
  await gateway?.stop().catch(() => {});
  await server?.stop().catch(() => {});
  await db?.end().catch(() => {});
  await Promise.allSettled([cluster?.stop(), postgres?.stop()]);
});

async function check(label: string, base: string): Promise<void> {
  const lsn = await currentLsn(db);
  for (const [name, select] of Object.entries(VIEWS)) {
    const got = sortedCanonical((await viewRows(base, name, lsn)).rows);
    assert.deepEqual(got, await oracle(db, select), `${label}: ${name} through ${base} differs from PostgreSQL`);
  }
}

function writer(seed: number): { stop(): Promise<number> } {
  let stop = false;
  let txns = 0;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const done = (async () => {
    const w = new pg.Client({ connectionString: postgres.url });
    await w.connect();
    try {
      while (!stop) {
        await w.query('BEGIN');
        await w.query(`INSERT INTO acc VALUES (${1 + Math.floor(rand() * 3500)}, ${Math.floor(rand() * 1000)}, 'w') ON CONFLICT (id) DO UPDATE SET v = acc.v + 1, tag = 't' || (acc.v % 4)`);
        if (rand() < 0.3) await w.query(`DELETE FROM acc WHERE id = ${1 + Math.floor(rand() * 3500)}`);
        if (rand() < 0.1) await w.query(`INSERT INTO groups VALUES (${Math.floor(rand() * 7)}, 'g${txns}') ON CONFLICT (id) DO UPDATE SET label = excluded.label`);
        await w.query('COMMIT');
        txns++;
      }
    } finally {
      await w.end();
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
      return txns;
    },
  };
}

describe('Redis Cluster', () => {
  test('views are maintained and served through the cluster, and stay exact while their slots move', async () => {
    assert.ok(logs.some((l) => /is a node of a Redis Cluster/.test(l)), 'the cluster was detected from one node');
    for (const [name, select] of Object.entries(VIEWS)) {
      const r = await http(server.url, 'POST', '/v1/views', { sql: `CREATE MATERIALIZED VIEW ${name} AS ${select}` });
      assert.equal(r.status, 201, r.text);
    }
    await check('after the backfills', server.url);
    await waitUntil(async () => JSON.parse((await http(gateway.url, 'GET', '/v1/views')).text).views.length === 3, 5000, 'the gateway to list the views');
    const sub = new Subscriber(gateway.url, 'by_tag');
    await waitUntil(() => sub.ready, 10_000, 'the gateway subscriber to be ready');

    // the views' keys are spread over the nodes; move the slots of the aggregate and the catalog while writes flow
    const homes = await Promise.all(['dv:{v:hot}:rows', 'dv:{v:by_tag}:rows', 'dv:{v:labelled}:rows', 'dv:{dv}:views'].map((k) => cluster.nodeOf(k)));
    const from = homes[1]!;
    const to = (from + 1) % 3;
    const w = writer(3);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.reshard(from, to, 5461);
    await new Promise((r) => setTimeout(r, 300));
    const txns = await w.stop();
    assert.ok(txns > 20, `writer committed ${txns} transactions`);
    assert.notEqual(await cluster.nodeOf('dv:{v:by_tag}:rows'), from, `the aggregate's slot moved off node ${from} (homes before: ${homes.join(', ')})`);
    await check('after resharding under writes', server.url);
    await check('through the gateway', gateway.url);
    const want = await oracle(db, VIEWS.by_tag!);
    await waitUntil(() => sub.rows().join('\n') === want.join('\n'), 10_000, 'the gateway subscriber to converge');
    assert.deepEqual(sub.errors, []);
    sub.close();
  });
});
