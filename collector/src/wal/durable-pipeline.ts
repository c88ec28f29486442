import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Batch, Signal } from '@lookout/otlp';
import { decodeBatchEntry, encodeBatchEntryParts, readEntryHeader } from './batch-entry.ts';
import { CursorTracker, EntryIndex } from './cursor-tracker.ts';
import { WalFullError, WriteAheadLog, type WalRecovery } from './write-ahead-log.ts';

/**
 * The durable pipeline (`pipeline.durability: disk`): the write-ahead log under the
 * receivers and a cursor per consumer over it, in place of the in-memory queue.
 *
 * - offer() appends the batch to its signal's log; the receiver acknowledges once the
 *   returned `durable` promise resolved (written and fdatasync'ed, group commit). At the
 *   log's byte bound the offer is refused (429 + Retry-After).
 * - Each consumer reads its signal's log at its own cursor, in sequence order. Batches
 *   offered in this process are handed over decoded (no decode on the hot path);
 *   entries from before a restart, or that a slow consumer left behind, are read from
 *   disk and decoded again.
 * - An `early` consumer gets a batch as soon as it is appended, before its group commit
 *   is synced, so the decoded batch dies young instead of waiting for fdatasync (one
 *   batch per request held across the disk's sync was promoted by most scavenges: a
 *   third of the CPU went to GC). What it makes durable must still wait for the sync:
 *   its `store` cursor is fenced (the SLI store writes only increments of durable
 *   entries), its `file` cursor is written no further than the durable end, and a
 *   served mark leaves only once durable (markServed). Exporters are not early: what
 *   they send leaves the process.
 * - How a cursor is kept is the consumer's `cursor`: `store` (the SLI store commits it
 *   in the same SQLite transaction as its buckets: a replay never counts twice), `file`
 *   (advanced when the consumer settles a batch, e.g. an exporter once the backend took
 *   it; written to a small file: at-least-once), or `volatile` (in-memory consumers
 *   that start at the end of the log; while running they hold back only what they have
 *   not read yet).
 * - Segments are deleted once every kept cursor has passed them. A `file` consumer
 *   whose lag passes its `maxLagBytes` is cut loose: its cursor jumps ahead past the
 *   oldest entries, to where half the bound is left, the skipped items are counted and
 *   logged, and the others never wait for it.
 */

export type CursorKeeping =
  | { kind: 'volatile' }
  | {
      kind: 'file';
      /** lag (bytes of entries not yet settled) over which the consumer is cut loose */
      maxLagBytes?: number;
      /** items handed over and not yet settled at most: more waits (in the log, not in memory) */
      maxInFlightItems?: number;
    }
  | {
      kind: 'store';
      /** the committed cursor (next sequence to apply), undefined before the first commit */
      committed(): number | undefined;
      /** the next sequence after the batch just applied: committed with the consumer's next write */
      stage(next: number): void;
      /**
       * For an `early` consumer: tells the store how far the log is durable (a function
       * of the pipeline's it calls at each write), so it never commits a staged cursor,
       * nor the increments before it, past that end.
       */
      fence?(durableEnd: () => number): void;
    };

/**
 * A consumer: `settle()` says its work on the batch is durable; `settle(false)` that it
 * gave the batch up (counted by the consumer): the cursor passes it too, except while
 * the pipeline shuts down (an exporter dropping what it could not send in time), when
 * the entry stays for the next start.
 *
 * `part` (consumers registered with `servedMark` only), for an entry an earlier process
 * handled: `durable`, it showed the entry in its in-memory counters (served on /metrics,
 * which restart with the process) already, so the consumer applies only what is kept on
 * disk (the SLI store); `memory`, its durable effect is committed but no reading showed
 * it, so the consumer applies only its in-memory counters. Undefined: all of it.
 */
export type DurableConsumer = (batch: Batch, settle: (done?: boolean) => void, part?: ReplayPart) => void | Promise<void>;

export type ReplayPart = 'durable' | 'memory';

export interface DurableConsumerOptions {
  /** the consumer calls settle itself (exporters); otherwise settled when consume returns */
  settles?: boolean;
  /**
   * Handed each batch when it is appended, before it is durable (see the class comment).
   * Only for consumers whose durable effects the pipeline can hold back: in-memory ones
   * (`volatile`, or `file` with nothing but its cursor on disk) and a `store` cursor with
   * `fence` set (it must not commit a staged cursor past durableEnd).
   */
  early?: boolean;
  cursor: CursorKeeping;
  /**
   * The consumer keeps in-memory counters besides its cursor (the request series, served
   * on /metrics and in remote-write readings): markServed(), called after each such
   * reading and before it leaves the process, writes how far the consumer had counted
   * (`<signal>.<name>.served` under cursors/). After a kill -9 the replay flags the
   * entries below that mark `durable` (Prometheus has seen them, and counting them again
   * after the counter reset would count them twice); and the committed entries past the
   * mark, which no reading showed, are handed over once more as `memory` (`recount`), by
   * a reader of their own that ends at the committed cursor (`<name>.recount`). No
   * recount where counting in memory depends on order (cumulative metrics).
   */
  servedMark?: { recount: boolean };
}

export interface DurablePipelineOptions {
  /** the logs live in <dir>/<signal>/, file cursors in <dir>/cursors/ */
  dir: string;
  /** bytes of each signal's log at most */
  maxBytes: number;
  segmentBytes: number;
  groupCommitMs: number;
  /** decoded batches kept in memory for consumers that keep up (by encoded bytes) */
  memoryTailBytes?: number;
  registry: Registry;
  now: () => number;
  log: {
    warn(fields: object, message: string): void;
    error(fields: object, message: string): void;
    info(fields: object, message: string): void;
  };
  consumerFailed?(batch: Batch, consumer: string, error: unknown): void;
  /** how often bounds are enforced and released segments deleted */
  maintainEveryMs?: number;
}

export type DurableOffer =
  | { accepted: true; durable: Promise<void> }
  | { accepted: false; reason: 'queue_full' | 'shutting_down'; retryAfterSeconds: number };

const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

interface SignalLog {
  signal: Signal;
  log: WriteAheadLog;
  index: EntryIndex;
  /** decoded batches offered in this process, by sequence */
  tail: Map<number, Batch>;
  tailFirst: number;
  tailBytes: number;
  readers: Reader[];
  /** some reader is `early`: appends wake the readers */
  hasEarly: boolean;
  /** resolves waiting readers when entries become durable */
  wake: () => void;
  waiting: Promise<void>;
}

interface Reader {
  name: string;
  signal: Signal;
  consume: DurableConsumer;
  options: DurableConsumerOptions;
  tracker: CursorTracker;
  /** the cursor on disk (file kind) */
  persisted: number;
  persisting: Promise<void> | undefined;
  dirty: boolean;
  /** entries read from disk ahead of the cursor */
  readAhead: Array<{ sequence: number; batch: Batch }>;
  running: Promise<void> | undefined;
  cutItems: number;
  /** servedMark: entries below this were shown by an earlier process (its served mark at start) */
  countedBefore: number;
  /** servedMark: the mark on disk */
  servedOnDisk: number;
  /** a recount reader (servedMark): hands its entries over as `memory` and stops before this sequence */
  endBefore?: number;
}

export class DurablePipeline {
  private readonly logs = new Map<Signal, SignalLog>();
  private closed = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  private serving: Promise<void> = Promise.resolve();
  private readonly metrics: ReturnType<typeof createWalMetrics>;

  private constructor(private readonly options: DurablePipelineOptions) {
    this.metrics = createWalMetrics(options.registry, this);
  }

  /** Opens (and recovers) the three logs. */
  static async open(options: DurablePipelineOptions): Promise<DurablePipeline> {
    try {
      return await DurablePipeline.openLogs(options);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new Error(
        `cannot open the write-ahead log under ${options.dir}: ${e.code ?? e.message}; set storage.dataDir to a writable directory, or pipeline.durability: memory to run without it`,
        { cause: error },
      );
    }
  }

  private static async openLogs(options: DurablePipelineOptions): Promise<DurablePipeline> {
    const pipeline = new DurablePipeline(options);
    await mkdir(join(options.dir, 'cursors'), { recursive: true, mode: 0o700 });
    await takeLock(options.dir);
    for (const signal of SIGNALS) {
      const log = await WriteAheadLog.open({
        dir: join(options.dir, signal),
        maxBytes: options.maxBytes,
        segmentBytes: options.segmentBytes,
        groupCommitMs: options.groupCommitMs,
        onSync: (ms) => pipeline.metrics.fsync.observe({ signal }, ms / 1000),
      });
      pipeline.reportRecovery(signal, log.recovery);
      const index = new EntryIndex(log.firstSequence);
      for (let sequence = log.firstSequence; sequence < log.durableSequence; ) {
        const entries = await log.read(sequence, 16 * 1024 * 1024);
        if (entries.length === 0) break;
        for (const entry of entries) {
          const header = readEntryHeader(entry.payload);
          index.add(entry.sequence, header.items, entry.payload.length, header.receivedAtMs);
        }
        sequence = entries[entries.length - 1]!.sequence + 1;
      }
      const signalLog: SignalLog = {
        signal,
        log,
        index,
        tail: new Map(),
        tailFirst: log.durableSequence,
        tailBytes: 0,
        readers: [],
        hasEarly: false,
        wake: () => {},
        waiting: Promise.resolve(),
      };
      pipeline.resetWake(signalLog);
      pipeline.logs.set(signal, signalLog);
    }
    return pipeline;
  }

  private reportRecovery(signal: Signal, recovery: WalRecovery): void {
    if (recovery.truncatedBytes > 0) {
      this.metrics.truncated.inc({ signal }, recovery.truncatedBytes);
      this.options.log.warn(
        { signal, truncatedBytes: recovery.truncatedBytes, problem: recovery.problem, segment: recovery.problemSegment, droppedSegments: recovery.droppedSegments },
        'write-ahead log: a torn or corrupt tail was cut at open (entries never acknowledged, or damaged on disk); starting',
      );
    }
    if (recovery.entries > 0) this.options.log.info({ signal, entries: recovery.entries, segments: recovery.segments }, 'write-ahead log: entries on disk, consumers replay from their cursors');
  }

  private resetWake(signalLog: SignalLog): void {
    signalLog.waiting = new Promise((resolve) => (signalLog.wake = resolve));
  }

  private wakeAll(signalLog: SignalLog): void {
    const wake = signalLog.wake;
    this.resetWake(signalLog);
    wake();
  }

  /** Registers a consumer of a signal; before start(). */
  async register(signal: Signal, name: string, consume: DurableConsumer, options: DurableConsumerOptions): Promise<void> {
    const signalLog = this.logs.get(signal)!;
    const { log } = signalLog;
    if (options.early && options.cursor.kind === 'store' && !options.cursor.fence) {
      throw new Error(`consumer ${name}: an early consumer with a store cursor needs a fence (its store would commit entries that are not durable yet)`);
    }
    if (options.early && options.cursor.kind === 'store') options.cursor.fence!(() => log.durableSequence);
    let start: number;
    if (options.cursor.kind === 'volatile') start = log.durableSequence;
    else if (options.cursor.kind === 'store') start = options.cursor.committed() ?? log.firstSequence;
    else start = (await this.readCursorFile(signal, name)) ?? log.firstSequence;
    start = Math.min(Math.max(start, log.firstSequence), log.durableSequence);
    const mark = options.servedMark ? await this.readCursorFile(signal, name, SERVED_SUFFIX) : undefined;
    if (options.servedMark?.recount && mark !== undefined && Math.max(mark, log.firstSequence) < start) {
      // committed by the dead process after what it last showed: counted again in memory only
      const from = Math.max(mark, log.firstSequence);
      signalLog.readers.push({
        name: `${name}.recount`,
        signal,
        consume,
        options: { cursor: { kind: 'volatile' } },
        tracker: new CursorTracker(from),
        persisted: from,
        persisting: undefined,
        dirty: false,
        readAhead: [],
        running: undefined,
        cutItems: 0,
        countedBefore: -1,
        servedOnDisk: -1,
        endBefore: start,
      });
    }
    if (options.early) signalLog.hasEarly = true;
    signalLog.readers.push({
      name,
      signal,
      consume,
      options,
      tracker: new CursorTracker(start),
      persisted: start,
      persisting: undefined,
      dirty: false,
      readAhead: [],
      running: undefined,
      cutItems: 0,
      countedBefore: Math.min(mark ?? start, log.durableSequence),
      servedOnDisk: mark ?? -1,
    });
  }

  /** Starts the readers and the maintenance timer. */
  start(): void {
    for (const signalLog of this.logs.values()) for (const reader of [...signalLog.readers]) reader.running = this.run(signalLog, reader);
    this.timer = setInterval(() => void this.maintain(), this.options.maintainEveryMs ?? 250);
    this.timer.unref();
  }

  /** Appends the batch; `durable` resolves once it is on disk. `requestBody`: see batch-entry.ts. */
  offer(batch: Batch, requestBody?: Uint8Array): DurableOffer {
    if (this.closed) return { accepted: false, reason: 'shutting_down', retryAfterSeconds: 5 };
    const signalLog = this.logs.get(batch.signal)!;
    const { log } = signalLog;
    const payload = encodeBatchEntryParts(batch, requestBody);
    const payloadBytes = payload[0].length + payload[1].length;
    if (!log.hasRoomFor(payloadBytes)) {
      this.metrics.full.inc({ signal: batch.signal });
      void this.maintain();
      return { accepted: false, reason: 'queue_full', retryAfterSeconds: 1 };
    }
    const sequence = log.nextSequence;
    const appended = log.append(payload);
    if (log.nextSequence === sequence) {
      // closed, or a write failed before: nothing more is acknowledged until a restart
      appended.catch(() => undefined);
      return { accepted: false, reason: 'shutting_down', retryAfterSeconds: 5 };
    }
    signalLog.tail.set(sequence, batch);
    signalLog.tailBytes += batch.bytes;
    // early consumers take it now
    if (signalLog.hasEarly) this.wakeAll(signalLog);
    // The callbacks keep only these figures: a closure over `batch` would hold the decoded
    // batch until the sync, promoting it (what early hand-over is for).
    const { items, receivedAtMs, signal } = batch;
    const durable = appended.then(() => {
      signalLog.index.add(sequence, items, payloadBytes, receivedAtMs);
      this.wakeAll(signalLog);
    });
    durable.catch((error: unknown) => {
      const lost = signalLog.tail.get(sequence);
      if (lost) {
        signalLog.tail.delete(sequence);
        signalLog.tailBytes -= lost.bytes;
      }
      if (!(error instanceof WalFullError)) this.options.log.error({ err: error, signal }, 'write-ahead log: append failed; ingest refused until restart');
      this.wakeAll(signalLog); // whoever waits for durability stops waiting
    });
    return { accepted: true, durable };
  }

  /** Items and bytes not yet applied by the consumers that are not exporters, for admission and /readyz. */
  depth(): { items: number; bytes: number } {
    let items = 0;
    let bytes = 0;
    for (const signalLog of this.logs.values()) {
      let slowest = signalLog.log.durableSequence;
      for (const reader of signalLog.readers) if (reader.options.cursor.kind !== 'file') slowest = Math.min(slowest, reader.tracker.next);
      const lag = signalLog.index.lag(slowest);
      items += lag.items;
      bytes += lag.bytes;
    }
    return { items, bytes };
  }

  /** How long an append of `signal` (absent: of any signal, the longest) would wait for durability now, ms (admission's disk check). */
  syncWaitMs(signal?: Signal): number {
    if (signal !== undefined) return this.logs.get(signal)?.log.estimatedSyncWaitMs() ?? 0;
    let wait = 0;
    for (const signalLog of this.logs.values()) wait = Math.max(wait, signalLog.log.estimatedSyncWaitMs());
    return wait;
  }

  /** Per log: bytes, segments; per cursor: lag. For the self-metrics and tests. */
  describe(): Array<{
    signal: Signal;
    bytes: number;
    segments: number;
    firstSequence: number;
    endSequence: number;
    cursors: Array<{ consumer: string; kind: CursorKeeping['kind']; next: number; committed: number; lagItems: number; lagBytes: number; lagSeconds: number; cutItems: number }>;
  }> {
    const now = this.options.now();
    return [...this.logs.values()].map((signalLog) => ({
      signal: signalLog.signal,
      bytes: signalLog.log.bytes,
      segments: signalLog.log.segmentCount,
      firstSequence: signalLog.log.firstSequence,
      endSequence: signalLog.log.durableSequence,
      cursors: signalLog.readers.map((reader) => {
        const committed = this.committedOf(signalLog, reader);
        const lag = signalLog.index.lag(committed);
        const arrived = signalLog.index.arrivedAt(committed);
        return {
          consumer: reader.name,
          kind: reader.options.cursor.kind,
          next: reader.tracker.next,
          committed,
          lagItems: lag.items,
          lagBytes: lag.bytes,
          lagSeconds: arrived === undefined ? 0 : Math.max(0, (now - arrived) / 1000),
          cutItems: reader.cutItems,
        };
      }),
    }));
  }

  /** Resolves once every reader has handed over all durable entries (or waits on its in-flight bound). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.logs.values()].some((signalLog) => signalLog.readers.some((reader) => !this.caughtUp(signalLog, reader)));
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops taking batches, hands what is on disk to the consumers, writes the cursors, closes the logs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const signalLog of this.logs.values()) await signalLog.log.close();
    await this.idle();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const signalLog of this.logs.values()) {
      this.wakeAll(signalLog);
      for (const reader of [...signalLog.readers]) await reader.running;
      for (const reader of [...signalLog.readers]) if (reader.options.cursor.kind === 'file') await this.persist(reader);
    }
    await rm(join(this.options.dir, LOCK_FILE), { force: true });
  }

  private caughtUp(signalLog: SignalLog, reader: Reader): boolean {
    if (reader.tracker.next >= signalLog.log.durableSequence) return true;
    if (reader.endBefore !== undefined && reader.tracker.next >= reader.endBefore) return true;
    return this.inFlightFull(reader);
  }

  private inFlightFull(reader: Reader): boolean {
    const cursor = reader.options.cursor;
    return cursor.kind === 'file' && cursor.maxInFlightItems !== undefined && reader.tracker.inFlightItems >= cursor.maxInFlightItems;
  }

  private committedOf(signalLog: SignalLog, reader: Reader): number {
    const cursor = reader.options.cursor;
    if (cursor.kind === 'store') return Math.max(cursor.committed() ?? signalLog.log.firstSequence, signalLog.log.firstSequence);
    if (cursor.kind === 'file') return reader.persisted;
    return reader.tracker.next;
  }

  private async run(signalLog: SignalLog, reader: Reader): Promise<void> {
    const { log } = signalLog;
    let sinceYield = 0;
    while (!this.stopped) {
      const sequence = reader.tracker.next;
      if (reader.endBefore !== undefined && sequence >= reader.endBefore) {
        // a recount reader is done: it leaves, holding back no segment and no memory
        signalLog.readers.splice(signalLog.readers.indexOf(reader), 1);
        return;
      }
      const available = sequence < log.durableSequence || (reader.options.early === true && signalLog.tail.has(sequence));
      if (!available || this.inFlightFull(reader)) {
        await signalLog.waiting;
        continue;
      }
      if (++sinceYield > 64) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await this.handOver(signalLog, reader, sequence);
    }
  }

  /**
   * Hands one entry to a reader. Its own frame, so that no reference to the batch stays
   * in the reader's loop while it waits for the next one (an early reader's last batch
   * would live until then).
   */
  private async handOver(signalLog: SignalLog, reader: Reader, sequence: number): Promise<void> {
    let batch: Batch;
    try {
      batch = await this.batchAt(signalLog, reader, sequence);
    } catch (error) {
      // an entry that cannot be decoded: skipped for this consumer, counted
      this.options.log.error({ err: error, signal: signalLog.signal, consumer: reader.name, sequence }, 'write-ahead log: entry unreadable; skipped');
      reader.tracker.handed(sequence, 0);
      reader.tracker.settle(sequence, 0);
      this.afterHanded(signalLog, reader, sequence);
      return;
    }
    if (reader.tracker.next !== sequence) return; // cut loose while reading
    const { items } = batch;
    reader.tracker.handed(sequence, items);
    let settledOnce = false;
    const settle = (done = true) => {
      if (settledOnce || (!done && this.stopped)) return;
      settledOnce = true;
      reader.tracker.settle(sequence, items);
      if (reader.options.cursor.kind === 'file') {
        if (this.stopped) this.persistNow(reader);
        else void this.persist(reader);
        this.wakeAll(signalLog);
      }
    };
    try {
      const result = reader.consume(batch, settle, reader.endBefore !== undefined ? 'memory' : sequence < reader.countedBefore ? 'durable' : undefined);
      if (result && typeof (result as Promise<void>).then === 'function') await result;
    } catch (error) {
      this.options.consumerFailed?.(batch, reader.name, error);
      settle();
    }
    if (!reader.options.settles) settle();
    this.afterHanded(signalLog, reader, sequence);
  }

  private afterHanded(signalLog: SignalLog, reader: Reader, sequence: number): void {
    if (reader.options.cursor.kind === 'store') reader.options.cursor.stage(sequence + 1);
    // decoded batches every reader has passed leave memory
    let slowest = Infinity;
    for (const r of signalLog.readers) slowest = Math.min(slowest, r.tracker.next);
    const limit = this.options.memoryTailBytes ?? 64 * 1024 * 1024;
    while (signalLog.tailFirst < signalLog.log.nextSequence && (signalLog.tailFirst < slowest || signalLog.tailBytes > limit)) {
      const old = signalLog.tail.get(signalLog.tailFirst);
      if (old) {
        signalLog.tailBytes -= old.bytes;
        signalLog.tail.delete(signalLog.tailFirst);
      }
      signalLog.tailFirst++;
    }
  }

  private async batchAt(signalLog: SignalLog, reader: Reader, sequence: number): Promise<Batch> {
    const cached = signalLog.tail.get(sequence);
    if (cached) return cached;
    while (reader.readAhead.length > 0 && reader.readAhead[0]!.sequence < sequence) reader.readAhead.shift();
    if (reader.readAhead.length === 0 || reader.readAhead[0]!.sequence !== sequence) {
      const entries = await signalLog.log.read(sequence, 4 * 1024 * 1024);
      reader.readAhead = entries.map((entry) => ({ sequence: entry.sequence, batch: decodeBatchEntry(entry.payload) }));
      this.metrics.replayed.inc({ signal: signalLog.signal, consumer: reader.name }, entries.length);
    }
    const first = reader.readAhead.shift();
    if (!first || first.sequence !== sequence) throw new Error(`entry ${sequence} is not on disk`);
    return first.batch;
  }

  private async readCursorFile(signal: Signal, name: string, suffix = ''): Promise<number | undefined> {
    try {
      const text = (await readFile(this.cursorPath(signal, name) + suffix, 'utf8')).trim();
      return /^\d+$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }

  private cursorPath(signal: Signal, name: string): string {
    return join(this.options.dir, 'cursors', `${signal}.${name.replace(/[^a-zA-Z0-9_-]/g, '_')}`);
  }

  /** Writes the cursor file (write, rename); coalesced: one write at a time. */
  private persist(reader: Reader): Promise<void> {
    reader.dirty = true;
    // .finally runs after the assignment even when the write finishes at once
    reader.persisting ??= this.writeCursor(reader).finally(() => (reader.persisting = undefined));
    return reader.persisting;
  }

  private async writeCursor(reader: Reader): Promise<void> {
    try {
      while (reader.dirty) {
        reader.dirty = false;
        // an early consumer may be past the durable end: a restart resumes no further than it
        const value = Math.min(reader.tracker.committable, this.logs.get(reader.signal)!.log.durableSequence);
        if (value === reader.persisted) continue;
        const path = this.cursorPath(reader.signal, reader.name);
        await writeFile(`${path}.tmp`, `${value}\n`, { mode: 0o600 });
        await rename(`${path}.tmp`, path);
        reader.persisted = Math.max(reader.persisted, value);
      }
    } catch (error) {
      this.options.log.error({ err: error, consumer: reader.name, signal: reader.signal }, 'write-ahead log: cursor not written; will be retried');
    }
  }

  /**
   * How far each servedMark consumer has counted now: take it right after reading their
   * in-memory counters (consumers count synchronously, so the reading holds nothing past
   * it), and pass it to markServed() before the reading leaves the process.
   */
  captureServed(): ServedMark {
    const marks: ServedMarks['marks'] = [];
    for (const signalLog of this.logs.values()) for (const reader of signalLog.readers) if (reader.options.servedMark) marks.push([reader, reader.tracker.next]);
    return { marks } satisfies ServedMarks as unknown as ServedMark;
  }

  /**
   * Writes a served mark (by default one captured now): call after the in-memory counters
   * of the servedMark consumers were read for /metrics or a remote-write reading, and
   * before that reading leaves the process. After a kill -9 the entries below the mark
   * are flagged `counted` on replay. Marks only grow; writes are serialized.
   */
  markServed(mark: ServedMark = this.captureServed()): Promise<void> {
    const marks = (mark as unknown as ServedMarks).marks.filter(([reader, value]) => value > reader.servedOnDisk);
    if (marks.length === 0) return this.serving;
    this.serving = this.serving.then(async () => {
      for (const [reader, value] of marks) {
        // an early consumer counted entries not yet durable: the reading leaves once they are
        // (a kill -9 before that loses them unacknowledged, and no reading showed them)
        const durableEnd = await this.whenDurable(reader.signal, value);
        if (durableEnd < value) continue; // the log can no longer sync: no mark past what is durable
        if (value <= reader.servedOnDisk) continue;
        const path = this.cursorPath(reader.signal, reader.name) + SERVED_SUFFIX;
        try {
          await writeFile(`${path}.tmp`, `${value}\n`, { mode: 0o600 });
          await rename(`${path}.tmp`, path);
          reader.servedOnDisk = value;
        } catch (error) {
          this.options.log.error({ err: error, consumer: reader.name, signal: reader.signal }, 'write-ahead log: served mark not written; after a crash /metrics may count a replayed batch again');
        }
      }
    });
    return this.serving;
  }

  /**
   * Resolves once the log of `signal` is durable up to `next` (exclusive), or cannot get
   * there any more (a failed write, closed); with the durable end then.
   */
  async whenDurable(signal: Signal, next: number): Promise<number> {
    const signalLog = this.logs.get(signal)!;
    const { log } = signalLog;
    while (log.durableSequence < next && !log.stalled && !this.stopped) await signalLog.waiting;
    return log.durableSequence;
  }

  /** After close: an exporter that settles while it shuts down still moves its cursor. */
  private persistNow(reader: Reader): void {
    const value = Math.min(reader.tracker.committable, this.logs.get(reader.signal)!.log.durableSequence);
    if (value <= reader.persisted) return;
    try {
      const path = this.cursorPath(reader.signal, reader.name);
      mkdirSync(join(this.options.dir, 'cursors'), { recursive: true, mode: 0o700 });
      writeFileSync(`${path}.tmp`, `${value}\n`, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
      reader.persisted = value;
    } catch (error) {
      this.options.log.error({ err: error, consumer: reader.name }, 'write-ahead log: cursor not written at shutdown');
    }
  }

  /** Cuts loose the file consumers past their lag bound, then deletes segments every kept cursor passed. */
  maintain(): Promise<void> {
    this.maintaining ??= this.maintainOnce().finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  private async maintainOnce(): Promise<void> {
    if (this.stopped) return;
    for (const signalLog of this.logs.values()) {
      const { log, index } = signalLog;
      for (const reader of [...signalLog.readers]) {
        const cursor = reader.options.cursor;
        if (cursor.kind !== 'file' || cursor.maxLagBytes === undefined) continue;
        const lag = index.lag(reader.tracker.committable);
        if (lag.bytes <= cursor.maxLagBytes) continue;
        // skip the oldest entries, keeping the newest half of the bound for when the backend returns
        const to = Math.max(reader.tracker.next, index.firstWithLagAtMost(cursor.maxLagBytes / 2));
        if (to === reader.tracker.next) continue; // all of it handed over already: only settles move it
        const skippedItems = index.itemsBetween(reader.tracker.next, to);
        const inFlight = reader.tracker.inFlightItems;
        reader.tracker.skipTo(to);
        reader.readAhead = [];
        reader.cutItems += skippedItems;
        this.metrics.cut.inc({ signal: signalLog.signal, consumer: reader.name }, skippedItems);
        this.options.log.warn(
          { signal: signalLog.signal, consumer: reader.name, lagBytes: lag.bytes, maxLagBytes: cursor.maxLagBytes, skippedItems, stillBuffered: inFlight },
          'write-ahead log: a consumer fell too far behind and was cut loose; the oldest items it had not read are dropped for it (lookout_wal_cursor_cut_items_total)',
        );
        this.wakeAll(signalLog);
        await this.persist(reader);
      }
      for (const reader of signalLog.readers) {
        // an early file cursor held back at the durable end moves on now that more is durable
        if (reader.options.early && reader.options.cursor.kind === 'file' && reader.persisted < Math.min(reader.tracker.committable, log.durableSequence)) await this.persist(reader);
      }
      let lowest = log.durableSequence;
      for (const reader of signalLog.readers) {
        // A volatile consumer keeps nothing across a restart, but while it runs the entries
        // it has not read yet stay: past the memory tail it reads them back from disk (a
        // segment deleted under it lost its batches: logs-e2e's loggen case, 1M messages).
        const needed = reader.options.cursor.kind === 'volatile' ? reader.tracker.next : this.committedOf(signalLog, reader);
        lowest = Math.min(lowest, needed);
      }
      try {
        if ((await log.releaseBefore(lowest)) > 0) index.dropBefore(log.firstSequence);
      } catch (error) {
        this.options.log.error({ err: error, signal: signalLog.signal }, 'write-ahead log: a released segment could not be deleted');
      }
    }
  }
}

const LOCK_FILE = 'lock';
/** A capture of how far the servedMark consumers had counted (captureServed). */
export type ServedMark = { readonly __servedMark: unique symbol };
interface ServedMarks {
  marks: Array<[Reader, number]>;
}

/** the served mark of a consumer: its cursor file's name with this suffix */
const SERVED_SUFFIX = '.served';

/**
 * One collector per log: a lock file holding the owner's pid. A lock left by a process
 * that is gone (kill -9) is taken over; one held by a live process other than this one
 * stops the start (two writers would interleave their entries).
 */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`another collector (pid ${pid}) is using it; give each collector its own storage.dataDir (if no collector runs, delete ${path})`);
    }
    await rm(path, { force: true }); // left by a process that is gone, or by this one
  }
  throw new Error(`could not take the lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function createWalMetrics(registry: Registry, pipeline: DurablePipeline) {
  const registers = [registry];
  const perLog = (pick: (d: ReturnType<DurablePipeline['describe']>[number]) => number) =>
    function (this: Gauge<'signal'>) {
      for (const d of pipeline.describe()) this.set({ signal: d.signal }, pick(d));
    };
  type Cursor = ReturnType<DurablePipeline['describe']>[number]['cursors'][number];
  const perCursor = (pick: (c: Cursor) => number) =>
    function (this: Gauge<'signal' | 'consumer'>) {
      this.reset();
      for (const d of pipeline.describe()) for (const c of d.cursors) this.set({ signal: d.signal, consumer: c.consumer }, pick(c));
    };
  new Gauge({ name: 'lookout_wal_bytes', help: 'Bytes of the write-ahead log on disk, by signal.', labelNames: ['signal'], registers, collect: perLog((d) => d.bytes) });
  new Gauge({ name: 'lookout_wal_segments', help: 'Segment files of the write-ahead log, by signal.', labelNames: ['signal'], registers, collect: perLog((d) => d.segments) });
  new Gauge({
    name: 'lookout_wal_cursor_lag_items',
    help: 'Items in the write-ahead log after a consumer\'s committed cursor.',
    labelNames: ['signal', 'consumer'],
    registers,
    collect: perCursor((c) => c.lagItems),
  });
  new Gauge({
    name: 'lookout_wal_cursor_lag_bytes',
    help: 'Bytes in the write-ahead log after a consumer\'s committed cursor.',
    labelNames: ['signal', 'consumer'],
    registers,
    collect: perCursor((c) => c.lagBytes),
  });
  new Gauge({
    name: 'lookout_wal_cursor_lag_seconds',
    help: 'Age of the oldest entry a consumer has not committed (0 when caught up).',
    labelNames: ['signal', 'consumer'],
    registers,
    collect: perCursor((c) => c.lagSeconds),
  });
  return {
    fsync: new Histogram({
      name: 'lookout_wal_fsync_duration_seconds',
      help: 'Write + fdatasync of one group commit of the write-ahead log.',
      labelNames: ['signal'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    truncated: new Counter({ name: 'lookout_wal_truncated_bytes_total', help: 'Bytes of a torn or corrupt tail cut when the log was opened.', labelNames: ['signal'], registers }),
    full: new Counter({ name: 'lookout_wal_full_refusals_total', help: 'Offers refused because the log was at its byte bound (answered 429).', labelNames: ['signal'], registers }),
    cut: new Counter({
      name: 'lookout_wal_cursor_cut_items_total',
      help: 'Items a consumer never got because it lagged past its bound and was cut loose.',
      labelNames: ['signal', 'consumer'],
      registers,
    }),
    replayed: new Counter({
      name: 'lookout_wal_read_entries_total',
      help: 'Entries a consumer read back from disk (replay after a restart, or a consumer behind the memory tail).',
      labelNames: ['signal', 'consumer'],
      registers,
    }),
  };
}
