/**
 * `funnelscope replay FOLDER --brokers … --topic T [--rate EVENTS_PER_S | --speedup X] [--from] [--to]
 *  [--layout retailrocket|cosmetics|pipeline] [--key visitor|session] [--partitions N]` — publish a Parquet
 * folder to Kafka in event-time order (see electron/services/live/replay.ts). Progress bar on stderr.
 */
import type { Command } from 'commander';
import { InputError, UsageError, printJson, progress, progressDone } from '../common.js';
import { replay, ReplayInputError, type ReplayProgress } from '../../electron/services/live/replay.js';
import type { ReplayLayout } from '../../electron/services/live/message.js';
import { mappingOption, parseBrokers } from './tap.js';

interface Opts {
  brokers: string;
  topic: string;
  rate?: string;
  speedup?: string;
  from?: string;
  to?: string;
  layout: string;
  key: string;
  partitions: string;
  mapping?: string;
  json?: boolean;
  quiet?: boolean;
}

function bar(p: ReplayProgress): string {
  const share = p.total ? Math.min(1, p.sent / p.total) : 0;
  const width = 24;
  const full = Math.round(share * width);
  return (
    `replay [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(share * 100).toFixed(1)}% ` +
    `${p.sent.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} · ${p.eventsPerSecond.toLocaleString('en-US')} ev/s` +
    (p.eventTime ? ` · ${p.eventTime.slice(0, 19)}Z` : '')
  );
}

export function register(program: Command): void {
  program
    .command('replay')
    .description(
      'publish a Parquet folder to a Kafka topic as JSON events in event-time order (the live demo path)',
    )
    .argument('<folder>', 'Parquet folder (or file) in any known layout')
    .requiredOption('--brokers <list>', 'Kafka bootstrap brokers HOST:PORT[,HOST:PORT…]')
    .requiredOption('--topic <topic>', 'topic to publish to (created when missing)')
    .option('--rate <events_per_s>', 'publish at this many events per second')
    .option('--speedup <x>', 'replay event time x times faster than real time')
    .option('--from <date>', 'only events at or after this date/time')
    .option('--to <date>', 'only events before the end of this date (or before this time)')
    .option('--layout <layout>', 'message layout: retailrocket | cosmetics | pipeline', 'retailrocket')
    .option('--key <by>', 'message key: visitor | session', 'visitor')
    .option('--partitions <n>', 'partitions when the topic is created', '3')
    .option('--mapping <file>', 'mapping JSON for a custom source layout')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (folder: string, o: Opts) => {
      const brokers = parseBrokers(o.brokers);
      if (!['retailrocket', 'cosmetics', 'pipeline'].includes(o.layout))
        throw new UsageError(`--layout must be retailrocket, cosmetics or pipeline (got "${o.layout}")`);
      if (o.key !== 'visitor' && o.key !== 'session')
        throw new UsageError(`--key must be visitor or session (got "${o.key}")`);
      if (o.rate !== undefined && o.speedup !== undefined)
        throw new UsageError('give either --rate or --speedup, not both');
      const num = (name: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!(n > 0)) throw new UsageError(`--${name} must be a number > 0 (got "${v}")`);
        return n;
      };
      const partitions = Number(o.partitions);
      if (!Number.isInteger(partitions) || partitions < 1)
        throw new UsageError(`--partitions must be a whole number ≥ 1 (got "${o.partitions}")`);
      const mapping = mappingOption(o.mapping);
      const ac = new AbortController();
      const onSig = () => ac.abort();
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      try {
        const r = await replay({
          folder,
          brokers,
          topic: o.topic,
          rate: num('rate', o.rate),
          speedup: num('speedup', o.speedup),
          from: o.from,
          to: o.to,
          layout: o.layout as ReplayLayout,
          keyBy: o.key as 'visitor' | 'session',
          partitions,
          mapping,
          signal: ac.signal,
          onProgress: o.quiet ? undefined : (p) => progress(bar(p)),
        });
        if (!o.quiet) progressDone();
        if (o.json) printJson(r);
        else
          process.stdout.write(
            `published ${r.sent.toLocaleString('en-US')} events to ${o.topic}${r.topicCreated ? ' (topic created)' : ''} in ${(r.elapsedMs / 1000).toFixed(1)} s` +
              (r.skipped ? `; ${r.skipped.toLocaleString('en-US')} invalid rows skipped` : '') +
              '\n',
          );
      } catch (e) {
        if (e instanceof ReplayInputError) throw new InputError(e.message);
        throw e;
      } finally {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      }
    });
}
