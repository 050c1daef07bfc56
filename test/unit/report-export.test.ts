/**
 * Pure helpers of the report export (electron/host/report-export.ts) used by both transports: the request →
 * buildReport options mapping, the default file name, the page-ready polling used with Electron's
 * executeJavaScript, and the atomic write of the PDF.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../core/contract.js';
import { settingsFor } from '../../core/detector.js';
import {
  pruneOldExports,
  reportBuildOptions,
  reportFileName,
  requestSettings,
  segmentSlug,
  waitForReportPage,
  withPdfExtension,
  writeFileAtomic,
} from '../../electron/host/report-export.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fs-report-export-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('request → buildReport options', () => {
  it('passes segment, periods and dimensions, and fills the detector settings from the profile', () => {
    const req = parseRequest('exportReport', {
      datasetId: 'ds-1',
      segment: { device: 'mobile', os: 'ios' },
      baseline: { from: '2015-07-01', to: '2015-08-31' },
      incident: { from: '2015-09-01', to: '2015-09-14' },
      settings: { profile: 'seed', sigma: 2.5, streak: 2 },
      dimensions: ['device', 'os'],
    });
    expect(reportBuildOptions(req)).toEqual({
      segment: { device: 'mobile', os: 'ios' },
      baseline: { from: '2015-07-01', to: '2015-08-31' },
      incident: { from: '2015-09-01', to: '2015-09-14' },
      settings: settingsFor('seed', { sigma: 2.5, streak: 2 }),
      dimensions: ['device', 'os'],
    });
    // nothing given: the robust defaults, as `funnelscope report` without options
    expect(reportBuildOptions(parseRequest('exportReport', { datasetId: 'ds-1' }))).toEqual({
      settings: settingsFor('robust'),
    });
    expect(requestSettings({ settings: { profile: 'robust', weeks: 8, minViews: 200 } })).toEqual(
      settingsFor('robust', { weeks: 8, minViews: 200 }),
    );
  });
});

describe('default file name', () => {
  it('is funnelscope-incident-<segment>-<incident start>.pdf with a file-system-safe slug', () => {
    const model = (segment: Record<string, string>) => ({
      culprit: { segment, label: '', exact: '', chosenBy: 'explain' as const },
      periods: {
        incident: { from: '2015-09-04', to: '2015-09-17' },
        baseline: { from: '2015-07-10', to: '2015-09-03' },
        data: { from: '2015-05-03', to: '2015-09-18' },
        incidentChosenBy: 'detector' as const,
        baselineChosenBy: 'default' as const,
      },
    });
    expect(reportFileName(model({ device: 'mobile', os: 'ios', browser: 'safari' }))).toBe(
      'funnelscope-incident-mobile-ios-safari-2015-09-04.pdf',
    );
    expect(reportFileName(model({}))).toBe('funnelscope-incident-all-traffic-2015-09-04.pdf');
    expect(segmentSlug({ country: 'DE/AT', browser: 'Chrome Mobile 12.0' })).toBe('de-at-chrome-mobile-12-0');
    expect(segmentSlug({ a: '../../etc' })).toBe('etc');
    expect(segmentSlug({ a: 'x'.repeat(200) }).length).toBe(60);
    expect(withPdfExtension('/home/me/report')).toBe('/home/me/report.pdf');
    expect(withPdfExtension('/home/me/Report.PDF')).toBe('/home/me/Report.PDF');
  });
});

describe('waiting for the report page', () => {
  const expressions = { readyExpression: 'READY', errorExpression: 'ERROR', intervalMs: 5 };

  it('resolves once the page says ready', async () => {
    let polls = 0;
    await waitForReportPage(async (e) => (e === 'READY' ? ++polls >= 3 : null), expressions);
    expect(polls).toBe(3);
  });

  it("fails with the page's own error, and after the timeout", async () => {
    await expect(
      waitForReportPage(
        async (e) => (e === 'ERROR' ? 'unsupported report model version 9' : false),
        expressions,
      ),
    ).rejects.toThrow('the report page failed: unsupported report model version 9');
    await expect(waitForReportPage(async () => false, { ...expressions, timeoutMs: 30 })).rejects.toThrow(
      'the report page did not finish rendering within 0 s',
    );
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await waitForReportPage(async () => false, {
      ...expressions,
      signal: controller.signal,
    }).catch((e: Error) => e);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('writing the PDF', () => {
  it('replaces the target in one step and leaves no temp file', async () => {
    const file = path.join(tmp, 'report.pdf');
    await writeFile(file, 'old');
    await writeFileAtomic(file, Buffer.from('%PDF-1.7 new'));
    expect(await readFile(file, 'utf8')).toBe('%PDF-1.7 new');
    expect(await readdir(tmp)).toEqual(['report.pdf']);
  });

  it('fails without leaving a temp file when the target cannot be replaced', async () => {
    const dir = path.join(tmp, 'is-a-dir.pdf');
    await writeFile(path.join(tmp, 'keep'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(dir, 'child'), { recursive: true }));
    await expect(writeFileAtomic(dir, Buffer.from('x'))).rejects.toThrow();
    expect((await readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prunes only old session folders', async () => {
    const fs = await import('node:fs/promises');
    const root = path.join(tmp, 'user', 'exports');
    await fs.mkdir(path.join(root, 'session-old'), { recursive: true });
    await fs.mkdir(path.join(root, 'session-new'), { recursive: true });
    await fs.mkdir(path.join(root, 'other'), { recursive: true });
    const old = new Date(Date.now() - 9 * 86_400_000);
    await fs.utimes(path.join(root, 'session-old'), old, old);
    await fs.utimes(path.join(root, 'other'), old, old);
    await pruneOldExports(path.join(tmp, 'user'), 7);
    expect((await readdir(root)).sort()).toEqual(['other', 'session-new']);
  });
});
