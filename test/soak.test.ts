/**
 * A short soak (test/soak/soak.ts): writers, views coming and going, and every
 * kind of fault at least once — kill -9 of the server, Redis restarted with and
 * without its data, PostgreSQL restarted, the walsender terminated, Redis
 * connections dropped — with every view equal to PostgreSQL at each check.
 * `npm run soak -- --minutes N` runs a long one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from './soak/soak.ts';

test('a short soak with every kind of fault ends with every view equal to PostgreSQL', async () => {
  const seed = Number(process.env.DV_SEED ?? Date.now() % 100000);
  const r = await runSoak({ seconds: 35, seed, checkEverySeconds: 12, log: () => {} });
  assert.deepEqual(r.mismatches, [], `seed ${seed}`);
  assert.ok(r.checks >= 2, `${r.checks} checks`);
  for (const [fault, n] of Object.entries(r.faults)) assert.ok(n >= 1, `fault ${fault} was injected`);
  assert.ok(r.transactions > 100, `${r.transactions} transactions`);
});
