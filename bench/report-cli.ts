/** `npm run bench -- report`: re-renders bench/RESULTS.md, the README's tables and the plots from bench/results/. */
import { renderReport } from './report.ts';

await renderReport();
process.stdout.write('bench/RESULTS.md, the README tables and bench/plots/ re-rendered from bench/results/\n');
