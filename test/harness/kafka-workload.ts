/**
 * A Nexmark-style Kafka workload for end-to-end tests: append topics (persons,
 * auctions, bids), an upsert topic with tombstones (prices), Debezium events
 * with and without the wrapper (items), malformed messages mixed in. Every
 * good message also goes into PostgreSQL tables in schema "oracle", so a view's
 * own query run with search_path oracle is PostgreSQL's answer for it.
 */
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { sortedCanonical } from './json.ts';
import { currentLsn, http, oracle, viewRows, waitUntil } from './server.ts';

export const TOPICS: [string, number][] = [['persons', 2], ['auctions', 2], ['bids', 3], ['prices', 2], ['items', 1], ['items_dlq', 1]];
export const SOURCES = [
  { name: 'persons', type: 'kafka', topic: 'persons', format: 'json', envelope: 'append', columns: { id: 'bigint', name: 'text', city: 'text' } },
  { name: 'auctions', type: 'kafka', topic: 'auctions', envelope: 'append', columns: { id: 'bigint', seller: 'bigint', category: 'int', reserve: 'numeric(12,2)' } },
  { name: 'bids', type: 'kafka', topic: 'bids', envelope: 'append', columns: { auction: 'bigint', bidder: 'bigint', price: 'numeric', ts: 'timestamptz', extra: 'jsonb' } },
  { name: 'prices', type: 'kafka', topic: 'prices', envelope: 'upsert', columns: { id: 'int', price: 'numeric(10,2)', tags: 'text[]' }, key: ['id'] },
  { name: 'items', type: 'kafka', topic: 'items', envelope: 'debezium', columns: { id: 'int', name: 'text', qty: 'int' }, key: ['id'], dead_letter_topic: 'items_dlq' },
];
export const VIEWS: Record<string, string> = {
  bid_stats: 'SELECT auction, count(*) AS n, sum(price) AS total, max(price) AS top, min(ts) AS first FROM bids GROUP BY auction',
  auction_board:
    'SELECT a.id, p.name AS seller, a.reserve, count(b.auction) AS bids, max(b.price) AS best FROM auctions a JOIN persons p ON p.id = a.seller LEFT JOIN bids b ON b.auction = a.id GROUP BY a.id, p.name, a.reserve',
  rich_bids: "SELECT auction, bidder, price, extra->>'via' AS via FROM bids WHERE price > 500",
  priced: 'SELECT id, price, tags FROM prices WHERE price > 10',
  // Kafka × PostgreSQL
  by_category: 'SELECT c.name, count(*) AS n, sum(p.price) AS total FROM prices p JOIN categories c ON c.id = p.id % 5 GROUP BY c.name',
  stock: 'SELECT id, name, qty FROM items WHERE qty > 0',
};

export class KafkaWorkload {
  readonly views: Record<string, string> = { ...VIEWS };
  bad = 0;
  private rnd: number;
  private readonly personIds: number[] = [];
  private readonly auctionIds: number[] = [];
  private readonly priceIds = new Set<number>();
  private readonly itemRows = new Map<number, { name: string; qty: number }>();
  private nextPerson = 1;
  private nextAuction = 1;
  private bidNo = 0;

  private constructor(
    readonly seed: number,
    private readonly db: pg.Client,
    private readonly ora: pg.Client,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
  ) {
    this.rnd = seed;
  }

  /** Creates the topics (`createTopic` of the test broker) and the oracle tables; `db` is a session on the source database. */
  static async start(opts: { seed: number; db: pg.Client; pgUrl: string; brokers: readonly string[]; createTopic: (t: string, n: number) => Promise<void> }): Promise<KafkaWorkload> {
    for (const [t, n] of TOPICS) await opts.createTopic(t, n);
    const kafka = new Kafka({ clientId: 'dv-workload', brokers: [...opts.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const db = opts.db;
    await db.query('CREATE SCHEMA oracle');
    await db.query('CREATE TABLE oracle.persons (id bigint, name text, city text)');
    await db.query('CREATE TABLE oracle.auctions (id bigint, seller bigint, category int, reserve numeric(12,2))');
    await db.query('CREATE TABLE oracle.bids (auction bigint, bidder bigint, price numeric, ts timestamptz, extra jsonb)');
    await db.query('CREATE TABLE oracle.prices (id int PRIMARY KEY, price numeric(10,2), tags text[])');
    await db.query('CREATE TABLE oracle.items (id int PRIMARY KEY, name text, qty int)');
    await db.query('CREATE TABLE categories (id int PRIMARY KEY, name text)');
    await db.query("INSERT INTO categories SELECT g, 'cat ' || g FROM generate_series(0, 3) g");
    const ora = new pg.Client({ connectionString: opts.pgUrl });
    await ora.connect();
    await ora.query("SET TIME ZONE 'UTC'");
    await ora.query('SET search_path = oracle, public');
    return new KafkaWorkload(opts.seed, db, ora, kafka, producer);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
    await this.ora.end().catch(() => {});
  }

  private rand(n: number): number {
    this.rnd = (this.rnd * 1103515245 + 12345) % 2147483648;
    return this.rnd % n;
  }

  private send(topic: string, messages: { key?: string | null; value: string | null }[]) {
    return this.producer.send({ topic, messages });
    }

  /** Produces a random round of messages to every topic and mirrors the good ones into the oracle tables. */
  async round(n: number): Promise<void> {
    const rand = (k: number) => this.rand(k);
    const db = this.db;
    const persons: { value: string }[] = [];
    for (let i = 0; i < Math.max(1, n / 10); i++) {
      const id = this.nextPerson++;
      const name = `person ${id}`;
      const city = ['Oslo', 'Lima', "O'Hare", null][rand(4)] ?? null;
      this.personIds.push(id);
      persons.push({ value: JSON.stringify({ id, name, city }) });
      await db.query('INSERT INTO oracle.persons VALUES ($1, $2, $3)', [id, name, city]);
    }
    await this.send('persons', persons);
    const auctions: { value: string }[] = [];
    for (let i = 0; i < Math.max(1, n / 5); i++) {
      const id = this.nextAuction++;
      // a seller that may not exist yet (the join must catch up when they arrive)
      const seller = rand(10) === 0 ? this.nextPerson + rand(3) : this.personIds[rand(this.personIds.length)]!;
      const category = rand(4);
      const reserve = `${rand(1000)}.${String(rand(100)).padStart(2, '0')}`;
      this.auctionIds.push(id);
      auctions.push({ value: JSON.stringify({ id, seller, category, reserve }) });
      await db.query('INSERT INTO oracle.auctions VALUES ($1, $2, $3, $4)', [id, seller, category, reserve]);
    }
    await this.send('auctions', auctions);
    const bids: { key: string; value: string }[] = [];
    for (let i = 0; i < n; i++) {
      if (rand(25) === 0) {
        this.bad++;
        bids.push({ key: 'x', value: rand(2) === 0 ? 'not json {' : JSON.stringify({ auction: 'abc', price: 1 }) });
        continue;
      }
      const auction = this.auctionIds[rand(this.auctionIds.length)]!;
      const bidder = 9007199254740993n + BigInt(rand(50));
      const price = `${rand(1000)}.${String(rand(1000)).padStart(3, '0')}`;
      const ts = `2024-03-${String(1 + rand(28)).padStart(2, '0')}T${String(rand(24)).padStart(2, '0')}:00:00.${String(rand(1_000_000)).padStart(6, '0')}Z`;
      const extra = { via: ['web', 'app'][rand(2)], n: this.bidNo++ };
      // the bidder as a JSON number beyond 2^53: it must stay exact
      bids.push({ key: String(auction), value: `{"auction":${auction},"bidder":${bidder},"price":"${price}","ts":"${ts}","extra":${JSON.stringify(extra)}}` });
      await db.query('INSERT INTO oracle.bids VALUES ($1, $2, $3, $4, $5)', [auction, bidder.toString(), price, ts, JSON.stringify(extra)]);
    }
    await this.send('bids', bids);
    const prices: { key: string | null; value: string | null }[] = [];
    for (let i = 0; i < n / 2; i++) {
      const id = rand(40);
      if (rand(20) === 0) {
        this.bad++;
        prices.push({ key: null, value: '{"price": 1}' });
        continue;
      }
      if (this.priceIds.has(id) && rand(4) === 0) {
        prices.push({ key: String(id), value: null });
        this.priceIds.delete(id);
        await db.query('DELETE FROM oracle.prices WHERE id = $1', [id]);
        continue;
      }
      const price = `${rand(50)}.${rand(10)}${rand(10)}5`; // rounds to 2 places like numeric(10,2)
      const tags = rand(3) === 0 ? null : ['a', `t${rand(5)}`];
      prices.push({ key: String(id), value: JSON.stringify({ price, tags }) });
      this.priceIds.add(id);
      await db.query('INSERT INTO oracle.prices VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET price = EXCLUDED.price, tags = EXCLUDED.tags', [id, price, tags]);
    }
    await this.send('prices', prices);
    const items: { key: string; value: string | null }[] = [];
    for (let i = 0; i < n / 4; i++) {
      const id = rand(15);
      const was = this.itemRows.get(id);
      const wrap = (e: object) => JSON.stringify(rand(2) === 0 ? e : { schema: { type: 'struct' }, payload: e });
      if (rand(30) === 0) {
        this.bad++;
        items.push({ key: String(id), value: JSON.stringify({ before: null, after: { id, name: 'no op', qty: 1 } }) });
        continue;
      }
      if (was !== undefined && rand(3) === 0) {
        items.push({ key: String(id), value: wrap({ op: 'd', before: { id, ...was }, after: null }) });
        items.push({ key: String(id), value: null }); // the tombstone Debezium sends after a delete
        this.itemRows.delete(id);
        await db.query('DELETE FROM oracle.items WHERE id = $1', [id]);
        continue;
      }
      const row = { name: `item ${id}.${rand(100)}`, qty: rand(5) };
      items.push({ key: String(id), value: wrap({ op: was === undefined ? (rand(2) === 0 ? 'c' : 'r') : 'u', before: was === undefined ? null : { id, ...was }, after: { id, ...row } }) });
      this.itemRows.set(id, row);
      await db.query('INSERT INTO oracle.items VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty', [id, row.name, row.qty]);
    }
    await this.send('items', items);
  }

  async highWatermarks(): Promise<Map<string, Map<number, bigint>>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const out = new Map<string, Map<number, bigint>>();
      for (const s of SOURCES) out.set(s.name, new Map((await admin.fetchTopicOffsets(s.topic)).map((m) => [m.partition, BigInt(m.high)])));
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until every view is running and shows every source it reads at the topics' high watermarks. */
  async caughtUp(base: string): Promise<void> {
    const marks = await this.highWatermarks();
    await waitUntil(
      async () => {
        for (const name of Object.keys(this.views)) {
          const v = (await http(base, 'GET', `/v1/views/${name}`)).json<{ status: string; offsets?: Record<string, Record<string, string>> }>();
          if (v.status !== 'running' || v.offsets === undefined) return false;
          for (const [source, parts] of Object.entries(v.offsets)) {
            for (const [p, high] of marks.get(source)!) if (BigInt(parts[String(p)] ?? '0') < high) return false;
          }
        }
        return true;
      },
      60_000,
      'every view reflects every message produced',
    );
  }

  /** Every view equals PostgreSQL's answer over the oracle tables, once it reflects everything produced. */
  async check(base: string, label: string): Promise<void> {
    await this.caughtUp(base);
    const lsn = await currentLsn(this.db);
    const seed = this.seed;
    for (const [name, select] of Object.entries(this.views)) {
      const got = sortedCanonical((await viewRows(base, name, lsn)).rows);
      const want = await oracle(this.ora, select);
      assert.equal(got.length, want.length, `${label} (seed ${seed}): ${name} has ${got.length} rows, PostgreSQL ${want.length}`);
      assert.deepEqual(got, want, `${label} (seed ${seed}): ${name} differs from PostgreSQL`);
    }
  }
}
