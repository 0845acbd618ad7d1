/**
 * The benchmark report is rendered from the results files, never typed by hand: the README's
 * tables and plots, bench/RESULTS.md's source, equal what bench/report.ts renders from
 * bench/results/*.json (`npm run bench -- report` re-renders them), every default scenario has
 * a results file with the machine, versions and parameters it was measured with, and every
 * aim is a number beside a target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BEGIN, END, plot, PLOTS_DIR, readmeSection, readResults, README, shape, withSection } from '../bench/report.ts';

const DEFAULT_SCENARIOS = ['base', 'joins', 'kafka', 'fanout', 'growth'];

test('every default scenario has a results file with machine, versions, parameters and figures', () => {
  const files = readResults();
  for (const name of DEFAULT_SCENARIOS) {
    const f = files.find((x) => x.scenario === name);
    assert.ok(f, `bench/results/${name}.json exists`);
    assert.match(f.machine, /\d+ cores/, `${name}: machine`);
    for (const v of ['node', 'postgresql', 'redis', 'deltaview']) assert.ok(f.versions[v], `${name}: version of ${v}`);
    assert.ok(Object.keys(f.parameters).length > 0, `${name}: parameters`);
    assert.ok(Object.keys(f.figures).length > 0, `${name}: figures`);
    assert.ok(!Number.isNaN(Date.parse(f.date)), `${name}: date`);
    for (const a of f.aims) {
      assert.ok(Number.isFinite(a.value) && Number.isFinite(a.target), `${name}: aim "${a.what}" is a number beside a target`);
      assert.ok(a.op === '>=' || a.op === '<=', `${name}: aim "${a.what}" has a direction`);
    }
  }
  const growth = files.find((x) => x.scenario === 'growth')!;
  for (const id of ['views', 'backfill-time', 'backfill-memory', 'join-fanout', 'subscribers']) {
    const s = growth.series.find((x) => x.id === id);
    assert.ok(s && s.points.length === 3, `growth series ${id} has its three points`);
  }
});

test('the README tables and plots are what the results files render', () => {
  const readme = readFileSync(README, 'utf8');
  const files = readResults();
  assert.ok(readme.includes(BEGIN) && readme.includes(END), 'the README has the generated part');
  assert.equal(readme, withSection(readme, readmeSection(files)), 'README.md matches bench/results/ (npm run bench -- report re-renders it)');
  for (const s of files.flatMap((f) => f.series)) {
    assert.equal(readFileSync(new URL(`${s.id}.svg`, PLOTS_DIR), 'utf8'), plot(s), `bench/plots/${s.id}.svg matches its series`);
    assert.ok(readme.includes(`bench/plots/${s.id}.svg`), `the README shows the plot of ${s.id}`);
  }
  for (const a of files.flatMap((f) => f.aims)) assert.ok(readme.includes(a.what), `the README lists the aim "${a.what}"`);
});

test("a curve's shape is read off its points, at scale", () => {
  assert.match(shape([[1, 5], [10, 5.2], [100, 5.5]], 'views'), /^flat at scale \(over the range 100× the views cost 1\.1×; over the last step 10×, 1\.06×\)$/);
  assert.match(shape([[1, 1], [10, 10], [100, 95]], 'rows'), /^linear at scale/);
  assert.match(shape([[1, 1], [10, 3], [100, 10]], 'rows'), /^sub-linear at scale/);
  assert.match(shape([[1, 1], [10, 30], [100, 2000]], 'rows'), /^worse than linear at scale/);
  assert.match(shape([[1, 2], [10, 2.1], [100, 20]], 'rows'), /^linear at scale/, 'a floor at the start does not hide the growth');
});
