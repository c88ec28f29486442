import type { SliCounts, SliMinute } from '../core/sli.ts';
import type { DroppedIncrements, FlushResult } from './sli-store.ts';

/**
 * What the request pipeline, the SLO runtime, the status page and the self-metrics use
 * of an SLI store: SliStore (SQLite, one collector) and SharedSliStore (PostgreSQL,
 * store/postgres/, the replicas of a cluster adding up) both have it.
 */
export interface SliBucketStore {
  /** where it writes, for log lines: a file, or the database */
  readonly file: string;
  readonly dropped: DroppedIncrements;
  readonly pendingBucketCount: number;
  add(sliId: string, minute: number, good: number, total: number): void;
  /** writes what is buffered (or starts writing it); throws when the last write failed */
  flush(nowMs: number): FlushResult;
  sum(sliId: string, fromMinute: number, toMinute: number): SliCounts;
  buckets(sliId: string, fromMinute: number, toMinute: number): SliMinute[];
  flushedTotalsBySli(): ReadonlyMap<string, Readonly<SliCounts>>;
  close(nowMs?: number): void;
  /** a store that writes asynchronously: resolves when its last write after close() is done */
  drain?(): Promise<void>;
  /**
   * Write-ahead-log cursors committed in the same transaction as the buckets (issue 13),
   * so a replay never counts twice. A store without them (the PostgreSQL store, which
   * pushes asynchronously) offers whenCommitted instead.
   */
  cursor?(name: string): number | undefined;
  stageCursor?(name: string, nextSequence: number): void;
  /** holds staged cursors (and the increments before them) back until `durableEnd()` passes them (SliStore.fenceCursor) */
  fenceCursor?(name: string, durableEnd: () => number): void;
  /**
   * A store that commits asynchronously (PostgreSQL) calls back once every increment
   * added before the call is committed; the write-ahead log then moves that consumer's
   * cursor (at-least-once: a crash between the commit and the cursor write replays it).
   */
  whenCommitted?(callback: () => void): void;
}
