/**
 * `funnelscope scan` what-if options end to end: the CLI is run from source (as a user runs it) and its
 * JSON, CSV and Parquet outputs are checked against `core` results computed here from the same cube.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFor } from '../../core/detector.js';
import { compareScans, incidentReplay, scan, type ScanResult } from '../../core/scan.js';
import { segmentKey } from '../../core/segments.js';
import type { Cube, DetectorSettings } from '../../core/types.js';
import { openDataset } from '../../electron/services/dataset.js';
import { openDuckDB } from '../../electron/services/duckdb.js';
import { periodText } from '../../electron/services/export.js';
import { realEvents, requireSharedData, runCli } from './cli-helpers.js';

const DIMS = ['device', 'os', 'browser'];
const SAFARI = { device: 'mobile', os: 'ios', browser: 'safari' };
let dir: string;
let sample: string;
const env = () => ({ FUNNELSCOPE_HOME: path.join(dir, 'home') });

async function cubeOf(folder: string, grain: 'day' | 'hour', dims = DIMS): Promise<Cube> {
  const ds = await openDataset(folder);
  try {
    return await ds.cube({ dimensions: dims, grain, visitors: false });
  } finally {
    ds.close();
  }
}

/** RFC 4180 CSV → rows of fields ('' for empty unquoted fields, which DuckDB writes for nulls). */
function parseCsv(text: string): { header: string[]; rows: { raw: string; quoted: boolean }[][] } {
  const rows: { raw: string; quoted: boolean }[][] = [];
  let row: { raw: string; quoted: boolean }[] = [];
  let field = '';
  let quoted = false;
  let inQ = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQ) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQ = false;
      else field += ch;
    } else if (ch === '"') {
      inQ = true;
      quoted = true;
    } else if (ch === ',') {
      row.push({ raw: field, quoted });
      field = '';
      quoted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push({ raw: field, quoted });
      rows.push(row);
      row = [];
      field = '';
      quoted = false;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push({ raw: field, quoted });
    rows.push(row);
  }
  return { header: rows[0].map((f) => f.raw), rows: rows.slice(1) };
}

const keyed = (res: ScanResult) => new Map(res.segments.map((s) => [segmentKey(s.segment), s]));

beforeAll(async () => {
  requireSharedData();
  dir = await mkdtemp(path.join(tmpdir(), 'fs-scan-cli-'));
  sample = path.join(dir, 'sample');
  const r = await runCli(['sample', sample, '--events', '100000', '--days', '60', '-q'], env());
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scan what-if on the real Retail Rocket file', () => {
  it('--compare, --replay, --csv and --parquet agree with core', async () => {
    const csv = path.join(dir, 'rr.csv');
    const pq = path.join(dir, 'rr.parquet');
    const r = await runCli(
      [
        'scan',
        realEvents,
        '--compare',
        'sigma=2,weeks=8',
        '--replay',
        'device=mobile,os=ios,browser=safari@2015-09-04',
        '--csv',
        csv,
        '--parquet',
        pq,
        '--json',
        '-q',
      ],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual([
      'comparison',
      'replay',
      'replayIncident',
      'segments',
      'settings',
    ]);

    // core on the same cube
    const cube = await cubeOf(realEvents, 'day');
    const a = settingsFor('robust');
    const b: DetectorSettings = settingsFor('robust', { sigma: 2, weeks: 8 });
    const resA = scan(cube, { dimensions: DIMS, settings: a, daily: false });
    const resB = scan(cube, { dimensions: DIMS, settings: b, daily: false });
    const cmp = compareScans(resA, resB);
    const replay = incidentReplay(cube, { segment: SAFARI, start: '2015-09-04' }, [a, b], {
      dimensions: DIMS,
    });

    expect(out.settings).toMatchObject({
      profile: 'robust',
      sigma: 3,
      weeks: 4,
      grain: 'day',
      dimensions: DIMS,
    });
    expect(out.segments).toHaveLength(resA.segments.length);
    const byKey = keyed(resA);
    for (const s of out.segments) {
      const c = byKey.get(segmentKey(s.segment))!;
      expect(s.criticalPeriods).toEqual(c.criticalPeriods);
      expect(s.anomalousDays).toBe(c.anomalousDays);
      expect(s.purchasesLost).toBeCloseTo(c.purchasesLost, 9);
    }

    expect(out.comparison.settings).toMatchObject({ profile: 'robust', sigma: 2, weeks: 8, streak: 3 });
    const alertKeys = (xs: { segment: Record<string, string>; start: string; end: string }[]) =>
      xs.map((x) => `${segmentKey(x.segment)}|${x.start}|${x.end}`).sort();
    expect(alertKeys(out.comparison.onlyA)).toEqual(alertKeys(cmp.onlyA));
    expect(alertKeys(out.comparison.onlyB)).toEqual(alertKeys(cmp.onlyB));
    expect(out.comparison.both).toHaveLength(cmp.both.length);
    expect(cmp.onlyA.length + cmp.onlyB.length).toBeGreaterThan(0); // the two settings do differ here

    expect(out.replayIncident).toEqual({ segment: SAFARI, start: '2015-09-04', source: 'given' });
    expect(out.replay).toHaveLength(2);
    out.replay.forEach((x: Record<string, unknown>, i: number) => {
      expect(x.firstCritical).toBe(replay[i].firstCritical);
      expect(x.delayDays).toBe(replay[i].delayDays);
      expect(x.falseCritical).toBe(replay[i].falseCritical);
      expect(x.relatedCritical).toBe(replay[i].relatedCritical);
    });
    // the default settings: CRITICAL by 2015-09-06, nothing false elsewhere
    expect(out.replay[0].delayDays).toBeLessThanOrEqual(2);
    expect(out.replay[0].falseCritical).toBe(0);

    // CSV: one row per segment, in the scan's order
    const t = parseCsv(await readFile(csv, 'utf8'));
    expect(t.header).toEqual([
      ...DIMS,
      'level',
      'days_checked',
      'anomalous_days',
      'critical_periods',
      'critical_period_count',
      'first_critical',
      'worst_sigma',
      'purchases_lost',
      'revenue_lost',
    ]);
    expect(t.rows).toHaveLength(resA.segments.length);
    const col = (n: string) => t.header.indexOf(n);
    t.rows.forEach((row, i) => {
      const s = resA.segments[i];
      for (const d of DIMS) {
        const f = row[col(d)];
        if (d in s.segment) expect(f.raw).toBe(s.segment[d]);
        else expect(f).toEqual({ raw: '', quoted: false }); // null
      }
      expect(Number(row[col('level')].raw)).toBe(s.level);
      expect(Number(row[col('days_checked')].raw)).toBe(s.daysChecked);
      expect(Number(row[col('critical_period_count')].raw)).toBe(s.criticalPeriods.length);
      expect(row[col('critical_periods')].raw).toBe(s.criticalPeriods.map(periodText).join('; '));
      expect(row[col('first_critical')].raw).toBe(s.firstCritical ?? '');
      expect(Number(row[col('purchases_lost')].raw)).toBeCloseTo(s.purchasesLost, 6);
    });
    const safariRow = t.rows.find((row) =>
      DIMS.every((d) => row[col(d)].raw === SAFARI[d as keyof typeof SAFARI]),
    )!;
    expect(safariRow[col('critical_periods')].raw).toMatch(/^2015-09-0\d\.\.2015-09-1\d/);

    // Parquet, read back with native DuckDB
    const db = await openDuckDB({ threads: 1 });
    try {
      const types = await db.all<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_parquet('${pq}')`,
      );
      expect(Object.fromEntries(types.map((x) => [x.column_name, x.column_type]))).toMatchObject({
        device: 'VARCHAR',
        level: 'INTEGER',
        critical_period_count: 'INTEGER',
        worst_sigma: 'DOUBLE',
        purchases_lost: 'DOUBLE',
      });
      const rows = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet('${pq}')`);
      expect(rows).toHaveLength(resA.segments.length);
      rows.forEach((row, i) => {
        const s = resA.segments[i];
        for (const d of DIMS) expect(row[d]).toBe(d in s.segment ? s.segment[d] : null);
        expect(row.anomalous_days).toBe(s.anomalousDays);
        expect(row.first_critical).toBe(s.firstCritical);
        expect(row.worst_sigma).toBe(s.worstSigma);
        expect(row.revenue_lost).toBe(s.revenueLost);
        expect(row.critical_periods).toBe(s.criticalPeriods.map(periodText).join('; '));
      });
    } finally {
      db.close();
    }
  }, 120_000);

  it('hour grain: the Safari incident at hour precision, replay delay in hours, agreeing with core', async () => {
    const r = await runCli(
      [
        'scan',
        realEvents,
        '--grain',
        'hour',
        '--replay',
        'device=mobile,os=ios,browser=safari@2015-09-04T02',
        '--json',
        '-q',
      ],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.settings.grain).toBe('hour');
    const cube = await cubeOf(realEvents, 'hour');
    const settings = settingsFor('robust');
    const res = scan(cube, { dimensions: DIMS, settings, grain: 'hour', daily: false });
    const byKey = keyed(res);
    expect(out.segments).toHaveLength(res.segments.length);
    for (const s of out.segments) {
      const c = byKey.get(segmentKey(s.segment))!;
      expect(s.hoursChecked).toBe(c.hoursChecked);
      expect(s.anomalousHours).toBe(c.anomalousHours);
      expect(s.criticalPeriods).toEqual(c.criticalPeriods);
      expect(s.firstCriticalHour).toBe(c.firstCriticalHour);
    }
    // every segment with a critical period contains or shares the broken Safari rows
    const crit = out.segments.filter((s: { criticalPeriods: unknown[] }) => s.criticalPeriods.length > 0);
    expect(crit.length).toBeGreaterThan(0);
    for (const s of crit)
      expect(Object.entries(s.segment).every(([k, v]) => SAFARI[k as keyof typeof SAFARI] === v)).toBe(true);
    const [rep] = incidentReplay(cube, { segment: SAFARI, start: '2015-09-04', startHour: 2 }, [settings], {
      grain: 'hour',
      dimensions: DIMS,
    });
    expect(out.replay[0]).toMatchObject({
      firstCritical: rep.firstCritical,
      firstCriticalHour: rep.firstCriticalHour,
      delayHours: rep.delayHours,
      delayDays: rep.delayDays,
      falseCritical: 0,
    });
    expect(rep.firstCritical! <= '2015-09-06').toBe(true);
    expect(out.replayIncident).toEqual({
      segment: SAFARI,
      start: '2015-09-04',
      startHour: 2,
      source: 'given',
    });
  }, 120_000);
});

describe('scan what-if on a generated sample', () => {
  it('hour grain with --levels, --compare-profile seed and --replay; human output names both settings', async () => {
    const args = [
      'scan',
      sample,
      '--grain',
      'hour',
      '--levels',
      '1-2',
      '--compare-profile',
      'seed',
      '--replay',
      'device=mobile,os=ios,browser=safari@2025-04-18',
      '-q',
    ];
    const hourCsv = path.join(dir, 'hour.csv');
    const r = await runCli([...args, '--json', '--csv', hourCsv], env());
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.segments.every((s: { level: number }) => s.level <= 2)).toBe(true);
    expect(out.comparison.settings.profile).toBe('seed');
    expect(out.replay.map((x: { settings: { profile: string } }) => x.settings.profile)).toEqual([
      'robust',
      'seed',
    ]);
    const cube = await cubeOf(sample, 'hour');
    const a = scan(cube, {
      dimensions: DIMS,
      maxLevel: 2,
      settings: settingsFor('robust'),
      grain: 'hour',
      daily: false,
    });
    const b = scan(cube, {
      dimensions: DIMS,
      maxLevel: 2,
      settings: settingsFor('seed'),
      grain: 'hour',
      daily: false,
    });
    const cmp = compareScans(a, b);
    expect(out.comparison.onlyA).toHaveLength(cmp.onlyA.length);
    expect(out.comparison.onlyB).toHaveLength(cmp.onlyB.length);
    expect(out.comparison.both).toHaveLength(cmp.both.length);
    for (const x of out.comparison.onlyB) expect(x.startHour).toBeGreaterThanOrEqual(0);
    // hour-grain CSV: hour columns, one row per segment, hours as the core computed them
    const t = parseCsv(await readFile(hourCsv, 'utf8'));
    expect(t.header).toEqual([
      ...DIMS,
      'level',
      'days_checked',
      'anomalous_days',
      'hours_checked',
      'anomalous_hours',
      'critical_periods',
      'critical_period_count',
      'first_critical',
      'first_critical_hour',
      'worst_sigma',
      'purchases_lost',
      'revenue_lost',
    ]);
    expect(t.rows).toHaveLength(a.segments.length);
    t.rows.forEach((row, i) => {
      const s = a.segments[i];
      expect(Number(row[t.header.indexOf('hours_checked')].raw)).toBe(s.hoursChecked);
      expect(Number(row[t.header.indexOf('anomalous_hours')].raw)).toBe(s.anomalousHours);
      expect(row[t.header.indexOf('critical_periods')].raw).toBe(
        s.criticalPeriods.map(periodText).join('; '),
      );
      const fch = row[t.header.indexOf('first_critical_hour')].raw;
      expect(fch === '' ? null : Number(fch)).toBe(s.firstCriticalHour);
    });

    const human = await runCli(args, env());
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('by hour');
    expect(human.stdout).toMatch(/What-if: A = robust: σ 3.*vs {2}B = seed: σ 2/);
    expect(human.stdout).toContain(
      'Incident replay: device=mobile × os=ios × browser=safari from 2025-04-18',
    );
    expect(human.stdout).toContain('delay (hours)');
  }, 120_000);

  it('--replay without a segment takes the incident from the detector, or says clearly that there is none', async () => {
    const r = await runCli(['scan', sample, '--replay', '--json', '-q'], env());
    const cube = await cubeOf(sample, 'day');
    const { suggestIncident } = await import('../../core/explain.js');
    const sug = suggestIncident(cube, settingsFor('robust'), { dimensions: DIMS, maxLevel: 3 });
    if (sug) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).replayIncident).toEqual({
        segment: sug.segment,
        start: sug.incident.from,
        source: 'detector',
      });
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        'funnelscope: --replay: the detector found no incident to replay; give one as SEGMENT@YYYY-MM-DD',
      ]);
    }
  }, 120_000);

  it('bad option values exit 2 with one clear line', async () => {
    const cases: [string[], RegExp][] = [
      [['--grain', 'week'], /--grain must be day or hour \(got "week"\)/],
      [['--levels', '3-1'], /--levels must be N or N-M/],
      [['--levels', 'x'], /--levels must be N or N-M/],
      [['--levels', '1-2', '--min-level', '1'], /either --levels or --min-level/],
      [['--compare', 'sigma=abc'], /--compare: sigma must be a number \(got "abc"\)/],
      [['--compare', 'colour=red'], /--compare: unknown setting "colour"/],
      [['--compare', 'sigma'], /--compare: "sigma" is not key=value/],
      [['--compare', 'weeks=0'], /--compare: detector weeks must be an integer ≥ 1/],
      [['--compare-profile', 'fancy'], /--compare-profile must be robust or seed/],
      [['--compare', 'sigma=2', '--compare-profile', 'seed'], /either --compare or --compare-profile/],
      [
        ['--replay', 'device=mobile@2025-13-01'],
        /--replay must be a date YYYY-MM-DD|--replay: the start must be/,
      ],
      [['--replay', 'planet=mars@2025-04-18'], /--replay: invalid segment .*unknown dimension "planet"/],
      [['--replay', 'device=mobile@yesterday'], /--replay: the start must be YYYY-MM-DD/],
      [['--min-hour-views', '5'], /--min-hour-views needs --grain hour/],
      [['--min-day-views', '-1'], /--min-day-views must be a number ≥ 0/],
      [
        ['--parquet', '/nonexistent-funnelscope/x.parquet'],
        /could not write parquet export to \/nonexistent-funnelscope\/x\.parquet: folder \/nonexistent-funnelscope does not exist/,
      ],
      [
        ['--csv', 'SAMPLE/truth.json/x.csv'],
        /could not write csv export to .*truth\.json\/x\.csv: folder .* does not exist/,
      ],
    ];
    for (const [extra, msg] of cases) {
      const r = await runCli(['scan', sample, '-q', ...extra.map((x) => x.replace('SAMPLE', sample))], env());
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.trim() && !/^npm warn/.test(l));
      expect(lines, extra.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
    }
    expect(existsSync('/nonexistent-funnelscope')).toBe(false);
  }, 180_000);
});
