/**
 * The Kafka tap: Kafka topic → exactly-once Parquet batches in FOLDER/live (see files.ts for the layout).
 *
 * Plain Node (no `electron` import): used by `funnelscope tap`, by the app's main/utility process and by tests.
 *
 *   const tap = new KafkaTap({ brokers: ['127.0.0.1:9092'], topic: 'events', out: '/data/shop' });
 *   tap.on('status', (s: TapStatus) => …);      // every statusIntervalMs and on state changes
 *   tap.on('batch', (b: TapBatchEvent) => …);   // a new durable, readable Parquet file
 *   tap.on('quarantine', (q) => …);             // a malformed message (also written to FOLDER/_quarantine)
 *   await tap.start();                          // resolves once connected and positioned (throws on bad config)
 *   await tap.stop();                           // flushes the partial batches, commits, disconnects
 *
 * It runs its own fetch loop on @platformatic/kafka's low-level `Consumer.fetch` so that it — not the client —
 * owns every offset: a partition starts at max(last offset on disk + 1, committed offset), else at the earliest
 * offset; offsets are committed only after the batch file is durable. Without `group` the tap reads all
 * partitions (manual assignment, commits under `funnelscope-tap`); with `group` it joins that consumer group,
 * drops the unflushed buffers of revoked partitions and starts new ones from the files on disk.
 *
 * Compaction: after every `compaction.minFiles` batches of a partition, and for every owned partition on stop,
 * runs of small batch files are merged (files.ts BatchWriter.compact) in the partition's write chain, so never
 * while a batch of it is written. `onCompaction` is awaited between the merged file's rename and the deletes
 * (the host swaps its open datasets over); `compactionLock` wraps each compaction (the host holds off its
 * additions meanwhile). A 'compaction' event follows each merge.
 */
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { Admin, Consumer, ResponseError } from '@platformatic/kafka';
import {
  BatchWriter,
  DEFAULT_COMPACTION,
  diskEndOffset,
  type CompactionPolicy,
  type CompactionResult,
  prepareOutFolder,
  type PendingBatch,
  type QuarantineRecord,
  type WrittenBatch,
} from './files.js';
import { normalizeMessage, type LiveMapping, type LiveEvent } from './message.js';

export interface TapOptions {
  /** HOST:PORT list */
  brokers: string[];
  topic: string;
  /** output FOLDER (live/ and _quarantine/ are created inside) */
  out: string;
  /** consumer group; when given the tap shares partitions with other members of the group */
  group?: string;
  mapping?: LiveMapping;
  /** a batch is written when it holds this many messages (default 50,000) */
  batchRows?: number;
  /** … or when its oldest message is this old (default 0.5 s) */
  batchSeconds?: number;
  /** status event interval (default 1000 ms) */
  statusIntervalMs?: number;
  clientId?: string;
  /** give up start() when the brokers cannot be reached for this long (default 30 s); later outages are retried forever */
  connectTimeoutMs?: number;
  /**
   * merging of small batch files (default: on, files.ts DEFAULT_COMPACTION: ≥ 64 small files, merged files up to
   * 128 MB / 2 M rows); false turns it off
   */
  compaction?: false | Partial<CompactionPolicy & { keepReplacedMs: number }>;
  /** awaited after a merged file is in place, before the files it replaces are deleted (throw to keep them) */
  onCompaction?: (c: TapCompactionEvent) => Promise<void>;
  /** wraps every compaction run (e.g. to hold off readers that list the folder) */
  compactionLock?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface TapPartitionStatus {
  partition: number;
  /** next offset the tap will read */
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
  /** messages buffered, not yet in a file */
  buffered: number;
}

export type TapState = 'starting' | 'connected' | 'reconnecting' | 'failed' | 'stopping' | 'stopped';

export interface TapStatus {
  state: TapState;
  connected: boolean;
  topic: string;
  group: string;
  brokers: string[];
  /** partitions this tap owns right now */
  partitions: TapPartitionStatus[];
  /** total lag over owned partitions (null until known) */
  lag: number | null;
  /** messages consumed per second over the last interval */
  eventsPerSecond: number;
  totals: { messages: number; events: number; quarantined: number; batches: number; filesSkipped: number };
  /**
   * since start: merges done, batch files merged away (a merged file merged again is not counted twice) and
   * merged files still on disk
   */
  compaction: { merges: number; filesMerged: number; mergedFiles: number; lastError: string | null };
  lastError: string | null;
  lastErrorAt: string | null;
  at: string;
}

export interface TapBatchEvent {
  file: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  rows: number;
  quarantined: number;
  quarantineFile: string | null;
  /** epoch ms when the file became durable and readable */
  visibleAt: number;
}

/** One compaction merge: `file` holds exactly the rows of `replaced` (deleted right after). */
export interface TapCompactionEvent {
  partition: number;
  file: string;
  firstOffset: string;
  lastOffset: string;
  rows: number;
  bytes: number;
  replaced: string[];
  replacedBytes: number;
}

export interface TapQuarantineEvent {
  partition: number;
  offset: string;
  reason: string;
}

export class TapConfigError extends Error {}

/**
 * How long merged-away batch files stay (covered, so readers skip them) before the tap deletes them: a reader
 * that listed the folder just before a merge — a dataset being opened — can still read them and then follow
 * the merge (the host's live operations do).
 */
export const KEEP_REPLACED_MS = 60_000;

interface PartState {
  partition: number;
  nextOffset: bigint;
  leaderEpoch: number;
  highWatermark: bigint | null;
  bufStart: bigint | null;
  bufFirstAt: number;
  events: LiveEvent[];
  offsets: bigint[];
  quarantine: QuarantineRecord[];
  /** messages in buffer (valid + quarantined) */
  count: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errMsg = (e: unknown) => {
  if (e instanceof Error) {
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length && inner[0] instanceof Error)
      return `${e.message}: ${inner[0].message}`;
    return e.message;
  }
  return String(e);
};

export class KafkaTap extends EventEmitter {
  readonly options: Required<
    Omit<TapOptions, 'mapping' | 'group' | 'compaction' | 'onCompaction' | 'compactionLock'>
  > & {
    group: string | null;
    mapping?: LiveMapping;
    /** null: compaction off */
    compaction: (CompactionPolicy & { keepReplacedMs: number }) | null;
    onCompaction?: (c: TapCompactionEvent) => Promise<void>;
    compactionLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  };
  private consumer: Consumer | null = null;
  private writer: BatchWriter;
  private parts = new Map<number, PartState>();
  private numPartitions = 0;
  private topicId: string | null = null;
  private leaders = new Map<number, number>();
  private state: TapState = 'stopped';
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private writeChains = new Map<number, Promise<void>>();
  /** per partition: messages handed to the writer whose file is not durable yet */
  private writing = new Map<number, number>();
  /** batches handed to the writer and not settled yet (backpressure: at most 6 before fetching more) */
  private inflight = new Set<Promise<void>>();
  private statusTimer: NodeJS.Timeout | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private totals = { messages: 0, events: 0, quarantined: 0, batches: 0, filesSkipped: 0 };
  private rateMark = { at: Date.now(), messages: 0 };
  private eventsPerSecond = 0;
  private generation = 0;
  private fatal: Error | null = null;
  private compactionTotals = { merges: 0, filesMerged: 0, mergedFiles: 0, lastError: null as string | null };
  /** merged files of this run still on disk */
  private mergedOutputs = new Set<string>();
  /** merged-away files kept for a while (covered: readers skip them), deleted once `keepReplacedMs` old */
  private retired: { files: string[]; at: number }[] = [];
  /** batches written per partition since its last compaction check */
  private sinceCheck = new Map<number, number>();

  constructor(options: TapOptions) {
    super();
    if (!options.brokers.length) throw new TapConfigError('no brokers given');
    for (const b of options.brokers)
      if (!/^[^\s:]+:\d+$/.test(b)) throw new TapConfigError(`broker address "${b}" is not HOST:PORT`);
    if (!options.topic) throw new TapConfigError('no topic given');
    const batchRows = options.batchRows ?? 50_000;
    const batchSeconds = options.batchSeconds ?? 0.5;
    if (!(batchRows >= 1)) throw new TapConfigError('batchRows must be ≥ 1');
    if (!(batchSeconds > 0)) throw new TapConfigError('batchSeconds must be > 0');
    const compaction =
      options.compaction === false
        ? null
        : { ...DEFAULT_COMPACTION, keepReplacedMs: KEEP_REPLACED_MS, ...(options.compaction ?? {}) };
    if (compaction) {
      if (!(Number.isInteger(compaction.minFiles) && compaction.minFiles >= 2))
        throw new TapConfigError('compaction.minFiles must be a whole number ≥ 2');
      if (!(compaction.maxBytes > 0)) throw new TapConfigError('compaction.maxBytes must be > 0');
      if (!(compaction.maxRows >= 2)) throw new TapConfigError('compaction.maxRows must be ≥ 2');
      if (!(compaction.keepReplacedMs >= 0))
        throw new TapConfigError('compaction.keepReplacedMs must be ≥ 0');
    }
    this.options = {
      brokers: options.brokers,
      topic: options.topic,
      out: options.out,
      group: options.group ?? null,
      mapping: options.mapping,
      batchRows,
      batchSeconds,
      statusIntervalMs: options.statusIntervalMs ?? 1000,
      clientId: options.clientId ?? 'funnelscope-tap',
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      compaction,
      onCompaction: options.onCompaction,
      compactionLock: options.compactionLock,
    };
    this.writer = new BatchWriter(options.out);
  }

  get groupId(): string {
    return this.options.group ?? 'funnelscope-tap';
  }

  status(): TapStatus {
    const partitions: TapPartitionStatus[] = [...this.parts.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => ({
        partition: p.partition,
        nextOffset: p.nextOffset.toString(),
        highWatermark: p.highWatermark === null ? null : p.highWatermark.toString(),
        lag: p.highWatermark === null ? null : Math.max(0, Number(p.highWatermark - p.nextOffset)),
        buffered: p.count + (this.writing.get(p.partition) ?? 0),
      }));
    const lags = partitions.map((p) => p.lag);
    return {
      state: this.state,
      connected: this.state === 'connected',
      topic: this.options.topic,
      group: this.groupId,
      brokers: this.options.brokers,
      partitions,
      lag: lags.length && lags.every((l) => l !== null) ? lags.reduce((a, b) => a! + b!, 0) : null,
      eventsPerSecond: this.eventsPerSecond,
      totals: { ...this.totals },
      compaction: { ...this.compactionTotals },
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      at: new Date().toISOString(),
    };
  }

  private setState(s: TapState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('status', this.status());
  }

  private noteError(e: unknown): void {
    this.lastError = errMsg(e);
    this.lastErrorAt = new Date().toISOString();
  }

  /** Connect, check the topic, position every partition, and start the fetch loop. */
  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new TapConfigError('tap already started');
    this.stopping = false;
    this.state = 'starting';
    const removed = prepareOutFolder(this.options.out).removedTmp;
    if (removed.length) this.totals.filesSkipped += removed.length;
    this.consumer = new Consumer({
      clientId: this.options.clientId,
      groupId: this.groupId,
      bootstrapBrokers: this.options.brokers,
      retries: 1,
      retryDelay: 250,
      connectTimeout: 3000,
      requestTimeout: 15_000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 15_000,
    });
    this.consumer.on('consumer:group:join', () => {
      this.generation++;
      void this.onAssignment();
    });
    this.consumer.on('consumer:heartbeat:error', (p: { error: Error }) => this.noteError(p.error));
    this.consumer.on('client:broker:disconnect', () => {
      if (this.state === 'connected' && !this.stopping) {
        this.noteError(new Error('connection to the Kafka broker lost'));
        this.setState('reconnecting');
      }
    });
    this.consumer.on('client:broker:failed', (p: { error?: Error }) => {
      if (this.state === 'connected' && !this.stopping) {
        this.noteError(p.error ?? new Error('cannot connect to the Kafka broker'));
        this.setState('reconnecting');
      }
    });
    const deadline = Date.now() + this.options.connectTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.loadMetadata(true);
        break;
      } catch (e) {
        if (e instanceof TapConfigError) {
          await this.shutdownClient();
          this.state = 'stopped';
          throw e;
        }
        this.noteError(e);
        if (Date.now() > deadline) {
          await this.shutdownClient();
          this.state = 'stopped';
          throw new TapConfigError(`cannot reach Kafka at ${this.options.brokers.join(',')}: ${errMsg(e)}`);
        }
        await sleep(Math.min(2000, 200 * 2 ** attempt));
      }
    }
    if (this.options.group) {
      this.consumer.topics.track(this.options.topic);
      // a fresh broker answers COORDINATOR_NOT_AVAILABLE until its offsets topic exists: retry until the deadline
      for (let attempt = 0; ; attempt++) {
        try {
          await this.consumer.joinGroup({
            sessionTimeout: 10_000,
            heartbeatInterval: 1000,
            rebalanceTimeout: 15_000,
          });
          break;
        } catch (e) {
          this.noteError(e);
          if (Date.now() > deadline) {
            await this.shutdownClient();
            this.state = 'stopped';
            throw new TapConfigError(`cannot join consumer group "${this.options.group}": ${errMsg(e)}`);
          }
          await sleep(Math.min(2000, 200 * 2 ** attempt));
        }
      }
      await this.onAssignment();
    } else {
      await this.assign([...Array(this.numPartitions).keys()]);
    }
    this.setState('connected');
    this.statusTimer = setInterval(() => this.tickStatus(), this.options.statusIntervalMs);
    this.loopDone = this.loop();
  }

  private tickStatus(): void {
    const now = Date.now();
    const dt = (now - this.rateMark.at) / 1000;
    if (dt > 0) this.eventsPerSecond = Math.round((this.totals.messages - this.rateMark.messages) / dt);
    this.rateMark = { at: now, messages: this.totals.messages };
    this.emit('status', this.status());
  }

  private async loadMetadata(forStart = false): Promise<void> {
    const admin = this.consumer!;
    let md;
    try {
      md = await admin.metadata({ topics: [this.options.topic], forceUpdate: true });
    } catch (e) {
      const m = errMsg(e);
      if (
        /UNKNOWN_TOPIC|does not host this topic|unknown topic/i.test(m) ||
        /code 3\b/.test(m) ||
        hasCode(e, 3)
      ) {
        throw new TapConfigError(
          `topic "${this.options.topic}" does not exist on ${this.options.brokers.join(',')}`,
        );
      }
      throw e;
    }
    const t = md.topics.get(this.options.topic);
    if (!t)
      throw new TapConfigError(
        `topic "${this.options.topic}" does not exist on ${this.options.brokers.join(',')}`,
      );
    this.topicId = t.id;
    if (forStart || t.partitionsCount !== this.numPartitions) this.numPartitions = t.partitionsCount;
    this.leaders.clear();
    t.partitions.forEach((p, i) => {
      this.leaders.set(i, p.leader);
      const st = this.parts.get(i);
      if (st) st.leaderEpoch = p.leaderEpoch;
    });
  }

  /** Group mode: align owned partitions with the coordinator's assignment. */
  private async onAssignment(): Promise<void> {
    if (!this.options.group || !this.consumer) return;
    const a = this.consumer.assignments?.find((x) => x.topic === this.options.topic);
    const owned = new Set(a?.partitions ?? []);
    for (const p of [...this.parts.keys()]) if (!owned.has(p)) this.parts.delete(p); // drop unflushed buffers
    const added = [...owned].filter((p) => !this.parts.has(p));
    if (added.length) await this.assign(added).catch((e) => this.noteError(e));
  }

  /** Position partitions: max(disk end + 1, committed), else earliest. */
  private async assign(partitions: number[]): Promise<void> {
    const c = this.consumer!;
    const topic = this.options.topic;
    let committed: bigint[] = [];
    try {
      const m = await c.listCommittedOffsets({ topics: [{ topic, partitions }] });
      committed = m.get(topic) ?? [];
    } catch (e) {
      this.noteError(e);
    }
    const earliest =
      (await c.listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp: -2n })).get(
        topic,
      ) ?? [];
    for (const p of partitions) {
      const disk = diskEndOffset(this.options.out, p) + 1n;
      const com = committed[p] ?? -1n;
      let start = disk > com ? disk : com;
      const e = earliest[p] ?? 0n;
      if (start <= 0n) start = e;
      this.parts.set(p, {
        partition: p,
        nextOffset: start,
        leaderEpoch: -1,
        highWatermark: null,
        bufStart: null,
        bufFirstAt: 0,
        events: [],
        offsets: [],
        quarantine: [],
        count: 0,
      });
    }
  }

  private async loop(): Promise<void> {
    let backoff = 250;
    while (!this.stopping) {
      try {
        if (!this.topicId) await this.loadMetadata();
        const byLeader = new Map<number, PartState[]>();
        for (const st of this.parts.values()) {
          const leader = this.leaders.get(st.partition);
          if (leader === undefined || leader < 0) throw new Error(`partition ${st.partition} has no leader`);
          let l = byLeader.get(leader);
          if (!l) byLeader.set(leader, (l = []));
          l.push(st);
        }
        if (byLeader.size === 0) {
          await sleep(100);
          this.flushDue(false);
          continue;
        }
        const gen = this.generation;
        await Promise.all(
          [...byLeader].map(async ([node, states]) => {
            const requested = new Map(states.map((s) => [s.partition, s.nextOffset]));
            let response;
            try {
              response = await this.consumer!.fetch({
                node,
                topics: [
                  {
                    topicId: this.topicId!,
                    partitions: states.map((s) => ({
                      partition: s.partition,
                      fetchOffset: s.nextOffset,
                      partitionMaxBytes: 4 * 1024 * 1024,
                      currentLeaderEpoch: -1,
                      lastFetchedEpoch: -1,
                    })),
                  },
                ],
                maxWaitTime: 100,
                minBytes: 1,
                maxBytes: 16 * 1024 * 1024,
              });
            } catch (e) {
              const resp =
                e instanceof ResponseError
                  ? (e as unknown as { response?: typeof response }).response
                  : undefined;
              if (!resp) throw e;
              response = resp;
            }
            if (gen !== this.generation) return; // assignment changed while fetching: drop
            this.absorb(response!, requested);
          }),
        );
        if (this.state !== 'connected' && !this.stopping) this.setState('connected');
        backoff = 250;
        this.flushDue(false);
        // (raced over unsettled writes only: a settled chain would make this spin while another is slow)
        while (this.inflight.size > 6 && !this.stopping) await Promise.race(this.inflight);
      } catch (e) {
        if (this.stopping) break;
        this.noteError(e);
        this.topicId = null;
        this.setState('reconnecting');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private absorb(
    response: {
      responses: {
        topicId: string;
        partitions: {
          partitionIndex: number;
          errorCode: number;
          highWatermark: bigint;
          logStartOffset: bigint;
          records?: import('@platformatic/kafka').RecordsBatch[];
        }[];
      }[];
    },
    requested: Map<number, bigint>,
  ): void {
    const now = Date.now();
    for (const t of response.responses) {
      for (const pr of t.partitions) {
        const st = this.parts.get(pr.partitionIndex);
        if (!st || requested.get(pr.partitionIndex) !== st.nextOffset) continue;
        if (pr.errorCode !== 0) {
          if (pr.errorCode === 1) {
            // OFFSET_OUT_OF_RANGE: the broker no longer has (or not yet has) our position
            const from = st.nextOffset;
            const to = pr.logStartOffset >= 0n ? pr.logStartOffset : 0n;
            this.noteError(
              new Error(
                `partition ${st.partition}: offset ${from} is out of range (log starts at ${to}); messages before ${to} were deleted by retention before the tap read them`,
              ),
            );
            if (st.bufStart === null && to > from) st.nextOffset = to;
          } else {
            this.noteError(new Error(`partition ${st.partition}: fetch error code ${pr.errorCode}`));
            this.topicId = null; // refresh leaders
          }
          continue;
        }
        st.highWatermark = pr.highWatermark;
        for (const batch of pr.records ?? []) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
          if (last < st.nextOffset) continue;
          if (st.bufStart === null) {
            st.bufStart = st.nextOffset;
            st.bufFirstAt = now;
          }
          const isControl = (batch.attributes & 0x20) !== 0;
          if (!isControl) {
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              if (offset < st.nextOffset) continue;
              const res = normalizeMessage(r.value, this.options.mapping);
              this.totals.messages++;
              st.count++;
              if (res.ok) {
                st.events.push(res.event);
                st.offsets.push(offset);
                this.totals.events++;
              } else {
                this.totals.quarantined++;
                const text = r.value ? r.value.toString('utf8') : null;
                st.quarantine.push({
                  topic: this.options.topic,
                  partition: st.partition,
                  offset: offset.toString(),
                  timestamp: Number(batch.firstTimestamp + r.timestampDelta),
                  reason: res.reason,
                  keyBase64: r.key ? r.key.toString('base64') : null,
                  valueBase64: r.value ? r.value.toString('base64') : null,
                  valueText: text !== null && !text.includes('\uFFFD') ? text : null,
                });
                this.emit('quarantine', {
                  partition: st.partition,
                  offset: offset.toString(),
                  reason: res.reason,
                } satisfies TapQuarantineEvent);
              }
            }
          }
          st.nextOffset = last + 1n;
          if (st.count >= this.options.batchRows) this.flush(st);
        }
      }
    }
  }

  private flushDue(all: boolean): void {
    const now = Date.now();
    for (const st of this.parts.values()) {
      if (st.bufStart === null) continue;
      if (
        all ||
        st.count >= this.options.batchRows ||
        now - st.bufFirstAt >= this.options.batchSeconds * 1000
      )
        this.flush(st);
    }
  }

  /** Hand the partition's buffer to the (serial) writer. */
  private flush(st: PartState): void {
    if (st.bufStart === null) return;
    const batch: PendingBatch = {
      partition: st.partition,
      firstOffset: st.bufStart,
      lastOffset: st.nextOffset - 1n,
      events: st.events,
      offsets: st.offsets,
      quarantine: st.quarantine,
    };
    // counted as buffered until the file is durable (or the write is given up)
    let count = st.count;
    this.writing.set(st.partition, (this.writing.get(st.partition) ?? 0) + count);
    const written = () => {
      this.writing.set(batch.partition, (this.writing.get(batch.partition) ?? 0) - count);
      count = 0;
    };
    st.bufStart = null;
    st.events = [];
    st.offsets = [];
    st.quarantine = [];
    st.count = 0;
    const chain = (this.writeChains.get(batch.partition) ?? Promise.resolve())
      .then(async () => {
        // Written even when the partition was revoked meanwhile: its offsets were read, and the per-partition
        // lock + trim in BatchWriter.write make sure a range the new owner already wrote is not written again.
        let result: WrittenBatch | null;
        try {
          result = await this.writer.write(batch, this.options.topic);
        } catch (e) {
          // a batch that cannot be written must not be skipped: stop the tap with the reason
          this.fatal = new Error(
            `cannot write batch ${batch.firstOffset}-${batch.lastOffset} of partition ${batch.partition} to ${this.options.out}: ${errMsg(e)}`,
          );
          this.noteError(this.fatal);
          if (this.listenerCount('error') > 0) this.emit('error', this.fatal);
          this.stopping = true;
          this.setState('failed');
          return;
        }
        if (!result) {
          this.totals.filesSkipped++;
          return;
        }
        const w = result;
        this.totals.batches++;
        const ev: TapBatchEvent = {
          file: w.file,
          partition: w.partition,
          firstOffset: w.firstOffset.toString(),
          lastOffset: w.lastOffset.toString(),
          rows: w.rows,
          quarantined: w.quarantined,
          quarantineFile: w.quarantineFile,
          visibleAt: Date.now(),
        };
        written();
        this.emit('batch', ev);
        await this.commit(w.partition, w.lastOffset + 1n);
        const policy = this.options.compaction;
        if (policy) {
          this.deleteRetired(false);
          const n = (this.sinceCheck.get(batch.partition) ?? 0) + 1;
          this.sinceCheck.set(batch.partition, n);
          if (n >= policy.minFiles) await this.compact(batch.partition, policy);
        }
      })
      // a link of the partition's chain never rejects: a failure after the file is durable (a 'batch' listener,
      // a delete) is reported, and the next batches of the partition are still written
      .catch((e: unknown) => this.noteError(e))
      .finally(() => {
        written(); // (a failed or skipped write too)
        this.inflight.delete(chain);
      });
    this.inflight.add(chain);
    this.writeChains.set(batch.partition, chain);
  }

  /**
   * Merge the partition's small files (errors are reported in the status, never fatal: the small files stay
   * valid). Called in the partition's write chain only.
   */
  private async compact(
    partition: number,
    policy: CompactionPolicy & { keepReplacedMs: number },
  ): Promise<void> {
    const run = () =>
      this.writer.compact(partition, policy, {
        keepReplaced: true,
        onMerged: async (r: CompactionResult) => {
          const ev: TapCompactionEvent = {
            partition: r.partition,
            file: r.file,
            firstOffset: r.firstOffset.toString(),
            lastOffset: r.lastOffset.toString(),
            rows: r.rows,
            bytes: r.bytes,
            replaced: r.replaced,
            replacedBytes: r.replacedBytes,
          };
          await this.options.onCompaction?.(ev);
          // (kept for good when the hook throws: a reader still reads them; the next start deletes them)
          this.retired.push({ files: r.replaced, at: Date.now() });
          this.compactionTotals.merges++;
          for (const f of r.replaced) if (!this.mergedOutputs.delete(f)) this.compactionTotals.filesMerged++;
          this.mergedOutputs.add(r.file);
          this.compactionTotals.mergedFiles = this.mergedOutputs.size;
          this.emit('compaction', ev);
        },
      });
    try {
      const lock = this.options.compactionLock;
      await (lock ? lock(run) : run());
      this.sinceCheck.set(partition, 0);
    } catch (e) {
      this.compactionTotals.lastError = `compaction of partition ${partition}: ${errMsg(e)}`;
      this.noteError(new Error(this.compactionTotals.lastError));
      this.sinceCheck.set(partition, 0);
    }
  }

  /**
   * Delete the merged-away files kept long enough (all of them with `all`). A file that cannot be deleted (held
   * open by another program, e.g. on Windows) stays listed and is tried again later; it is covered, so readers
   * skip it, and the next start deletes it. Never throws.
   */
  private deleteRetired(all: boolean): void {
    const keep = this.options.compaction?.keepReplacedMs ?? 0;
    const now = Date.now();
    const due = this.retired.filter((r) => all || now - r.at >= keep);
    if (!due.length) return;
    this.retired = this.retired.filter((r) => !due.includes(r));
    for (const r of due) {
      const failed: string[] = [];
      for (const f of r.files) {
        try {
          rmSync(f, { force: true });
        } catch (e) {
          failed.push(f);
          this.compactionTotals.lastError = `cannot delete merged-away file ${f} (kept; readers skip it): ${errMsg(e)}`;
          this.noteError(new Error(this.compactionTotals.lastError));
        }
      }
      if (failed.length) this.retired.push({ ...r, files: failed });
    }
  }

  private async commit(partition: number, offset: bigint): Promise<void> {
    if (!this.consumer) return;
    if (this.options.group && !this.parts.has(partition)) return;
    try {
      if (!this.options.group) {
        // standalone: commit as a "simple" consumer (no membership, generation -1)
        const c = this.consumer as unknown as { generationId: number; memberId: string | null };
        c.generationId = -1;
        c.memberId = '';
      }
      await this.consumer.commit({
        offsets: [{ topic: this.options.topic, partition, offset, leaderEpoch: -1 }],
      });
    } catch (e) {
      // the files are the source of truth; a failed commit only delays what other tools see as our lag
      this.noteError(new Error(`offset commit failed for partition ${partition}: ${errMsg(e)}`));
    }
  }

  /** Resolves when the tap has stopped by itself because of a fatal error (unwritable folder). */
  get fatalError(): Error | null {
    return this.fatal;
  }

  /** Flush every partial batch durably, commit, and disconnect. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.stopping = true;
    this.setState('stopping');
    await this.loopDone?.catch(() => undefined);
    if (!this.fatal) this.flushDue(true);
    await Promise.all(this.writeChains.values());
    // on stop every owned partition is compacted, whatever the count of small files
    const policy = this.options.compaction;
    if (policy && !this.fatal)
      for (const p of [...this.parts.keys()].sort((a, b) => a - b))
        await this.compact(p, { ...policy, minFiles: 2 });
    // with a host following the merges (onCompaction), a dataset being opened may have listed the merged-away
    // files a moment ago: they go after the usual delay (covered meanwhile; the next start deletes them anyway)
    this.deleteRetired(!this.options.onCompaction);
    if (this.retired.length && policy) {
      const t = setTimeout(() => this.deleteRetired(true), policy.keepReplacedMs);
      t.unref?.();
    }
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    await this.shutdownClient();
    this.writer.close();
    this.state = 'stopped';
    this.emit('status', this.status());
  }

  private async shutdownClient(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    if (!c) return;
    try {
      if (this.options.group) await (c.leaveGroup(false) as unknown as Promise<void>).catch(() => undefined);
      await c.close(true);
    } catch {
      /* closing a consumer whose broker is gone */
    }
  }
}

function hasCode(e: unknown, code: number): boolean {
  const errs = (e as { errors?: { apiCode?: number; code?: number }[] })?.errors;
  return Array.isArray(errs) && errs.some((x) => x?.apiCode === code);
}

/** Check a topic exists (clear error otherwise); returns its partition count. */
export async function topicPartitions(brokers: string[], topic: string): Promise<number | null> {
  const admin = new Admin({ clientId: 'funnelscope', bootstrapBrokers: brokers, retries: 1 });
  try {
    const md = await admin.metadata({ topics: [topic] });
    return md.topics.get(topic)?.partitionsCount ?? null;
  } catch {
    return null;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
