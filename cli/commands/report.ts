/**
 * `funnelscope report [FOLDER] --out report.pdf`: the PDF incident report, printed through Chromium
 * (playwright-core) from the same report page the desktop app prints with printToPDF.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { parseSegment } from '../../core/segments.js';
import { reportFormat as F } from '../../core/report.js';
import type { Period, Segment } from '../../core/types.js';
import { buildReport, renderReportPdf, ReportError } from '../../electron/services/report.js';
import { InputError, printJson, UsageError } from '../common.js';
import {
  checkDimensions,
  datasetOptions,
  defaultDimensions,
  detectorOptions,
  detectorSettings,
  parseList,
  parsePeriod,
  resolveFolder,
  withDataset,
  type DatasetOptions,
  type DetectorCliOptions,
} from '../dataset.js';
import { userDataDir } from '../../electron/services/paths.js';
import { defaultSampleDir } from '../../electron/services/sample.js';

interface Opts extends DatasetOptions, DetectorCliOptions {
  segment?: string;
  baseline?: string;
  incident?: string;
  dims?: string;
  chromium?: string;
  out?: string;
  json?: boolean;
  modelOut?: string;
}

export function register(program: Command): void {
  detectorOptions(
    datasetOptions(
      program
        .command('report')
        .description('PDF incident report: what broke, since when, how sure, what it cost, and the evidence')
        .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
        .option(
          '--segment <segment>',
          'the segment to report on, e.g. device=mobile,os=ios,browser=safari (default: the top root cause)',
        )
        .option('--baseline <from..to>', 'baseline period (default: 8 whole weeks before the incident)')
        .option('--incident <from..to>', "incident period (default: the detector's latest critical period)")
        .option('--dims <list>', 'dimensions to analyse (default device,os,browser)')
        .option(
          '--chromium <path>',
          'Chromium executable (default $FUNNELSCOPE_CHROMIUM or /usr/bin/chromium)',
        )
        .option('-o, --out <file>', 'the PDF to write')
        .option('--model-out <file>', 'also write the report model as JSON')
        .option('--json', 'print the report model as JSON (with --out, also write the PDF)'),
    ),
  ).action(async (folder: string | undefined, o: Opts) => {
    if (!o.out && !o.json) throw new UsageError('give --out report.pdf (or --json for the report model)');
    if (o.out && path.extname(o.out).toLowerCase() !== '.pdf')
      throw new UsageError(`--out must name a .pdf file (got "${o.out}")`);
    const baseline: Period | undefined = o.baseline ? parsePeriod('baseline', o.baseline) : undefined;
    const incident: Period | undefined = o.incident ? parsePeriod('incident', o.incident) : undefined;
    if (baseline && incident && baseline.to >= incident.from)
      throw new UsageError(
        `the baseline (${baseline.from}..${baseline.to}) must end before the incident starts (${incident.from})`,
      );
    let segment: Segment | undefined;
    try {
      segment = o.segment ? parseSegment(o.segment) : undefined;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const settings = detectorSettings(o);
    const isSample = !folder;
    const dir = await resolveFolder(folder, o.quiet);
    const model = await withDataset(dir, o, async (ds) => {
      const dims = parseList(o.dims) ?? defaultDimensions(ds);
      checkDimensions(ds, [...dims, ...Object.keys(segment ?? {})]);
      if (!o.quiet) process.stderr.write('analysing…\n');
      try {
        return await buildReport(ds, {
          segment,
          baseline,
          incident,
          settings,
          dimensions: dims,
          source: isSample
            ? { kind: 'sample', path: defaultSampleDir(userDataDir()), label: 'Funnelscope sample dataset' }
            : undefined,
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'Error') throw new InputError(err.message);
        throw err;
      }
    });
    if (o.modelOut) await writeFile(o.modelOut, JSON.stringify(model, null, 2) + '\n');
    let printed: { pages: number; out: string } | null = null;
    if (o.out) {
      if (!o.quiet) process.stderr.write('printing the PDF…\n');
      try {
        printed = await renderReportPdf(model, { out: o.out, chromiumPath: o.chromium });
      } catch (err) {
        if (err instanceof ReportError) throw new InputError(err.message);
        throw err;
      }
    }
    if (o.json) return printJson(model);
    const k = model.keyFigures;
    process.stdout.write(
      [
        model.headline,
        `Culprit ${model.culprit.exact}; incident ${F.period(model.periods.incident)}; ` +
          `${F.int(k.purchasesLost)} purchases lost; detected ${k.firstCritical ? F.date(k.firstCritical) : 'not yet'}.`,
        printed ? `Wrote ${printed.out} (${F.plural(printed.pages, 'page')}).` : '',
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  });
}
