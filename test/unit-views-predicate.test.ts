/**
 * Subscription filters (pure): a predicate over a view's columns compiled in
 * the view language, applied to rows read back from their stored JSON form,
 * and the errors a bad filter gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../src/errors.ts';
import { parseTypeName } from '../src/values/index.ts';
import { jsonRowReader } from '../src/values/json-input.ts';
import { compileFilter, compilePredicate } from '../src/views/predicate.ts';
import { C_SETTINGS } from './unit-views-helpers.ts';

const columns = [
  { name: 'id', type: parseTypeName('bigint') },
  { name: 'region', type: parseTypeName('text') },
  { name: 'total', type: parseTypeName('numeric') },
  { name: 'ts', type: parseTypeName('timestamptz') },
  { name: 'tags', type: parseTypeName('text[]') },
  { name: 'doc', type: parseTypeName('jsonb') },
];
const read = jsonRowReader(columns);
const rows = [
  '{"id":9007199254740993,"region":"EU","total":100.50,"ts":"2024-01-02T03:04:05.678901+00:00","tags":["a","b"],"doc":{"k":1}}',
  '{"id":2,"region":"US","total":99.99,"ts":"2024-01-01T00:00:00+00:00","tags":null,"doc":null}',
  '{"id":3,"region":null,"total":250,"ts":null,"tags":[],"doc":{"k":"x\\"y"}}',
];
const matching = (where: string) => {
  const p = compilePredicate(where, columns, C_SETTINGS);
  return rows.map(read).map((r, i) => (p(r) ? i : -1)).filter((i) => i >= 0);
};

test('filters match rows read back from their stored JSON exactly as the view language says', () => {
  assert.deepEqual(matching("region = 'EU' AND total > 100"), [0]);
  assert.deepEqual(matching('id IN (1, 2, 3)'), [1, 2]);
  assert.deepEqual(matching('id = 9007199254740993'), [0], 'bigint beyond 2^53 stays exact');
  assert.deepEqual(matching('total >= 100.5'), [0, 2]);
  assert.deepEqual(matching("ts > '2024-01-01T12:00:00Z'"), [0]);
  assert.deepEqual(matching("tags = '{a,b}'"), [0], 'arrays read back from JSON');
  assert.deepEqual(matching('tags IS NULL'), [1]);
  assert.deepEqual(matching("doc->>'k' = 'x\"y'"), [2]);
  assert.deepEqual(matching('region IS NULL OR total < 100'), [1, 2]);
  assert.deepEqual(matching('region <> \'EU\''), [1], 'NULL does not match');
});

test('a bad filter gets the error a view definition would', () => {
  const err = (where: string) => {
    try {
      compilePredicate(where, columns, C_SETTINGS);
    } catch (e) {
      assert.ok(e instanceof SqlError, String(e));
      return `${e.code}: ${e.message}`;
    }
    return 'accepted';
  };
  assert.match(err('nope = 1'), /^unknown_column: .*"nope"/);
  assert.match(err('region = '), /^parse_error/);
  assert.match(err(''), /^parse_error/);
  assert.match(err("region = 'a'); DROP TABLE x; --"), /^parse_error/);
  assert.match(err('count(*) > 1'), /^(unsupported|bad_request)/);
  assert.match(err('id IN (SELECT id FROM rows)'), /^unsupported/);
  assert.match(err("region || 'x'"), /boolean/);
});

test('filters that pin a column to constants can be indexed by it; others cannot', () => {
  const index = (where: string) => compileFilter(where, columns, C_SETTINGS).index;
  assert.deepEqual(index("region = 'EU'"), { column: 1, values: ['EU'] });
  assert.deepEqual(index("total > 5 AND region IN ('EU', 'US')"), { column: 1, values: ['EU', 'US'] });
  assert.equal(index("region = 'EU' OR total > 5"), null);
  assert.equal(index("region <> 'EU'"), null);
  assert.equal(index("region NOT IN ('EU')"), null);
  assert.equal(index('total > 5'), null);
  assert.equal(index("upper(region) = 'EU'"), null);
});
