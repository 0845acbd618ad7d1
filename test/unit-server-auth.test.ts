/** The bearer-token check: exact match only, compared in constant time (digests of equal length). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorized, sameSecret } from '../src/server/app.ts';

test('bearer tokens match exactly', () => {
  assert.equal(authorized('Bearer s3cret', 's3cret'), true);
  for (const h of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret ', 'bearer s3cret', 'Bearer S3CRET', 'Bearer s3cretx']) {
    assert.equal(authorized(h, 's3cret'), false, String(h));
  }
  assert.equal(sameSecret('', ''), true);
  assert.equal(sameSecret('a'.repeat(10_000), 'a'), false, 'lengths may differ');
});
