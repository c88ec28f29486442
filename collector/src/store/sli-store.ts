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
    if (this.pendingBuckets > 0 || this.stagedCursors.size > 0) {
      const cursors = this.stagedCursors;
      const batch: Array<[string, number, SliCounts]> = [];
      const totals = new Map<string, SliCounts>();
      for (const [sliId, minutes] of this.pending) {
        const sum: SliCounts = { good: 0, total: 0 };
        for (const [minute, counts] of minutes) {
          batch.push([sliId, minute, counts]);
          sum.good += counts.good;
          sum.total += counts.total;
        }
        totals.set(sliId, sum);
      }
      this.writeBatch(batch, totals, cursors);
      this.stagedCursors = new Map();
      for (const [name, next] of cursors) this.committedCursors.set(name, next);
      this.pending = new Map();
      this.pendingBuckets = 0;
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
    const minutes = this.pending.get(sliId);
    if (minutes)
      for (const [minute, counts] of minutes)
        if (minute >= fromMinute && minute <= toMinute) {
          out.good += counts.good;
          out.total += counts.total;
        }
    return out;
  }

  /** The minutes from..to inclusive that have events, in order, flushed and buffered. */
  buckets(sliId: string, fromMinute: number, toMinute: number): SliMinute[] {
    const rows = this.bucketsQuery.all(sliId, fromMinute, toMinute);
    const minutes = this.pending.get(sliId);
    if (!minutes || minutes.size === 0) return rows;
    const merged = new Map<number, SliMinute>();
    for (const row of rows) merged.set(row.minute, row);
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
