import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { realEvents, requireSharedData, runCli } from './cli-helpers.js';

const SAFARI = { device: 'mobile', os: 'ios', browser: 'safari' };

describe('funnelscope CLI on the real Retail Rocket file', () => {
  beforeAll(() => requireSharedData());

  it('profile --json follows the documented contract', async () => {
    const r = await runCli(['profile', realEvents, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(Object.keys(p).sort()).toEqual(['dimensions', 'files', 'layout', 'mapping', 'range', 'rows']);
    expect(p.layout).toBe('retailrocket');
    expect(p.files).toEqual({ read: 1, skipped: [] });
    expect(p.rows.read).toBe(1_999_980);
    expect(p.rows.duplicates).toBeGreaterThanOrEqual(312);
    expect(p.range).toEqual({ from: '2015-05-03', to: '2015-09-18' });
    expect(p.dimensions).toMatchObject({ device: 3, os: 5, browser: 4 });
  });

  it('detect --json: mobile/ios/safari is CRITICAL by 2015-09-06 and --fail-on exits 3', async () => {
    const args = ['detect', realEvents, '--date', '2015-09-06', '--segment', 'device=mobile,os=ios,browser=safari', '-q'];
    const r = await runCli([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    for (const k of ['date', 'segment', 'status', 'alertLevel', 'rate', 'baseline', 'sigma', 'threshold', 'deviationSigma', 'baselineDays', 'views', 'purchases', 'streak'])
      expect(d).toHaveProperty(k);
    expect(d.date).toBe('2015-09-06');
    expect(d.segment).toEqual(SAFARI);
    expect(d.status).toBe('CRITICAL');
    expect(d.alertLevel).toBe('HIGH');
    expect(d.rate).toBeCloseTo(d.purchases / d.views, 12);
    expect(d.baselineDays.every((b: { date: string }) => /^\d{4}-\d{2}-\d{2}$/.test(b.date) && b.date < '2015-09-06')).toBe(true);
    expect(d.streak.length).toBeGreaterThanOrEqual(3);

    const failing = await runCli([...args, '--fail-on', 'critical']);
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('CRITICAL');
    const healthy = await runCli(['detect', realEvents, '--date', '2015-08-20', '--segment', 'device=desktop', '--fail-on', 'anomaly', '-q', '--json']);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(JSON.parse(healthy.stdout).status).toBe('OK');
  });

  it('detect with the seed profile reproduces the reference verdict for a critical day', async () => {
    const r = await runCli(['detect', realEvents, '--date', '2015-09-10', '--segment', 'device=mobile,os=ios,browser=safari', '--profile', 'seed', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.status).toBe('CRITICAL');
    expect(d.baselineDays).toHaveLength(4);
  });

  it('scan --json lists every level and puts the culprit among the critical segments', async () => {
    const r = await runCli(['scan', realEvents, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.settings).toMatchObject({ profile: 'robust', dimensions: ['device', 'os', 'browser'] });
    const levels = new Set(s.segments.map((x: { segment: object }) => Object.keys(x.segment).length));
    expect([...levels].sort()).toEqual([0, 1, 2, 3]);
    const culprit = s.segments.find((x: { segment: object }) => JSON.stringify(x.segment) === JSON.stringify(SAFARI));
    expect(culprit.firstCritical <= '2015-09-06').toBe(true);
    expect(culprit.purchasesLost).toBeGreaterThan(0);
    for (const x of s.segments) {
      expect(Object.keys(x).sort()).toEqual(
        ['anomalousDays', 'criticalPeriods', 'daysChecked', 'firstCritical', 'level', 'purchasesLost', 'revenueLost', 'segment', 'worstSigma'].sort(),
      );
    }
    const fail = await runCli(['scan', realEvents, '-q', '--fail-on', 'critical']);
    expect(fail.code).toBe(3);
  });

  it('explain --json ranks mobile × ios × safari first with its drill-down path', async () => {
    const r = await runCli(['explain', realEvents, '--baseline', '2015-08-07..2015-09-03', '--incident', '2015-09-04..2015-09-18', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.baseline).toEqual({ from: '2015-08-07', to: '2015-09-03' });
    expect(e.incident).toEqual({ from: '2015-09-04', to: '2015-09-18' });
    const top = e.candidates[0];
    expect(top.segment).toEqual(SAFARI);
    expect(top.path[top.path.length - 1]).toEqual(SAFARI);
    expect(top.path.length).toBe(3);
    expect(top.explains).toBeGreaterThan(0.5);
    expect(top.explains).toBeLessThanOrEqual(1);
    expect(top.purchasesLost).toBeCloseTo((top.baselineConversion - top.incidentConversion) * (top.steps.views.incidentMean * 15), 0);
    expect(e.finding).toMatch(/mobile × ios × safari/);
  });

  it('explain without periods uses the incident the detector suggests', async () => {
    const r = await runCli(['explain', realEvents, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.incident.from >= '2015-09-01' && e.incident.from <= '2015-09-06').toBe(true);
    expect(e.candidates[0].segment).toEqual(SAFARI);
  });
});

describe('funnelscope CLI: bad usage and bad input exit 2 with one clear message', () => {
  beforeAll(() => requireSharedData());

  it.each([
    [['detect', 'X', '--date', '2015-13-01'], /--date must be a date/],
    [['detect', '/nonexistent/folder', '--date', '2015-09-01'], /no such file or folder/],
    [['scan', 'REAL', '--dims', 'device,planet'], /unknown dimension planet/],
    [['scan', 'REAL', '--profile', 'magic'], /--profile must be robust or seed/],
    [['scan', 'REAL', '--sigma', 'lots'], /--sigma must be a number/],
    [['explain', 'REAL', '--baseline', '2015-08-01..2015-08-31'], /give both --baseline and --incident/],
    [['explain', 'REAL', '--baseline', '2015-09-10..2015-09-12', '--incident', '2015-09-01..2015-09-05'], /must end before the incident/],
    [['detect', 'REAL', '--date', '2015-09-01', '--segment', 'device'], /has no '='/],
    [['detect', 'REAL', '--date', '2015-09-01', '--fail-on', 'sometimes'], /--fail-on must be anomaly or critical/],
  ])('%j', async (args, message) => {
    const r = await runCli(args.map((a) => (a === 'REAL' ? realEvents : a)).concat('-q'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a folder with only a corrupt file names the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fs-cli-'));
    await writeFile(path.join(dir, 'broken.parquet'), 'this is not parquet');
    const r = await runCli(['profile', dir, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.parquet');
  });

  it('a bad mapping file is reported', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fs-cli-'));
    const mapping = path.join(dir, 'mapping.json');
    await writeFile(mapping, '{ not json');
    const r = await runCli(['profile', realEvents, '--mapping', mapping, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mapping file .* is not valid JSON/);
  });
});

describe('funnelscope sample', () => {
  it('writes a seeded dataset with truth.json that the other commands analyse', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fs-sample-'));
    const out = path.join(dir, 'data');
    const r = await runCli(['sample', out, '--events', '150000', '--days', '70', '--seed', '7', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const truth = JSON.parse(await readFile(path.join(out, 'truth.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual(truth);
    expect(truth.seed).toBe(7);
    expect(truth.days).toBe(70);
    expect(truth.incident.segment).toEqual(SAFARI);

    const p = JSON.parse((await runCli(['profile', out, '--json', '-q'])).stdout);
    expect(p.layout).toBe('retailrocket');
    expect(p.range).toEqual({ from: truth.startDate, to: truth.endDate });
    expect(p.rows.read).toBe(truth.events);

    const healthy = await runCli(['sample', path.join(dir, 'healthy'), '--events', '20000', '--days', '30', '--no-incident', '--json', '-q']);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(JSON.parse(healthy.stdout).incident).toBeNull();

    const bad = await runCli(['sample', path.join(dir, 'x'), '--incident-share', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--incident-share/);
  });
});
