/** The bearer-token check (exact match only, compared in constant time) and resume tokens tied to their view. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorized, sameSecret } from '../src/server/auth.ts';

test('bearer tokens match exactly', () => {
  assert.equal(authorized('Bearer s3cret', 's3cret'), true);
  for (const h of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret ', 'bearer s3cret', 'Bearer S3CRET', 'Bearer s3cretx']) {
    assert.equal(authorized(h, 's3cret'), false, String(h));
  }
  assert.equal(sameSecret('', ''), true);
  assert.equal(sameSecret('a'.repeat(10_000), 'a'), false, 'lengths may differ');
});

test('resume tokens belong to one view', async () => {
  const { externalToken, internalToken } = await import('../src/server/subscriptions.ts');
  const t = externalToken('orders_by_day', '123-0');
  assert.equal(internalToken('orders_by_day', t), '123-0');
  assert.equal(internalToken('other_view', t), null, "another view's token");
  for (const bad of ['123-0', '', 'x.y', `${t}x`]) assert.equal(internalToken('orders_by_day', bad), null, bad);
});
