/**
 * Fault-injection fixture for test/faults.test.ts: runs a Pipeline that creates
 * view `mv` over table t, with slow backfill writes, and kills its own process
 * (SIGKILL) the moment the backfill has been marked finished in Redis, before
 * the transactions buffered during the backfill are committed.
 * Usage: tsx crash-after-backfill.ts <pg url> <redis url>
 */
import { PgSource } from '../../src/cdc/pg/source.ts';
import { Pipeline } from '../../src/runtime/pipeline.ts';
import { RedisStore } from '../../src/storage/redis-store.ts';

const [pgUrl, redisUrl] = process.argv.slice(2) as [string, string];
const store = await RedisStore.connect(redisUrl);
const write = store.writeBackfill.bind(store);
store.writeBackfill = async (...a) => {
  await new Promise((r) => setTimeout(r, 250));
  return write(...a);
};
const finish = store.finishBackfill.bind(store);
store.finishBackfill = async (name, lsn) => {
  const token = await finish(name, lsn);
  process.stdout.write('finished; crashing\n');
  process.kill(process.pid, 'SIGKILL');
  return token;
};
const p = new Pipeline({ source: new PgSource({ url: pgUrl, slot: 'deltaview', publication: 'deltaview', log: () => {} }), store, slot: 'deltaview', log: () => {}, backfillBatch: 200 });
await p.start();
await p.create('CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t');
