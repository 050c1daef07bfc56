/**
 * `funnelscope tap --brokers HOST:PORT[,…] --topic T [--group G] --out FOLDER [--mapping F] [--batch-rows N]
 *  [--batch-seconds S] [--no-compact] [--compact-files N] [--compact-mb MB] [--compact-rows N] [--json]` — Kafka
 * topic → exactly-once Parquet batches in FOLDER/live (see electron/services/live/tap.ts), small batch files
 * merged as they pile up and on stop. Runs until SIGINT/SIGTERM, then flushes the partial batches and exits 0.
 * A status line goes to stderr every second (NDJSON status objects on stdout with --json).
 */
import type { Command } from 'commander';
import { InputError, UsageError, progress, progressDone } from '../common.js';
import { KafkaTap, TapConfigError, type TapStatus } from '../../electron/services/live/tap.js';
import { DEFAULT_COMPACTION, type CompactionPolicy } from '../../electron/services/live/files.js';
import { loadMapping, type LiveMapping } from '../../electron/services/live/message.js';

interface Opts {
  brokers: string;
  topic: string;
  group?: string;
  out: string;
  mapping?: string;
  batchRows?: string;
  batchSeconds?: string;
  compact: boolean;
  compactFiles?: string;
  compactMb?: string;
  compactRows?: string;
  json?: boolean;
  quiet?: boolean;
}

export function parseBrokers(s: string): string[] {
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (!list.length) throw new UsageError('--brokers needs at least one HOST:PORT');
  for (const b of list)
    if (!/^[^\s:,]+:\d{1,5}$/.test(b)) throw new UsageError(`--brokers: "${b}" is not HOST:PORT`);
  return list;
}

/** The `--mapping <file>` option of tap and replay: the mapping it names (none when not given). */
export function mappingOption(file: string | undefined): LiveMapping | undefined {
  if (!file) return undefined;
  try {
    return loadMapping(file);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

export function statusLine(s: TapStatus): string {
  const lag = s.lag === null ? '?' : s.lag.toLocaleString('en-US');
  const err = s.lastError && s.state !== 'connected' ? ` · last error: ${s.lastError}` : '';
  return (
    `tap ${s.topic} [${s.state}] ${s.eventsPerSecond.toLocaleString('en-US')} ev/s · lag ${lag} · ` +
    `${s.totals.events.toLocaleString('en-US')} events · ${s.totals.quarantined.toLocaleString('en-US')} quarantined · ` +
    `${s.totals.batches} files${s.compaction.merges ? ` (${s.compaction.filesMerged} merged into ${s.compaction.mergedFiles})` : ''}${err}`
  );
}

/** The compaction options of `tap`: the policy, or false with --no-compact. */
export function compactionOptions(
  o: Pick<Opts, 'compact' | 'compactFiles' | 'compactMb' | 'compactRows'>,
): false | CompactionPolicy {
  if (!o.compact) return false;
  const num = (
    v: string | undefined,
    flag: string,
    ok: (n: number) => boolean,
    rule: string,
    def: number,
  ) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!ok(n)) throw new UsageError(`${flag} must be ${rule} (got "${v}")`);
    return n;
  };
  return {
    minFiles: num(
      o.compactFiles,
      '--compact-files',
      (n) => Number.isInteger(n) && n >= 2,
      'a whole number ≥ 2',
      DEFAULT_COMPACTION.minFiles,
    ),
    maxBytes:
      num(
        o.compactMb,
        '--compact-mb',
        (n) => n > 0,
        'a number of megabytes > 0',
        DEFAULT_COMPACTION.maxBytes / 2 ** 20,
      ) *
      2 ** 20,
    maxRows: num(
      o.compactRows,
      '--compact-rows',
      (n) => Number.isInteger(n) && n >= 2,
      'a whole number ≥ 2',
      DEFAULT_COMPACTION.maxRows,
    ),
  };
}

export function register(program: Command): void {
  program
    .command('tap')
    .description(
      'read a Kafka topic of JSON events into exactly-once Parquet batches (FOLDER/live), until Ctrl-C',
    )
    .requiredOption('--brokers <list>', 'Kafka bootstrap brokers HOST:PORT[,HOST:PORT…]')
    .requiredOption('--topic <topic>', 'topic to read')
    .requiredOption('--out <folder>', 'output folder (live/ and _quarantine/ are created inside)')
    .option(
      '--group <group>',
      'consumer group to share the topic with other taps (default: read all partitions)',
    )
    .option('--mapping <file>', 'mapping JSON for a custom message layout')
    .option('--batch-rows <n>', 'write a batch after this many messages (default 50000)')
    .option('--batch-seconds <s>', 'write a batch when its oldest message is this old (default 0.5)')
    .option('--no-compact', 'keep every batch file (default: merge small files as they pile up and on stop)')
    .option(
      '--compact-files <n>',
      `merge a partition's small batch files once it has this many (default ${DEFAULT_COMPACTION.minFiles})`,
    )
    .option(
      '--compact-mb <mb>',
      `largest merged file in MB; files of half of it are left alone (default ${DEFAULT_COMPACTION.maxBytes / 2 ** 20})`,
    )
    .option(
      '--compact-rows <n>',
      `most rows in a merged file; files of half of it are left alone (default ${DEFAULT_COMPACTION.maxRows})`,
    )
    .option(
      '--json',
      'NDJSON on stdout: a status object every second, one per written batch and one per compaction merge',
    )
    .option('-q, --quiet', 'no status line on stderr')
    .action(async (o: Opts) => {
      const brokers = parseBrokers(o.brokers);
      const batchRows = o.batchRows === undefined ? undefined : Number(o.batchRows);
      if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows >= 1))
        throw new UsageError(`--batch-rows must be a whole number ≥ 1 (got "${o.batchRows}")`);
      const batchSeconds = o.batchSeconds === undefined ? undefined : Number(o.batchSeconds);
      if (batchSeconds !== undefined && !(batchSeconds > 0))
        throw new UsageError(`--batch-seconds must be > 0 (got "${o.batchSeconds}")`);
      const compaction = compactionOptions(o);
      const mapping = mappingOption(o.mapping);
      const tap = new KafkaTap({
        brokers,
        topic: o.topic,
        out: o.out,
        group: o.group,
        mapping,
        batchRows,
        batchSeconds,
        compaction,
      });
      const emit = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
      tap.on('status', (s: TapStatus) => {
        if (o.json) emit({ type: 'status', ...s });
        if (!o.quiet) progress(statusLine(s));
      });
      if (o.json) {
        tap.on('batch', (b) => emit({ type: 'batch', ...b }));
        tap.on('compaction', (c) => emit({ type: 'compaction', ...c }));
      }
      tap.on('error', () => undefined); // fatal errors are reported by the stop below
      try {
        await tap.start();
      } catch (e) {
        if (e instanceof TapConfigError) throw new InputError(e.message);
        throw e;
      }
      if (!o.quiet)
        process.stderr.write(`tapping ${o.topic} on ${brokers.join(',')} into ${o.out} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        const check = setInterval(() => {
          if (tap.fatalError) {
            clearInterval(check);
            resolve();
          }
        }, 200);
        check.unref();
      });
      await tap.stop();
      if (!o.quiet) {
        progressDone();
        process.stderr.write(statusLine(tap.status()) + '\n');
      }
      if (tap.fatalError) throw new InputError(tap.fatalError.message);
    });
}
