import type { Command } from 'commander';
import { generateSample, type SampleIncident } from '../../electron/services/sample.js';
import { parseSegment } from '../../core/segments.js';
import { printJson, progress, progressDone, UsageError } from '../common.js';
import { parseDate } from '../dataset.js';

interface Opts {
  events?: string;
  files?: string;
  seed?: string;
  start?: string;
  days?: string;
  incident: boolean;
  incidentSegment?: string;
  incidentStart?: string;
  incidentDays?: string;
  incidentShare?: string;
  json?: boolean;
  quiet?: boolean;
}

function int(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${v}")`);
  return n;
}

export function register(program: Command): void {
  program
    .command('sample')
    .description('write the deterministic sample dataset (Retail Rocket layout, with an injected checkout incident)')
    .argument('<out-dir>', 'folder to write the Parquet files and truth.json into')
    .option('--events <n>', 'number of events (default 2,700,000)')
    .option('--files <n>', 'number of Parquet files (default 2 per day)')
    .option('--seed <n>', 'random seed (default 42)')
    .option('--start <date>', 'first day YYYY-MM-DD')
    .option('--days <n>', 'number of days (default 137)')
    .option('--no-incident', 'generate healthy data only')
    .option('--incident-segment <segment>', 'segment whose checkout fails (default device=mobile,os=ios,browser=safari)')
    .option('--incident-start <date>', 'first day of the incident (default: 14 days before the end)')
    .option('--incident-days <n>', 'length of the incident in days (default 14)')
    .option('--incident-share <x>', 'share 0–1 of the segment’s purchases that fail (default 0.8)')
    .option('--json', 'print truth.json as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (outDir: string, o: Opts) => {
      let incident: SampleIncident | null | undefined;
      if (!o.incident) incident = null;
      else if (o.incidentSegment || o.incidentStart || o.incidentDays || o.incidentShare) {
        const share = o.incidentShare === undefined ? undefined : Number(o.incidentShare);
        if (share !== undefined && !(share > 0 && share <= 1))
          throw new UsageError(`--incident-share must be a number in (0, 1] (got "${o.incidentShare}")`);
        let segment;
        try {
          segment = o.incidentSegment ? parseSegment(o.incidentSegment) : { device: 'mobile', os: 'ios', browser: 'safari' };
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        incident = {
          segment,
          start: o.incidentStart ? parseDate('incident-start', o.incidentStart) : undefined,
          days: int('incident-days', o.incidentDays),
          share,
        };
      }
      const truth = await generateSample(outDir, {
        events: int('events', o.events, 1000),
        files: int('files', o.files),
        seed: int('seed', o.seed, 0),
        startDate: o.start ? parseDate('start', o.start) : undefined,
        days: int('days', o.days, 7),
        incident,
        onProgress: o.quiet
          ? undefined
          : (p) => progress(`day ${p.daysDone}/${p.days}, ${p.events.toLocaleString('en-US')} events`),
      });
      if (!o.quiet) progressDone();
      if (o.json) return printJson(truth);
      const lines = [
        `Wrote ${truth.events.toLocaleString('en-US')} events in ${truth.files} files to ${outDir}`,
        `  ${truth.startDate} … ${truth.endDate} (${truth.days} days), ${truth.visitors.toLocaleString('en-US')} visitors`,
        `  views ${truth.counts.views.toLocaleString('en-US')}, carts ${truth.counts.carts.toLocaleString('en-US')}, purchases ${truth.counts.purchases.toLocaleString('en-US')}`,
        truth.incident
          ? `  incident: ${Object.entries(truth.incident.segment).map(([k, v]) => `${k}=${v}`).join(', ')} from ${truth.incident.start} to ${truth.incident.end}, ${Math.round(truth.incident.share * 100)} % of purchases failed (${truth.incident.purchasesConverted} converted to cart events)`
          : '  no incident injected',
        `  truth.json describes what was injected`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
