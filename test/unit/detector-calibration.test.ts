/**
 * The noise calibration of the detector bench (bench/detector.ts `measureDispersion`): it must recover a known
 * between-day overdispersion φ from simulated series, and it documents the figure measured on Retail Rocket.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { calibrateRetailRocket, measureDispersion, weekdayFactors } from '../../bench/detector.js';
import { simulate } from '../../core/simulate.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const haveData = existsSync(resolve(repoRoot, '../shared/data/retailrocket_daily_by_combo.csv'));
if (!haveData && process.env.CI === 'true') throw new Error('reference data missing: ../shared/data');

/** one big leaf, no drift, no dips, single-item purchases (D = 1): only φ and counting noise */
function phiOf(phi: number, seed: number): number {
  const w = simulate({
    seed,
    start: '2025-01-06',
    days: 120,
    leaves: [{ segment: { device: 'x' }, views: 40000, conversion: 0.02 }],
    dimensions: ['device'],
    phi,
    driftSd: 0,
    basketExtra: 0,
    dipProbability: 0,
  });
  const s = w.leaves[0].series;
  return measureDispersion('t', s, weekdayFactors(s), w.leaves[0].truth!.dispersionIndex).phi;
}

describe('measureDispersion (bench calibration)', () => {
  it('recovers a known between-day φ and finds none where there is none', () => {
    for (const seed of [1, 2, 3]) {
      expect(phiOf(0.15, seed)).toBeGreaterThan(0.1);
      expect(phiOf(0.15, seed)).toBeLessThan(0.2);
      expect(phiOf(0, seed)).toBeLessThan(0.04);
    }
  });

  it('removes the weekday pattern: a strong weekly shape alone is not overdispersion', () => {
    const w = simulate({
      seed: 9,
      start: '2025-01-06',
      days: 120,
      leaves: [{ segment: { device: 'x' }, views: 40000, conversion: 0.02 }],
      dimensions: ['device'],
      phi: 0,
      driftSd: 0,
      basketExtra: 0,
      dipProbability: 0,
      convWeekday: [1.3, 1.2, 1.1, 1, 0.9, 0.7, 0.6],
    });
    const s = w.leaves[0].series;
    expect(measureDispersion('t', s, weekdayFactors(s), 1).phi).toBeLessThan(0.04);
    expect(measureDispersion('t', s, [1, 1, 1, 1, 1, 1, 1], 1).phi).toBeGreaterThan(0.15);
  });

  it.skipIf(!haveData)('Retail Rocket (healthy period) varies well beyond counting noise, site-wide', () => {
    const figs = calibrateRetailRocket();
    if (typeof figs === 'string') throw new Error(figs);
    const all = figs.find((f) => f.label.endsWith('all traffic'))!;
    expect(all.days).toBe(89);
    expect(all.phi).toBeGreaterThan(0.1);
    const safari = figs.find((f) => f.label.endsWith('mobile/ios/safari'))!;
    expect(safari.purchasesPerDay).toBeGreaterThan(40);
    expect(safari.phi).toBeGreaterThan(0.1);
  });
});
