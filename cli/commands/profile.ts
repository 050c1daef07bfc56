import type { Command } from 'commander';
import { printJson } from '../common.js';
import { datasetOptions, withDataset, type DatasetOptions } from '../dataset.js';
import { table } from '../table.js';

export function register(program: Command): void {
  datasetOptions(
    program
      .command('profile')
      .description('schema, column mapping and data-quality profile of a Parquet folder (default: the sample)')
      .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
      .option('--json', 'machine-readable output'),
  ).action(async (folder: string | undefined, o: DatasetOptions & { json?: boolean }) => {
    await withDataset(folder, o, async (ds) => {
      const p = await ds.profile();
      if (o.json) return printJson(p);
      const n = (x: number) => x.toLocaleString('en-US');
      const out: string[] = [];
      out.push(`Folder   ${ds.folder}`);
      out.push(`Layout   ${p.layout}`);
      out.push(`Range    ${p.range.from ?? '–'} … ${p.range.to ?? '–'}`);
      out.push(`Files    ${n(p.files.read)} read, ${n(p.files.skipped.length)} skipped`);
      for (const s of p.files.skipped) out.push(`  skipped ${s.file}: ${s.reason}`);
      const rejected = Object.entries(p.rows.rejected).filter(([, v]) => v > 0);
      out.push(`Rows     ${n(p.rows.read)} read, ${n(rejected.reduce((a, [, v]) => a + v, 0))} rejected, ${n(p.rows.duplicates)} exact duplicates removed`);
      for (const [reason, count] of rejected) out.push(`  rejected (${reason}): ${n(count)}`);
      out.push('');
      out.push('Mapping');
      out.push(
        table(
          ['canonical', 'column in the data'],
          [
            ['ts', `${p.mapping.ts} (${p.mapping.timeFormat})`],
            ...(['visitor_id', 'session_id', 'event_type', 'item_id', 'transaction_id', 'price', 'quantity'] as const)
              .filter((k) => p.mapping[k])
              .map((k) => [k, String(p.mapping[k])]),
            ...Object.entries(p.mapping.dimensions).map(([k, v]) => [`dimension ${k}`, v]),
          ],
          ['left', 'left'],
        ),
      );
      const dims = Object.entries(p.dimensions);
      if (dims.length) {
        out.push('');
        out.push(table(['dimension', 'distinct values'], dims.map(([k, v]) => [k, n(v as number)])));
      }
      process.stdout.write(out.join('\n') + '\n');
    });
  });
}
