import type { Command } from 'commander';
import { explain, suggestIncident, type ExplainResult } from '../../core/explain.js';
import { settingsFor } from '../../core/detector.js';
import { parseSegment } from '../../core/segments.js';
import type { Period } from '../../core/types.js';
import { InputError, printJson, UsageError } from '../common.js';
import {
  checkDimensions,
  datasetOptions,
  defaultDimensions,
  parseList,
  parsePeriod,
  withDataset,
  type DatasetOptions,
} from '../dataset.js';
import { fmt, table } from '../table.js';

interface Opts extends DatasetOptions {
  baseline?: string;
  incident?: string;
  dims?: string;
  segment?: string;
  limit?: string;
  json?: boolean;
}

/** The `explain --json` contract. */
export function explainJson(r: ExplainResult) {
  return {
    baseline: r.baseline,
    incident: r.incident,
    filter: r.filter,
    finding: r.finding,
    total: {
      purchasesLost: r.total.purchasesLost,
      revenueLost: r.total.revenueLost,
      baselineConversion: r.total.baselineConversion,
      incidentConversion: r.total.incidentConversion,
    },
    candidates: r.candidates.map((c) => ({
      segment: c.segment,
      path: c.path,
      explains: c.explains,
      purchasesLost: c.purchasesLost,
      revenueLost: c.revenueLost,
      deviationSigma: c.deviationSigma,
      baselineConversion: c.baselineConversion,
      incidentConversion: c.incidentConversion,
      steps: c.steps,
    })),
  };
}

export function register(program: Command): void {
  datasetOptions(
    program
      .command('explain')
      .description('dimensional σ analysis: which segment explains the drop between two periods')
      .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
      .option('--baseline <from..to>', 'baseline period, e.g. 2015-08-07..2015-09-03 (default: suggested by the detector)')
      .option('--incident <from..to>', 'incident period (default: suggested by the detector)')
      .option('--dims <list>', 'dimensions to combine (default device,os,browser)')
      .option('--segment <segment>', 'analyse only inside this segment, e.g. device=mobile')
      .option('--limit <n>', 'candidates in the table (default 10)')
      .option('--json', 'machine-readable output'),
  ).action(async (folder: string | undefined, o: Opts) => {
    if (!!o.baseline !== !!o.incident) throw new UsageError('give both --baseline and --incident, or neither (then the detector suggests them)');
    let baseline: Period | undefined = o.baseline ? parsePeriod('baseline', o.baseline) : undefined;
    let incident: Period | undefined = o.incident ? parsePeriod('incident', o.incident) : undefined;
    if (baseline && incident && baseline.to >= incident.from)
      throw new UsageError(`the baseline (${baseline.from}..${baseline.to}) must end before the incident starts (${incident.from})`);
    let filter;
    try {
      filter = o.segment ? parseSegment(o.segment) : undefined;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    await withDataset(folder, o, async (ds) => {
      const dims = parseList(o.dims) ?? defaultDimensions(ds);
      const all = [...new Set([...dims, ...Object.keys(filter ?? {})])];
      checkDimensions(ds, all);
      const cube = await ds.cube({ dimensions: all, grain: 'day', visitors: false });
      let suggested = false;
      if (!baseline || !incident) {
        const s = suggestIncident(cube, settingsFor('robust'), { dimensions: dims });
        if (!s)
          throw new InputError('the detector found no critical period to explain; give --baseline and --incident explicitly');
        ({ baseline, incident } = s);
        suggested = true;
      }
      const res = explain(cube, { baseline, incident, dimensions: dims, filter });
      if (o.json) return printJson(explainJson(res));
      const out = [
        `Baseline ${res.baseline.from} … ${res.baseline.to}, incident ${res.incident.from} … ${res.incident.to}` +
          (suggested ? ' (suggested by the detector)' : ''),
        `All traffic: conversion ${fmt.pct(res.total.baselineConversion)} → ${fmt.pct(res.total.incidentConversion)}, ` +
          `${fmt.int(res.total.purchasesLost)} purchases lost`,
        '',
        res.finding,
        '',
        table(
          ['#', 'segment', 'explains', 'purchases lost', 'σ', 'conversion', 'views', 'carts', 'purchases'],
          res.candidates.slice(0, Number(o.limit ?? 10)).map((c, i) => [
            i + 1,
            c.label,
            fmt.pct(c.explains, 0),
            fmt.int(c.purchasesLost),
            fmt.sigma(c.deviationSigma),
            `${fmt.pct(c.baselineConversion)} → ${fmt.pct(c.incidentConversion)}`,
            fmt.change(c.steps.views.change),
            fmt.change(c.steps.carts.change),
            fmt.change(c.steps.purchases.change),
          ]),
          ['right', 'left'],
        ),
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
  });
}
