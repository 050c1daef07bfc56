/**
 * The mapping editor end to end (built renderer, local web host, Chromium) on a folder in a layout no known
 * layout matches (test/integration/mapping-fixture.ts: ts_ms, customer, action pv/atc/buy/rfc/ping, sku,
 * amount, ua_device, country_code, sess, meta; plus a corrupt file): opening it fails with the host's message
 * AND the editor lists the folder's real source columns (types, file counts) with suggested picks; a picked
 * column of the wrong type is flagged with the dataset service's own message; the event column's values come
 * with their row counts and suggested types; applying opens the folder, and the Overview and Funnel numbers
 * equal an independent native DuckDB query of the files. Screenshots (light and dark) of the failed-open state
 * and of the editor go to /tmp/shots-mapping/.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeUnknownLayoutFixture } from '../integration/mapping-fixture.js';
import { chromiumMissing, newAppPage, parseNumber, shot, startApp, type AppFixture } from './app-helpers.js';

const missing = chromiumMissing();
if (missing) console.warn(`mapping e2e skipped: ${missing}`);

const SHOTS = '/tmp/shots-mapping';
const COLUMNS = ['ts_ms', 'customer', 'action', 'sku', 'amount', 'ua_device', 'country_code', 'sess', 'meta'];

async function save(page: Page, name: string): Promise<void> {
  const file = await shot(page, `mapping-${name}`, true);
  await mkdir(SHOTS, { recursive: true });
  await copyFile(file, path.join(SHOTS, `${name}.png`));
}

type Debug = { __funnelscope: { store: { getState(): Record<string, unknown> } } };
const state = <T>(page: Page, pick: (s: Record<string, unknown>) => T) =>
  page.evaluate((src) => {
    const fn = new Function('s', `return (${src})(s)`) as (s: unknown) => unknown;
    return fn((globalThis as unknown as Debug).__funnelscope.store.getState());
  }, pick.toString()) as Promise<T>;

async function query<T = Record<string, unknown>>(con: DuckDBConnection, sql: string): Promise<T[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/** what the failed open shows: the host's message and the editor over the folder's columns */
async function openUnknown(page: Page, dir: string): Promise<void> {
  await page.getByTestId('nav-data').click();
  await page.getByTestId('folder-input').fill(dir);
  await page.getByTestId('open-folder').click();
  await page.getByTestId('open-error').waitFor({ timeout: 60_000 });
  await page.getByTestId('mapping-editor').waitFor({ timeout: 30_000 });
}

describe.skipIf(missing !== null)('mapping editor in Chromium (web host)', () => {
  let app: AppFixture;
  let page: Page;
  let errors: string[];
  let db: DuckDBInstance;
  let con: DuckDBConnection;
  let dir: string;
  let src: string;

  beforeAll(async () => {
    app = await startApp({ events: 60_000, days: 30 });
    dir = await writeUnknownLayoutFixture(path.join(app.tmp, 'shop-export'), 40_000, 42);
    ({ page, errors } = await newAppPage(app, 'light'));
    db = await DuckDBInstance.create(':memory:', {
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    con = await db.connect();
    const files = ['part-a.parquet', path.join('sub', 'part-b.parquet')].map(
      (f) => `'${path.join(dir, f).replace(/'/g, "''")}'`,
    );
    src = `read_parquet([${files.join(', ')}], union_by_name = true)`;
  }, 300_000);

  afterAll(async () => {
    con?.closeSync();
    db?.closeSync();
    await app?.close();
  });

  it('a folder no layout matches: the error and the editor over its real source columns', async () => {
    await openUnknown(page, dir);
    const err = page.getByTestId('open-error');
    expect(await err.locator('.alert-title').innerText()).toBe('The folder could not be opened');
    // the service's message, one line per file
    const lines = await err.locator('li').allInnerTexts();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^broken\.parquet — corrupt or unreadable Parquet: /);
    expect(lines[1]).toMatch(/^part-a\.parquet — incompatible schema: no known layout/);
    expect(lines[2]).toMatch(/^sub\/part-b\.parquet — incompatible schema: no known layout/);
    // the command-line "how to go on" is left out: the editor below is the way on here
    for (const l of lines) expect(l).not.toMatch(/--mapping|Data view/);
    // every source column with its type and file count, in the files' order
    const table = page.getByTestId('source-columns');
    const rows = table.locator('tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-column')))).toEqual(COLUMNS);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)),
    );
    expect(cells[0]).toEqual(['ts_ms', 'BIGINT', '2']);
    expect(cells[3]).toEqual(['sku', 'INTEGER | BIGINT', '2']);
    expect(cells[6]).toEqual(['country_code', 'VARCHAR', '1 / 2']);
    expect(cells[8]).toEqual(['meta', 'NESTED', '2']);
    expect(await page.getByTestId('source-summary').innerText()).toMatch(
      /9 source columns in 2 of 3 files · 40,000 rows · broken\.parquet cannot be read/,
    );
    // the suggested picks (by name, of types the dataset service accepts)
    const picked = async (key: string) => page.getByTestId(`map-field-${key}`).inputValue();
    expect(await picked('ts')).toBe('ts_ms');
    expect(await picked('visitor_id')).toBe('customer');
    expect(await picked('event_type')).toBe('action');
    expect(await picked('session_id')).toBe('sess');
    expect(await picked('item_id')).toBe('sku');
    expect(await picked('price')).toBe('amount');
    expect(await picked('transaction_id')).toBe('');
    // the select offers every column with its type
    const options = await page
      .getByTestId('map-field-ts')
      .locator('option')
      .evaluateAll((os) => os.map((o) => o.textContent));
    expect(options).toContain('ts_ms · bigint');
    expect(options).toContain('country_code · varchar · 1/2 files');
    expect(options).toContain('customer · varchar — used as visitor');
    // the event values with their row counts (as the mapping compares them) and suggested types
    const truth = await query<{ v: string; n: bigint }>(
      con,
      `SELECT lower(trim(action)) AS v, count(*) AS n FROM ${src} GROUP BY 1 ORDER BY n DESC`,
    );
    const values = page.getByTestId('map-event-values');
    await values.locator('[data-value=ping]').waitFor({ timeout: 30_000 });
    for (const t of truth) {
      const row = values.locator(`[data-value="${t.v}"]`);
      expect(parseNumber(await row.locator('.small').innerText())).toBe(Number(t.n));
    }
    expect(await page.getByTestId('map-event-pv').inputValue()).toBe('view');
    expect(await page.getByTestId('map-event-atc').inputValue()).toBe('cart');
    expect(await page.getByTestId('map-event-buy').inputValue()).toBe('purchase');
    expect(await page.getByTestId('map-event-ping').inputValue()).toBe('');
    await save(page, 'failed-open-light');
  });

  it('a picked column whose type cannot work: the dataset service’s message, and no apply', async () => {
    await page.getByTestId('map-field-price').selectOption('ua_device');
    await expect
      .poll(() => page.getByTestId('map-field-price-notes').innerText())
      .toMatch(/column "ua_device" \(price\) is VARCHAR; a number is expected/);
    expect(await page.getByTestId('apply-mapping').isDisabled()).toBe(true);
    await page.getByTestId('map-blocked').waitFor();
    await page.getByTestId('map-field-event_type').selectOption('meta');
    await expect
      .poll(() => page.getByTestId('map-field-event_type-notes').innerText())
      .toMatch(/column "meta" \(event type\) is NESTED/);
    await page.getByTestId('map-field-event_type').selectOption('action');
    await page.getByTestId('map-field-price').selectOption('amount');
    await expect.poll(() => page.getByTestId('apply-mapping').isDisabled()).toBe(false);
  });

  it('pick columns and event values, apply: the folder opens and the numbers are the files’', async () => {
    for (const [key, column] of [
      ['ts', 'ts_ms'],
      ['visitor_id', 'customer'],
      ['event_type', 'action'],
      ['session_id', 'sess'],
      ['item_id', 'sku'],
      ['price', 'amount'],
    ])
      await page.getByTestId(`map-field-${key}`).selectOption(column);
    await page.getByTestId('map-time-format').selectOption('epoch_ms');
    await page.getByTestId('map-event-values').locator('[data-value=rfc]').waitFor();
    await page.getByTestId('map-event-rfc').selectOption('remove_from_cart');
    await page.getByTestId('map-event-ping').selectOption('');
    // device is suggested from ua_device; country_code (in one file only) is not, and warns when added
    const dims = page.getByTestId('map-dimensions');
    const dimNames = () =>
      dims.locator('input').evaluateAll((is) => is.map((i) => (i as unknown as { value: string }).value));
    expect(await dimNames()).toEqual(['device']);
    expect(await page.getByTestId('map-dim-column-0').inputValue()).toBe('ua_device');
    await page.getByTestId('map-add-dimension').selectOption('country_code');
    expect(await dimNames()).toEqual(['device', 'country_code']);
    await page.getByTestId('map-dim-name-1').fill('country');
    expect(await dims.innerText()).toMatch(
      /Only 1 of 2 files have "country_code"; the others will be skipped/,
    );
    await page.getByRole('button', { name: 'Remove country' }).click();
    expect(await dimNames()).toEqual(['device']);
    // a reserved dimension name is refused before applying
    await page.getByTestId('map-dim-name-0').fill('price');
    expect(await dims.innerText()).toMatch(/"price" is reserved/);
    expect(await page.getByTestId('apply-mapping').isDisabled()).toBe(true);
    await page.getByTestId('map-dim-name-0').fill('device');
    await save(page, 'editor-light');
    await page.getByTestId('apply-mapping').click();
    await expect
      .poll(() => state(page, (s) => (s.dataset as { status: string }).status), { timeout: 120_000 })
      .toBe('ready');
    const profile = await state(
      page,
      (s) =>
        (s.dataset as { opened: { profile: { layout: string; mapping: Record<string, unknown> } } }).opened
          .profile,
    );
    expect(profile.layout).toBe('custom');
    expect(profile.mapping).toMatchObject({
      ts: 'ts_ms',
      timeFormat: 'epoch_ms',
      visitor_id: 'customer',
      event_type: 'action',
      session_id: 'sess',
      item_id: 'sku',
      price: 'amount',
      eventValues: { pv: 'view', atc: 'cart', buy: 'purchase', rfc: 'remove_from_cart' },
      dimensions: { device: 'ua_device' },
    });
    // the corrupt file is named; the Data view stays on screen with the warning
    expect(await page.getByTestId('skipped-files').innerText()).toMatch(/broken\.parquet/);

    const [t] = await query<{ views: number; carts: number; purchases: number; revenue: number }>(
      con,
      `SELECT count(*) FILTER (WHERE lower(trim(action)) = 'pv')::INTEGER AS views,
              count(*) FILTER (WHERE lower(trim(action)) = 'atc')::INTEGER AS carts,
              count(*) FILTER (WHERE lower(trim(action)) = 'buy')::INTEGER AS purchases,
              sum(amount) FILTER (WHERE lower(trim(action)) = 'buy') AS revenue FROM ${src}`,
    );
    await page.keyboard.press('2');
    await page.getByTestId('kpis').waitFor();
    const kpi = (id: string) => page.getByTestId(id).locator('.kpi-value').innerText().then(parseNumber);
    await expect.poll(() => kpi('kpi-views'), { timeout: 30_000 }).toBe(t.views);
    expect(await kpi('kpi-carts')).toBe(t.carts);
    expect(await kpi('kpi-purchases')).toBe(t.purchases);
    expect(await kpi('kpi-revenue')).toBe(Math.round(t.revenue));

    // the funnel comparison: means per day over the incident and baseline the app chose
    const cmp = await state(
      page,
      (s) =>
        s.comparison as { incident: { from: string; to: string }; baseline: { from: string; to: string } },
    );
    const mean = async (p: { from: string; to: string }) => {
      const [r] = await query<{ views: number; carts: number; purchases: number; days: number }>(
        con,
        `WITH e AS (SELECT CAST(epoch_ms(ts_ms) AS DATE) AS d, lower(trim(action)) AS a FROM ${src}
                    WHERE lower(trim(action)) IN ('pv', 'atc', 'buy', 'rfc'))
         SELECT count(*) FILTER (WHERE a = 'pv')::INTEGER AS views, count(*) FILTER (WHERE a = 'atc')::INTEGER AS carts,
                count(*) FILTER (WHERE a = 'buy')::INTEGER AS purchases, count(DISTINCT d)::INTEGER AS days
         FROM e WHERE d BETWEEN DATE '${p.from}' AND DATE '${p.to}'`,
      );
      const m = (n: number) => n / r.days;
      return [m(r.views), m(r.carts), m(r.purchases)];
    };
    const shown = (x: number) => (Math.abs(x) < 100 ? Math.round(x * 10) / 10 : Math.round(x));
    const [bv, bc, bp] = await mean(cmp.baseline);
    const [iv, ic, ip] = await mean(cmp.incident);
    await page.keyboard.press('3');
    const card = page.getByTestId('funnel-all-card');
    await card.waitFor({ timeout: 30_000 });
    const vals = () =>
      card.locator('.funnel-steps .val').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    await expect.poll(async () => (await vals()).length).toBe(6);
    expect((await vals()).map(parseNumber)).toEqual([bv, iv, bc, ic, bp, ip].map(shown));
    expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });

  it('the open dataset’s editor starts from its mapping, over the same source columns', async () => {
    await page.getByTestId('nav-data').click();
    await page.getByTestId('edit-mapping').click();
    const editor = page.getByTestId('mapping-card').getByTestId('mapping-editor');
    await editor.waitFor({ timeout: 30_000 });
    expect(await editor.getByTestId('map-field-ts').inputValue()).toBe('ts_ms');
    expect(await editor.getByTestId('map-time-format').inputValue()).toBe('epoch_ms');
    expect(await editor.getByTestId('map-field-transaction_id').inputValue()).toBe('');
    await editor.locator('[data-value=ping]').waitFor({ timeout: 30_000 });
    expect(await editor.getByTestId('map-event-rfc').inputValue()).toBe('remove_from_cart');
    expect(await editor.getByTestId('map-event-ping').inputValue()).toBe('');
    // nothing is marked suggested: every field comes from the mapping in use
    expect(await editor.getByText('suggested', { exact: true }).count()).toBe(0);
    // the editor takes the whole row (the card sits next to Data quality)
    const [card, main] = await Promise.all([
      page.getByTestId('mapping-card').boundingBox(),
      page.getByTestId('profile-kpis').boundingBox(),
    ]);
    expect(card!.width).toBeGreaterThan(main!.width * 0.95);
    await save(page, 'editor-opened-light');
  });

  it('dark theme: the failed open and the editor', async () => {
    const dir2 = await writeUnknownLayoutFixture(path.join(app.tmp, 'shop-export-2'), 5_000, 14);
    const dark = await newAppPage(app, 'dark');
    await openUnknown(dark.page, dir2);
    await dark.page.getByTestId('map-event-values').locator('[data-value=pv]').waitFor({ timeout: 30_000 });
    await save(dark.page, 'failed-open-dark');
    await dark.page.getByTestId('map-field-price').selectOption('ua_device');
    await dark.page.getByTestId('map-field-price-notes').waitFor();
    await save(dark.page, 'editor-dark');
    expect(dark.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    await dark.page.context().close();
  });
});
