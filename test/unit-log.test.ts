/** The log: JSON lines with levels and the fields a message names; readable lines on a terminal; LOG_LEVEL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { classify, createLog } from '../src/log.ts';

const capture = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
};

test('JSON lines with level, time, message and the view, source and lsn it names', async () => {
  const { lines, stream } = capture();
  const log = createLog({ level: 'info', stream, pretty: false });
  log('view big_orders: backfilling from snapshot at 0/16B3748 (~10 source rows)');
  log('warning: cannot keep the view catalog in the source database (denied)');
  log('kafka source bids: skipped a message at 1:0 (not_json: …)');
  log('view t failed: evaluating the view failed at 0/1A: division by zero');
  await new Promise((r) => setImmediate(r));
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(parsed.map((p) => p.level), ['info', 'warn', 'warn', 'error']);
  assert.equal(parsed[0]!.view, 'big_orders');
  assert.equal(parsed[0]!.lsn, '0/16B3748');
  assert.equal(parsed[2]!.source, 'bids');
  assert.match(parsed[0]!.time!, /^\d{4}-\d\d-\d\dT/);
  assert.match(parsed[0]!.msg!, /backfilling from snapshot/);
});

test('LOG_LEVEL filters; a terminal gets readable lines; a bad level is named', async () => {
  const { lines, stream } = capture();
  const log = createLog({ level: 'warn', stream, pretty: true });
  log('restored 3 view(s); streaming from 0/0');
  log('warning: something to look at in view v');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\S+ WARN  warning: something to look at in view v {2}\(view=v\)$/);
  assert.throws(() => createLog({ level: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
  assert.equal(classify('backfilled 10 rows in 5 ms; running').level, 'info');
});
