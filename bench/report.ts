/**
 * The benchmarks' report, rendered only from the results files (bench/results/<scenario>.json):
 * bench/RESULTS.md (every figure), the README's benchmark tables between the
 * `<!-- bench-report:begin -->` and `<!-- bench-report:end -->` markers (aims, comparisons,
 * plots), and one SVG plot per cost-growth series (bench/plots/<series>.svg). Nothing in those
 * is typed by hand: `npm run bench -- report` re-renders them from the files, and
 * test/bench-report.test.ts fails when the README or a plot differs from what the files say.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';

/** Flat figures of one scenario: name → number or text. */
export type Figures = Record<string, number | string>;

/** One line of a comparison table: a deltaview figure beside its reference, measured in the same run. */
export interface Comparison {
  readonly scenario: string;
  readonly deltaview: string;
  readonly reference: string;
  readonly ratio: string;
}

/** A target of the performance issue: a ratio (or value) measured in the run, and whether it holds. */
export interface Aim {
  readonly what: string;
  /** The measured ratio or value. */
  readonly value: number;
  /** How value reads: 'x' for a ratio, or a unit ('ms', 'MB'). */
  readonly unit: string;
  /** What the value is measured against, with its figure from the same run. */
  readonly reference: string;
  readonly op: '>=' | '<=';
  readonly target: number;
}

/** How one cost grows as one parameter varies (the others fixed): a plot in the README. */
export interface Series {
  /** File name of the plot (bench/plots/<id>.svg). */
  readonly id: string;
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly points: readonly (readonly [number, number])[];
  /** Why the curve has its shape (the shape itself is read off the points). */
  readonly why: string;
}

/** One results file. */
export interface ResultsFile {
  readonly scenario: string;
  readonly what: string;
  readonly command: string;
  readonly date: string;
  readonly machine: string;
  readonly versions: Record<string, string>;
  readonly parameters: Figures;
  readonly figures: Figures;
  readonly comparisons: readonly Comparison[];
  readonly aims: readonly Aim[];
  readonly series: readonly Series[];
}

const BENCH = new URL('./', import.meta.url);
export const RESULTS_DIR = new URL('./results/', BENCH);
export const PLOTS_DIR = new URL('./plots/', BENCH);
const RESULTS_MD = new URL('./RESULTS.md', BENCH);
export const README = new URL('../README.md', BENCH);
export const BEGIN = '<!-- bench-report:begin -->';
export const END = '<!-- bench-report:end -->';
/** The order scenarios appear in. */
const ORDER = ['base', 'joins', 'kafka', 'fanout', 'growth', 'faults'];

/** Every results file, in report order. */
export function readResults(): ResultsFile[] {
  if (!existsSync(RESULTS_DIR)) return [];
  const files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'));
  const all = files.map((f) => JSON.parse(readFileSync(new URL(f, RESULTS_DIR), 'utf8')) as ResultsFile);
  const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
  return all.sort((a, b) => rank(a.scenario) - rank(b.scenario) || a.scenario.localeCompare(b.scenario));
}

export const met = (a: Aim): boolean => (a.op === '>=' ? a.value >= a.target : a.value <= a.target);

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const num = (x: number) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3))));
const shown = (x: number, unit: string) => (unit === 'x' ? `${num(x)}×` : `${num(x)} ${unit}`);

/**
 * The shape of a curve at scale, on log-log axes, from its last step (the first points of a cost
 * often sit on a fixed floor): flat when the cost moves by less than a fifth of the parameter's
 * factor in log terms, linear near slope 1, else sub- or super-linear; with the whole range's factors.
 */
export function shape(points: readonly (readonly [number, number])[], x: string): string {
  if (points.some(([px, py]) => px <= 0 || py <= 0)) return 'not plottable on log axes';
  const [x0, y0] = points[0]!;
  const [xa, ya] = points[points.length - 2] ?? points[0]!;
  const [x1, y1] = points[points.length - 1]!;
  const slope = Math.log(y1 / ya) / Math.log(x1 / xa);
  const f = `over the range ${num(x1 / x0)}× the ${x} cost ${num(y1 / y0)}×; over the last step ${num(x1 / xa)}×, ${num(y1 / ya)}×`;
  if (Math.abs(slope) < 0.2) return `flat at scale (${f})`;
  if (slope < 0) return `falling at scale (${f})`;
  if (slope < 0.8) return `sub-linear at scale (${f})`;
  if (slope <= 1.2) return `linear at scale (${f})`;
  return `worse than linear at scale (${f})`;
}

function aimsTable(files: readonly ResultsFile[]): string[] {
  const rows = files.flatMap((f) => f.aims.map((a) => ({ f, a })));
  if (rows.length === 0) return [];
  return [
    '| aim | measured | reference, same run | target | holds | scenario |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ f, a }) => `| ${cell(a.what)} | ${shown(a.value, a.unit)} | ${cell(a.reference)} | ${a.op === '>=' ? '≥' : '≤'} ${shown(a.target, a.unit)} | ${met(a) ? 'yes' : '**no**'} | ${f.scenario} |`),
  ];
}

function comparisonsTable(f: ResultsFile): string[] {
  if (f.comparisons.length === 0) return [];
  return [
    '| scenario | deltaview | reference, same run | ratio |',
    '| --- | --- | --- | --- |',
    ...f.comparisons.map((c) => `| ${cell(c.scenario)} | ${cell(c.deltaview)} | ${cell(c.reference)} | ${cell(c.ratio)} |`),
  ];
}

const heading = (f: ResultsFile) => `**${f.what}** (\`${f.command}\`, ${f.date.slice(0, 10)}; ${f.machine})`;

/** The README's generated part (between the markers, exclusive). */
export function readmeSection(files: readonly ResultsFile[]): string {
  const out: string[] = ['', '### Aims', '', ...aimsTable(files), ''];
  for (const f of files) {
    if (f.comparisons.length === 0) continue;
    out.push(heading(f), '', ...comparisonsTable(f), '');
  }
  const series = files.flatMap((f) => f.series);
  if (series.length > 0) {
    out.push('### How cost grows', '');
    for (const s of series) {
      out.push(`![${s.title}](bench/plots/${s.id}.svg)`, '', `*${s.title}*: ${shape(s.points, s.x)}. ${s.why}`, '');
    }
  }
  return out.join('\n');
}

/** bench/RESULTS.md: every file with all its figures. */
function resultsMd(files: readonly ResultsFile[]): string {
  const out = ['# Benchmark results (npm run bench)', '', 'Rendered from bench/results/*.json by bench/report.ts.', '', '## Aims', '', ...aimsTable(files), ''];
  for (const f of files) {
    out.push(`## ${f.scenario}: ${f.what}`, '', `\`${f.command}\` → bench/results/${f.scenario}.json, ${f.date}; ${f.machine}`, '');
    out.push(`Versions: ${Object.entries(f.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
    out.push(`Parameters: ${Object.entries(f.parameters).map(([k, v]) => `${k} = ${v}`).join(', ')}.`, '');
    out.push(...comparisonsTable(f), '');
    for (const s of f.series) out.push(`${s.title} (${s.x} → ${s.y}): ${s.points.map(([x, y]) => `${num(x)} → ${num(y)}`).join(', ')}`, '');
    out.push('| figure | value |', '| --- | --- |', ...Object.entries(f.figures).map(([k, v]) => `| ${k} | ${cell(v)} |`), '');
  }
  return `${out.join('\n')}\n`;
}

/** A small line plot of one series on log-log axes (SVG text, deterministic). */
export function plot(s: Series): string {
  const W = 420;
  const H = 240;
  const L = 72;
  const R = 16;
  const T = 28;
  const B = 44;
  const xs = s.points.map((p) => Math.log10(p[0]));
  const ys = s.points.map((p) => Math.log10(Math.max(p[1], 1e-9)));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))];
  if (y1 === y0) y1 = y0 + 1;
  if (y1 - y0 < 2) y0 = y1 - 2;
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12" font-weight="bold">${esc(s.title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${f(py(e))}" y2="${f(py(e))}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${f(py(e) + 4)}" text-anchor="end">${esc(num(10 ** e))}</text>`);
  }
  s.points.forEach(([x], i) => parts.push(`<text x="${f(px(xs[i]!))}" y="${H - B + 16}" text-anchor="middle">${esc(num(x))}</text>`));
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(s.x)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(s.y)}</text>`);
  parts.push(`<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${xs.map((x, i) => `${f(px(x))},${f(py(ys[i]!))}`).join(' ')}"/>`);
  s.points.forEach(([, y], i) => {
    parts.push(`<circle cx="${f(px(xs[i]!))}" cy="${f(py(ys[i]!))}" r="3.5" fill="#2563eb"/>`);
    parts.push(`<text x="${f(px(xs[i]!))}" y="${f(py(ys[i]!) - 8)}" text-anchor="middle">${esc(num(y))}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The README with its generated part replaced. */
export function withSection(readme: string, section: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} part`);
  return `${readme.slice(0, a + BEGIN.length)}\n${section}\n${readme.slice(b)}`;
}

/** Re-renders RESULTS.md, the README's generated part and the plots from the results files. */
export async function renderReport(): Promise<void> {
  const files = readResults();
  await writeFile(RESULTS_MD, resultsMd(files));
  await writeFile(README, withSection(readFileSync(README, 'utf8'), readmeSection(files)));
  await mkdir(PLOTS_DIR, { recursive: true });
  for (const s of files.flatMap((f) => f.series)) await writeFile(new URL(`${s.id}.svg`, PLOTS_DIR), plot(s));
}
