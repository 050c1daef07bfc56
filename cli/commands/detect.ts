import type { Command } from 'commander';
import { detect } from '../../core/detector.js';
import { aggregateSeries, formatSegment, parseSegment } from '../../core/segments.js';
import type { DetectionResult } from '../../core/types.js';
import { FailOnMatch, printJson, UsageError } from '../common.js';
import {
  checkDimensions,
  datasetOptions,
  detectorOptions,
  detectorSettings,
  parseDate,
  withDataset,
  type DatasetOptions,
  type DetectorCliOptions,
} from '../dataset.js';
import { fmt, table } from '../table.js';
import { failOnOption, parseFailOn } from './fail-on.js';

interface Opts extends DatasetOptions, DetectorCliOptions {
  date: string;
  segment?: string;
  json?: boolean;
  failOn?: string;
}

/** The `detect --json` contract. */
export function detectJson(r: DetectionResult) {
  return {
    date: r.date,
    segment: r.segment,
    status: r.status,
    alertLevel: r.alertLevel,
    direction: r.direction,
    rate: r.rate,
    baseline: r.baseline,
    sigma: r.sigma,
    threshold: r.threshold,
    deviationSigma: r.deviationSigma,
    baselineDays: r.baselineDays.map((b) => ({ date: b.date, rate: b.rate, views: b.views })),
    views: r.views,
    purchases: r.purchases,
    streak: { start: r.streak.start, length: r.streak.length },
  };
}

export function register(program: Command): void {
  failOnOption(
    detectorOptions(
      datasetOptions(
        program
          .command('detect')
          .description('the detector verdict for one segment on one day')
          .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
          .requiredOption('--date <date>', 'the day to judge, YYYY-MM-DD')
          .option('--segment <segment>', 'e.g. device=mobile,os=ios,browser=safari (default: all traffic)')
          .option('--json', 'machine-readable output'),
      ),
    ),
  ).action(async (folder: string | undefined, o: Opts) => {
    const date = parseDate('date', o.date);
    const settings = detectorSettings(o);
    const failOn = parseFailOn(o.failOn);
    let segment;
    try {
      segment = parseSegment(o.segment ?? '');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    await withDataset(folder, o, async (ds) => {
      const dims = Object.keys(segment);
      checkDimensions(ds, dims);
      const cube = await ds.cube({ dimensions: dims, grain: 'day', visitors: false });
      const r = detect(aggregateSeries(cube, segment), date, settings, segment);
      if (o.json) printJson(detectJson(r));
      else {
        const out = [
          `${formatSegment(segment)} on ${r.date}: ${r.status} (alert ${r.alertLevel})${r.direction ? `, ${r.direction}` : ''}`,
          '',
          table(
            ['', 'value'],
            [
              ['conversion', fmt.pct(r.rate)],
              ['baseline', fmt.pct(r.baseline)],
              ['σ', fmt.pct(r.sigma, 3)],
              ['threshold', fmt.pct(r.threshold)],
              ['deviation', fmt.sigma(r.deviationSigma)],
              ['views', fmt.int(r.views)],
              ['purchases', fmt.int(r.purchases)],
              ['streak', r.streak.length ? `${r.streak.length} day(s) since ${r.streak.start}` : '–'],
              ['profile', `${settings.profile} (σ ${settings.sigma}, ${settings.weeks} weeks, streak ${settings.streak}, min views ${settings.minViews})`],
            ],
            ['left', 'left'],
          ),
        ];
        if (r.baselineDays.length) {
          out.push('', 'Baseline days');
          out.push(table(['date', 'conversion', 'views'], r.baselineDays.map((b) => [b.date, fmt.pct(b.rate), fmt.int(b.views)])));
        }
        process.stdout.write(out.join('\n') + '\n');
      }
      const hit =
        failOn === 'critical' ? r.status === 'CRITICAL' : failOn === 'anomaly' ? r.status === 'ANOMALY' || r.status === 'CRITICAL' : false;
      if (hit) throw new FailOnMatch(`${r.status} on ${r.date}`);
    });
  });
}
