/**
 * `funnelscope summary [FOLDER] [--from D] [--to D] [--json]`: the daily business KPIs — conversion, cart
 * rate, checkout rate, (session) cart abandonment, AOV, revenue per visitor — and the period's totals.
 * Definitions: core/business.ts and ARCHITECTURE.md "Business metrics".
 */
import type { Command } from 'commander';
import { dailySummary } from '../../electron/services/business.js';
import { UsageError, printJson } from '../common.js';
import { datasetOptions, parseDate, withDataset, type DatasetOptions } from '../dataset.js';
import { fmt, table } from '../table.js';

const money = (n: number | null) =>
  n == null || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function register(program: Command): void {
  datasetOptions(
    program
      .command('summary')
      .description(
        'daily KPIs: conversion, cart rate, checkout rate, cart abandonment, AOV, revenue per visitor',
      )
      .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
      .option('--from <date>', 'first day (YYYY-MM-DD, default: the first day of the data)')
      .option('--to <date>', 'last day (YYYY-MM-DD, default: the last day of the data)')
      .option('--json', 'machine-readable output'),
  ).action(
    async (
      folder: string | undefined,
      o: DatasetOptions & { from?: string; to?: string; json?: boolean },
    ) => {
      const from = o.from === undefined ? undefined : parseDate('from', o.from);
      const to = o.to === undefined ? undefined : parseDate('to', o.to);
      if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
      await withDataset(folder, o, async (ds) => {
        const s = await dailySummary(ds, { from, to });
        if (!s.available) throw new UsageError(s.reason); // not reached: the summary needs no optional column
        const { available: _a, ...out } = s;
        if (o.json) return printJson(out);
        const row = (label: string, d: (typeof s.days)[number] | typeof s.total) => [
          label,
          fmt.int(d.views),
          fmt.int(d.carts),
          fmt.int(d.purchases),
          fmt.int(d.orders),
          s.revenue ? money(d.revenue) : '–',
          fmt.int(d.visitors),
          fmt.pct(d.conversion),
          fmt.pct(d.cartRate),
          fmt.pct(d.checkoutRate),
          fmt.pct(d.abandonment, 1),
          money(d.aov),
          money(d.revenuePerVisitor),
        ];
        const lines = [
          `Period   ${s.period.from || '–'} … ${s.period.to || '–'}   (sessions: ${s.sessions === 'column' ? 'session column' : '30-minute inactivity gap'}${s.revenue ? '' : '; no price column: revenue, AOV and revenue per visitor unavailable'})`,
          '',
          table(
            [
              'date',
              'views',
              'carts',
              'purchases',
              'orders',
              'revenue',
              'visitors',
              'conversion',
              'cart rate',
              'checkout',
              'abandon',
              'AOV',
              'rev/visitor',
            ],
            [...s.days.map((d) => row(d.date, d)), row('total', s.total)],
          ),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      });
    },
  );
}
