/**
 * `npm run bench [-- SCENARIO...]`: runs the benchmark scenarios, each in a process of its own,
 * one after another (they share the machine's two cores, so never at once). Without arguments it
 * runs the default set; `npm run bench -- fanout faults` runs just those. Each writes
 * bench/results/<scenario>.json, and the report (bench/RESULTS.md, the README's tables, the plots)
 * is re-rendered from all of them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCENARIOS: Record<string, { file: string; what: string; byDefault: boolean }> = {
  base: { file: 'run.ts', what: 'filter views beside the raw drain, backfill beside its floor, latency', byDefault: true },
  joins: { file: 'joins.ts', what: 'joins and aggregates beside d2ts, REFRESH MATERIALIZED VIEW and the raw drain', byDefault: true },
  kafka: { file: 'kafka.ts', what: 'an append topic through an aggregate beside raw kafkajs', byDefault: true },
  fanout: { file: 'fanout.ts', what: 'subscribers of one view, and 20 views on one table, beside a bare ws server', byDefault: true },
  growth: { file: 'growth.ts', what: 'how cost grows: 1/10/100 views, 100k/1M/10M rows, join fan-out 1/10/100, 1/100/10k subscribers', byDefault: true },
  faults: { file: 'faults.ts', what: 'a 10M-row backfill, kill -9 and Redis loss with 1M-row join state (about 5 min)', byDefault: false },
  'filter-index': { file: 'filter-index.ts', what: '10,000 tenant filters, indexed and not (in process; prints only)', byDefault: false },
  report: { file: 'report-cli.ts', what: 'only re-render bench/RESULTS.md, the README tables and the plots from bench/results/', byDefault: false },
};

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`npm run bench [-- SCENARIO...]\n\n${Object.entries(SCENARIOS).map(([n, s]) => `  ${n.padEnd(13)} ${s.what}${s.byDefault ? '' : ' (not by default)'}`).join('\n')}\n`);
  process.exit(0);
}
const unknown = args.filter((a) => !(a in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.map((u) => `"${u}"`).join(', ')}: the scenarios are ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const run = args.length > 0 ? args : Object.keys(SCENARIOS).filter((n) => SCENARIOS[n]!.byDefault);
const dir = fileURLToPath(new URL('.', import.meta.url));
for (const name of run) {
  process.stdout.write(`\n== bench ${name}: ${SCENARIOS[name]!.what}\n`);
  // the servers the scenarios start in process run with the young generation `npm start` gives them
  const r = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', `${dir}${SCENARIOS[name]!.file}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bench ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}
