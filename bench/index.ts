/**
 * `npm run bench [-- SCENARIO...]`: runs the benchmark scenarios, each in a process of its own,
 * one after another (they share the machine's two cores, so never at once). Without arguments it
 * runs the default set; `npm run bench -- fanout faults` runs just those. Each writes its results
 * file under bench/ and re-renders bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCENARIOS: Record<string, { file: string; what: string; byDefault: boolean }> = {
  base: { file: 'run.ts', what: 'filter views beside the raw drain, backfill, Redis, latency → results.json', byDefault: true },
  joins: { file: 'joins.ts', what: 'joins and aggregates beside d2ts and REFRESH MATERIALIZED VIEW → results-joins.json', byDefault: true },
  kafka: { file: 'kafka.ts', what: 'an append topic through an aggregate beside raw kafkajs → results-kafka.json', byDefault: true },
  fanout: { file: 'fanout.ts', what: 'subscribers of one view beside a bare ws server → results-fanout.json', byDefault: true },
  faults: { file: 'faults.ts', what: 'a 10M-row backfill, kill -9 and Redis loss with 1M-row join state (about 5 min) → results-faults.json', byDefault: false },
  'filter-index': { file: 'filter-index.ts', what: '10,000 tenant filters, indexed and not (in process; prints only)', byDefault: false },
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
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${SCENARIOS[name]!.file}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bench ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}
