/**
 * The Business view end to end (built renderer, local web host, Chromium): on the generated sample (Retail
 * Rocket layout: no brand, category or price) the brand tabs hide themselves with a "needs column" note and
 * sessions, products, customers and hot leads show; on a cosmetics-layout fixture every tab shows. Every
 * tab is clicked, its numbers are checked against an independent native DuckDB query of the Parquet files,
 * the hot-leads CSV is downloaded and its rows checked, and each tab is written to
 * test-results/screenshots/business-<dataset>-<tab>.png and, in the dark scheme with its colours checked,
 * business-<dataset>-<tab>-dark.png.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSampleDir } from '../../electron/services/sample.js';
import { writeCosmeticsFixture } from '../unit/business-fixture.js';
import {
  addDays,
  chromiumMissing,
  newAppPage,
  parseNumber,
  shot,
  startApp,
  type AppFixture,
} from './app-helpers.js';
import { darkShot, expectDark, setScheme } from './scheme-check.js';

const missing = chromiumMissing();
if (missing) console.warn(`business e2e skipped: ${missing}`);

const TAB_TESTID: Record<string, string> = {
  brands: 'biz-groups',
  categories: 'biz-groups',
  priceBands: 'biz-groups',
  anomalies: 'biz-anomalies',
  sessions: 'biz-sessions',
  products: 'biz-products',
  customers: 'biz-customers',
  hotLeads: 'biz-leads',
};

/**
 * The tab in the light scheme (test-results/screenshots/business-<dataset>-<tab>.png), then in the dark one
 * (…-dark.png) with its rendered colours checked (dark cards, light text, dark tooltips, no white chart
 * background; at least `charts` chart canvases), then back to light.
 */
async function shots(page: Page, tab: string, dataset: string, charts: number): Promise<void> {
  const name = `business-${dataset}-${tab}`;
  await shot(page, name, true);
  expectDark(await darkShot(page, TAB_TESTID[tab], name, true), charts);
  await setScheme(page, 'light');
}

async function openTab(page: Page, tab: string): Promise<void> {
  await page.getByTestId(`biz-tab-${tab}`).click();
  await expect.poll(() => page.getByTestId('business').getAttribute('data-tab')).toBe(tab);
  await page.locator(`[data-testid=${TAB_TESTID[tab]}][data-loading=false]`).waitFor({ timeout: 120_000 });
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function query<T = Record<string, unknown>>(con: DuckDBConnection, sql: string): Promise<T[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/** CSV rows (no quoted fields in these files: ids, numbers, ISO times) */
function csvRows(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

async function downloadLeads(page: Page): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('biz-leads-csv').click()]);
  const file = await dl.path();
  expect(dl.suggestedFilename()).toMatch(/^funnelscope-hot-leads-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  return readFile(file!, 'utf8');
}

describe.skipIf(missing !== null)('Business view in Chromium (web host)', () => {
  let app: AppFixture;
  let page: Page;
  let errors: string[];
  let db: DuckDBInstance;
  let con: DuckDBConnection;

  beforeAll(async () => {
    app = await startApp({ events: 400_000, days: 60 });
    ({ page, errors } = await newAppPage(app, 'light'));
    db = await DuckDBInstance.create(':memory:', {
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    con = await db.connect();
    await con.run(`SET TimeZone = 'UTC'`);
  }, 300_000);

  afterAll(async () => {
    con?.closeSync();
    db?.closeSync();
    await app?.close();
  });

  it('sample (no brand, category, price): brand tabs hidden with their column; the others match DuckDB', async () => {
    await page.getByTestId('nav-data').click();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('kpis').waitFor({ timeout: 120_000 });
    await page.keyboard.press('7');
    await page.getByTestId('biz-tabs').waitFor({ timeout: 120_000 });
    const hidden = await page.getByTestId('biz-hidden').innerText();
    expect(hidden).toMatch(/Brands needs column brand/);
    expect(hidden).toMatch(/Categories needs column category/);
    expect(hidden).toMatch(/Price bands needs column price/);
    expect(hidden).toMatch(/Hourly anomalies needs column brand/);
    const tabs = await page.getByTestId('biz-tabs').getByRole('tab').allInnerTexts();
    expect(tabs).toEqual(['Sessions', 'Products', 'Customers', 'Hot leads']);

    const files = lit(path.join(defaultSampleDir(app.userData), '**', '*.parquet'));
    const src = `(SELECT DISTINCT * FROM read_parquet(${files}))`;

    // sessions: 30 minutes of inactivity per visitor starts a new one (the sample has no session id)
    await openTab(page, 'sessions');
    const [sess] = await query<{ n: number }>(
      con,
      `SELECT count(*)::INTEGER AS n FROM (SELECT "timestamp" AS t, lag("timestamp") OVER (PARTITION BY visitorid ORDER BY "timestamp") AS p FROM ${src}) WHERE p IS NULL OR t - p > 30 * 60 * 1000`,
    );
    expect(parseNumber(await page.getByTestId('biz-kpi-sessions').locator('.kpi-value').innerText())).toBe(
      sess.n,
    );
    expect(await page.getByTestId('biz-session-funnel').innerText()).toMatch(/derived/);
    await shots(page, 'sessions', 'sample', 1);

    // products: ranked by views (no price); the first row is the most viewed item
    await openTab(page, 'products');
    const [top] = await query<{ item: string; views: number }>(
      con,
      `SELECT CAST(itemid AS VARCHAR) AS item, count(*)::INTEGER AS views FROM ${src} WHERE event = 'view' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    const firstRow = page.getByTestId('biz-leaderboard').locator('tbody tr').first();
    expect(await firstRow.locator('td').nth(2).innerText()).toBe(top.views.toLocaleString('en-US'));
    // the comparison after opening: the last 14 days vs the 8 weeks before → the changed-most table exists
    expect(await page.getByTestId('biz-changed').innerText()).toMatch(
      /\d{4} → \d+ \w+ – \d+ \w+ \d{4} · ≥ 100 views in both/,
    );
    await shots(page, 'products', 'sample', 0);

    // customers: every buyer is scored
    await openTab(page, 'customers');
    const [buyers] = await query<{ n: number }>(
      con,
      `SELECT count(DISTINCT visitorid)::INTEGER AS n FROM ${src} WHERE event = 'transaction'`,
    );
    const tierCounts = await page.getByTestId('biz-tiers').locator('.kpi-value').allInnerTexts();
    expect(tierCounts.map(parseNumber).reduce((a, b) => a + b, 0)).toBe(buyers.n);
    await shots(page, 'customers', 'sample', 2);

    // hot leads: visitors with a cart in the last 7 days of the data and no purchase there
    await openTab(page, 'hotLeads');
    const [rg] = await query<{ to: string }>(
      con,
      `SELECT strftime(max(make_timestamp("timestamp" * 1000)), '%Y-%m-%d') AS "to" FROM ${src}`,
    );
    const from = addDays(rg.to, -6);
    const win = `make_timestamp("timestamp" * 1000) >= TIMESTAMP '${from}'`;
    const expected = await query<{ v: string }>(
      con,
      `SELECT CAST(visitorid AS VARCHAR) AS v FROM ${src} WHERE ${win} GROUP BY 1 ` +
        `HAVING count(*) FILTER (WHERE event = 'addtocart') > 0 AND count(*) FILTER (WHERE event = 'transaction') = 0`,
    );
    expect(parseNumber(await page.getByTestId('biz-kpi-leads').locator('.kpi-value').innerText())).toBe(
      expected.length,
    );
    const csv = csvRows(await downloadLeads(page));
    expect(csv.length).toBe(expected.length);
    expect(new Set(csv.map((r) => r.visitor_id))).toEqual(new Set(expected.map((r) => r.v)));
    expect(csv.every((r) => r.cart_value === '')).toBe(true); // no price in this layout
    const scores = csv.map((r) => Number(r.score));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores); // ranked
    await shots(page, 'hotLeads', 'sample', 0);
    expect(errors).toEqual([]);
  });

  it('cosmetics fixture: every tab shows, numbers match DuckDB, hot leads CSV', async () => {
    const dir = await writeCosmeticsFixture(path.join(app.tmp, 'cosmetics'));
    const files = lit(path.join(dir, '*.parquet'));
    // exact duplicates are removed by the app (the cube rule), so the independent query does it too
    const src = `(SELECT DISTINCT *, CAST(event_time[1:19] AS TIMESTAMP) AS t FROM read_parquet(${files}))`;
    await page.getByTestId('nav-data').click();
    await page.getByTestId('folder-input').fill(dir);
    await page.getByTestId('open-folder').click();
    await page.getByTestId('kpis').waitFor({ timeout: 120_000 });
    await page.keyboard.press('7');
    await expect
      .poll(async () => (await page.getByTestId('biz-tabs').getByRole('tab').allInnerTexts()).length, {
        timeout: 60_000,
      })
      .toBe(8);
    expect(await page.getByTestId('biz-hidden').count()).toBe(0);

    // brands: the aurora row against DuckDB
    await openTab(page, 'brands');
    const [aurora] = await query<{ views: number; purchases: number; revenue: number }>(
      con,
      `SELECT count(*) FILTER (WHERE event_type = 'view')::INTEGER AS views, ` +
        `count(*) FILTER (WHERE event_type = 'purchase')::INTEGER AS purchases, ` +
        `sum(price) FILTER (WHERE event_type = 'purchase') AS revenue FROM ${src} WHERE brand = 'aurora'`,
    );
    const row = page.getByTestId('biz-group-table').locator('tr[data-value=aurora] td');
    expect(parseNumber(await row.nth(1).innerText())).toBe(aurora.views);
    expect(parseNumber(await row.nth(3).innerText())).toBe(aurora.purchases);
    expect(parseNumber(await row.nth(4).innerText())).toBe(Math.round(aurora.revenue));
    // products without a brand are "unknown"
    expect(await page.getByTestId('biz-group-table').locator('tr[data-value=unknown]').count()).toBe(1);
    const [tot] = await query<{ revenue: number }>(
      con,
      `SELECT sum(price) FILTER (WHERE event_type = 'purchase') AS revenue FROM ${src}`,
    );
    expect(parseNumber(await page.getByTestId('biz-kpi-revenue').locator('.kpi-value').innerText())).toBe(
      Math.round(tot.revenue),
    );
    await shots(page, 'brands', 'cosmetics', 2);

    await openTab(page, 'categories');
    const cats = await query<{ c: string; views: number }>(
      con,
      `SELECT coalesce(split_part(category_code, '.', 1), 'unknown') AS c, count(*) FILTER (WHERE event_type = 'view')::INTEGER AS views FROM ${src} GROUP BY 1`,
    );
    for (const c of cats) {
      const cell = page.getByTestId('biz-group-table').locator(`tr[data-value="${c.c}"] td`).nth(1);
      expect(parseNumber(await cell.innerText())).toBe(c.views);
    }
    await shots(page, 'categories', 'cosmetics', 2);

    await openTab(page, 'priceBands');
    const bands = await query<{ b: string; views: number }>(
      con,
      `SELECT CASE WHEN price < 10 THEN '<10' WHEN price < 30 THEN '10-30' WHEN price < 60 THEN '30-60' ELSE '60+' END AS b, ` +
        `count(*) FILTER (WHERE event_type = 'view')::INTEGER AS views FROM ${src} GROUP BY 1`,
    );
    const bandRows = await page.getByTestId('biz-group-table').locator('tbody tr').count();
    expect(bandRows).toBe(bands.length);
    for (const b of bands) {
      const cell = page.getByTestId('biz-group-table').locator(`tr[data-value="${b.b}"] td`).nth(1);
      expect(parseNumber(await cell.innerText())).toBe(b.views);
    }
    await shots(page, 'priceBands', 'cosmetics', 2);

    // hourly anomalies: the injected aurora outage (no views 09:00–14:59 on 2024-03-20)
    await openTab(page, 'anomalies');
    const inc = page.getByTestId('biz-incidents').locator('tr[data-brand=aurora]').first();
    await inc.waitFor();
    const incText = await inc.innerText();
    expect(incText).toMatch(/Views/);
    expect(incText).toMatch(/drop/);
    expect(incText).toMatch(/20 Mar 2024 09:00/);
    expect(incText).toMatch(/20 Mar 2024 14:00/);
    await inc.click();
    expect(await page.getByTestId('biz-brand').inputValue()).toBe('aurora');
    await shots(page, 'anomalies', 'cosmetics', 1);

    // sessions: (user, user_session) pairs
    await openTab(page, 'sessions');
    const [s] = await query<{ n: number; carted: number }>(
      con,
      `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE c)::INTEGER AS carted FROM ` +
        `(SELECT user_id, user_session, bool_or(event_type IN ('cart', 'purchase')) AS c FROM ${src} GROUP BY 1, 2)`,
    );
    expect(parseNumber(await page.getByTestId('biz-kpi-sessions').locator('.kpi-value').innerText())).toBe(
      s.n,
    );
    expect(parseNumber(await page.getByTestId('biz-step-carted').innerText())).toBe(s.carted);
    expect(await page.getByTestId('biz-session-funnel').innerText()).toMatch(/session id/);
    await shots(page, 'sessions', 'cosmetics', 1);

    // products: first row = highest revenue
    await openTab(page, 'products');
    const [p] = await query<{ item: string; revenue: number }>(
      con,
      `SELECT CAST(product_id AS VARCHAR) AS item, sum(price) AS revenue FROM ${src} WHERE event_type = 'purchase' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    const first = page.getByTestId('biz-leaderboard').locator('tbody tr').first();
    expect(await first.getAttribute('data-item')).toBe(p.item);
    await shots(page, 'products', 'cosmetics', 0);

    await openTab(page, 'customers');
    const [buyers] = await query<{ n: number }>(
      con,
      `SELECT count(DISTINCT user_id)::INTEGER AS n FROM ${src} WHERE event_type = 'purchase'`,
    );
    const tiers = await page.getByTestId('biz-tiers').locator('.kpi-value').allInnerTexts();
    expect(tiers.map(parseNumber).reduce((a, b) => a + b, 0)).toBe(buyers.n);
    await shots(page, 'customers', 'cosmetics', 2);

    await openTab(page, 'hotLeads');
    const leads = await query<{ v: string; value: number }>(
      con,
      `SELECT CAST(user_id AS VARCHAR) AS v, sum(price) FILTER (WHERE event_type = 'cart') AS value FROM ${src} ` +
        `WHERE t >= TIMESTAMP '2024-03-24' GROUP BY 1 ` +
        `HAVING count(*) FILTER (WHERE event_type = 'cart') > 0 AND count(*) FILTER (WHERE event_type = 'purchase') = 0`,
    );
    const csv = csvRows(await downloadLeads(page));
    expect(csv.length).toBe(leads.length);
    const byId = new Map(leads.map((l) => [l.v, l.value]));
    for (const r of csv) expect(Number(r.cart_value)).toBeCloseTo(byId.get(r.visitor_id)!, 6);
    const scores = csv.map((r) => Number(r.score));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(Number(csv[0].score)).toBeGreaterThan(Number(csv[csv.length - 1].score));
    await shots(page, 'hotLeads', 'cosmetics', 0);

    // the period brush: the last 7 days → the brands table shows only those days
    await page.evaluate(() =>
      (
        globalThis as unknown as {
          __funnelscope: { store: { getState(): { setPeriod(p: { from: string; to: string }): void } } };
        }
      ).__funnelscope.store
        .getState()
        .setPeriod({ from: '2024-03-24', to: '2024-03-30' }),
    );
    await openTab(page, 'brands');
    const [week] = await query<{ views: number }>(
      con,
      `SELECT count(*) FILTER (WHERE event_type = 'view')::INTEGER AS views FROM ${src} WHERE brand = 'aurora' AND t >= TIMESTAMP '2024-03-24'`,
    );
    await expect
      .poll(async () =>
        parseNumber(
          await page.getByTestId('biz-group-table').locator('tr[data-value=aurora] td').nth(1).innerText(),
        ),
      )
      .toBe(week.views);
    await shot(page, 'business-cosmetics-brands-week', true);
    expect(errors).toEqual([]);
  });
});
