import type { Command } from 'commander';
import type { SourceColumnsResult, SourceValuesResult } from '../../core/contract-mapping.js';
import { MAPPING_FIELDS, suggestEventValues, suggestMapping } from '../../core/mapping-suggest.js';
import { CANONICAL_COLUMNS, type MappingFile } from '../../core/schema.js';
import { DatasetError, sourceColumns, sourceValues } from '../../electron/services/dataset.js';
import { InputError, printJson } from '../common.js';
import { datasetOptions, resolveFolder, withDataset, type DatasetOptions } from '../dataset.js';
import { table } from '../table.js';

/** `profile --columns --json`: the source columns and a suggested mapping JSON (see printColumns). */
export interface ColumnsOutput extends SourceColumnsResult {
  /** the mapping the app's editor would suggest: `{layout}` when a known layout matches, else a custom one */
  suggestedMapping: MappingFile;
  /** required fields no column was found for (the suggestion is incomplete until they are added) */
  unmatched: string[];
  /** the suggested event column's values (custom mappings only), most frequent first */
  eventValues: SourceValuesResult['values'] | null;
}

/**
 * The folder's source columns from the Parquet footers (any layout, nothing is opened) and the mapping the
 * app's editor would suggest (core/mapping-suggest.ts), with the event values of the suggested event column
 * set by their spelling — a starting point for `--mapping FILE`.
 */
async function columnsOf(dir: string): Promise<ColumnsOutput> {
  try {
    const cols = await sourceColumns(dir);
    const s = suggestMapping(cols.columns, cols.readable);
    if (s.layout)
      return { ...cols, suggestedMapping: { layout: s.layout }, unmatched: [], eventValues: null };
    const m = s.mapping;
    const values = m.event_type ? await sourceValues(dir, m.event_type, { limit: 50 }) : null;
    const mapping: MappingFile = {};
    const fields = mapping as Record<string, unknown>;
    for (const f of MAPPING_FIELDS) if (m[f.key]) fields[f.key] = m[f.key];
    if (m.ts) mapping.timeFormat = m.timeFormat;
    if (values) mapping.eventValues = suggestEventValues(values.values.map((v) => v.value));
    mapping.dimensions = m.dimensions;
    return {
      ...cols,
      suggestedMapping: mapping,
      unmatched: MAPPING_FIELDS.filter((f) => f.required && !m[f.key]).map((f) => f.key),
      eventValues: values?.values ?? null,
    };
  } catch (err) {
    if (err instanceof DatasetError) throw new InputError(err.message);
    throw err;
  }
}

async function printColumns(folder: string | undefined, o: DatasetOptions & { json?: boolean }) {
  const dir = await resolveFolder(folder, o.quiet);
  const r = await columnsOf(dir);
  if (o.json) return printJson(r);
  const n = (x: number) => x.toLocaleString('en-US');
  const out: string[] = [];
  out.push(`Folder   ${r.folder}`);
  out.push(
    `Files    ${n(r.files)} found, ${n(r.readable)} readable, ${n(r.unreadable.length)} unreadable · ${n(r.rows)} rows`,
  );
  for (const u of r.unreadable) out.push(`  unreadable ${u.file}: ${u.reason}`);
  out.push('');
  out.push(
    table(
      ['column', 'type', 'files'],
      r.columns.map((c) => [
        c.name,
        c.types.join(' | '),
        c.files < r.readable ? `${c.files}/${r.readable}` : String(c.files),
      ]),
      ['left', 'left', 'right'],
    ),
  );
  out.push('');
  if (r.suggestedMapping.layout) {
    out.push(`Known layout: ${r.suggestedMapping.layout} — no mapping needed.`);
  } else {
    if (r.eventValues?.length)
      out.push(
        `Event values of ${r.suggestedMapping.event_type}: ${r.eventValues.map((v) => `${v.value ?? 'NULL'} (${n(v.rows)})`).join(', ')}`,
      );
    out.push(
      r.unmatched.length
        ? `Suggested mapping (incomplete: no column found for ${r.unmatched.join(', ')}; add them):`
        : 'Suggested mapping (check it, save it to a file and pass --mapping FILE):',
    );
    out.push(JSON.stringify(r.suggestedMapping, null, 2));
  }
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command): void {
  datasetOptions(
    program
      .command('profile')
      .description(
        'schema, column mapping and data-quality profile of a Parquet folder (default: the sample)',
      )
      .argument('[folder]', 'folder of Parquet files (default: the embedded sample)')
      .option('--json', 'machine-readable output')
      .option(
        '--columns',
        "the folder's source columns (Parquet footers only, any layout) and a suggested mapping JSON",
      ),
  ).action(async (folder: string | undefined, o: DatasetOptions & { json?: boolean; columns?: boolean }) => {
    if (o.columns) return printColumns(folder, o);
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
      out.push(
        `Rows     ${n(p.rows.read)} read, ${n(rejected.reduce((a, [, v]) => a + v, 0))} rejected, ${n(p.rows.duplicates)} exact duplicates removed`,
      );
      for (const [reason, count] of rejected) out.push(`  rejected (${reason}): ${n(count)}`);
      out.push('');
      out.push('Mapping');
      out.push(
        table(
          ['canonical', 'column in the data'],
          [
            ['ts', `${p.mapping.ts} (${p.mapping.timeFormat})`],
            ...CANONICAL_COLUMNS.filter((k) => k !== 'ts' && p.mapping[k]).map((k) => [
              k,
              String(p.mapping[k]),
            ]),
            ...Object.entries(p.mapping.dimensions).map(([k, v]) => [`dimension ${k}`, v]),
          ],
          ['left', 'left'],
        ),
      );
      const dims = Object.entries(p.dimensions);
      if (dims.length) {
        out.push('');
        out.push(
          table(
            ['dimension', 'distinct values'],
            dims.map(([k, v]) => [k, n(v as number)]),
          ),
        );
      }
      process.stdout.write(out.join('\n') + '\n');
    });
  });
}
