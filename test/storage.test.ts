/** The Redis store against a real redis-server: atomic commits, replay skipping, paging, diff-log resume. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { startRedisServer, type RunningRedis } from '../src/services/redis-server.ts';
import { RedisStore, StorageLostError } from '../src/storage/redis-store.ts';
import type { ViewDelta } from '../src/views/types.ts';

let redis: RunningRedis;
let store: RedisStore;

before(async () => {
  redis = await startRedisServer();
  store = await RedisStore.connect(redis.url);
});
after(async () => {
  await store.close();
  await redis.stop();
});

const ins = (key: string, row: string) => ({ op: 'insert' as const, key, row });
const upd = (key: string, old: string, row: string) => ({ op: 'update' as const, key, old, row });
const del = (key: string, row: string) => ({ op: 'delete' as const, key, row });
const delta = (changes: ViewDelta['changes'], reset = false): ViewDelta => ({ reset, changes, state: [] });

async function allRows(name: string): Promise<Map<string, string>> {
  const snap = await store.snapshot(name);
  return new Map(snap.entries);
}

describe('RedisStore', () => {
  test('commits apply atomically, replays are skipped, and the diff log chains', async () => {
    await store.beginBackfill('v1');
    await store.writeBackfill('v1', [{ op: 'insert', key: '[1]', row: '{"id":1}' }, { op: 'insert', key: '[2]', row: '{"id":2}' }], [], 2);
    const t0 = await store.finishBackfill('v1', 100n);
    assert.equal(t0, '100-0');

    const r1 = await store.commit('v1', 200n, 0, delta([ins('[3]', '{"id":3}'), upd('[1]', '{"id":1}', '{"id":1,"x":1}'), del('[2]', '{"id":2}')]));
    assert.ok(r1);
    assert.equal(r1.token, '200-0');
    assert.equal(r1.prev, '100-0');
    assert.deepEqual(JSON.parse(r1.changes), [
      { op: 'insert', key: '[3]', row: { id: 3 } },
      { op: 'update', key: '[1]', old: { id: 1 }, row: { id: 1, x: 1 } },
      { op: 'delete', key: '[2]', row: { id: 2 } },
    ]);
    assert.deepEqual(await allRows('v1'), new Map([['[1]', '{"id":1,"x":1}'], ['[3]', '{"id":3}']]));

    // the same position again (a replay after a crash) changes nothing and hands back the stored diff
    const replay = await store.commit('v1', 200n, 1, delta([ins('[9]', '{"id":9}')]));
    assert.deepEqual(replay, { token: '200-0', prev: '100-0', changes: r1.changes, replay: true });
    assert.equal(await store.commit('v1', 150n, 1, delta([ins('[9]', '{"id":9}')])), null, 'a position that wrote no diff');
    assert.equal((await allRows('v1')).has('[9]'), false);

    await assert.rejects(store.commit('v1', 300n, 5, delta([ins('[4]', '{"id":4}')], true)), /out of sequence/, 'a commit that skips a lost one is refused');
    assert.equal(await store.rowCount('v1'), 2, 'and changed nothing');
    const r2 = await store.commit('v1', 300n, 1, delta([ins('[4]', '{"id":4}')], true));
    assert.ok(r2);
    const changes = JSON.parse(r2.changes) as { op: string; key: string }[];
    assert.deepEqual(changes.map((c) => `${c.op}${c.key}`).sort(), ['delete[1]', 'delete[3]', 'insert[4]']);
    assert.deepEqual(await allRows('v1'), new Map([['[4]', '{"id":4}']]));
    assert.equal(await store.rowCount('v1'), 1);

    const meta = await store.getMeta('v1');
    assert.equal(meta.status, 'running');
    assert.equal(meta.lsn, 300n);
    assert.equal(meta.token, '300-0');
    assert.equal(meta.seq, 2);

    const since100 = await store.logSince('v1', '100-0', '300-0');
    assert.deepEqual(since100?.map((e) => e.token), ['200-0', '300-0']);
    assert.deepEqual(await store.logSince('v1', '300-0', '300-0'), []);
    assert.equal(await store.logSince('v1', '50-0', '300-0'), null, 'a token the log does not reach back to');
    assert.equal(await store.logSince('v1', 'garbage', '300-0'), null);
  });

  test('commits issued back to back go in batches and land exactly as one by one would, in order', async () => {
    await store.beginBackfill('q');
    await store.finishBackfill('q', 100n);
    const calls = () => store.client.sendCommand<string>(['INFO', 'commandstats']).then((t) => Number(/cmdstat_evalsha:calls=(\d+)/.exec(t)?.[1] ?? 0));
    const before = await calls();
    // 200 commits without waiting: all but the first queue behind a call in flight
    const n = 200;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => store.commit('q', BigInt(101 + i), i, delta(i % 10 === 9 ? [del(`[${i - 1}]`, `{"i":${i - 1}}`)] : [ins(`[${i}]`, `{"i":${i}}`)]))),
    );
    const used = (await calls()) - before;
    assert.ok(used < n / 4, `${n} commits took ${used} script calls`);
    results.forEach((r, i) => {
      assert.ok(r, `commit ${i}`);
      assert.equal(r.token, `${101 + i}-0`);
      assert.equal(r.prev, i === 0 ? '100-0' : `${100 + i}-0`, `commit ${i} chains to the one before`);
    });
    const expected = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      if (i % 10 === 9) expected.delete(`[${i - 1}]`);
      else expected.set(`[${i}]`, `{"i":${i}}`);
    }
    assert.deepEqual(await allRows('q'), expected);
    const meta = await store.getMeta('q');
    assert.equal(meta.seq, n);
    assert.equal(meta.lsn, BigInt(100 + n));
    assert.equal((await store.logSince('q', '100-0', meta.token!))?.length, n, 'one diff-log entry per commit');

    // in one batch: a replay, a commit that skips a lost one (refused, and so is the one after it)
    const replay = store.commit('q', BigInt(100 + n), n - 1, delta([ins('[x]', '{}')]));
    const next = store.commit('q', BigInt(101 + n), n, delta([ins('[y]', '{}')]));
    const skipping = store.commit('q', BigInt(102 + n), n + 5, delta([ins('[z]', '{}')]));
    const after = store.commit('q', BigInt(103 + n), n + 6, delta([ins('[w]', '{}')]));
    assert.equal((await replay)?.replay, true);
    assert.equal((await next)?.token, `${101 + n}-0`);
    await assert.rejects(skipping, /out of sequence/);
    await assert.rejects(after, /out of sequence/);
    const rows = await allRows('q');
    assert.ok(rows.has('[y]') && !rows.has('[x]') && !rows.has('[z]') && !rows.has('[w]'), 'only the commit in sequence landed');
  });

  test('pages visit every row exactly once in key order', async () => {
    await store.beginBackfill('v2');
    const entries = Array.from({ length: 2345 }, (_, i) => ({ op: 'insert' as const, key: `[${i}]`, row: `{"id":${i}}` }));
    await store.writeBackfill('v2', entries, [], entries.length);
    await store.finishBackfill('v2', 10n);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await store.page('v2', cursor, 500);
      seen.push(...page.keys);
      if (page.keys.length < 500) break;
      cursor = page.keys[page.keys.length - 1]!;
    }
    assert.equal(seen.length, 2345);
    assert.equal(new Set(seen).size, 2345);
    assert.deepEqual([...seen].sort(), seen);
  });

  test('checkpoints raise running views only, never lower them; deleting removes every key', async () => {
    await store.beginBackfill('v3');
    await store.finishBackfill('v3', 500n);
    await store.setCheckpoint(400n, 'slot', ['v3']);
    assert.equal((await store.getMeta('v3')).lsn, 500n);
    await store.setCheckpoint(900n, 'slot', ['v3']);
    assert.equal((await store.getMeta('v3')).lsn, 900n);
    assert.equal(await store.getCheckpoint(), 900n);
    assert.equal(await store.commit('v3', 800n, 0, delta([ins('[1]', '{}')])), null, 'covered by the checkpoint');
    await store.deleteView('v3');
    assert.equal((await store.getMeta('v3')).status, null);
    await assert.rejects(store.commit('v3', 1000n, 0, delta([ins('[1]', '{}')])), StorageLostError, 'a view storage does not hold takes no commits');
    assert.equal(await store.rowCount('v3'), 0);
  });
  test('a paged snapshot taken while commits land is exactly the state at the position it reports', async () => {
    await store.beginBackfill('big');
    const model = new Map<string, string>();
    const initial = Array.from({ length: 5000 }, (_, i) => ins(`[${i}]`, `{"id":${i},"v":0}`));
    await store.writeBackfill('big', initial, [], initial.length);
    for (const c of initial) model.set(c.key, c.row);
    await store.finishBackfill('big', 1000n);
    // a writer commits random inserts, updates and deletes while snapshots are read in small pages
    let lsn = 1000n;
    let seq = 0;
    const states = new Map<string, Map<string, string>>([['1000-0', new Map(model)]]);
    let r = 7;
    const rand = (n: number) => ((r = (r * 1103515245 + 12345) % 2147483648), r % n);
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const changes: ViewDelta['changes'][number][] = [];
        const seen = new Set<string>();
        for (let j = 0; j < 20; j++) {
          const key = `[${rand(6000)}]`;
          if (seen.has(key)) continue;
          seen.add(key);
          const old = model.get(key);
          if (old === undefined) changes.push(ins(key, `{"id":${key},"v":${lsn}}`));
          else if (rand(3) === 0) changes.push(del(key, old));
          else changes.push(upd(key, old, `{"v":${lsn}}`));
        }
        lsn += 10n;
        const res = await store.commit('big', lsn, seq++, delta(changes));
        for (const c of changes) {
          if (c.op === 'delete') model.delete(c.key);
          else model.set(c.key, c.row);
        }
        states.set(res!.token, new Map(model));
      }
    })();
    const snaps = [];
    for (let i = 0; i < 5; i++) snaps.push(await store.pagedSnapshot('big', 50));
    stop = true;
    await writer;
    for (const snap of snaps) {
      const want = states.get(snap.token);
      assert.ok(want, `the snapshot's token ${snap.token} is a committed position`);
      assert.deepEqual(new Map(snap.entries), want, `the state at ${snap.token}`);
    }
    assert.ok(new Set(snaps.map((s) => s.token)).size > 1, 'commits landed while the snapshots were read');
  });
});

describe('leases and fences', () => {
  test('one instance holds the lease at a time, by Redis time; a new holder gets a higher epoch', async () => {
    const a = await store.lease('acquire', 'a', 300);
    assert.equal(a.held, true);
    const b = await store.lease('acquire', 'b', 300);
    assert.deepEqual([b.held, b.owner, b.epoch], [false, 'a', a.epoch], 'held by a');
    assert.ok(b.msLeft > 0 && b.msLeft <= 300);
    const renewed = await store.lease('acquire', 'a', 300);
    assert.deepEqual([renewed.held, renewed.epoch], [true, a.epoch], 'renewing keeps the epoch');
    await new Promise((r) => setTimeout(r, 350));
    const taken = await store.lease('acquire', 'b', 300);
    assert.deepEqual([taken.held, taken.owner], [true, 'b'], 'a lease that ran out is taken');
    assert.ok(taken.epoch > a.epoch, 'with a higher epoch');
    assert.equal((await store.lease('acquire', 'a', 300)).held, false, 'the former holder cannot renew it');
    await store.lease('release', 'b', 300);
    const again = await store.lease('acquire', 'a', 300);
    assert.deepEqual([again.held, again.epoch > taken.epoch], [true, true], 'a released lease is free at once');
    // a holder renews at its epoch; a lease Redis forgot is taken back at it, one taken since is not
    assert.deepEqual([(await store.lease('renew', 'a', 300, String(again.epoch))).held], [true]);
    await store.client.sendCommand(['HDEL', 'dv:{dv}:source:pg', 'lease_owner', 'lease_until', 'lease_epoch']);
    const back = await store.lease('renew', 'a', 300, String(again.epoch));
    assert.deepEqual([back.held, back.epoch], [true, again.epoch], 'a vanished lease is taken back at the same epoch');
    await store.lease('release', 'a', 300);
    assert.equal((await store.lease('acquire', 'b', 300)).held, true);
    assert.equal((await store.lease('renew', 'a', 300, String(again.epoch))).held, false, 'not once another took it');
    await store.lease('release', 'b', 300);
  });

  test('a writer below a fence writes nothing: commits, checkpoints, backfills, catalog', async () => {
    const old = await RedisStore.connect(redis.url);
    try {
      old.fence = String((await old.lease('acquire', 'old', 200)).epoch);
      let refusals = 0;
      old.onFenced = () => refusals++;
      await old.beginBackfill('fv');
      assert.equal(await old.putViewDef({ name: 'fv', sql: 'SELECT 1', createdAt: '', columns: [], key: [] }), true);
      await old.writeBackfill('fv', [ins('[1]', '{"id":1}'), ins('[2]', '{"id":2}')], [], 2);
      await old.finishBackfill('fv', 100n);
      assert.ok(await old.commit('fv', 200n, 0, delta([ins('[3]', '{"id":3}')])));

      // the old owner's lease runs out; a new owner takes it (one epoch up) and claims the view
      await new Promise((r) => setTimeout(r, 250));
      const lease = await store.lease('acquire', 'new', 5000);
      assert.ok(lease.held && lease.epoch > Number(old.fence));
      store.fence = String(lease.epoch);
      await store.raiseFences(['fv'], []);
      const before = await allRows('fv');
      await assert.rejects(old.commit('fv', 300n, 1, delta([ins('[4]', '{"id":4}')])), /refused: another instance holds a newer lease/);
      await assert.rejects(old.writeBackfill('fv', [del('[1]', '{"id":1}')], [], 3), /refused/);
      await assert.rejects(old.beginBackfill('fv'), /refused/);
      await assert.rejects(old.finishBackfill('fv', 400n), /refused/);
      await assert.rejects(old.markFailed('fv', 'x'), /refused/);
      await assert.rejects(old.deleteView('fv'), /refused/);
      await assert.rejects(old.putViewDef({ name: 'other', sql: 'SELECT 1', createdAt: '', columns: [], key: [] }), /refused/);
      await assert.rejects(old.setCheckpoint(500n, 'slot', ['fv']), /refused/);
      assert.equal(refusals, 8);
      assert.deepEqual(await allRows('fv'), before, 'the fenced writer changed no row');
      const meta = await store.getMeta('fv');
      assert.deepEqual([meta.status, meta.lsn, meta.seq], ['running', 200n, 1]);
      assert.equal((await store.listViewDefs()).some((d) => d.name === 'other'), false);

      // the new owner writes on
      const r = await store.commit('fv', 300n, 1, delta([ins('[4]', '{"id":4}')]));
      assert.equal(r?.token, '300-0');
      await store.deleteView('fv');
      await store.lease('release', 'new', 5000);
    } finally {
      store.fence = '';
      await old.close();
    }
  });
});

describe('layout migrations', () => {
  test('layout 3 moves the deployment-wide hashes of an older store under the {dv} hash tag', async () => {
    const url = `${redis.url}/3`;
    const raw = createClient({ url });
    await raw.connect();
    try {
      await raw.set('dv:layout', '2');
      await raw.hSet('dv:views', 'v', '{"name":"v"}');
      await raw.hSet('dv:source:pg', { checkpoint: '0000000000000010', epoch: 'e1' });
      await raw.hSet('dv:sources', 's', '{"name":"s"}');
      const migrated = await RedisStore.connect(url);
      try {
        assert.deepEqual(await migrated.listViewDefs(), [{ name: 'v' }]);
        assert.equal(await migrated.getCheckpoint(), 16n);
        assert.equal(await migrated.getEpoch(), 'e1');
        assert.deepEqual(await migrated.listSources(), [{ name: 's' }]);
      } finally {
        await migrated.close();
      }
      assert.deepEqual((await raw.keys('dv:*')).sort(), ['dv:layout', 'dv:{dv}:source:pg', 'dv:{dv}:sources', 'dv:{dv}:views']);
      assert.equal(await raw.get('dv:layout'), '3');
    } finally {
      await raw.close();
    }
  });
});
