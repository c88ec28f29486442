import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Checkpoint, CheckpointEntry } from '../checkpoint/checkpoint-codec.ts';
import type { Logger } from '../logger.ts';
import type { LineBuffer } from '../ship/line-buffer.ts';
import { fingerprintMatches, fingerprintOf, type Fingerprint } from './fingerprint.ts';
import { expandGlob, globToRegExp } from './glob.ts';
import { LineSplitter, type SplitLine } from './line-splitter.ts';
import { decideResume, decideRotation, fileIdentity, type FileIdentity } from './rotation.ts';
import { FileCursor, type LineSource, type TailLine } from './tail-line.ts';

/** One files: entry of the config, compiled. */
export interface TailSource {
  glob: string;
  exclude: string[];
  labels: Readonly<Record<string, string>>;
  startAt: 'beginning' | 'end';
}

export interface TailOptions {
  maxLineBytes: number;
  fingerprintBytes: number;
  /** how long a rotated-away file must stay idle before it is let go */
  rotateWaitMs: number;
  readChunkBytes: number;
}

/** What the tailer reports as it goes. */
export interface TailEvents {
  linesRead(count: number, bytes: number, split: number): void;
  rotated(kind: 'rename' | 'truncate'): void;
  /**
   * The set of files or their state changed without an acknowledgement (a file found,
   * cut or let go): save the checkpoint now, before reading on, so that a file found
   * and then renamed while the agent is down is still known after the restart.
   */
  changed(): void;
}

interface Found {
  path: string;
  identity: FileIdentity;
  dev: bigint;
  ino: bigint;
  size: number;
  source: TailSource;
}

/** A file open for tailing. */
interface TrackedFile {
  identity: FileIdentity;
  /** where the file is expected to be; rotation is noticed when another file (or none) is there */
  watchPath: string;
  source: LineSource;
  config: TailSource;
  handle: FileHandle;
  /** offset of the next byte to read */
  readOffset: number;
  /** size at the last look */
  size: number;
  fingerprint?: Fingerprint;
  /** the part of log.record.uid that names this content */
  uidPrefix?: string;
  dev: bigint;
  ino: bigint;
  cursor: FileCursor;
  splitter: LineSplitter;
  /** active: at its path; draining: rotated away or deleted, read to its end and then closed */
  state: 'active' | 'draining';
  /** when it last grew (or was rotated), for rotateWait */
  lastChangeAt: number;
}

/**
 * Tails the files the globs match: polls (fs.watch misses events on many filesystems),
 * follows rename and copytruncate rotation, puts lines into the bounded buffer, and
 * knows for each file the acknowledged offset the checkpoint records.
 *
 * Ordering: lines of one file enter the buffer in file order, and a file rotated away
 * is read to its end before the new file at its path is read, so the stream of one path
 * stays in order across rotations.
 */
export class TailManager {
  private readonly files = new Map<FileIdentity, TrackedFile>();
  private readonly excludes: Map<TailSource, RegExp[]>;
  private readonly chunk: Buffer;
  /** bumped whenever the acknowledged state changes */
  private stateVersion = 0;
  private firstRun = false;

  constructor(
    private readonly sources: TailSource[],
    private readonly buffer: LineBuffer,
    private readonly options: TailOptions,
    private readonly events: TailEvents,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.excludes = new Map(sources.map((s) => [s, s.exclude.map(globToRegExp)]));
    this.chunk = Buffer.allocUnsafe(options.readChunkBytes);
  }

  get version(): number {
    return this.stateVersion;
  }

  get trackedCount(): number {
    return this.files.size;
  }

  /** Bytes in tracked files the collector has not acknowledged yet. */
  checkpointLagBytes(): number {
    let lag = 0;
    for (const f of this.files.values()) lag += Math.max(0, f.size - f.cursor.ackedOffset);
    return lag;
  }

  /**
   * Opens what the globs match, resuming from `checkpoint` (undefined on a first run),
   * and finds files that were rotated away while the agent was stopped.
   */
  async start(checkpoint: Checkpoint | undefined): Promise<void> {
    this.firstRun = checkpoint === undefined;
    const entries = new Map((checkpoint?.entries ?? []).map((e) => [e.identity, e]));
    for (const found of (await this.scan()).values()) {
      const entry = entries.get(found.identity);
      entries.delete(found.identity);
      await this.openFound(found, entry);
    }
    for (const entry of entries.values()) await this.adoptOrphan(entry);
    this.firstRun = false;
    this.stateVersion++;
  }

  /**
   * One poll: notice rotations and new files, read what there is (while the buffer has
   * room), let go of rotated files that are done. Returns true when a file still had
   * bytes to read and the buffer has room: poll again soon.
   */
  async poll(): Promise<boolean> {
    const found = await this.scan();
    const before = this.stateVersion;
    for (const f of [...this.files.values()]) if (f.state === 'active') await this.checkRotation(f, found);
    for (const item of found.values()) {
      const tracked = this.files.get(item.identity);
      if (!tracked) await this.openFound(item, undefined);
      else if (tracked.state === 'draining') {
        // renamed to a name the globs match too (app.log → app.log.1 with app.log*): keep tailing it there
        tracked.watchPath = item.path;
        tracked.state = 'active';
      }
    }
    if (this.stateVersion !== before) this.events.changed();
    const more = await this.readAll();
    if (this.stateVersion !== before) this.events.changed();
    return more;
  }

  /** Reads every file as far as the buffer allows; draining files first. */
  private async readAll(): Promise<boolean> {
    const budget = this.options.readChunkBytes * 16;
    let more = false;
    const draining = [...this.files.values()].filter((f) => f.state === 'draining');
    const behind = new Set<string>();
    for (const f of draining) {
      if (!this.buffer.hasRoom()) return false;
      if (await this.readFile(f, budget)) more = true;
      if (f.readOffset < f.size) behind.add(f.source.path);
    }
    for (const f of this.files.values()) {
      if (f.state !== 'active') continue;
      if (!this.buffer.hasRoom()) return false;
      // the new file at a path waits until the rotated one is read to its end
      if (behind.has(f.source.path)) continue;
      if (await this.readFile(f, budget)) more = true;
    }
    await this.closeFinished();
    return more && this.buffer.hasRoom();
  }

  /** Reads up to `budget` bytes; true when it stopped before the end of the file. */
  private async readFile(f: TrackedFile, budget: number): Promise<boolean> {
    let left = budget;
    for (;;) {
      if (!this.buffer.hasRoom()) return false;
      if (left <= 0) return true;
      const at = f.readOffset;
      const { bytesRead } = await f.handle.read(this.chunk, 0, Math.min(this.chunk.length, left), at);
      if (bytesRead === 0) return false;
      const chunk = this.chunk.subarray(0, bytesRead);
      if (!(await this.stillSameContent(f, at, chunk))) {
        // cut and rewritten between two looks: these bytes are the new content's, not ours
        await this.truncated(f, 'rewritten');
        return true;
      }
      f.readOffset = at + bytesRead;
      if (f.readOffset > f.size) f.size = f.readOffset;
      left -= bytesRead;
      f.lastChangeAt = this.now();
      await this.emit(f, f.splitter.push(chunk), bytesRead);
    }
  }

  /**
   * Whether `chunk`, just read at `at`, belongs to the content being tailed: the file
   * must still start with its fingerprint after the read (a copytruncate can strike
   * between any two reads).
   */
  private async stillSameContent(f: TrackedFile, at: number, chunk: Buffer): Promise<boolean> {
    const fingerprint = f.fingerprint;
    if (!fingerprint) {
      if (at === 0) this.setFingerprint(f, fingerprintOf(chunk, this.options.fingerprintBytes));
      return true;
    }
    if (at === 0 && chunk.length >= fingerprint.bytes) return fingerprintMatches(fingerprint, chunk);
    return fingerprintMatches(fingerprint, await readHead(f.handle, fingerprint.bytes));
  }

  private setFingerprint(f: TrackedFile, fingerprint: Fingerprint | undefined): void {
    if (!fingerprint) return;
    f.fingerprint = fingerprint;
    f.uidPrefix = `${fingerprint.hash.slice(0, 16)}.${f.dev}.${f.ino}`;
  }

  private async emit(f: TrackedFile, lines: SplitLine[], bytes: number): Promise<void> {
    if (lines.length > 0 && !f.uidPrefix) await this.fixFingerprint(f);
    const prefix = f.uidPrefix ?? `nofp.${f.dev}.${f.ino}`;
    const observedAtMs = this.now();
    let split = 0;
    for (const line of lines) {
      const tailLine: TailLine = {
        source: f.source,
        cursor: f.cursor,
        text: line.text,
        start: line.start,
        end: line.end,
        part: line.part,
        continues: line.continues,
        uid: `${prefix}.${line.start}`,
        observedAtMs,
      };
      this.buffer.push(tailLine);
      f.cursor.inBuffer++;
      if (line.part > 0) split++;
    }
    this.events.linesRead(lines.length, bytes, split);
  }

  /** Computes the fingerprint once the first line is complete (or long enough). */
  private async fixFingerprint(f: TrackedFile): Promise<void> {
    if (!f.fingerprint) this.setFingerprint(f, fingerprintOf(await readHead(f.handle, this.options.fingerprintBytes), this.options.fingerprintBytes));
    else if (!f.uidPrefix) this.setFingerprint(f, f.fingerprint);
  }

  private async checkRotation(f: TrackedFile, found: Map<string, Found>): Promise<void> {
    let size: number;
    try {
      size = Number((await f.handle.stat({ bigint: true })).size);
    } catch (error) {
      this.log.warn('cannot stat an open file; treating it as rotated away', { path: f.watchPath, error: (error as Error).message });
      size = f.readOffset;
    }
    f.size = size;
    // without a fingerprint a cut followed by regrowth could not be told from growth
    if (!f.fingerprint && f.readOffset === 0) await this.fixFingerprint(f);
    const headMatches = f.fingerprint ? fingerprintMatches(f.fingerprint, await readHead(f.handle, f.fingerprint.bytes)) : undefined;
    const decision = decideRotation(f, { identityAtPath: found.get(f.watchPath)?.identity, size, ...(headMatches !== undefined ? { headMatches } : {}) });
    if (decision.kind !== 'same') this.log.debug('rotation', { path: f.watchPath, size, readOffset: f.readOffset, headMatches, decision: decision.kind });
    if (decision.kind === 'moved') {
      f.state = 'draining';
      f.lastChangeAt = this.now();
      this.events.rotated('rename');
      this.log.info('file rotated away or deleted; reading it to its end', { path: f.source.path, unread: Math.max(0, size - f.readOffset) });
    } else if (decision.kind === 'truncated') {
      await this.truncated(f, decision.reason);
    }
  }

  /**
   * copytruncate: the file was copied and cut to zero. Bytes not yet read are in the
   * copy (when the globs do not already tail it): that copy takes over this content's
   * cursor and is read to its end; the cut file starts again from 0.
   */
  private async truncated(f: TrackedFile, reason: 'shrunk' | 'rewritten'): Promise<void> {
    this.events.rotated('truncate');
    const copy = f.fingerprint ? await this.findCopy(dirname(f.watchPath), f.fingerprint, f.readOffset, f.config) : undefined;
    const copyHandle = copy ? await openIfSame(copy.path, copy.identity) : undefined;
    if (copy && copyHandle) {
      // the copy continues this content: same cursor, splitter (with any half line) and fingerprint
      this.files.set(copy.identity, {
        ...f,
        identity: copy.identity,
        watchPath: copy.path,
        handle: copyHandle,
        size: copy.size,
        dev: copy.dev,
        ino: copy.ino,
        state: 'draining',
        lastChangeAt: this.now(),
      });
      this.log.info('file truncated (copytruncate); reading the rest from its copy', { path: f.source.path, copy: copy.path, reason });
    } else {
      await this.emit(f, f.splitter.flush(), 0);
      this.log.warn('file truncated and no copy of it found; lines written after the last read and before the cut are lost', {
        path: f.source.path,
        reason,
      });
    }
    f.readOffset = 0;
    f.size = 0;
    f.fingerprint = undefined;
    f.uidPrefix = undefined;
    f.cursor = new FileCursor(0);
    f.splitter = new LineSplitter({ offset: 0, maxLineBytes: this.options.maxLineBytes });
    f.lastChangeAt = this.now();
    this.stateVersion++;
  }

  /**
   * logrotate's copy of a truncated file: in `dir`, not tailed yet, starting with
   * `fingerprint`, at least `minSize` long; the newest when several match.
   */
  private async findCopy(dir: string, fingerprint: Fingerprint, minSize: number, config: TailSource): Promise<Found | undefined> {
    let best: (Found & { mtimeMs: number }) | undefined;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return undefined;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const st = await stat(path, { bigint: true });
        const identity = fileIdentity(st);
        if (!st.isFile() || this.files.has(identity) || Number(st.size) < minSize) continue;
        const handle = await open(path, 'r');
        try {
          if (!fingerprintMatches(fingerprint, await readHead(handle, fingerprint.bytes))) continue;
        } finally {
          await handle.close();
        }
        const mtimeMs = Number(st.mtimeMs);
        if (!best || mtimeMs > best.mtimeMs) best = { path, identity, dev: st.dev, ino: st.ino, size: Number(st.size), source: config, mtimeMs };
      } catch {
        // vanished while looking
      }
    }
    return best;
  }

  /** Lets go of rotated files that are read to their end, idle for rotateWait, and fully acknowledged. */
  private async closeFinished(): Promise<void> {
    const now = this.now();
    for (const f of [...this.files.values()]) {
      if (f.state !== 'draining' || f.readOffset < f.size || now - f.lastChangeAt < this.options.rotateWaitMs) continue;
      if (f.splitter.pendingLength > 0) {
        // a last line without its newline: nobody will finish it now
        if (!this.buffer.hasRoom()) continue;
        await this.emit(f, f.splitter.flush(), 0);
      }
      if (f.cursor.inBuffer > 0) continue;
      this.files.delete(f.identity);
      this.stateVersion++;
      await f.handle.close().catch(() => undefined);
      this.log.info('done with rotated file', { path: f.source.path, at: f.watchPath });
    }
  }

  /** Starts tailing a file a glob matched. */
  private async openFound(found: Found, entry: CheckpointEntry | undefined): Promise<void> {
    const handle = await openIfSame(found.path, found.identity);
    if (!handle) return;
    const head = entry?.fingerprint ? await readHead(handle, entry.fingerprint.bytes) : undefined;
    const headMatches = entry?.fingerprint && head ? fingerprintMatches(entry.fingerprint, head) : undefined;
    const resume = decideResume(
      entry,
      { size: found.size, ...(headMatches !== undefined ? { headMatches } : {}) },
      this.firstRun,
      found.source.startAt,
    );
    if (resume.reason !== 'checkpoint' && resume.reason !== 'new-file') this.log.info('starting file', { path: found.path, offset: resume.offset, reason: resume.reason });
    else this.log.debug('starting file', { path: found.path, offset: resume.offset, reason: resume.reason, identity: found.identity });
    const path = entry ? entry.path : found.path;
    if (entry?.fingerprint && (resume.reason === 'inode-reused' || resume.reason === 'truncated-while-stopped')) {
      // copytruncate while stopped: what was not acknowledged is in logrotate's copy
      await this.adoptCopy(entry, entry.fingerprint, found.source, found.identity);
    }
    await this.track(found, handle, path, resume.offset, 'active', resume.reason === 'checkpoint' ? entry?.fingerprint : undefined);
  }

  private async adoptCopy(entry: CheckpointEntry, fingerprint: Fingerprint, config: TailSource, truncatedIdentity: FileIdentity): Promise<void> {
    const copy = await this.findCopy(dirname(entry.path), fingerprint, entry.offset, config);
    if (!copy || copy.identity === truncatedIdentity) return;
    const handle = await openIfSame(copy.path, copy.identity);
    if (!handle) return;
    await this.track(copy, handle, entry.path, entry.offset, 'draining', fingerprint);
    this.log.info('file was truncated while stopped; reading the rest from its copy', { path: entry.path, copy: copy.path, unread: copy.size - entry.offset });
  }

  /** A checkpointed file the globs no longer match: look for it (by inode) beside its old path and drain it. */
  private async adoptOrphan(entry: CheckpointEntry): Promise<void> {
    if (this.files.has(entry.identity)) return;
    const dir = dirname(entry.path);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      // directory gone
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const st = await stat(path, { bigint: true });
        if (fileIdentity(st) !== entry.identity || !st.isFile()) continue;
        const handle = await openIfSame(path, entry.identity);
        if (!handle) continue;
        if (entry.fingerprint && !fingerprintMatches(entry.fingerprint, await readHead(handle, entry.fingerprint.bytes))) {
          await handle.close();
          continue;
        }
        const size = Number(st.size);
        const offset = entry.offset <= size ? entry.offset : 0;
        const config = this.sources.find((s) => globToRegExp(s.glob).test(entry.path)) ?? this.sources[0];
        if (!config) {
          await handle.close();
          return;
        }
        const found: Found = { path, identity: entry.identity, dev: st.dev, ino: st.ino, size, source: config };
        await this.track(found, handle, entry.path, offset, 'draining', entry.fingerprint);
        this.log.info('found a file rotated while stopped; reading it to its end', { path: entry.path, at: path, unread: size - offset });
        return;
      } catch {
        // vanished while looking
      }
    }
    this.log.warn('a checkpointed file is gone; forgetting it', { path: entry.path, offset: entry.offset });
  }

  private async track(
    found: Found,
    handle: FileHandle,
    sourcePath: string,
    offset: number,
    state: 'active' | 'draining',
    fingerprint: Fingerprint | undefined,
  ): Promise<void> {
    // resuming inside a line (after a part of an over-long line was acknowledged)
    const midLine = offset > 0 && (await readByte(handle, offset - 1)) !== 0x0a;
    const f: TrackedFile = {
      identity: found.identity,
      watchPath: found.path,
      source: { path: sourcePath, name: basename(sourcePath), labels: found.source.labels },
      config: found.source,
      handle,
      readOffset: offset,
      size: found.size,
      ...(fingerprint ? { fingerprint } : {}),
      dev: found.dev,
      ino: found.ino,
      cursor: new FileCursor(offset),
      splitter: new LineSplitter({ offset, maxLineBytes: this.options.maxLineBytes, midLine }),
      state,
      lastChangeAt: this.now(),
    };
    this.files.set(found.identity, f);
    // fingerprint at once: a copytruncate before the first read must be noticed
    await this.fixFingerprint(f);
    this.stateVersion++;
  }

  /** Current matches of all globs by path; the first source that matches a path wins, as does the first path of a hard-linked file. */
  private async scan(): Promise<Map<string, Found>> {
    const byPath = new Map<string, Found>();
    const identities = new Set<FileIdentity>();
    for (const source of this.sources) {
      const excludes = this.excludes.get(source) ?? [];
      for (const path of await expandGlob(source.glob)) {
        if (byPath.has(path) || excludes.some((re) => re.test(path))) continue;
        try {
          const st = await stat(path, { bigint: true });
          const identity = fileIdentity(st);
          if (identities.has(identity)) continue;
          identities.add(identity);
          byPath.set(path, { path, identity, dev: st.dev, ino: st.ino, size: Number(st.size), source });
        } catch {
          // gone between listing and stat
        }
      }
    }
    return byPath;
  }

  // ------------------------------------------------------------ acknowledgement

  /** The checkpoint as it stands: acknowledged offsets of every tracked file. */
  checkpoint(): Checkpoint {
    return this.checkpointWith(new Map());
  }

  /** The checkpoint as it will be once `lines` are acknowledged (nothing changes yet). */
  checkpointAfter(lines: readonly TailLine[]): Checkpoint {
    return this.checkpointWith(ackedEnds(lines));
  }

  /** Records that the collector has `lines`. */
  acknowledge(lines: readonly TailLine[]): void {
    for (const [cursor, end] of ackedEnds(lines)) if (end > cursor.ackedOffset) cursor.ackedOffset = end;
    for (const line of lines) line.cursor.inBuffer--;
    this.stateVersion++;
  }

  private checkpointWith(ends: Map<FileCursor, number>): Checkpoint {
    const entries: CheckpointEntry[] = [];
    for (const f of this.files.values()) {
      const offset = Math.max(f.cursor.ackedOffset, ends.get(f.cursor) ?? 0);
      entries.push({ identity: f.identity, path: f.source.path, offset, ...(f.fingerprint ? { fingerprint: f.fingerprint } : {}) });
    }
    return { entries };
  }

  async close(): Promise<void> {
    for (const f of this.files.values()) await f.handle.close().catch(() => undefined);
    this.files.clear();
  }
}

/** The highest end offset per cursor among `lines`. */
export function ackedEnds(lines: readonly TailLine[]): Map<FileCursor, number> {
  const ends = new Map<FileCursor, number>();
  for (const line of lines) if (line.end > (ends.get(line.cursor) ?? -1)) ends.set(line.cursor, line.end);
  return ends;
}

async function readHead(handle: FileHandle, bytes: number): Promise<Buffer> {
  const buf = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buf, 0, bytes, 0);
  return buf.subarray(0, bytesRead);
}

async function readByte(handle: FileHandle, position: number): Promise<number | undefined> {
  const buf = Buffer.alloc(1);
  const { bytesRead } = await handle.read(buf, 0, 1, position);
  return bytesRead === 1 ? buf[0] : undefined;
}

/** Opens `path` if it is still the file with `identity` (it may have been rotated between stat and open). */
async function openIfSame(path: string, identity: FileIdentity): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  const st = await handle.stat({ bigint: true });
  if (fileIdentity(st) === identity) return handle;
  await handle.close();
  return undefined;
}
