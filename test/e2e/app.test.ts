/**
 * The analyst app end to end: the built renderer served by the local web host, driven in Chromium with real
 * mouse and keyboard input. Flows: open the sample → KPIs; brush the last 14 days; root cause ranks
 * mobile × ios × safari first; the calendar shows CRITICAL within 3 days of the injected start (truth.json);
 * a corrupt file is reported by name while the rest loads; screenshots of every view in light and dark.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSampleDir } from '../../electron/services/sample.js';
import {
  REFERENCE_DATA,
  addDays,
  chartPixel,
  chromiumMissing,
  newAppPage,
  parseNumber,
  shot,
  startApp,
  type AppFixture,
} from './app-helpers.js';

const missing = chromiumMissing();
if (missing) console.warn(`app e2e skipped: ${missing}`);

type Debug = { __funnelscope: { store: { getState(): Record<string, unknown> } } };
const state = <T>(page: Page, pick: (s: Record<string, unknown>) => T) =>
  page.evaluate(
    (src) =>
      new Function('s', `return (${src})(s)`)(
        (globalThis as unknown as Debug).__funnelscope.store.getState(),
      ),
    pick.toString(),
  ) as Promise<T>;

describe.skipIf(missing !== null)('analyst app in Chromium (web host)', () => {
  let app: AppFixture;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    app = await startApp();
    ({ page, errors } = await newAppPage(app, 'light'));
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it('opens the sample from the Data view and shows the KPIs', async () => {
    // before any data: every analysis view has an empty state pointing to the Data view
    await page.getByTestId('nav-overview').click();
    await page.getByText('No dataset open yet').waitFor();
    await shot(page, 'overview-empty');
    await page.getByTestId('nav-data').click();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('progress').waitFor(); // progress card with Cancel while the host scans
    await shot(page, 'data-progress');
    await page.getByTestId('kpis').waitFor({ timeout: 120_000 });
    expect(await state(page, (s) => s.view)).toBe('overview');
    const views = parseNumber(await page.getByTestId('kpi-views').locator('.kpi-value').innerText());
    const purchases = parseNumber(await page.getByTestId('kpi-purchases').locator('.kpi-value').innerText());
    // ground truth: the events in the sample's Parquet files, counted independently with native DuckDB
    expect(views).toBe(app.fileCounts.view);
    expect(purchases).toBe(app.fileCounts.transaction);
    expect(await page.getByTestId('kpi-conversion').locator('.kpi-value').innerText()).toMatch(
      /^\d+\.\d+ %$/,
    );
    await shot(page, 'overview-all');
    await page.getByTestId('nav-data').click();
    await page.getByTestId('preview').waitFor();
    expect(await page.getByTestId('preview').locator('tbody tr').count()).toBe(20);
    await expect.poll(() => page.getByTestId('profile-kpis').innerText()).toContain('40'); // files read
    await shot(page, 'data');
    await shot(page, 'data-full', true);
  });

  it('brushes the last 14 days on the daily chart; every view follows', async () => {
    await page.keyboard.press('2');
    await page.locator('[data-chart=overview-daily] canvas').waitFor();
    const range = await state(
      page,
      (s) => (s.dataset as { summary: { range: { from: string; to: string } } }).summary.range,
    );
    const from = addDays(range.to, -13);
    const a = await chartPixel(page, 'overview-daily', { xAxisIndex: 0 }, from);
    const b = await chartPixel(page, 'overview-daily', { xAxisIndex: 0 }, range.to);
    const y = a.y + 0; // vertical middle of the chart box
    await page.mouse.move(a.x - 2, y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, y, { steps: 5 });
    await page.mouse.move(b.x + 2, y, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => state(page, (s) => s.period)).toEqual({ from, to: range.to });
    const cmp = await state(
      page,
      (s) => s.comparison as { incident: unknown; baseline: { from: string; to: string }; source: string },
    );
    expect(cmp.incident).toEqual({ from, to: range.to });
    expect(cmp.baseline).toEqual({ from: addDays(from, -56), to: addDays(from, -1) });
    expect(cmp.source).toBe('brush');
    await expect
      .poll(() => page.getByTestId('period-chip').innerText())
      .toContain(String(Number(range.to.slice(8))));
    // KPIs now compare with the 14 days before
    await expect.poll(() => page.getByTestId('kpi-views').locator('.kpi-delta').innerText()).toMatch(/[▲▼]/);
    await shot(page, 'overview-brushed');
    await shot(page, 'overview-full', true);
  });

  it('root cause ranks mobile × ios × safari first, with its finding and a drill-down', async () => {
    await page.keyboard.press('Control+4');
    const first = page.getByTestId('candidate').first();
    await first.waitFor({ timeout: 30_000 });
    expect(JSON.parse((await first.getAttribute('data-segment'))!)).toEqual({
      device: 'mobile',
      os: 'ios',
      browser: 'safari',
    });
    expect(await page.getByTestId('finding').innerText()).toMatch(/^Mobile × iOS × Safari: purchases −\d+ %/);
    await shot(page, 'rootcause');
    // the σ table: mobile has the most negative deviation among devices; click drills into the next dimension
    const rows = page.getByTestId('rootcause-table').locator('tbody tr');
    await expect.poll(() => rows.first().getAttribute('data-value')).toBe('mobile');
    await rows.first().click();
    await expect.poll(() => page.getByTestId('breadcrumbs').innerText()).toContain('Mobile');
    await expect
      .poll(() => page.getByTestId('rootcause-table').locator('thead th').first().innerText())
      .toMatch(/^(OS|Browser)/);
    await expect.poll(() => state(page, (s) => s.drill)).toEqual({ device: 'mobile' });
    await shot(page, 'rootcause-drill');
  });

  it('funnel comparison shows the tell-tale pattern for the broken segment', async () => {
    await page.keyboard.press('3');
    const seg = page.getByTestId('funnel-segment');
    await seg.locator('select[data-dimension=device]').selectOption('mobile');
    await seg.locator('select[data-dimension=os]').selectOption('ios');
    await seg.locator('select[data-dimension=browser]').selectOption('safari');
    const callout = page.getByTestId('funnel-segment-card').getByTestId('tell-tale');
    await callout.waitFor({ timeout: 30_000 });
    expect(await callout.innerText()).toMatch(/purchases −\d+ %.*broken checkout/);
    await shot(page, 'funnel');
  });

  it('the calendar shows CRITICAL within 3 days of the injected start; a day opens its detail; settings re-run', async () => {
    const inc = app.truth.incident!;
    await page.keyboard.press('Control+5');
    const chips = page.getByTestId('critical-periods').locator('button');
    await chips.first().waitFor({ timeout: 30_000 });
    const periods = await chips.evaluateAll((els) =>
      els.map((e) => ({
        start: e.getAttribute('data-first-critical')!,
        seg: e.getAttribute('data-segment')!,
      })),
    );
    const hit = periods.find((p) => p.seg === 'Mobile × iOS × Safari');
    expect(hit, JSON.stringify(periods)).toBeDefined();
    expect(
      hit!.start >= inc.start && hit!.start <= addDays(inc.start, 3),
      `first CRITICAL ${hit!.start}, injected ${inc.start}`,
    ).toBe(true);
    await shot(page, 'calendar');

    const cell = await chartPixel(page, 'calendar-heatmap', { calendarIndex: 0 }, hit!.start);
    await page.mouse.click(cell.x, cell.y);
    const detail = page.getByTestId('day-detail');
    await expect.poll(() => detail.innerText()).toContain('Critical');
    expect(await detail.locator('tbody tr').count()).toBeGreaterThan(0); // baseline days used
    await shot(page, 'calendar-day');
    await shot(page, 'calendar-full', true);

    const card = page.getByTestId('calendar');
    const before = Number(await card.getAttribute('data-version'));
    await page.getByTestId('setting-sigma').fill('5');
    await expect.poll(async () => Number(await card.getAttribute('data-version'))).toBeGreaterThan(before);
    expect(await state(page, (s) => (s.settings as { sigma: number }).sigma)).toBe(5);
    await page.getByTestId('setting-sigma').fill('3');
    await page.getByTestId('setting-sigma').blur();
  });

  it('scan view: device × os × browser finds mobile × ios × safari critical; heatmap; CSV; what-if; replay; click-through', async () => {
    await page.keyboard.press('6');
    await page.getByTestId('scan-setup').waitFor();
    // back to the default detector settings (the calendar test left σ = 3)
    await page.getByTestId('detector-settings').getByRole('button', { name: 'Robust', exact: true }).click();
    for (const d of ['device', 'os', 'browser'])
      expect(await page.getByTestId(`scan-dim-${d}`).getAttribute('aria-pressed')).toBe('true');
    // the brushed period is the default range; scan the whole range instead
    await page
      .getByTestId('scan-from')
      .fill(
        await state(page, (s) => (s.dataset as { summary: { range: { from: string } } }).summary.range.from),
      );
    await page.getByTestId('scan-run').click();
    const rows = page.getByTestId('scan-table').locator('tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    const critical = await rows.evaluateAll((els) =>
      els
        .filter((e) => Number(e.getAttribute('data-critical')) > 0)
        .map((e) => e.getAttribute('data-segment')),
    );
    expect(critical).toContain('device=mobile,os=ios,browser=safari');
    const result = await state(
      page,
      (s) =>
        (s.scanRun as { result: { result: { segments: { key: string; firstCritical: string | null }[] } } })
          .result.result.segments,
    );
    const safari = result.find((r) => r.key === 'browser=safari,device=mobile,os=ios')!;
    const inc = app.truth.incident!;
    expect(safari.firstCritical! >= inc.start && safari.firstCritical! <= addDays(inc.start, 3)).toBe(true);
    expect(result.length).toBeGreaterThan(20); // singles, pairs, triples, all traffic
    // the heatmap is drawn: ECharts instance with a series of segments × days
    await page.locator('[data-chart=scan-heatmap] canvas').first().waitFor();
    const cells = await page.evaluate(() => {
      const c = (
        globalThis as unknown as {
          __funnelscope: { charts: Map<string, { getOption(): { series: { data: unknown[] }[] } }> };
        }
      ).__funnelscope.charts.get('scan-heatmap')!;
      return c.getOption().series[0].data.length;
    });
    expect(cells).toBeGreaterThan(20 * 100);
    await shot(page, 'scan');
    await shot(page, 'scan-full', true);

    // filter + CSV of the rows shown
    await page.getByTestId('scan-filter').fill('safari');
    await expect.poll(() => rows.count()).toBeLessThan(result.length);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('scan-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^funnelscope-scan-.*\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^device,os,browser,level,days_checked,anomalous_days,critical_periods,/);
    expect(lines.length - 1).toBe(await rows.count());
    const line = lines.find((l) => l.startsWith('mobile,ios,safari,3,'))!;
    expect(line).toBeDefined();
    expect(line).toContain(safari.firstCritical!);
    expect(lines.slice(1).every((l) => l.includes('safari'))).toBe(true);

    // Parquet of the same rows: written by the host (native DuckDB), downloaded through the token-protected link
    await page.getByTestId('scan-parquet').click();
    const link = page.getByTestId('scan-export-link');
    await link.waitFor({ timeout: 60_000 });
    expect(await link.innerText()).toContain(`${await rows.count()} rows`);
    const [pq] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(pq.suggestedFilename()).toMatch(/^funnelscope-scan-.*\.parquet$/);
    const pqFile = (await pq.path())!;
    const bytes = await readFile(pqFile);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');
    const pqDb = await DuckDBInstance.create(':memory:');
    const pqCon = await pqDb.connect();
    try {
      const read = await pqCon.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE device = 'mobile' AND os = 'ios' AND browser = 'safari' AND level = 3)::INTEGER AS safari, max(first_critical) FILTER (WHERE device = 'mobile' AND os = 'ios' AND browser = 'safari' AND level = 3) AS first FROM read_parquet('${pqFile.replace(/'/g, "''")}')`,
      );
      const [n, safariRows, first] = read.getRows()[0]!;
      expect(n).toBe(await rows.count());
      expect(safariRows).toBe(1);
      expect(first).toBe(safari.firstCritical);
    } finally {
      pqCon.closeSync();
      pqDb.closeSync();
    }
    await shot(page, 'scan-parquet-export');
    await page.getByTestId('scan-filter').fill('');

    // what-if: robust 2σ/4 weeks vs robust 3σ/8 weeks (the presets)
    await page.getByTestId('whatif-run').click();
    const wt = page.getByTestId('whatif-table');
    await wt.waitFor({ timeout: 60_000 });
    const wtText = await wt.innerText();
    expect(wtText).toContain('Robust 2σ / 4 wk');
    expect(wtText).toContain('Robust 3σ / 8 wk');
    expect(await wt.locator('tbody tr').count()).toBe(2);
    await page.getByTestId('whatif-only-a').waitFor();

    // replay of the detector's incident: one row per setting with the delay in days
    await page.getByTestId('replay-suggested').click();
    const rt = page.getByTestId('replay-table');
    await rt.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('replay-result').innerText()).toContain('Mobile × iOS × Safari');
    expect(await rt.locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    expect(await rt.innerText()).toMatch(/\d+ days?/);
    await shot(page, 'scan-whatif', true);

    // click through to the calendar
    await page
      .getByTestId('scan-table')
      .locator('tr[data-segment="device=mobile,os=ios,browser=safari"]')
      .click();
    await expect.poll(() => state(page, (s) => s.view)).toBe('calendar');
    expect(await state(page, (s) => s.calendarSegment)).toEqual({
      device: 'mobile',
      os: 'ios',
      browser: 'safari',
    });
    await page.getByTestId('critical-periods').locator('button').first().waitFor({ timeout: 30_000 });
  });

  it('exports the incident report from the calendar: progress, then a PDF download from the web host', async () => {
    await page.keyboard.press('5');
    const box = page.getByTestId('export-report');
    await box.getByRole('button', { name: 'Export Incident Report…' }).click();
    await expect.poll(() => box.getAttribute('data-status'), { timeout: 180_000 }).toMatch(/done|error/);
    const err = await page.getByTestId('export-report-error').count();
    expect(err ? await page.getByTestId('export-report-error').innerText() : '').toBe('');
    const link = page.getByTestId('export-report-link');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await shot(page, 'calendar-exported');
  });

  it('reports a corrupt file by name while the rest of the folder loads', async () => {
    const dir = path.join(app.tmp, 'with-corrupt');
    await mkdir(dir, { recursive: true });
    const src = defaultSampleDir(app.userData);
    for (const f of (await readdir(src)).filter((f) => f.endsWith('.parquet')).slice(0, 12))
      await copyFile(path.join(src, f), path.join(dir, f));
    await writeFile(
      path.join(dir, 'broken-export.parquet'),
      Buffer.from('PAR1 this is not really parquet at all'),
    );
    await page.getByTestId('nav-data').click();
    await page.getByTestId('folder-input').fill(dir);
    await page.getByTestId('open-folder').click();
    const warn = page.getByTestId('skipped-files');
    await warn.waitFor({ timeout: 60_000 });
    const text = await warn.innerText();
    expect(text).toContain('broken-export.parquet');
    expect(text).toMatch(/1 file was skipped; the other 12 loaded/);
    await expect.poll(() => state(page, (s) => (s.dataset as { status: string }).status)).toBe('ready');
    await shot(page, 'data-corrupt-file');
    // the numbers are those of the 12 good files (counted independently), not of the dataset opened before
    const db = await DuckDBInstance.create(':memory:', {
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    const con = await db.connect();
    const good = (await readdir(dir))
      .filter((f) => f.startsWith('events_'))
      .map((f) => `'${path.join(dir, f)}'`);
    const counted = await con.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet([${good.join(', ')}]) WHERE event = 'view'`,
    );
    const expectedViews = Number(counted.getRowObjects()[0].n);
    con.closeSync();
    db.closeSync();
    expect(good).toHaveLength(12);
    expect(expectedViews).toBeLessThan(app.fileCounts.view);
    const kpi = (el: ReturnType<Page['getByTestId']>) =>
      el.locator('.kpi-value').innerText().then(parseNumber);
    await expect
      .poll(() => kpi(page.getByTestId('profile-kpis').locator('.kpi').nth(3) as never))
      .toBe(expectedViews);
    await page.keyboard.press('2');
    await page.getByTestId('kpis').waitFor();
    await expect.poll(() => kpi(page.getByTestId('kpi-views'))).toBe(expectedViews);
  });

  it('edits the column mapping: dropping a dimension re-opens the folder with the new cube', async () => {
    await page.getByTestId('nav-data').click();
    await page.getByTestId('edit-mapping').click();
    await page.getByRole('button', { name: 'Remove browser' }).click();
    await shot(page, 'data-mapping-editor');
    await page.getByTestId('apply-mapping').click();
    await expect
      .poll(
        () =>
          state(
            page,
            (s) =>
              (s.dataset as { status: string; summary: { dimensions: string[] } | null }).summary?.dimensions,
          ),
        { timeout: 60_000 },
      )
      .toEqual(['device', 'os']);
    expect(await state(page, (s) => (s.dataset as { status: string }).status)).toBe('ready');
    expect(
      await state(
        page,
        (s) =>
          (s.dataset as { opened: { profile: { mapping: { dimensions: object } } } }).opened.profile.mapping
            .dimensions,
      ),
    ).toEqual({
      device: 'device',
      os: 'os',
    });
  });

  it('cancels an open in progress and keeps the loaded data', async () => {
    await page.getByTestId('nav-data').click();
    const before = await state(page, (s) => (s.dataset as { summary: { rows: number } }).summary.rows);
    await page.getByTestId('open-sample').click();
    await page.getByTestId('cancel-open').click();
    await expect.poll(() => state(page, (s) => (s.dataset as { status: string }).status)).toBe('ready');
    expect(await state(page, (s) => (s.dataset as { error: string | null }).error)).toBeNull();
    expect(await state(page, (s) => (s.dataset as { summary: { rows: number } }).summary.rows)).toBe(before);
    await expect.poll(() => page.getByTestId('progress').count()).toBe(0);
  });

  it('on the reference Retail Rocket data: the detector’s incident, mobile × ios × safari first, the reference critical periods', async () => {
    expect(
      existsSync(path.join(REFERENCE_DATA, 'retailrocket_contaminated_events.parquet')),
      `reference data missing in ${REFERENCE_DATA}`,
    ).toBe(true);
    await page.getByTestId('nav-data').click();
    await page.getByTestId('folder-input').fill(REFERENCE_DATA);
    await page.getByTestId('open-folder').click();
    await page.getByTestId('kpis').waitFor({ timeout: 120_000 });
    await expect
      .poll(() => state(page, (s) => (s.dataset as { summary: { range: unknown } | null }).summary?.range))
      .toEqual({ from: '2015-05-03', to: '2015-09-18' });

    // root cause on the incident the detector suggests
    await page.keyboard.press('4');
    await page.getByTestId('use-suggestion').click();
    const cmp = await state(
      page,
      (s) => s.comparison as { incident: { from: string; to: string }; source: string },
    );
    expect(cmp.source).toBe('suggested');
    expect(cmp.incident.from >= '2015-09-01' && cmp.incident.from <= '2015-09-07').toBe(true);
    const first = page.getByTestId('candidate').first();
    await expect
      .poll(async () => JSON.parse((await first.getAttribute('data-segment')) ?? '{}'))
      .toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    expect(await page.getByTestId('finding').innerText()).toMatch(/^Mobile × iOS × Safari: purchases −\d+ %/);
    await shot(page, 'reference-rootcause');

    // the seed profile on mobile × ios × safari reproduces the reference notebook's critical periods
    // (expected_static_analysis_5_combos.csv: 2015-09-01 → 09-12 and 09-16 → 09-18)
    await page.keyboard.press('5');
    await page.getByText('Seed (same-weekday median)').click();
    await page.getByTestId('calendar-segment-mode').selectOption('segment');
    const seg = page.getByTestId('calendar-segment');
    await seg.locator('select[data-dimension=device]').selectOption('mobile');
    await seg.locator('select[data-dimension=os]').selectOption('ios');
    await seg.locator('select[data-dimension=browser]').selectOption('safari');
    const chips = page.getByTestId('critical-periods').locator('button');
    const periods = () =>
      chips.evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-start')}→${e.getAttribute('data-end')}`),
      );
    await expect
      .poll(periods, { timeout: 30_000 })
      .toEqual(['2015-09-01→2015-09-12', '2015-09-16→2015-09-18']);
    await shot(page, 'reference-calendar-seed');
  });

  it('shows the host’s specific message when a folder cannot be opened', async () => {
    await page.getByTestId('nav-data').click();
    const nope = path.join(app.tmp, 'no-such-folder');
    await page.getByTestId('folder-input').fill(nope);
    await page.getByTestId('open-folder').click();
    const err = page.getByTestId('open-error');
    await err.waitFor({ timeout: 30_000 });
    expect(await err.innerText()).toContain('no-such-folder');
    await shot(page, 'data-error');
    expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });

  it('renders every view in the dark theme at 1280×800', async () => {
    const dark = await newAppPage(app, 'dark', true); // the host's initial dataset (the sample) opens by itself
    const p = dark.page;
    await p.getByTestId('kpis').waitFor({ timeout: 120_000 });
    const bg = await p.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(bg).toBe('rgb(15, 17, 21)');
    for (const [key, name, ready] of [
      ['2', 'overview', 'kpis'],
      ['3', 'funnel', 'funnel-all-card'],
      ['4', 'rootcause', 'candidate-list'],
      ['5', 'calendar', 'critical-periods'],
      ['1', 'data', 'preview'],
    ] as const) {
      await p.keyboard.press(key);
      await p.getByTestId(ready).waitFor({ timeout: 30_000 });
      await shot(p, `${name}-dark`);
    }
    await p.keyboard.press('6');
    await p.getByTestId('scan-run').click();
    await p.getByTestId('scan-table').locator('tbody tr').first().waitFor({ timeout: 60_000 });
    await p.locator('[data-chart=scan-heatmap] canvas').first().waitFor();
    await shot(p, 'scan-dark');
    await shot(p, 'scan-dark-full', true);
    expect(dark.errors).toEqual([]);
    await p.context().close();
  });
});
