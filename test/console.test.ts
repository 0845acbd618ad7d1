/**
 * The web console in a real browser: Debian's chromium, headless, driven by
 * playwright-core, against a real server. It lists the views, creates one
 * from the editor, points at a bad statement's line and column, shows a row
 * inserted into PostgreSQL within a second without a reload, filters, pages
 * and lists the sources. Each page's screenshot is written to
 * test-results/console/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createView, http, startHarness, type Harness } from './harness/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/console';

let h: Harness;
let browser: Browser;
let page: Page;
const url = (path: string) => `${h.server.url}${path}`;
const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness();
  await h.db.query('CREATE TABLE orders (id int PRIMARY KEY, region text, total numeric(20,2), note jsonb)');
  await h.db.query(`INSERT INTO orders SELECT g, CASE WHEN g % 3 = 0 THEN 'EU' ELSE 'US' END, g * 1.25, CASE WHEN g % 50 = 0 THEN '{"vip":true}'::jsonb END FROM generate_series(1, 250) g`);
  await createView(h.server.url, 'CREATE MATERIALIZED VIEW all_orders AS SELECT id, region, total, note FROM orders');
  await createView(h.server.url, 'CREATE MATERIALIZED VIEW by_region AS SELECT region, count(*) AS n, sum(total) AS total FROM orders GROUP BY region');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => assert.fail(`the console threw: ${err.message}`));
});
after(async () => {
  await browser?.close();
  await h?.stop();
});

describe('console', () => {
  test('/console/ lists the views with status and row counts', async () => {
    const res = await page.goto(url('/console/'));
    assert.equal(res?.status(), 200);
    const row = page.locator('tr[data-view="all_orders"]');
    await row.waitFor({ timeout: 10_000 });
    assert.equal((await row.locator('.status').textContent())?.trim(), 'running');
    assert.equal((await row.locator('td.rows').textContent())?.trim(), '250');
    assert.equal((await page.locator('tr[data-view="by_region"] td.rows').textContent())?.trim(), '2');
    // the change-rate and lag charts are drawn
    assert.ok((await row.locator('svg.spark').count()) >= 2);
    await shot('views');
  });

  test('the editor creates a view, which appears in the list', async () => {
    await page.goto(url('/console/'));
    await page.fill('#sql', "CREATE MATERIALIZED VIEW eu_orders AS\nSELECT id, total FROM orders WHERE region = 'EU'");
    await page.click('#create');
    await page.locator('#sql-result .ok').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#sql-result').textContent()) ?? '', /Created eu_orders/);
    await page.locator('tr[data-view="eu_orders"]').waitFor({ timeout: 10_000 });
    const v = await http(h.server.url, 'GET', '/v1/views/eu_orders');
    assert.equal(v.status, 200);
    await shot('created');
  });

  test('a backfilling view shows its progress, then runs', async () => {
    await h.db.query('CREATE TABLE big (id int PRIMARY KEY, v int)');
    await h.db.query('INSERT INTO big SELECT g, g % 7 FROM generate_series(1, 400000) g');
    await h.db.query('ANALYZE big');
    await page.goto(url('/console/'));
    await page.locator('tr[data-view="all_orders"]').waitFor({ timeout: 10_000 });
    const created = await http(h.server.url, 'POST', '/v1/views', { sql: 'CREATE MATERIALIZED VIEW big_v AS SELECT id, v FROM big' });
    assert.equal(created.status, 201, created.text);
    const bar = page.locator('tr[data-view="big_v"] .backfill progress');
    await bar.waitFor({ timeout: 5000 });
    const max = Number(await bar.getAttribute('max'));
    assert.ok(Math.abs(max - 400000) < 40000, `the bar runs to the estimated row count (${max})`);
    assert.match((await page.locator('tr[data-view="big_v"] .backfill').textContent()) ?? '', /\d+ \/ ~\d+ rows/);
    await shot('backfilling');
    await page.locator('tr[data-view="big_v"] .status.running').waitFor({ timeout: 60_000 });
    assert.equal((await page.locator('tr[data-view="big_v"] td.rows').textContent())?.trim(), '400000');
    await http(h.server.url, 'DELETE', '/v1/views/big_v');
  });

  test('a bad statement shows its error at the line and column the server names', async () => {
    await page.goto(url('/console/'));
    const bad = 'CREATE MATERIALIZED VIEW broken AS\nSELECT id, FROM orders';
    await page.fill('#sql', bad);
    await page.click('#create');
    await page.locator('#sql-error-at').waitFor({ timeout: 10_000 });
    const server = await http(h.server.url, 'POST', '/v1/views', { sql: bad });
    const m = /line (\d+), column (\d+)/.exec(server.json<{ error: { message: string } }>().error.message);
    assert.ok(m, server.text);
    assert.match((await page.locator('#sql-result .error').textContent()) ?? '', new RegExp(`line ${m[1]}, column ${m[2]}`));
    const marker = (await page.locator('#sql-error-at').textContent()) ?? '';
    const [text, caret] = marker.split('\n');
    assert.equal(text, bad.split('\n')[Number(m[1]) - 1]);
    assert.equal(caret!.indexOf('^'), Number(m[2]) - 1, 'the caret sits under the column');
    // the editor's selection is moved there too
    const sel = await page.$eval('#sql', (el) => (el as HTMLTextAreaElement).selectionStart);
    assert.equal(sel, bad.split('\n').slice(0, Number(m[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(m[2]) - 1);
    await shot('sql-error');
  });

  test('a live view shows a row inserted into PostgreSQL within a second, without a reload', async () => {
    await page.goto(url('/console/?view=all_orders'));
    await page.locator('#live tr[data-key]').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#live tbody tr').count(), 100, 'the first page holds 100 rows');
    assert.match((await page.locator('#live-info').textContent()) ?? '', /^250 rows/);
    // exact values: numeric keeps its scale, jsonb is shown as JSON, NULL is marked
    const first = page.locator('#live tbody tr').first();
    assert.deepEqual(await first.locator('td').allTextContents(), ['1', 'US', '1.25', 'NULL']);
    await page.evaluate(() => ((window as unknown as { loaded: string }).loaded = 'same page'));

    type Status = { views: Record<string, { commits: number; changes: number; subscribers: number }>; replication: { lag_bytes: number } | null };
    const before = (await http(h.server.url, 'GET', '/v1/status')).json<Status>();
    assert.equal(before.views.all_orders!.subscribers, 1, 'the console is subscribed');
    assert.ok(before.replication !== null && before.replication.lag_bytes >= 0);

    const started = Date.now();
    await h.db.query("INSERT INTO orders VALUES (0, 'EU', 12345678901234.5, '[1,2]')");
    const inserted = page.locator('#live tr[data-key]', { hasText: '12345678901234.50' });
    await inserted.waitFor({ timeout: 1000 });
    const ms = Date.now() - started;
    assert.ok(ms < 1000, `shown after ${ms} ms`);
    assert.equal(await inserted.getAttribute('class'), 'changed', 'the new row is highlighted');
    assert.deepEqual(await inserted.locator('td').allTextContents(), ['0', 'EU', '12345678901234.50', '[1,2]']);
    assert.equal(await page.evaluate(() => (window as unknown as { loaded?: string }).loaded), 'same page', 'no reload');
    await shot('live-view');
    const afterInsert = (await http(h.server.url, 'GET', '/v1/status')).json<Status>();
    assert.equal(afterInsert.views.all_orders!.commits, before.views.all_orders!.commits + 1, 'GET /v1/status counts the commit the console drew');
    assert.equal(afterInsert.views.all_orders!.changes, before.views.all_orders!.changes + 1);

    // an update in place, a delete removes the row
    await h.db.query("UPDATE orders SET region = 'APAC' WHERE id = 1");
    await page.locator('#live tbody tr', { hasText: 'APAC' }).waitFor({ timeout: 2000 });
    await h.db.query('DELETE FROM orders WHERE id = 0');
    await inserted.waitFor({ state: 'detached', timeout: 2000 });

    // pages
    await page.click('.pager button:has-text("Next")');
    assert.match((await page.locator('.pager').textContent()) ?? '', /page 2 of 3/);
    assert.equal(await page.locator('#live tbody tr').count(), 100);
  });

  test('the where box narrows the live table to matching rows', async () => {
    await page.goto(url('/console/?view=all_orders'));
    await page.locator('#live tr[data-key]').first().waitFor({ timeout: 10_000 });
    await page.fill('#where', "region = 'EU' AND total > 300");
    await page.click('form.filter button');
    await page.waitForFunction(() => /^\d+ rows matching/.test(document.getElementById('live-info')?.textContent ?? ''), null, { timeout: 10_000 });
    const expected = (await h.db.query("SELECT count(*)::int AS n FROM orders WHERE region = 'EU' AND total > 300")).rows[0].n as number;
    assert.match((await page.locator('#live-info').textContent()) ?? '', new RegExp(`^${expected} rows matching`));
    assert.match(page.url(), /where=/, 'the filter is in the address, so the link can be shared');
    await h.db.query("INSERT INTO orders VALUES (1000, 'EU', 999, NULL), (1001, 'US', 999, NULL)");
    await page.locator('#live tr[data-key]', { hasText: '999.00' }).waitFor({ timeout: 2000 });
    assert.match((await page.locator('#live-info').textContent()) ?? '', new RegExp(`^${expected + 1} rows matching`));
    await shot('filtered');
  });

  test('the sources page lists the tables', async () => {
    await page.goto(url('/console/?page=sources'));
    await page.locator('tr[data-source="orders"]').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('tr[data-source="orders"]').textContent()) ?? '', /postgres.*public\.orders/);
    await shot('sources');
  });

  test('an unknown view says so', async () => {
    await page.goto(url('/console/?view=nope'));
    await page.locator('#view-head .error').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#view-head .error').textContent()) ?? '', /not_found/);
  });

  test('with DELTAVIEW_TOKEN, the console asks for the token and then works', async () => {
    await h.restart(false, 'console-secret');
    await page.goto(url('/console/'));
    await page.locator('#token-form').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await page.locator('#views .error').textContent()) ?? '', /unauthorized/);
    await shot('token');
    await page.fill('#token', 'console-secret');
    await page.click('#token-form button');
    await page.locator('tr[data-view="all_orders"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#token-form').isVisible(), false);
    // the live table subscribes with the token too
    await page.goto(url('/console/?view=by_region'));
    await page.locator('#live tr[data-key]').first().waitFor({ timeout: 10_000 });
    await page.evaluate(() => localStorage.clear());
  });
});
