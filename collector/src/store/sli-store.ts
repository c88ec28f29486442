import Database from 'better-sqlite3';
import { preparePrivateFile } from './private-files.ts';

import type { SliCounts, SliMinute } from '../core/sli.ts';

export type { SliCounts, SliMinute };

export interface SliStoreOptions {
  /** SQLite file, created with its directory when missing; ':memory:' for tests */
  file: string;
  /** buckets older than this many minutes before the last flush's minute are deleted */
  retentionMinutes: number;
  /** (sli, minute) buckets buffered at most between flushes; increments beyond are dropped and counted */
  maxPendingBuckets?: number;
}

export interface FlushResult {
  /** (sli, minute) rows written */
  rows: number;
  /** rows deleted by retention */
  pruned: number;
}

/** Why increments were not stored. */
export interface DroppedIncrements {
  /** older than the retention window at the time they arrived */
  tooOld: number;
  /** the pending buffer was full (flushes failing for a long time) */
  pendingFull: number;
}

const SCHEMA_VERSION = 1;

/**
 * Per-SLI per-minute buckets of (good, total) in SQLite (WAL), so a restart keeps the
 * error-budget history: a 30-day window is 43,200 rows per SLI. Increments are buffered
 * in memory and written in one transaction per flush (upsert-adding); reads include the
 * buffered increments, so they are exact at any time.
 *
 * Alongside the minutes, a never-pruned table keeps each SLI's all-time totals; the
 * /metrics counters lookout_slo_events_total come from it and only ever show flushed
 * values, so after a crash they restart at (or above) the last value Prometheus saw and
 * never read as a counter reset.
 */
export class SliStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly retentionMinutes: number;
  private readonly maxPendingBuckets: number;
  private pending = new Map<string, Map<number, SliCounts>>();
  private pendingBuckets = 0;
  private readonly flushedTotals = new Map<string, SliCounts>();
  private oldestKeptMinute = -Infinity;
  private lastPruneMinute = -1;
  private closed = false;
  /** write-ahead-log cursors staged since the last flush (issue 13), committed with the buckets */
  private stagedCursors = new Map<string, number>();
  private readonly committedCursors = new Map<string, number>();
  /** per cursor: the first sequence of its log not yet durable (fenceCursor) */
  private readonly fences = new Map<string, () => number>();
  /**
   * Increments held back by a fence, oldest first: each with the cursors staged after
   * them. Written by the first flush that finds their cursors durable; read like pending.
   */
  private held: Array<{ increments: Map<string, Map<number, SliCounts>>; cursors: Map<string, number> }> = [];
  readonly dropped: DroppedIncrements = { tooOld: 0, pendingFull: 0 };

  private readonly upsertMinute: Database.Statement<[string, number, number, number]>;
  private readonly upsertTotal: Database.Statement<[string, number, number]>;
  private readonly prune: Database.Statement<[number]>;
  private readonly sumQuery: Database.Statement<[string, number, number], { good: number | null; total: number | null }>;
  private readonly bucketsQuery: Database.Statement<[string, number, number], SliMinute>;
  private readonly writeBatch: (batch: Array<[string, number, SliCounts]>, totals: Map<string, SliCounts>, cursors: Map<string, number>) => void;
  private readonly upsertCursor: Database.Statement<[string, number]>;

  constructor(options: SliStoreOptions) {
    this.file = options.file;
    this.retentionMinutes = options.retentionMinutes;
    this.maxPendingBuckets = options.maxPendingBuckets ?? 200_000;
    this.db = openDatabase(options.file);
    this.upsertMinute = this.db.prepare(
      `INSERT INTO sli_minutes (sli_id, minute, good, total) VALUES (?, ?, ?, ?)
       ON CONFLICT (sli_id, minute) DO UPDATE SET good = good + excluded.good, total = total + excluded.total`,
    );
    this.upsertTotal = this.db.prepare(
      `INSERT INTO sli_totals (sli_id, good, total) VALUES (?, ?, ?)
       ON CONFLICT (sli_id) DO UPDATE SET good = good + excluded.good, total = total + excluded.total`,
    );
    this.prune = this.db.prepare('DELETE FROM sli_minutes WHERE minute < ?');
    this.sumQuery = this.db.prepare(
      'SELECT SUM(good) AS good, SUM(total) AS total FROM sli_minutes WHERE sli_id = ? AND minute BETWEEN ? AND ?',
    );
    this.bucketsQuery = this.db.prepare(
      'SELECT minute, good, total FROM sli_minutes WHERE sli_id = ? AND minute BETWEEN ? AND ? ORDER BY minute',
    );
    this.upsertCursor = this.db.prepare(
      'INSERT INTO wal_cursors (name, next_sequence) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next_sequence = excluded.next_sequence',
    );
    this.writeBatch = this.db.transaction((batch: Array<[string, number, SliCounts]>, totals: Map<string, SliCounts>, cursors: Map<string, number>) => {
      for (const [sliId, minute, counts] of batch) this.upsertMinute.run(sliId, minute, counts.good, counts.total);
      for (const [sliId, counts] of totals) this.upsertTotal.run(sliId, counts.good, counts.total);
      for (const [name, next] of cursors) this.upsertCursor.run(name, next);
    });
    for (const row of this.db.prepare('SELECT name, next_sequence FROM wal_cursors').all() as Array<{ name: string; next_sequence: number }>)
      this.committedCursors.set(row.name, row.next_sequence);
    for (const row of this.db.prepare('SELECT sli_id, good, total FROM sli_totals').all() as Array<{ sli_id: string } & SliCounts>)
      this.flushedTotals.set(row.sli_id, { good: row.good, total: row.total });
  }

  /** Buffers an increment; written by the next flush. */
  add(sliId: string, minute: number, good: number, total: number): void {
    if (minute < this.oldestKeptMinute) {
      this.dropped.tooOld += total;
      return;
    }
    let minutes = this.pending.get(sliId);
    if (!minutes) {
      minutes = new Map();
      this.pending.set(sliId, minutes);
    }
    const bucket = minutes.get(minute);
    if (bucket) {
      bucket.good += good;
      bucket.total += total;
      return;
    }
    if (this.pendingBuckets >= this.maxPendingBuckets) {
      this.dropped.pendingFull += total;
      return;
    }
    minutes.set(minute, { good, total });
    this.pendingBuckets++;
  }

  /**
   * Stages a write-ahead-log cursor: the next sequence after the batches whose increments
   * were add()ed so far. The next flush commits it in the same transaction as those
   * increments, so after a crash the replay starts exactly after what was counted.
   */
  stageCursor(name: string, nextSequence: number): void {
    this.stagedCursors.set(name, nextSequence);
  }

  /**
   * Fences a cursor: its consumer applies write-ahead-log entries before they are synced
   * (the durable pipeline's `early` consumers), so a flush writes a staged cursor, and
   * the increments added before it, only once `durableEnd()` (the first sequence not yet
   * durable) has reached it; until then they are held, still counted by reads. After a
   * kill -9 the log then never holds less than the store counted.
   */
  fenceCursor(name: string, durableEnd: () => number): void {
    this.fences.set(name, durableEnd);
  }

  private durable(cursors: ReadonlyMap<string, number>): boolean {
    for (const [name, next] of cursors) {
      const fence = this.fences.get(name);
      if (fence && next > fence()) return false;
    }
    return true;
  }

  /** The committed cursor of `name`, undefined before its first commit. */
  cursor(name: string): number | undefined {
    return this.committedCursors.get(name);
  }

  get pendingBucketCount(): number {
    return this.pendingBuckets;
  }

  /**
   * Writes buffered increments in one transaction and applies retention (at most once a
   * minute). On failure the increments stay buffered for the next flush and the error
   * is thrown to the caller.
   */
  flush(nowMs: number): FlushResult {
    if (this.closed) throw new Error(`SLI store ${this.file} is closed`);
    const nowMinute = Math.floor(nowMs / 60_000);
    const result: FlushResult = { rows: 0, pruned: 0 };
    if (this.pendingBuckets > 0 || this.stagedCursors.size > 0 || this.held.length > 0) {
      // What a fence holds back waits for the next flush; the rest is written, oldest first.
      if (this.pending.size > 0 || this.stagedCursors.size > 0) this.held.push({ increments: this.pending, cursors: this.stagedCursors });
      this.pending = new Map();
      this.stagedCursors = new Map();
      let ready = 0;
      while (ready < this.held.length && this.durable(this.held[ready]!.cursors)) ready++;
      const writing = this.held.slice(0, ready);
      const cursors = new Map<string, number>();
      const merged = new Map<string, Map<number, SliCounts>>();
      let heldBuckets = 0;
      for (const generation of writing) {
        for (const [name, next] of generation.cursors) cursors.set(name, next);
        for (const [sliId, minutes] of generation.increments) {
          let into = merged.get(sliId);
          if (!into) merged.set(sliId, (into = new Map()));
          for (const [minute, counts] of minutes) {
            heldBuckets++;
            const bucket = into.get(minute);
            if (bucket) {
              bucket.good += counts.good;
              bucket.total += counts.total;
            } else into.set(minute, { ...counts });
          }
        }
      }
      const batch: Array<[string, number, SliCounts]> = [];
      const totals = new Map<string, SliCounts>();
      for (const [sliId, minutes] of merged) {
        const sum: SliCounts = { good: 0, total: 0 };
        for (const [minute, counts] of minutes) {
          batch.push([sliId, minute, counts]);
          sum.good += counts.good;
          sum.total += counts.total;
        }
        totals.set(sliId, sum);
      }
      // on failure (thrown) everything stays held for the next flush
      if (ready > 0) this.writeBatch(batch, totals, cursors);
      this.held = this.held.slice(ready);
      for (const [name, next] of cursors) this.committedCursors.set(name, next);
      this.pendingBuckets -= heldBuckets;
      for (const [sliId, sum] of totals) {
        const flushed = this.flushedTotals.get(sliId);
        if (flushed) {
          flushed.good += sum.good;
          flushed.total += sum.total;
        } else this.flushedTotals.set(sliId, sum);
      }
      result.rows = batch.length;
    }
    if (nowMinute !== this.lastPruneMinute) {
      this.lastPruneMinute = nowMinute;
      this.oldestKeptMinute = nowMinute - this.retentionMinutes;
      result.pruned = this.prune.run(this.oldestKeptMinute).changes;
    }
    return result;
  }

  /** (good, total) of an SLI over minutes from..to inclusive, flushed and buffered. */
  sum(sliId: string, fromMinute: number, toMinute: number): SliCounts {
    const row = this.sumQuery.get(sliId, fromMinute, toMinute)!;
    const out: SliCounts = { good: row.good ?? 0, total: row.total ?? 0 };
    for (const minutes of this.unwritten(sliId))
      for (const [minute, counts] of minutes)
        if (minute >= fromMinute && minute <= toMinute) {
          out.good += counts.good;
          out.total += counts.total;
        }
    return out;
  }

  /** The buffered increments of an SLI: held back by a fence (oldest first), then pending. */
  private unwritten(sliId: string): Array<Map<number, SliCounts>> {
    const out: Array<Map<number, SliCounts>> = [];
    for (const generation of this.held) {
      const minutes = generation.increments.get(sliId);
      if (minutes && minutes.size > 0) out.push(minutes);
    }
    const minutes = this.pending.get(sliId);
    if (minutes && minutes.size > 0) out.push(minutes);
    return out;
  }

  /** The minutes from..to inclusive that have events, in order, flushed and buffered. */
  buckets(sliId: string, fromMinute: number, toMinute: number): SliMinute[] {
    const rows = this.bucketsQuery.all(sliId, fromMinute, toMinute);
    const unwritten = this.unwritten(sliId);
    if (unwritten.length === 0) return rows;
    const merged = new Map<number, SliMinute>();
    for (const row of rows) merged.set(row.minute, row);
    for (const minutes of unwritten)
      for (const [minute, counts] of minutes) {
        if (minute < fromMinute || minute > toMinute) continue;
        const row = merged.get(minute);
        if (row) {
          row.good += counts.good;
          row.total += counts.total;
        } else merged.set(minute, { minute, good: counts.good, total: counts.total });
      }
    return [...merged.values()].sort((a, b) => a.minute - b.minute);
  }

  /** All-time (good, total) per SLI, as written to disk (not including the buffer). */
  flushedTotalsBySli(): ReadonlyMap<string, Readonly<SliCounts>> {
    return this.flushedTotals;
  }

  /** Flushes what is buffered (when `nowMs` is given) and closes the database. */
  close(nowMs?: number): void {
    if (this.closed) return;
    if (nowMs !== undefined) this.flush(nowMs);
    this.closed = true;
    this.db.close();
  }
}

function openDatabase(file: string): Database.Database {
  let db: Database.Database;
  try {
    preparePrivateFile(file); // 0700 directory, 0600 file whatever the umask (issue 12)
    db = new Database(file);
  } catch (error) {
    throw new Error(
      `cannot open the SLI store ${file}: ${(error as Error).message}; set storage.dataDir to a writable directory`,
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives the process being killed; only an
    // OS crash or power loss can take back the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`it was written by a newer Lookout (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade Lookout or point storage.dataDir elsewhere`);
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS sli_minutes (
        sli_id TEXT NOT NULL,
        minute INTEGER NOT NULL,
        good INTEGER NOT NULL,
        total INTEGER NOT NULL,
        PRIMARY KEY (sli_id, minute)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sli_minutes_by_minute ON sli_minutes (minute);
      CREATE TABLE IF NOT EXISTS sli_totals (
        sli_id TEXT PRIMARY KEY,
        good INTEGER NOT NULL,
        total INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS wal_cursors (
        name TEXT PRIMARY KEY,
        next_sequence INTEGER NOT NULL
      ) WITHOUT ROWID;
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  } catch (error) {
    db.close();
    const message = (error as Error).message;
    const hint = /not a database|malformed/i.test(message)
      ? '; it is not an SLI store: move it away or point storage.dataDir elsewhere'
      : '';
    throw new Error(`cannot use the SLI store ${file}: ${message}${hint}`);
  }
  return db;
}
