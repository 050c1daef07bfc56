import { describe, expect, it } from 'vitest';
import {
  displayDimension,
  displayValue,
  fmtChange,
  fmtCompact,
  fmtDate,
  fmtInt,
  fmtMean,
  fmtPct,
  fmtPeriod,
  fmtSigma,
  segmentLabel,
  sigmaTone,
} from '../../renderer/lib/format.js';
import { periodDays, presetPeriods, previousPeriod } from '../../renderer/lib/dates.js';

describe('number formatting', () => {
  it('thousands separators, true minus signs, dashes for missing values', () => {
    expect(fmtInt(2700151)).toBe('2,700,151');
    expect(fmtInt(-1234.6)).toBe('−1,235');
    expect(fmtInt(null)).toBe('—');
    expect(fmtInt(Number.NaN)).toBe('—');
    expect(fmtMean(38.64)).toBe('38.6');
    expect(fmtMean(1234.4)).toBe('1,234');
    expect(fmtCompact(1_234_567)).toBe('1.2M');
  });

  it('percentages, changes and σ', () => {
    expect(fmtPct(0.0076)).toBe('0.76 %');
    expect(fmtPct(0.296)).toBe('29.6 %');
    expect(fmtPct(0.5, 0)).toBe('50 %');
    expect(fmtChange(-0.664)).toBe('−66 %');
    expect(fmtChange(0.183)).toBe('+18 %');
    expect(fmtChange(-0.014)).toBe('−1.4 %');
    expect(fmtChange(0)).toBe('±0 %');
    expect(fmtSigma(-4.26)).toBe('−4.3σ');
    expect(fmtSigma(2)).toBe('+2.0σ');
    expect(fmtSigma(0.04)).toBe('0.0σ');
    expect(sigmaTone(-3.4)).toBe('bad');
    expect(sigmaTone(-2.1)).toBe('warn');
    expect(sigmaTone(0.3)).toBe('ok');
    expect(sigmaTone(null)).toBe('muted');
  });

  it('dates, periods and segment labels', () => {
    expect(fmtDate('2015-09-04')).toBe('4 Sep 2015');
    expect(fmtPeriod({ from: '2015-08-21', to: '2015-09-03' })).toBe('21 Aug – 3 Sep 2015');
    expect(fmtPeriod({ from: '2014-12-30', to: '2015-01-02' })).toBe('30 Dec 2014 – 2 Jan 2015');
    expect(
      segmentLabel({ browser: 'safari', device: 'mobile', os: 'ios' }, ['device', 'os', 'browser']),
    ).toBe('Mobile × iOS × Safari');
    expect(segmentLabel({})).toBe('All traffic');
    expect(displayValue('macos')).toBe('macOS');
    expect(displayValue('Samsung Internet')).toBe('Samsung Internet');
  });
});

describe('period arithmetic', () => {
  const range = { from: '2015-05-03', to: '2015-09-18' };
  it('presets: last N days vs the W weeks before, clamped to the data', () => {
    expect(presetPeriods(range, 14, 8)).toEqual({
      incident: { from: '2015-09-05', to: '2015-09-18' },
      baseline: { from: '2015-07-11', to: '2015-09-04' },
    });
    expect(presetPeriods({ from: '2015-08-20', to: '2015-09-18' }, 14, 8).baseline).toEqual({
      from: '2015-08-20',
      to: '2015-09-04',
    });
  });
  it('the previous period has the same length, or is cut at the start of the data', () => {
    expect(previousPeriod({ from: '2015-09-05', to: '2015-09-18' }, range)).toEqual({
      from: '2015-08-22',
      to: '2015-09-04',
    });
    expect(previousPeriod({ from: '2015-05-03', to: '2015-05-10' }, range)).toBeNull();
    expect(periodDays({ from: '2015-02-27', to: '2015-03-02' })).toBe(4);
  });
});

describe('dimension labels', () => {
  it('names the known dimensions properly and capitalises the others', () => {
    expect(displayDimension('os')).toBe('OS');
    expect(displayDimension('hour_of_day')).toBe('Hour of day');
    expect(displayDimension('price_band')).toBe('Price band');
    expect(displayDimension('category_root')).toBe('Category');
    expect(displayDimension('device')).toBe('Device');
    expect(displayDimension('utm_source')).toBe('Utm source');
  });
});
