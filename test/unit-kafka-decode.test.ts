/**
 * Kafka source declarations and message decoding (pure): every envelope,
 * exact values of every declared type, and a named error for every kind of
 * bad message or declaration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaviewError } from '../src/errors.ts';
import { declarationJson, parseSourceDeclaration, sourceTable } from '../src/cdc/kafka/declaration.ts';
import { MessageError, messageDecoder, type Decoded } from '../src/cdc/kafka/decode.ts';
import { flatFields } from '../src/values/json-fields.ts';
import { renderJson } from '../src/values/index.ts';
import { canonicalJson, parseJsonb } from '../src/values/json.ts';
import type { Row } from '../src/values/types.ts';

const decl = (over: Record<string, unknown> = {}) =>
  parseSourceDeclaration({
    name: 'bids',
    type: 'kafka',
    topic: 'bids',
    format: 'json',
    envelope: 'append',
    columns: { id: 'bigint', auction: 'int', price: 'numeric(10,2)', ts: 'timestamptz', tags: 'text[]', doc: 'jsonb', ok: 'boolean', name: 'varchar(5)' },
    ...over,
  });
const msg = (value: unknown, key?: unknown) => ({
  key: key === undefined ? null : Buffer.from(typeof key === 'string' ? key : JSON.stringify(key)),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const D = decl();
/** A row rendered as the API renders it, by column name. */
const shown = (row: Row | null) => (row === null ? null : Object.fromEntries(D.columns.map((c, i) => [c.name, row[i] === null ? null : renderJson(row[i]!, c.type)])));

test('declarations are validated field by field, with the field named', () => {
  assert.deepEqual(sourceTable(D), { id: 'kafka:bids', schema: 'kafka', name: 'bids', columns: D.columns, primaryKey: [] });
  assert.deepEqual(declarationJson(decl({ envelope: 'upsert', key: ['id'] })).key, ['id']);
  assert.equal(declarationJson(D).columns && (declarationJson(D).columns as Record<string, string>).price, 'numeric(10,2)');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ type: 'postgres' }, /"type" must be "kafka"/],
    [{ name: 'Bad Name' }, /"name" must be a lower-case SQL identifier/],
    [{ topic: 'a topic' }, /"topic" must be a Kafka topic name/],
    [{ format: 'avro' }, /"format" must be "json"/],
    [{ envelope: 'cdc' }, /"envelope" must be "append", "upsert" or "debezium"/],
    [{ columns: {} }, /"columns" must be an object/],
    [{ columns: { id: 'bigintt' } }, /column "id": type "bigintt" is not supported/],
    [{ columns: { id: 5 } }, /the type of column "id" must be a string/],
    [{ envelope: 'upsert' }, /upsert envelope needs "key"/],
    [{ key: ['id'] }, /append envelope takes no "key"/],
    [{ envelope: 'upsert', key: ['nope'] }, /key column "nope" is not among the columns/],
    [{ extra: 1 }, /unknown field "extra"/],
    [{ dead_letter_topic: 'bids' }, /must differ from "topic"/],
  ];
  for (const [over, re] of cases) {
    assert.throws(() => decl(over), (e: unknown) => e instanceof DeltaviewError && e.code === 'bad_request' && re.test(e.message), JSON.stringify(over));
  }
  assert.throws(() => parseSourceDeclaration([1]), /a source declaration is a JSON object/);
});

test('append: values convert to the declared types exactly', () => {
  const decode = messageDecoder(D);
  const d = decode(msg('{"id": 9007199254740993, "auction": "7", "price": 12.345, "ts": "2024-01-02 03:04:05.678901+02", "tags": ["a", "b c", null], "doc": {"b": 1, "a": [1.50]}, "ok": true, "name": "abc", "ignored": 1}'));
  assert.equal(d.kind, 'append');
  const row = (d as Extract<Decoded, { kind: 'append' }>).row;
  assert.deepEqual(shown(row), {
    id: '9007199254740993',
    auction: '7',
    price: '12.35',
    ts: '"2024-01-02T01:04:05.678901+00:00"',
    tags: '["a", "b c", null]',
    doc: '{"a": [1.50], "b": 1}',
    ok: 'true',
    name: '"abc"',
  });
  // missing fields are NULL
  const sparse = decode(msg({ id: 1 })) as Extract<Decoded, { kind: 'append' }>;
  assert.deepEqual(sparse.row.slice(1), [null, null, null, null, null, null, null]);
});

test('bad messages are named and grouped by kind', () => {
  const decode = messageDecoder(D);
  const cases: [ReturnType<typeof msg>, MessageError['kind'], RegExp][] = [
    [msg('not json'), 'not_json', /not JSON/],
    [msg('[1,2]'), 'not_object', /not a JSON object/],
    [msg(null), 'not_object', /no value/],
    [msg({ id: 'x' }), 'bad_value', /column "id" \(bigint\): invalid input syntax for type bigint: "x"/],
    [msg({ auction: 1.5 }), 'bad_value', /column "auction" \(integer\): invalid input syntax for type integer: "1.5"/],
    [msg({ price: 123456789 }), 'bad_value', /column "price" \(numeric\(10,2\)\): numeric field overflow/],
    [msg({ name: 'toolong' }), 'bad_value', /column "name" \(character varying\(5\)\): value too long/],
    [msg({ ts: 1700000000 }), 'bad_value', /column "ts" \(timestamp with time zone\): invalid input syntax/],
    [msg({ auction: [1] }), 'bad_value', /a JSON array for a column of type integer/],
    [msg({ ok: { a: 1 } }), 'bad_value', /a JSON object for a column of type boolean/],
    [msg('{"id": 1, "doc": "\\u0000"}'), 'not_json', /not JSON/],
  ];
  for (const [m, kind, re] of cases) {
    assert.throws(() => decode(m), (e: unknown) => e instanceof MessageError && e.kind === kind && re.test(e.message), `${m.value?.toString()}: ${kind}`);
  }
});

test('upsert: the key identifies the row, a tombstone deletes it', () => {
  const U = decl({ envelope: 'upsert', key: ['id'] });
  const decode = messageDecoder(U);
  const a = decode(msg({ auction: 3, price: '1.5' }, { id: 42 })) as Extract<Decoded, { kind: 'keyed' }>;
  assert.equal(a.changes.length, 1);
  assert.equal(a.changes[0]!.before, undefined, 'what it replaces is whatever the key holds');
  assert.deepEqual(a.changes[0]!.after!.slice(0, 3), [42n, 3, a.changes[0]!.after![2]]);
  // a scalar key for a one-column key, and the key wins over the value's own field
  const b = decode(msg({ id: 1, auction: 4 }, '42')) as Extract<Decoded, { kind: 'keyed' }>;
  assert.equal(b.changes[0]!.key, a.changes[0]!.key);
  assert.equal(b.changes[0]!.after![0], 42n);
  const t = decode(msg(null, { id: 42 })) as Extract<Decoded, { kind: 'keyed' }>;
  assert.deepEqual(t.changes, [{ key: a.changes[0]!.key, before: undefined, after: null }]);
  assert.throws(() => decode(msg({ auction: 1 })), (e: unknown) => e instanceof MessageError && e.kind === 'missing_key');
  assert.throws(() => decode(msg({ auction: 1 }, { other: 1 })), (e: unknown) => e instanceof MessageError && e.kind === 'missing_key');
  assert.throws(() => decode(msg({ auction: 1 }, 'abc')), (e: unknown) => e instanceof MessageError && e.kind === 'bad_value');
});

test('debezium: c/r/u/d with and without the schema/payload wrapper', () => {
  const K = decl({ envelope: 'debezium', key: ['id'] });
  const decode = messageDecoder(K);
  const ev = (op: string, before: unknown, after: unknown) => ({ before, after, op, ts_ms: 1 });
  const c = decode(msg(ev('c', null, { id: 1, auction: 2 }))) as Extract<Decoded, { kind: 'keyed' }>;
  const wrapped = decode(msg({ schema: { type: 'struct' }, payload: ev('r', null, { id: 1, auction: 2 }) })) as Extract<Decoded, { kind: 'keyed' }>;
  assert.deepEqual(wrapped, c);
  assert.equal(c.changes[0]!.after![1], 2);
  const u = decode(msg(ev('u', { id: 1, auction: 2 }, { id: 1, auction: 5 }))) as Extract<Decoded, { kind: 'keyed' }>;
  assert.deepEqual(u.changes.map((x) => [x.key, x.after?.[1] ?? null]), [[c.changes[0]!.key, 5]]);
  const moved = decode(msg(ev('u', { id: 1 }, { id: 2, auction: 5 }))) as Extract<Decoded, { kind: 'keyed' }>;
  assert.equal(moved.changes.length, 2, 'a key change deletes the old key and fills the new one');
  assert.equal(moved.changes[0]!.after, null);
  const del = decode(msg(ev('d', { id: 1, auction: 5 }, null))) as Extract<Decoded, { kind: 'keyed' }>;
  assert.equal(del.changes[0]!.after, null);
  assert.deepEqual(decode(msg(null)), { kind: 'skip' }, 'the tombstone after a delete');
  // without a declared key, before must come with the event
  const N = messageDecoder(decl({ envelope: 'debezium' }));
  const nu = N(msg(ev('u', { id: 1, auction: 2 }, { id: 1, auction: 5 }))) as Extract<Decoded, { kind: 'keyed' }>;
  assert.equal(nu.changes[0]!.before![1], 2);
  const bad: [unknown, RegExp][] = [
    [{ before: null, after: { id: 1 } }, /without "op"/],
    [ev('x', null, { id: 1 }), /unknown op "x"/],
    [ev('c', null, null), /"c" event without "after"/],
    [ev('t', null, null), /truncate event/],
  ];
  for (const [v, re] of bad) assert.throws(() => decode(msg(v)), (e: unknown) => e instanceof MessageError && e.kind === 'bad_envelope' && re.test(e.message));
  assert.throws(() => N(msg(ev('d', null, null))), /"d" event without "before" \(declare "key"/);
  assert.throws(() => N(msg(ev('u', null, { id: 1 }))), /"u" event without "before"/);
});

test('the one-scan reading of flat messages agrees with the full jsonb parser, and steps aside when in doubt', () => {
  const full = (text: string) => {
    const n = parseJsonb(canonicalJson(text));
    return n !== null && typeof n === 'object' && 'obj' in n ? new Map(n.obj) : null;
  };
  const agree = [
    '{}',
    ' { "a" : 1 , "b":"x" } ',
    '{"a":-12.50,"b":true,"c":false,"d":null,"e":"ünï","f":[1,{"g":2}],"h":{"z":1,"a":[]}}',
    '{"a":1,"a":2}',
    '{"n":9007199254740993,"m":0.000001,"z":0}',
  ];
  for (const t of agree) assert.deepEqual(flatFields(t), full(t), t);
  // escapes, exponents, negative zero, non-objects and malformed text all go to the full parser
  for (const t of ['{"a":"x\\ny"}', '{"a":1e3}', '{"a":-0}', '[1]', '"s"', '{"a":1,}', '{"a":01}', '{"a":1} x', '{"a":tru}', '{"a":nullx}', '{"a" 1}', '{"a":1.}', '{"a":"unterminated}'])
    assert.equal(flatFields(t), null, t);
});
