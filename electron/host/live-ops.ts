/**
 * Host operations of the live Kafka tap (issue 5), composed into the host by createHost (operations.ts).
 *
 * - liveConnect starts a KafkaTap (electron/services/live/tap.ts, the service `funnelscope tap` runs) in the
 *   host process, writing into the target folder (default `<user data>/live/<topic>`, a folder of its own per
 *   topic so the folder stays exactly the topic and a reconnect resumes from its files). A running tap is
 *   stopped (flushed) first. The settings are remembered in the settings file once connected.
 * - While it runs the host pushes a `live` status event at every tap status (≥ 1/s) and on state changes.
 * - Every durable batch is added to each open dataset whose folder contains it (Dataset.addFiles: only the
 *   new files are read, only the affected days recomputed); then a `liveData` event tells the renderer, which
 *   reloads the cube of the dataset on screen. Batches arriving while an addition runs are coalesced into the
 *   next one. A dataset opened on the folder while the tap runs is caught up at the next status tick.
 * - liveDisconnect and the host's close() stop the tap, flushing the last partial batch into a file (which is
 *   then added to the open datasets too).
 * - The tap compacts its small batch files (files.ts BatchWriter.compact). Each compaction runs under
 *   `compactionLock`: pending additions are applied first (every dataset then reads every file about to be
 *   merged) and no addition runs until it ends. After each merged file's rename and before the small files
 *   are retired, `onCompaction` swaps them for the merged file in every open dataset that reads them
 *   (Dataset.replaceFiles: same rows, so the cached cubes stay); a dataset that cannot swap keeps the small
 *   files (the tap then keeps them too — they are covered, so readers skip them, and its next start deletes
 *   them). A dataset opened meanwhile follows the session's merges in order at its catch-up (`follow`).
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  HostError,
  type LiveConnectRequest,
  type LiveDataEvent,
  type LivePoint,
  type LiveSettings,
  type LiveStatus,
} from '../../core/contract.js';
import type { AddFilesResult, Dataset } from '../services/dataset.js';
import {
  KEEP_REPLACED_MS,
  KafkaTap,
  TapConfigError,
  type TapBatchEvent,
  type TapCompactionEvent,
  type TapStatus,
} from '../services/live/tap.js';
import { mappingSchema as liveMappingSchema, type LiveMapping } from '../services/live/message.js';
import { within, type HostExtension, type HostInternals, type OpenEntry } from './operations.js';

/** sparkline points kept (one per status tick ≈ 1 s) */
const HISTORY_POINTS = 180;
/** how long liveConnect waits for the brokers before it answers with an error */
const CONNECT_TIMEOUT_MS = 8000;
/**
 * Batch window of the app's tap: half the CLI's 0.5 s, because in the app a batch is only the first step towards
 * "visible in the open dataset" (addFiles follows); FUNNELSCOPE_LIVE_BATCH_SECONDS overrides it (bench).
 */
const liveBatchSeconds = () => Number(process.env.FUNNELSCOPE_LIVE_BATCH_SECONDS) || 0.25;
/** FUNNELSCOPE_LIVE_COMPACT_FILES overrides the tap's compaction threshold (tests, bench); 0 turns it off */
function liveCompaction(): KafkaTapCompaction | undefined {
  const v = process.env.FUNNELSCOPE_LIVE_COMPACT_FILES;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return n === 0 ? false : Number.isInteger(n) && n >= 2 ? { minFiles: n } : undefined;
}

export interface LiveExtensionOptions {
  /** override the tap's connect timeout (tests) */
  connectTimeoutMs?: number;
  /** batch limits of the tap (tests, bench) */
  batchRows?: number;
  batchSeconds?: number;
  /** compaction policy of the tap (tests, bench; default the tap's, false: off) */
  compaction?: KafkaTapCompaction;
}
type KafkaTapCompaction = ConstructorParameters<typeof KafkaTap>[0]['compaction'];

const sanitize = (topic: string) => topic.replace(/[^A-Za-z0-9._-]/g, '_');

export function liveExtension(
  host: HostInternals,
  opts: LiveExtensionOptions = {},
): HostExtension<'liveConnect' | 'liveDisconnect' | 'liveStatus'> {
  let tap: KafkaTap | null = null;
  let connection: LiveStatus['connection'] = null;
  let lastTapStatus: TapStatus | null = null;
  let history: LivePoint[] = [];
  let files = 0;
  let lastBatchAt: number | null = null;
  let latestEventMs: number | null = null;
  /** batch files waiting to be added to the open datasets */
  let pending: string[] = [];
  let adding: Promise<void> | null = null;
  /** a compaction is running: additions wait (scheduleAdd is called again when it ends) */
  let compacting = false;
  let compactionChain: Promise<unknown> = Promise.resolve();
  /**
   * this session's recent merges, in order (a dataset that listed the folder before some follows them on
   * catch-up); entries go after twice the time the tap keeps merged-away files — a dataset that listed the folder
   * earlier could not read those files any more anyway — so the log stays small in long sessions
   */
  let mergeLog: TapCompactionEvent[] = [];
  const mergeAt = new WeakMap<TapCompactionEvent, number>();
  /** open datasets (by id) already caught up with the folder */
  const synced = new Set<string>();
  let connectChain: Promise<unknown> = Promise.resolve();
  let stopping = false;

  const remembered = (): LiveSettings | null => host.settings?.liveSettings() ?? null;

  function status(): LiveStatus {
    const s = lastTapStatus;
    return {
      state: tap
        ? (s?.state ?? 'starting')
        : stopping
          ? 'stopping'
          : s?.state === 'failed'
            ? 'failed'
            : 'stopped',
      connection,
      partitions: (s?.partitions ?? []).map((p) => ({ ...p })),
      lag: s?.lag ?? null,
      eventsPerSecond: tap ? (s?.eventsPerSecond ?? 0) : 0,
      totals: s ? { ...s.totals } : { messages: 0, events: 0, quarantined: 0, batches: 0, filesSkipped: 0 },
      lastError: s?.lastError ?? null,
      lastErrorAt: s?.lastErrorAt ?? null,
      files,
      // (the tap counts a merge once every open dataset followed it)
      compaction: {
        merges: s?.compaction.merges ?? 0,
        filesMerged: s?.compaction.filesMerged ?? 0,
        mergedFiles: s?.compaction.mergedFiles ?? 0,
      },
      lastBatchAt,
      latestEventAt: latestEventMs === null ? null : new Date(latestEventMs).toISOString(),
      history: [...history],
      remembered: remembered(),
      at: new Date().toISOString(),
    };
  }

  const push = () => host.emit({ type: 'live', status: status() });

  /** open datasets whose folder holds the tap's folder (or is inside it) and can grow */
  function targets(): { entry: OpenEntry; dataset: Dataset }[] {
    if (!connection) return [];
    const out = connection.folder;
    return host
      .openEntries()
      .filter((e) => within(e.folder, out) || within(out, e.folder))
      .filter((e) => typeof (e.dataset as Partial<Dataset>).addFiles === 'function')
      .map((e) => ({ entry: e, dataset: e.dataset as unknown as Dataset }));
  }

  /** a `liveData` event for what an addition brought (none when nothing) */
  function announce(entry: OpenEntry, r: AddFilesResult): void {
    if (!r.added.length) return;
    if (r.latestEventMs !== null && (latestEventMs === null || r.latestEventMs > latestEventMs))
      latestEventMs = r.latestEventMs;
    const event: LiveDataEvent = {
      type: 'liveData',
      datasetId: entry.id,
      folder: entry.folder,
      files: r.added.length,
      addedFiles: r.added,
      events: r.events,
      days: r.days,
      latestEventAt: latestEventMs === null ? null : new Date(latestEventMs).toISOString(),
      visibleAt: Date.now(),
      addMs: r.ms,
    };
    host.emit(event);
  }

  /**
   * Make a dataset follow merges (in order): for each merge of files it reads, the files of the merge it has
   * not read yet (written after it listed the folder; the tap keeps merged-away files for KEEP_REPLACED_MS)
   * are added first, then all of them are swapped for the merged file — the rows stay exactly the same.
   */
  async function follow(entry: OpenEntry, dataset: Dataset, log: readonly TapCompactionEvent[]) {
    for (const m of log) {
      const read = new Set(dataset.files);
      if (read.has(m.file) || !m.replaced.some((f) => read.has(f))) continue;
      if (typeof (dataset as Partial<Dataset>).replaceFiles !== 'function')
        throw new Error('this dataset cannot swap files');
      const missing = m.replaced.filter((f) => !read.has(f));
      if (missing.length) {
        const r = await dataset.addFiles(missing);
        if (r.skipped.length)
          throw new Error(`cannot read ${r.skipped.map((x) => x.file).join(', ')}: ${r.skipped[0].reason}`);
        announce(entry, r);
      }
      await dataset.replaceFiles(m.replaced, [m.file]);
    }
  }

  /**
   * One round of additions: the pending files to the datasets caught up, everything new to the others.
   * Answers false when there was nothing to do.
   */
  async function addOnce(): Promise<boolean> {
    const list = targets();
    const batch = pending;
    pending = [];
    const unsynced = list.filter((t) => !synced.has(t.entry.id));
    if (!batch.length && !unsynced.length) return false;
    for (const { entry, dataset } of list) {
      try {
        if (synced.has(entry.id))
          announce(entry, await dataset.addFiles(batch.filter((f) => within(entry.folder, f))));
        else {
          // a dataset not caught up follows the merges since it listed its folder, then lists it again
          // (files written while it was being opened)
          await follow(entry, dataset, mergeLog);
          announce(entry, await dataset.addFiles());
        }
      } catch (e) {
        // a closed dataset (the user opened another) is simply left out
        if ((e as { code?: string }).code !== 'CLOSED')
          console.warn(`live: adding batches to ${entry.folder} failed: ${(e as Error).message}`);
      }
      // (also after an error: retrying at once would fail again)
      synced.add(entry.id);
    }
    return true;
  }

  /** add the pending files (or, for datasets not caught up yet, everything new under their folder) */
  function scheduleAdd(): Promise<void> {
    if (adding) return adding;
    if (compacting) return Promise.resolve();
    const run = async () => {
      // a compaction waiting stops the rounds (it does the last one itself)
      while (!compacting && (await addOnce()));
    };
    // (cleared after the assignment: a run that finishes synchronously must not leave `adding` set)
    adding = run().finally(() => {
      adding = null;
    });
    return adding;
  }

  /**
   * The tap's compactionLock: no addition runs while a compaction does; the one in flight finishes its round,
   * then one more round adds every batch announced so far (so each open dataset reads every file about to be
   * merged) before the compaction starts.
   */
  function compactionLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = compactionChain.then(async () => {
      compacting = true;
      try {
        while (adding) await adding;
        await addOnce();
        return await fn();
      } finally {
        compacting = false;
        void scheduleAdd();
      }
    });
    compactionChain = run.catch(() => undefined);
    return run;
  }

  /** a merged file is in place: every open dataset reading the files it replaces reads it instead */
  async function onCompaction(c: TapCompactionEvent): Promise<void> {
    const replaced = new Set(c.replaced);
    pending = pending.filter((f) => !replaced.has(f));
    const now = Date.now();
    mergeAt.set(c, now);
    mergeLog = mergeLog.filter((m) => now - (mergeAt.get(m) ?? now) <= 2 * KEEP_REPLACED_MS);
    mergeLog.push(c);
    const failures: string[] = [];
    // (a dataset not caught up yet follows the whole log, in order, at its catch-up)
    for (const { entry, dataset } of targets().filter((t) => synced.has(t.entry.id))) {
      try {
        await follow(entry, dataset, [c]);
      } catch (e) {
        if ((e as { code?: string }).code === 'CLOSED') continue;
        failures.push(`${entry.folder}: ${(e as Error).message}`);
      }
    }
    // the tap keeps the small files when a dataset still reads them
    if (failures.length) throw new Error(`open datasets could not follow the merge: ${failures.join('; ')}`);
  }

  function onBatch(b: TapBatchEvent): void {
    files++;
    lastBatchAt = b.visibleAt;
    pending.push(b.file);
    void scheduleAdd();
  }

  function onStatus(s: TapStatus): void {
    lastTapStatus = s;
    history.push({ at: Date.parse(s.at) || Date.now(), eventsPerSecond: s.eventsPerSecond, lag: s.lag });
    if (history.length > HISTORY_POINTS) history = history.slice(-HISTORY_POINTS);
    push();
    // datasets opened on the folder since the last tick are caught up
    if (targets().some((t) => !synced.has(t.entry.id))) void scheduleAdd();
  }

  async function resolveFolder(req: LiveConnectRequest): Promise<string> {
    if (!req.folder) {
      const dir = path.join(host.options.userDataDir, 'live', sanitize(req.topic));
      await mkdir(dir, { recursive: true });
      return host.addAllowed(dir);
    }
    const wanted = path.resolve(req.folder);
    const exists = await stat(wanted).then(
      (s) => s,
      () => null,
    );
    if (exists) {
      if (!exists.isDirectory())
        throw new HostError('NOT_A_FOLDER', `Live target "${wanted}" is a file; choose a folder`);
      return host.checkFolder(wanted);
    }
    // a new folder inside one the user chose
    const parent = await host.checkFolder(path.dirname(wanted));
    const dir = path.join(parent, path.basename(wanted));
    await mkdir(dir, { recursive: true });
    return realpath(dir);
  }

  async function stopTap(): Promise<void> {
    const t = tap;
    if (!t) return;
    tap = null;
    // (the stop flushes, and merges what is left: the status says "stopping" until it is done)
    stopping = true;
    try {
      await t.stop();
      lastTapStatus = t.status();
    } finally {
      stopping = false;
      t.removeAllListeners();
      t.on('error', () => undefined);
    }
    // the flushed last batch reaches the open datasets before we answer
    await scheduleAdd();
    push();
  }

  async function connect(req: LiveConnectRequest): Promise<LiveStatus> {
    let mapping: LiveMapping | undefined;
    if (req.mapping) {
      const parsed = liveMappingSchema.safeParse(req.mapping);
      if (!parsed.success)
        throw new HostError(
          'INVALID_REQUEST',
          `Invalid request for "liveConnect": mapping: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      mapping = parsed.data;
    }
    const folder = await resolveFolder(req);
    await stopTap();
    const t = new KafkaTap({
      brokers: req.brokers,
      topic: req.topic,
      group: req.group,
      out: folder,
      mapping,
      connectTimeoutMs: opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      batchRows: opts.batchRows,
      batchSeconds: opts.batchSeconds ?? liveBatchSeconds(),
      compaction: opts.compaction ?? liveCompaction(),
      compactionLock,
      onCompaction,
    });
    connection = { brokers: req.brokers, topic: req.topic, group: req.group ?? null, folder };
    files = 0;
    mergeLog = [];
    lastBatchAt = null;
    latestEventMs = null;
    history = [];
    lastTapStatus = null;
    synced.clear();
    t.on('status', onStatus);
    t.on('batch', onBatch);
    t.on('error', (e: Error) => {
      lastTapStatus = {
        ...(lastTapStatus ?? t.status()),
        lastError: e.message,
        lastErrorAt: new Date().toISOString(),
      };
      push();
    });
    tap = t;
    push();
    try {
      await t.start();
    } catch (e) {
      tap = null;
      t.removeAllListeners();
      const message = (e instanceof Error ? e.message : String(e)).replace(/\.:/g, ':');
      lastTapStatus = {
        ...t.status(),
        state: 'failed',
        lastError: message,
        lastErrorAt: new Date().toISOString(),
      };
      push();
      if (e instanceof TapConfigError) throw new HostError('INVALID_REQUEST', `Live ▸ Connect: ${message}`);
      throw new HostError('INTERNAL', `Live ▸ Connect failed: ${message}`);
    }
    const settings: LiveSettings = { brokers: req.brokers.join(','), topic: req.topic };
    if (req.group) settings.group = req.group;
    if (req.folder) settings.folder = req.folder;
    host.settings?.setLiveSettings(settings);
    lastTapStatus = t.status();
    push();
    return status();
  }

  return {
    impl: {
      liveConnect: (req) => {
        // one connect/disconnect at a time
        const run = connectChain.then(
          () => connect(req),
          () => connect(req),
        );
        connectChain = run.catch(() => undefined);
        return run;
      },
      liveDisconnect: () => {
        const run = connectChain.then(async () => {
          await stopTap();
          return status();
        });
        connectChain = run.catch(() => undefined);
        return run;
      },
      liveStatus: async () => status(),
    },
    async close() {
      await connectChain.catch(() => undefined);
      await stopTap().catch(() => undefined);
    },
  };
}
