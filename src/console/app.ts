/**
 * The web console (served at /console/, bundled by src/server/console.ts):
 * the views with their status, rows, lag, backfill progress and a chart of
 * their change rate and lag; a SQL editor that creates views and points at a
 * bad statement's line and column; a live table of one view
 * (`?view=<name>`): a snapshot, then every diff applied in place with the
 * changed rows highlighted, a `where` filter and pages; and the sources with
 * their offsets and errors. Everything goes through the typed client.
 */
import { DeltaviewClient, DeltaviewError, type Row, type ServerStatus, type SourceObject, type Subscription, type ViewObject } from '../client/index.ts';

const TOKEN_KEY = 'deltaview.token';
const POLL_MS = 1000;
const HISTORY = 60;
const PAGE_SIZE = 100;
const FLASH_MS = 2000;

const params = new URLSearchParams(location.search);
if (params.has('token')) {
  // a token in the link is kept for this browser, and taken out of the address bar
  localStorage.setItem(TOKEN_KEY, params.get('token')!);
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.size > 0 ? `?${params}` : ''}`);
}
const storedToken = localStorage.getItem(TOKEN_KEY);
const client = new DeltaviewClient({ url: location.origin, ...(storedToken ? { token: storedToken } : {}) });
const main = document.getElementById('main')!;

// ---------- small DOM helpers ----------

type Child = Node | string | number | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | ((e: Event) => void) | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (typeof v === 'boolean') {
      if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** A value as a table cell shows it: NULL set apart, objects and arrays as JSON. */
function cell(v: unknown): HTMLTableCellElement {
  if (v === null || v === undefined) return h('td', { class: 'null' }, 'NULL');
  if (typeof v === 'object') return h('td', { class: 'json' }, JSON.stringify(v));
  return h('td', typeof v === 'number' || typeof v === 'bigint' ? { class: 'num' } : {}, String(v));
}

/**
 * JSON as the server sends it, with numbers kept exactly: a number JavaScript would round
 * (a bigint beyond 2^53, a numeric with many digits) keeps the text the server wrote.
 */
function parseExact(text: string): unknown {
  type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
  const revive: Reviver = (_k, v, ctx) => (typeof v === 'number' && ctx?.source !== undefined && String(v) !== ctx.source ? ctx.source : v);
  return (JSON.parse as (t: string, r: Reviver) => unknown)(text, revive);
}

/** Orders rows by the view's key columns: numbers by value, NULLs last, the rest as text. */
function compareRows(a: Row, b: Row, key: readonly string[]): number {
  for (const k of key) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const nx = typeof x === 'number' || (typeof x === 'string' && NUMERIC.test(x)) ? Number(x) : NaN;
    const ny = typeof y === 'number' || (typeof y === 'string' && NUMERIC.test(y)) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny) && nx !== ny) return nx - ny;
    const sx = typeof x === 'object' ? JSON.stringify(x) : String(x);
    const sy = typeof y === 'object' ? JSON.stringify(y) : String(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}
const NUMERIC = /^-?\d+(\.\d+)?$/;

function sparkline(values: readonly number[], title: string): SVGSVGElement {
  const w = 120;
  const ht = 24;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(ht));
  svg.setAttribute('class', 'spark');
  const t = document.createElementNS(ns, 'title');
  t.textContent = title;
  svg.append(t);
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${((i / Math.max(1, HISTORY - 1)) * w).toFixed(1)},${(ht - 1 - (v / max) * (ht - 2)).toFixed(1)}`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.append(line);
  return svg;
}

function showError(where: HTMLElement, err: unknown): void {
  where.replaceChildren(h('div', { class: 'error' }, err instanceof DeltaviewError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err)));
}

/** A 401 asks for a token; anything else is shown where it happened. */
function handle(where: HTMLElement, err: unknown): void {
  if (err instanceof DeltaviewError && err.status === 401) {
    const form = document.getElementById('token-form') as HTMLFormElement;
    form.hidden = false;
  }
  showError(where, err);
}

(document.getElementById('token-form') as HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem(TOKEN_KEY, (document.getElementById('token') as HTMLInputElement).value);
  location.reload();
});

// ---------- the views page ----------

interface Sample {
  readonly at: number;
  readonly changes: number;
}

function viewsPage(): void {
  document.getElementById('nav-views')!.classList.add('active');
  const list = h('div', { id: 'views' }, h('p', { class: 'muted' }, 'Loading views…'));
  const lagLine = h('p', { id: 'replication', class: 'muted' });
  main.replaceChildren(h('h1', {}, 'Views'), lagLine, list, editor());
  const history = new Map<string, { samples: Sample[]; rates: number[]; lags: number[] }>();

  const refresh = async () => {
    let views: ViewObject[];
    let status: ServerStatus;
    try {
      [views, status] = await Promise.all([client.views(), client.status()]);
    } catch (err) {
      handle(list, err);
      return;
    }
    const lag = status.replication;
    lagLine.textContent = lag === null ? '' : `PostgreSQL: ${lag.lag_bytes} bytes and ${lag.lag_seconds.toFixed(1)} s behind; the slot retains ${lag.retained_wal_bytes ?? '?'} bytes of WAL`;
    const now = Date.now();
    for (const v of views) {
      const a = status.views[v.name];
      let hist = history.get(v.name);
      if (hist === undefined) history.set(v.name, (hist = { samples: [], rates: [], lags: [] }));
      const prev = hist.samples[hist.samples.length - 1];
      const changes = a?.changes ?? 0;
      if (prev !== undefined) hist.rates.push(Math.max(0, ((changes - prev.changes) * 1000) / Math.max(1, now - prev.at)));
      hist.samples.push({ at: now, changes });
      hist.lags.push(v.status === 'running' && lag !== null ? lag.lag_seconds : 0);
      for (const arr of [hist.samples, hist.rates, hist.lags]) if (arr.length > HISTORY) arr.splice(0, arr.length - HISTORY);
    }
    if (views.length === 0) {
      list.replaceChildren(h('p', { class: 'muted' }, 'No views yet: create one below.'));
      return;
    }
    const body = h('tbody');
    for (const v of views.sort((x, y) => x.name.localeCompare(y.name))) {
      const hist = history.get(v.name)!;
      const rate = hist.rates[hist.rates.length - 1] ?? 0;
      const bf = v.backfill;
      const progress =
        v.status === 'backfilling' && bf !== undefined
          ? h('div', { class: 'backfill' }, h('progress', { max: String(Math.max(1, bf.rows_estimated)), value: String(Math.min(bf.rows_done, Math.max(1, bf.rows_estimated))) }), ` ${bf.rows_done} / ~${bf.rows_estimated} rows`)
          : null;
      const lagText = v.status !== 'running' ? '–' : lag === null ? 'caught up' : `${lag.lag_seconds.toFixed(1)} s`;
      body.append(
        h(
          'tr',
          { 'data-view': v.name },
          h('td', {}, h('a', { href: `/console/?view=${encodeURIComponent(v.name)}` }, v.name)),
          h('td', {}, h('span', { class: `status ${v.status}`, title: v.error ?? '' }, v.status), progress, v.error ? h('div', { class: 'error small' }, v.error) : null),
          h('td', { class: 'num rows' }, v.rows),
          h('td', { class: 'mono' }, v.lsn ?? '–'),
          h('td', { class: 'num' }, lagText),
          h('td', {}, sparkline(hist.rates, `changes per second (now ${rate.toFixed(1)})`), h('span', { class: 'small' }, ` ${rate.toFixed(0)}/s`)),
          h('td', {}, sparkline(hist.lags, 'replication lag in seconds')),
          h('td', {}, h('button', { class: 'danger', onclick: () => void drop(v.name) }, 'Drop')),
        ),
      );
    }
    list.replaceChildren(
      h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...['view', 'status', 'rows', 'lsn', 'lag', 'change rate', 'lag (60 s)', ''].map((c) => h('th', {}, c)))), body),
    );
  };
  const drop = async (name: string) => {
    if (!confirm(`Drop view ${name}?`)) return;
    try {
      await client.deleteView(name);
    } catch (err) {
      handle(list, err);
    }
    void refresh();
  };
  void refresh();
  setInterval(() => void refresh(), POLL_MS);
}

/** The SQL editor: creates a view; a bad statement's error points at its line and column. */
function editor(): HTMLElement {
  const sql = h('textarea', { id: 'sql', rows: '6', spellcheck: false, placeholder: 'CREATE MATERIALIZED VIEW name AS SELECT …' }) as HTMLTextAreaElement;
  const out = h('div', { id: 'sql-result' });
  const create = async () => {
    out.replaceChildren(h('p', { class: 'muted' }, 'Creating…'));
    try {
      const v = await client.createView(sql.value);
      out.replaceChildren(h('p', { class: 'ok' }, 'Created ', h('a', { href: `/console/?view=${encodeURIComponent(v.name)}` }, v.name), ` (${v.status}).`));
      sql.value = '';
    } catch (err) {
      handle(out, err);
      const m = err instanceof DeltaviewError ? /line (\d+), column (\d+)/.exec(err.message) : null;
      if (m !== null) {
        const line = Number(m[1]);
        const column = Number(m[2]);
        const text = sql.value.split('\n')[line - 1] ?? '';
        out.append(h('pre', { id: 'sql-error-at', class: 'error-at' }, `${text}\n${' '.repeat(Math.max(0, column - 1))}^ line ${line}, column ${column}`));
        const offset = sql.value.split('\n').slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
        sql.focus();
        sql.setSelectionRange(offset, offset + 1);
      }
    }
  };
  sql.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void create();
  });
  return h('section', { class: 'editor' }, h('h2', {}, 'New view'), sql, h('div', {}, h('button', { id: 'create', onclick: () => void create() }, 'Create view'), h('span', { class: 'muted small' }, ' Ctrl+Enter')), out);
}

// ---------- one view, live ----------

function viewPage(name: string): void {
  const head = h('div', { id: 'view-head' }, h('p', { class: 'muted' }, 'Loading…'));
  const where = h('input', { id: 'where', placeholder: "where, e.g. region = 'EU' AND total > 100", value: params.get('where') ?? '' }) as HTMLInputElement;
  const filterForm = h('form', { class: 'filter' }, where, h('button', { type: 'submit' }, 'Filter'));
  const info = h('div', { id: 'live-info', class: 'muted' });
  const table = h('div', { id: 'live' });
  const pager = h('div', { class: 'pager' });
  main.replaceChildren(h('h1', {}, h('a', { href: '/console/' }, 'Views'), ' / ', name), head, filterForm, info, table, pager);

  let view: ViewObject | null = null;
  let sub: Subscription | null = null;
  let page = 0;
  const flashed = new Map<string, number>();
  let sorted: string[] | null = null;

  const render = () => {
    if (view === null || sub === null) return;
    const rows = sub.rows;
    sorted ??= [...rows.keys()].sort((a, b) => compareRows(rows.get(a)!, rows.get(b)!, view!.key) || (a < b ? -1 : a > b ? 1 : 0));
    const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
    if (page >= pages) page = pages - 1;
    const now = Date.now();
    const body = h('tbody');
    for (const key of sorted.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)) {
      const r = rows.get(key) as Row;
      const fresh = (flashed.get(key) ?? 0) > now;
      body.append(h('tr', { 'data-key': key, ...(fresh ? { class: 'changed' } : {}) }, ...view.columns.map((c) => cell(r[c.name]))));
    }
    table.replaceChildren(h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...view.columns.map((c) => h('th', { title: c.type }, c.name)))), body));
    info.textContent = `${rows.size} rows${where.value ? ' matching the filter' : ''} · at ${sub.lsn ?? '–'} · token ${sub.token ?? '–'}${sub.reconnects > 0 ? ` · ${sub.reconnects} reconnects` : ''}`;
    pager.replaceChildren(
      h('button', { disabled: page === 0, onclick: () => ((page = Math.max(0, page - 1)), render()) }, '← Prev'),
      h('span', {}, ` page ${page + 1} of ${pages} `),
      h('button', { disabled: page + 1 >= pages, onclick: () => ((page += 1), render()) }, 'Next →'),
    );
  };
  // a burst of diffs renders once per frame
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render();
    });
  };

  const subscribe = () => {
    sub?.close();
    flashed.clear();
    sorted = null;
    page = 0;
    table.replaceChildren(h('p', { class: 'muted' }, 'Subscribing…'));
    let ready = false;
    const s = client.subscribe(name, {
      ...(where.value.trim() ? { where: where.value.trim() } : {}),
      parse: parseExact,
      onChange(changes) {
        if (!ready) return;
        const until = Date.now() + FLASH_MS;
        for (const c of changes) {
          if (c.op === 'delete') flashed.delete(c.key);
          else flashed.set(c.key, until);
          if (c.op !== 'update') sorted = null;
        }
        schedule();
        setTimeout(schedule, FLASH_MS + 50);
      },
      onReady() {
        ready = true;
        sorted = null;
        schedule();
      },
      onError(err) {
        showError(table, err);
      },
    });
    sub = s;
  };

  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const u = new URL(location.href);
    if (where.value.trim()) u.searchParams.set('where', where.value.trim());
    else u.searchParams.delete('where');
    history.replaceState(null, '', u);
    subscribe();
  });

  const refreshHead = async () => {
    try {
      view = await client.view(name);
    } catch (err) {
      handle(head, err);
      return;
    }
    const bf = view.backfill;
    head.replaceChildren(
      h('p', {}, h('span', { class: `status ${view.status}` }, view.status), ` ${view.rows} rows · key (${view.key.join(', ')})`, bf ? ` · backfill ${bf.rows_done} / ~${bf.rows_estimated} rows` : ''),
      ...(view.error ? [h('div', { class: 'error' }, view.error)] : []),
      h('pre', { class: 'sql' }, view.sql),
    );
    if (sub === null) subscribe();
  };
  void refreshHead();
  setInterval(() => void refreshHead(), 2000);
}

// ---------- sources ----------

function sourcesPage(): void {
  document.getElementById('nav-sources')!.classList.add('active');
  const list = h('div', { id: 'sources' }, h('p', { class: 'muted' }, 'Loading sources…'));
  main.replaceChildren(h('h1', {}, 'Sources'), list);
  const refresh = async () => {
    let sources: SourceObject[];
    try {
      sources = await client.sources();
      sources = await Promise.all(sources.map((s) => (s.type === 'kafka' ? client.source(s.name) : Promise.resolve(s))));
    } catch (err) {
      handle(list, err);
      return;
    }
    if (sources.length === 0) {
      list.replaceChildren(h('p', { class: 'muted' }, 'No tables in the publication and no Kafka sources.'));
      return;
    }
    const body = h('tbody');
    for (const s of sources) {
      const offsets = s.offsets ? Object.entries(s.offsets).map(([p, o]) => `${p}: ${o}`).join(', ') : '';
      const high = Array.isArray(s.partitions) ? s.partitions.map((p) => `${p.partition}: ${p.high}`).join(', ') : '';
      const lastErrors = (s.last_errors ?? []).slice(-3).map((e) => h('div', { class: 'error small' }, JSON.stringify(e)));
      body.append(
        h(
          'tr',
          { 'data-source': s.name },
          h('td', {}, s.name),
          h('td', {}, s.type),
          h('td', {}, s.type === 'kafka' ? `${s.topic} (${s.envelope})` : `${s.schema}.${s.table}`),
          h('td', { class: 'mono' }, offsets, high ? h('div', { class: 'muted small' }, `high: ${high}`) : null),
          h('td', { class: 'num' }, s.messages ?? '–'),
          h('td', { class: 'num' }, s.errors ?? '–', ...lastErrors),
          h('td', {}, (s.views ?? []).join(', ')),
        ),
      );
    }
    list.replaceChildren(h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...['source', 'type', 'reads', 'offsets', 'messages', 'errors', 'views'].map((c) => h('th', {}, c)))), body));
  };
  void refresh();
  setInterval(() => void refresh(), 2000);
}

const viewName = params.get('view');
if (viewName !== null) viewPage(viewName);
else if (params.get('page') === 'sources') sourcesPage();
else viewsPage();
