/**
 * Live end to end: the web host serving the built renderer in Chromium, a real single-node KRaft broker, and
 * `replay` (the service `funnelscope replay` runs) publishing the generated sample into a topic. The user
 * connects from the Live view; the tap's folder opens as the dataset; the Live view's numbers and the
 * Overview's numbers grow with each replayed part, to exactly the events replayed (counted independently
 * from the sample's Parquet files with native DuckDB); the injected iOS Safari checkout incident shows up in
 * today's comparison; Disconnect stops the tap. Screenshots in test-results/screenshots/live-*.png, each
 * state also in the dark scheme (live-*-dark.png) with its rendered colours checked (scheme-check.ts).
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from '../integration/kafka-broker.js';
import { ensureTopic, replay } from '../../electron/services/live/replay.js';
import { defaultSampleDir } from '../../electron/services/sample.js';

const skip = chromiumMissing() ?? kafkaSkipReason();
if (skip) console.warn(`[e2e live] skipped: ${skip}`);

let app: AppFixture;
let broker: KafkaBroker;
let sampleDir: string;

/** views and purchases in the sample files with start ≤ timestamp < end (epoch ms) */
async function countIn(startMs: number, endMs: number): Promise<{ views: number; purchases: number }> {
  const db = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const con = await db.connect();
  try {
    const glob = path.join(sampleDir, '**', '*.parquet').replace(/'/g, "''");
    const r = await con.runAndReadAll(
      `SELECT count(*) FILTER (WHERE event = 'view')::INTEGER AS v, count(*) FILTER (WHERE event = 'transaction')::INTEGER AS p ` +
        `FROM read_parquet('${glob}') WHERE timestamp >= ${startMs} AND timestamp < ${endMs}`,
    );
    const row = r.getRowObjects()[0];
    return { views: Number(row.v), purchases: Number(row.p) };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** the Live view in the light scheme, then in the dark one with its colours checked, then back to light */
async function lightAndDark(page: Page, name: string, charts: number, fullPage = false): Promise<void> {
  await shot(page, name, fullPage);
  expectDark(await darkShot(page, 'live', name, fullPage), charts);
  await setScheme(page, 'light');
}

const kpi = async (page: Page, id: string) =>
  parseNumber(await page.getByTestId(id).locator('.kpi-value').innerText());

describe.skipIf(!!skip)('Live view with a real broker', () => {
  beforeAll(async () => {
    [app, broker] = await Promise.all([startApp({ events: 2_500_000, days: 56 }), startKafkaBroker()]);
    sampleDir = defaultSampleDir(app.userData);
    await ensureTopic([broker.bootstrap], 'clicks', 3);
  });
  afterAll(async () => {
    await app?.close();
    await broker?.destroy();
  });

  it('connects, shows the tap, compares today with the same weekdays, and feeds the other views', async () => {
    const { page, errors } = await newAppPage(app);
    const incident = app.truth.incident!;
    expect(incident.segment).toEqual({ device: 'mobile', os: 'ios', browser: 'safari' });
    // part 1: everything up to 18:00 of the incident's third day; part 2: until 22:00 of that day
    const start = Date.parse(`${app.truth.startDate}T00:00:00Z`);
    const today = addDays(incident.start, 2);
    const cut1 = Date.parse(`${today}T18:00:00Z`);
    const cut2 = Date.parse(`${today}T22:00:00Z`);

    await page.getByTestId('nav-live').click();
    await page.getByTestId('live-connect').waitFor();
    await page.getByText('Not connected').waitFor();
    await lightAndDark(page, 'live-not-connected', 0);
    // a broker that is not there: a specific message, and the form stays usable
    await page.getByTestId('live-brokers').fill('127.0.0.1:1');
    await page.getByTestId('live-topic').fill('clicks');
    await page.getByTestId('live-connect-button').click();
    await expect
      .poll(() => page.getByTestId('live-connect-error').innerText(), { timeout: 30_000 })
      .toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
    await lightAndDark(page, 'live-connect-error', 0);

    await page.getByTestId('live-brokers').fill(broker.bootstrap);
    await page.getByTestId('live-connect-button').click();
    await expect
      .poll(() => page.getByTestId('live-state').innerText(), { timeout: 30_000 })
      .toBe('connected');
    expect(await page.getByTestId('live-partitions').locator('tbody tr').count()).toBe(3);

    // part 1 into the topic: the live folder opens as the dataset, today's comparison appears
    const r1 = await replay({
      folder: sampleDir,
      brokers: [broker.bootstrap],
      topic: 'clicks',
      to: new Date(cut1).toISOString(),
    });
    const part1 = await countIn(start, cut1);
    expect(r1.sent).toBeGreaterThan(part1.views);
    await expect
      .poll(() => page.getByTestId('live-today').locator('.hint').innerText(), { timeout: 120_000 })
      .toMatch(new RegExp(`${today} up to 17:\\d\\d \\(latest event\\) vs the 4 previous`));
    // the status counts every replayed event (the KPI's title holds the exact number)
    await expect
      .poll(async () => parseNumber((await page.getByTestId('live-events').getAttribute('title')) ?? '0'), {
        timeout: 60_000,
      })
      .toBe(r1.sent);
    const segments = page.getByTestId('live-segments');
    await segments.waitFor();
    expect(await segments.locator('tbody tr[data-level="0"]').count()).toBe(1);
    expect(await segments.locator('tbody tr[data-level="1"]').count()).toBeGreaterThanOrEqual(6);
    await lightAndDark(page, 'live-part1', 3, true);
    // the incident: the iOS Safari combination is flagged against the same weekdays
    const flagged = await segments
      .locator('tbody tr[data-level="2"], tbody tr[data-level="3"]')
      .allInnerTexts();
    expect(flagged.some((t) => /iOS|ios/i.test(t) && /Safari/i.test(t))).toBe(true);

    // the Overview shows exactly the events replayed so far
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('kpis').waitFor({ timeout: 60_000 });
    await expect.poll(() => kpi(page, 'kpi-views'), { timeout: 60_000 }).toBe(part1.views);
    expect(await kpi(page, 'kpi-purchases')).toBe(part1.purchases);
    await shot(page, 'live-overview-part1');

    // part 2: the Overview grows while it is on screen (no reopen), to exactly the events replayed
    const viewsTodayBefore = await (async () => {
      await page.getByTestId('nav-live').click();
      await page.getByTestId('live-views-today').waitFor();
      return kpi(page, 'live-views-today');
    })();
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('kpis').waitFor();
    const r2 = await replay({
      folder: sampleDir,
      brokers: [broker.bootstrap],
      topic: 'clicks',
      from: new Date(cut1).toISOString(),
      to: new Date(cut2).toISOString(),
    });
    const both = await countIn(start, cut2);
    expect(r2.sent).toBeGreaterThan(0);
    await expect.poll(() => kpi(page, 'kpi-views'), { timeout: 60_000 }).toBe(both.views);
    expect(await kpi(page, 'kpi-purchases')).toBe(both.purchases);
    await shot(page, 'live-overview-part2');

    // the Live view moved on to 21:xx and today's views grew by exactly the views replayed today after 18:00
    await page.getByTestId('nav-live').click();
    await expect
      .poll(() => page.getByTestId('live-today').locator('.hint').innerText(), { timeout: 60_000 })
      .toMatch(new RegExp(`${today} up to 21:\\d\\d`));
    const added = await countIn(cut1, cut2);
    await expect
      .poll(() => kpi(page, 'live-views-today'), { timeout: 30_000 })
      .toBe(viewsTodayBefore + added.views);
    await shot(page, 'live-part2', true);

    await page.getByTestId('live-disconnect-button').click();
    await expect.poll(() => page.getByTestId('live-state').innerText(), { timeout: 30_000 }).toBe('stopped');
    // the tap merged its small batch files (at the latest on stop) and the view says so: one file per partition
    const merged = /([\d,]+) merged into ([\d,]+) larger files/.exec(
      await page.getByTestId('live-compaction').innerText(),
    );
    expect(merged).not.toBeNull();
    expect(Number(merged![1].replace(/,/g, ''))).toBeGreaterThan(Number(merged![2].replace(/,/g, '')));
    await lightAndDark(page, 'live-disconnected', 1);
    // the only failed request is the refused connect to 127.0.0.1:1 (the host answers it with HTTP 400)
    expect(errors.filter((e) => /status of 400/.test(e))).toHaveLength(1);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
