import { mkdir, open, readdir, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ENTRY_HEADER_BYTES, entryHeader, scanEntries, type ScanProblem } from './entry-codec.ts';

/**
 * A segmented write-ahead log on disk: the promise behind "acknowledged = durable". An
 * append resolves only once its entry was written and fdatasync'ed; appends that arrive
 * within the group-commit window share one write and one sync. Consumers read entries at
 * their own cursors (kept by them, e.g. in the same SQLite transaction as their work) and
 * the owner releases segments once every cursor has passed them.
 *
 * Segments are files named by the sequence number of their first entry (20 digits, so
 * they sort by name). The newest segment is never deleted, so its name keeps the
 * numbering going even when every entry before it was released.
 *
 * At open, every segment is scanned; the first entry that is torn, fails its checksum,
 * has an impossible length or breaks the sequence ends the log: that segment is
 * truncated there and later segments are removed (their order can no longer be
 * trusted). What was cut is reported in `recovery` for the self-metrics and the log line.
 */

export interface WalOptions {
  dir: string;
  /** bound on the bytes of all segments; over it, append() throws WalFullError */
  maxBytes: number;
  /** a new segment starts when the current one would pass this */
  segmentBytes: number;
  /** appends within this window share one write and one fdatasync */
  groupCommitMs: number;
  /** each group commit: how long write + sync took, entries and bytes written */
  onSync?(ms: number, entries: number, bytes: number): void;
}

export interface WalRecovery {
  segments: number;
  entries: number;
  /** bytes cut at open: a torn or corrupt tail, and segments after it */
  truncatedBytes: number;
  /** why bytes were cut, when they were */
  problem?: ScanProblem;
  /** the segment file where the problem was found */
  problemSegment?: string;
  droppedSegments: number;
}

export interface WalEntry {
  sequence: number;
  payload: Buffer;
}

export class WalFullError extends Error {
  readonly retryAfterSeconds: number;
  constructor(bytes: number, maxBytes: number, retryAfterSeconds = 1) {
    super(`write-ahead log is full (${bytes} of ${maxBytes} bytes): consumers must catch up; retry later or raise pipeline.wal.maxBytes`);
    this.name = 'WalFullError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class WalClosedError extends Error {
  constructor() {
    super('write-ahead log is closed');
    this.name = 'WalClosedError';
  }
}

interface Segment {
  firstSequence: number;
  path: string;
  bytes: number;
  /** byte offset of each entry, by sequence - firstSequence */
  offsets: number[];
}

interface PendingAppend {
  sequence: number;
  /** the entry header, then the payload's parts: written with one writev, never copied together */
  buffers: Uint8Array[];
  /** header + payload bytes */
  size: number;
  resolve(sequence: number): void;
  reject(error: unknown): void;
}

const SEGMENT_SUFFIX = '.wal';

export function segmentFileName(firstSequence: number): string {
  return `${String(firstSequence).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

export class WriteAheadLog {
  private readonly segments: Segment[];
  private handle: FileHandle;
  private next: number;
  private durableNext: number;
  private totalBytes: number;
  private pendingBytes = 0;
  private pending: PendingAppend[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** bytes written and synced per ms, averaged over recent group commits (0: none yet) */
  private syncBytesPerMs = 0;
  private failure: unknown;
  private closed = false;

  private constructor(
    private readonly options: WalOptions,
    segments: Segment[],
    handle: FileHandle,
    readonly recovery: WalRecovery,
  ) {
    this.segments = segments;
    this.handle = handle;
    const last = segments[segments.length - 1]!;
    this.next = last.firstSequence + last.offsets.length;
    this.durableNext = this.next;
    this.totalBytes = segments.reduce((n, s) => n + s.bytes, 0);
  }

  static async open(options: WalOptions): Promise<WriteAheadLog> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const names = (await readdir(options.dir)).filter((n) => /^\d{20}\.wal$/.test(n)).sort();
    const recovery: WalRecovery = { segments: 0, entries: 0, truncatedBytes: 0, droppedSegments: 0 };
    const segments: Segment[] = [];
    let expected: number | undefined;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const path = join(options.dir, name);
      const firstSequence = Number(name.slice(0, 20));
      const bytes = await readFile(path);
      const scan = scanEntries(bytes, 0, expected ?? firstSequence);
      const gap = expected !== undefined && firstSequence !== expected;
      if (gap || scan.problem) {
        // Cut here: this segment at its last good entry (all of it after a gap), later ones whole.
        const keep = gap ? 0 : scan.validEnd;
        recovery.problem = gap ? 'sequence' : scan.problem;
        recovery.problemSegment = name;
        recovery.truncatedBytes += bytes.length - keep;
        if (keep > 0 || segments.length === 0) {
          await truncate(path, keep);
          segments.push({ firstSequence, path, bytes: keep, offsets: scan.entries.map((e) => e.payloadStart - ENTRY_HEADER_BYTES) });
        } else {
          await rm(path, { force: true });
          recovery.droppedSegments++;
        }
        for (const later of names.slice(i + 1)) {
          const laterPath = join(options.dir, later);
          recovery.truncatedBytes += (await stat(laterPath)).size;
          await rm(laterPath, { force: true });
          recovery.droppedSegments++;
        }
        break;
      }
      segments.push({ firstSequence, path, bytes: bytes.length, offsets: scan.entries.map((e) => e.payloadStart - ENTRY_HEADER_BYTES) });
      expected = scan.nextSequence;
    }
    if (segments.length === 0) segments.push({ firstSequence: 0, path: join(options.dir, segmentFileName(0)), bytes: 0, offsets: [] });
    recovery.segments = segments.length;
    recovery.entries = segments.reduce((n, s) => n + s.offsets.length, 0);
    const current = segments[segments.length - 1]!;
    const handle = await open(current.path, 'a', 0o600);
    await syncDirectory(options.dir);
    return new WriteAheadLog(options, segments, handle, recovery);
  }

  /** sequence number of the oldest entry still on disk */
  get firstSequence(): number {
    return this.segments[0]!.firstSequence;
  }

  /** sequence number the next durable entry will have: everything below it can be read */
  get durableSequence(): number {
    return this.durableNext;
  }

  /** a write failed (nothing more becomes durable until a restart), or the log is closed */
  get stalled(): boolean {
    return this.failure !== undefined || (this.closed && this.flushing === undefined && this.pending.length === 0);
  }

  /** sequence number the next append() will get */
  get nextSequence(): number {
    return this.next;
  }

  /** whether an append of `payloadLength` bytes fits under maxBytes now */
  hasRoomFor(payloadLength: number): boolean {
    return this.totalBytes + this.pendingBytes + ENTRY_HEADER_BYTES + payloadLength <= this.options.maxBytes;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** bytes appended and not yet durable: the group being written and those waiting */
  get unsyncedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * How long an entry appended now would wait to be durable, in ms: the unsynced bytes
   * at the write + sync rate of the recent group commits. 0 before the first commit, or
   * with nothing waiting. Admission refuses past a bound (pipeline.wal.maxSyncWait), so a
   * disk slower than the load builds no backlog of acknowledgements-to-be.
   */
  estimatedSyncWaitMs(): number {
    if (this.pendingBytes === 0 || this.syncBytesPerMs <= 0) return 0;
    return this.pendingBytes / this.syncBytesPerMs;
  }

  /**
   * Appends one payload; resolves with its sequence number once it is on disk (written
   * and synced). Throws WalFullError at once when the bound would be passed.
   */
  append(payload: Uint8Array | readonly Uint8Array[]): Promise<number> {
    if (this.closed) return Promise.reject(new WalClosedError());
    if (this.failure) return Promise.reject(this.failure);
    const parts = ArrayBuffer.isView(payload) ? [payload as Uint8Array] : [...(payload as readonly Uint8Array[])];
    let payloadBytes = 0;
    for (const part of parts) payloadBytes += part.length;
    const size = ENTRY_HEADER_BYTES + payloadBytes;
    if (this.totalBytes + this.pendingBytes + size > this.options.maxBytes) {
      return Promise.reject(new WalFullError(this.totalBytes + this.pendingBytes, this.options.maxBytes));
    }
    const header = entryHeader(this.next, parts);
    const sequence = this.next++;
    this.pendingBytes += size;
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ sequence, buffers: [header, ...parts], size, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Durable entries from `fromSequence` on, up to about `maxBytes` of payload (at least
   * one entry). Entries released already are gone: reading before firstSequence starts
   * at firstSequence. Always from the segment files (the page cache): a copy of recent
   * entries kept in memory held request bodies past young-generation collections, and
   * their memory, outside the V8 heap, waited for mark-compacts (at 50k spans/s RSS
   * swung up to 197 MiB with 65 mark-compacts in 40 s, against 139 MiB and 3 without);
   * the durable pipeline hands recent batches over from its own decoded tail.
   */
  async read(fromSequence: number, maxBytes = 8 * 1024 * 1024): Promise<WalEntry[]> {
    let sequence = Math.max(fromSequence, this.firstSequence);
    const out: WalEntry[] = [];
    let bytes = 0;
    while (sequence < this.durableNext && (out.length === 0 || bytes < maxBytes)) {
      const fromDisk = await this.readSegment(sequence, maxBytes - bytes);
      if (fromDisk.length === 0) break;
      for (const entry of fromDisk) bytes += entry.payload.length;
      out.push(...fromDisk);
      sequence = fromDisk[fromDisk.length - 1]!.sequence + 1;
    }
    return out;
  }

  /**
   * Deletes every segment whose entries all come before `sequence` (the lowest next
   * sequence of all cursors). The newest segment stays. Returns the segments deleted.
   */
  async releaseBefore(sequence: number): Promise<number> {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1]!.firstSequence <= sequence) {
      const segment = this.segments.shift()!;
      await rm(segment.path, { force: true });
      this.totalBytes -= segment.bytes;
      deleted++;
    }
    return deleted;
  }

  /** Writes what is pending, then closes the file. Appends after close are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.handle.close();
  }

  private schedule(): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.groupCommitMs);
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0 && !this.closed) this.schedule();
    });
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const started = performance.now();
      let written = 0;
      try {
        let group: PendingAppend[] = [];
        let groupBytes = 0;
        for (const append of batch) {
          const current = this.segments[this.segments.length - 1]!;
          if (current.bytes + groupBytes > 0 && current.bytes + groupBytes + append.size > this.options.segmentBytes) {
            written += await this.writeGroup(group);
            group = [];
            groupBytes = 0;
            await this.roll(append.sequence);
          }
          group.push(append);
          groupBytes += append.size;
        }
        written += await this.writeGroup(group);
      } catch (error) {
        // The file may now end in a partial entry: nothing more is written; the next open truncates it.
        this.failure = error;
        for (const append of batch) if (append.sequence >= this.durableNext) append.reject(error);
        for (const append of this.pending) append.reject(error);
        this.pending = [];
        return;
      }
      const ms = performance.now() - started;
      // a moving average of the disk's rate, so one slow or one tiny sync moves it little
      if (written > 0 && ms > 0) {
        const rate = written / ms;
        this.syncBytesPerMs = this.syncBytesPerMs === 0 ? rate : this.syncBytesPerMs * 0.8 + rate * 0.2;
      }
      this.options.onSync?.(ms, batch.length, written);
    }
  }

  private async writeGroup(group: PendingAppend[]): Promise<number> {
    if (group.length === 0) return 0;
    const current = this.segments[this.segments.length - 1]!;
    const buffers: Uint8Array[] = [];
    for (const append of group) for (const buffer of append.buffers) buffers.push(buffer);
    await this.handle.writev(buffers);
    await this.handle.datasync();
    let bytes = 0;
    for (const append of group) {
      current.offsets.push(current.bytes + bytes);
      bytes += append.size;
      this.pendingBytes -= append.size;
    }
    current.bytes += bytes;
    this.totalBytes += bytes;
    this.durableNext = group[group.length - 1]!.sequence + 1;
    for (const append of group) append.resolve(append.sequence);
    return bytes;
  }

  private async roll(firstSequence: number): Promise<void> {
    await this.handle.close();
    const path = join(this.options.dir, segmentFileName(firstSequence));
    this.handle = await open(path, 'a', 0o600);
    await syncDirectory(this.options.dir);
    this.segments.push({ firstSequence, path, bytes: 0, offsets: [] });
  }

  private async readSegment(sequence: number, maxBytes: number): Promise<WalEntry[]> {
    const segment = this.findSegment(sequence);
    if (!segment) return [];
    const index = sequence - segment.firstSequence;
    const start = segment.offsets[index];
    if (start === undefined) return [];
    // entries up to maxBytes (at least one), all durable ones of this segment at most
    const durableInSegment = Math.min(segment.offsets.length, this.durableNext - segment.firstSequence);
    let endIndex = index + 1;
    while (endIndex < durableInSegment && segment.offsets[endIndex]! - start < maxBytes) endIndex++;
    const end = endIndex < segment.offsets.length ? segment.offsets[endIndex]! : segment.bytes;
    const buffer = Buffer.allocUnsafe(end - start);
    const file = await open(segment.path, 'r');
    try {
      await file.read(buffer, 0, buffer.length, start);
    } finally {
      await file.close();
    }
    const scan = scanEntries(buffer, 0, sequence);
    return scan.entries.map((e) => ({ sequence: e.sequence, payload: buffer.subarray(e.payloadStart, e.payloadEnd) }));
  }

  private findSegment(sequence: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const segment = this.segments[mid]!;
      if (sequence < segment.firstSequence) high = mid - 1;
      else if (sequence >= segment.firstSequence + segment.offsets.length) low = mid + 1;
      else return segment;
    }
    return undefined;
  }
}

/** fsync of the directory, so a new or removed segment file survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
