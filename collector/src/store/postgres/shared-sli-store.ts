import type pg from 'pg';
import { fullJitterDelay } from '../../core/backoff.ts';
import type { SliCounts, SliMinute } from '../../core/sli.ts';
import type { SliBucketStore } from '../sli-store-api.ts';
import type { DroppedIncrements, FlushResult } from '../sli-store.ts';
import { addBuckets, pruneBuckets, readCursor } from './sli-buckets.ts';

/**
 * The SLI store of a cluster member (storage.backend: postgres). Ingest adds increments
 * to a bounded in-memory buffer, as with SQLite; every flush pushes the buffer to
 * PostgreSQL (an upsert that adds, so the replicas' shares sum up) and then refreshes a
 * mirror of the shared buckets — all of them once, then only those changed since the
 * last look — so the synchronous reads of the SLO runtime and the status page see the
 * whole cluster's traffic. Push and refresh run one after the other, never together,
 * so a read counts every increment exactly once: from the mirror once a refresh that
 * started after its commit has finished, from the buffer before that.
 *
 * With the database unreachable the buffer keeps growing (up to maxPendingBuckets,
 * then increments are dropped and counted) and is pushed when it answers again. The
 * buffer holds one entry per (SLI, minute), not per record, so a long outage costs a
 * few buckets per SLI per minute. Failed pushes are retried with exponential backoff
 * and full jitter (retryBaseMs doubling up to retryCapMs), not at every flush, so a
 * cluster does not hammer a database that is restarting; counted in `pushes`.
 *
 * Each push is numbered and moves this replica's cursor ('sli-push' in
 * lookout_ingest_cursors) in its own transaction. A push whose answer was lost (a
 * timeout on a half-open link: did it commit?) is not simply sent again — that could
 * count it twice — but settled first by reading the cursor on a fresh connection.
 */

export interface SharedSliStoreOptions {
  pool: pg.Pool;
  /** this collector's name in the cluster: its push cursor's key (unique per running collector) */
  replica: string;
  retentionMinutes: number;
  maxPendingBuckets?: number;
  /** ms since the epoch, for retention and retry times */
  now: () => number;
  /** first retry delay ceiling after a failed push (doubles per failure, full jitter); default 250 ms */
  retryBaseMs?: number;
  /** largest retry delay ceiling; default 5 s */
  retryCapMs?: number;
  /** uniform in [0, 1), for the jitter */
  random?: () => number;
}

type Buckets = Map<string, Map<number, SliCounts>>;

function addTo(target: Buckets, sliId: string, minute: number, good: number, total: number): boolean {
  let minutes = target.get(sliId);
  if (!minutes) target.set(sliId, (minutes = new Map()));
  const bucket = minutes.get(minute);
  if (bucket) {
    bucket.good += good;
    bucket.total += total;
    return false;
  }
  minutes.set(minute, { good, total });
  return true;
}

/** How far back a refresh looks for rows changed around its last look: commits that took this long still count. */
const REFRESH_OVERLAP_SECONDS = 30;

export class SharedSliStore implements SliBucketStore {
  readonly file = 'postgres:lookout_sli_minutes';
  readonly dropped: DroppedIncrements = { tooOld: 0, pendingFull: 0 };
  private readonly options: SharedSliStoreOptions;
  private readonly maxPendingBuckets: number;
  private pending: Buckets = new Map();
  private pendingBuckets = 0;
  /** being pushed now */
  private inflight: Buckets = new Map();
  /** a push whose outcome is unknown (its answer was lost), by sequence */
  private unconfirmed: { seq: number; buckets: Buckets; waiting: Array<() => void> } | undefined;
  /** callbacks waiting for the increments in `pending` (then `inflight`) to commit */
  private waitingPending: Array<() => void> = [];
  private waitingInflight: Array<() => void> = [];
  /** the sequence of the next push; read from the cursor at the first connection */
  private nextSeq: number | undefined;
  /** pushed, not yet seen by a refresh */
  private committedUnseen: Buckets[] = [];
  private mirror: Buckets = new Map();
  private readonly flushedTotals = new Map<string, SliCounts>();
  private oldestKeptMinute = -Infinity;
  private lastPruneMinute = -1;
  private seenUntil: Date | undefined;
  /** the oldest minute a refresh found changed since takeOldestChange() was last called */
  private oldestChange: number | undefined;
  private running: Promise<void> | undefined;
  private active = false;
  private closed = false;
  /** the last push or refresh failed with this; cleared by the next success */
  lastError: Error | undefined;
  lastSyncAtMs: number | undefined;
  /** buckets pushed (rows upserted) since the start */
  rowsPushed = 0;
  /** push-and-refresh rounds by outcome since the start */
  readonly pushes = { ok: 0, error: 0 };
  /** failed rounds in a row; the next retry waits a full-jitter delay of up to min(cap, base · 2^(n−1)) */
  consecutiveFailures = 0;
  /** no flush starts a round before this (ms since the epoch) */
  private retryAtMs = -Infinity;

  constructor(options: SharedSliStoreOptions) {
    this.options = options;
    this.maxPendingBuckets = options.maxPendingBuckets ?? 200_000;
  }

  /** Starts talking to the database (after the migrations ran); before it, flush() only buffers. */
  activate(): void {
    this.active = true;
  }

  /**
   * The oldest minute whose shared bucket changed since the last call (a replica's late
   * push after an outage, say), and forgets it; undefined when none did.
   */
  takeOldestChange(): number | undefined {
    const minute = this.oldestChange;
    this.oldestChange = undefined;
    return minute;
  }

  /** whether the mirror holds the shared buckets (the first refresh succeeded) */
  get loaded(): boolean {
    return this.seenUntil !== undefined;
  }

  get pendingBucketCount(): number {
    return this.pendingBuckets + countBuckets(this.inflight) + (this.unconfirmed ? countBuckets(this.unconfirmed.buckets) : 0);
  }

  add(sliId: string, minute: number, good: number, total: number): void {
    if (minute < this.oldestKeptMinute) {
      this.dropped.tooOld += total;
      return;
    }
    const known = this.pending.get(sliId)?.has(minute);
    if (!known && this.pendingBuckets >= this.maxPendingBuckets) {
      this.dropped.pendingFull += total;
      return;
    }
    if (addTo(this.pending, sliId, minute, good, total)) this.pendingBuckets++;
  }

  /**
   * Starts a push and refresh unless one runs; throws the last one's error so the
   * caller counts and logs the failure spell. Buckets stay buffered until a push commits.
   */
  flush(nowMs: number): FlushResult {
    if (this.closed) throw new Error('the shared SLI store is closed');
    const nowMinute = Math.floor(nowMs / 60_000);
    this.oldestKeptMinute = nowMinute - this.options.retentionMinutes;
    if (this.active && !this.running && nowMs >= this.retryAtMs) void this.sync();
    if (this.lastError) throw this.lastError;
    return { rows: 0, pruned: 0 };
  }

  /** One push then one refresh; waits for the one running first. Rejects when either failed. */
  sync(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous
      .then(() => this.pushAndRefresh())
      .then(
        () => {
          this.pushes.ok++;
          this.consecutiveFailures = 0;
          this.retryAtMs = -Infinity;
        },
        (error: unknown) => {
          this.pushes.error++;
          const delay = fullJitterDelay(this.consecutiveFailures++, this.options.retryBaseMs ?? 250, this.options.retryCapMs ?? 5000, (this.options.random ?? Math.random)());
          this.retryAtMs = this.options.now() + delay;
          throw error;
        },
      );
    const tracked = next.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    this.running = tracked;
    tracked.catch(() => {}); // reported through lastError
    return next;
  }

  private async pushAndRefresh(): Promise<void> {
    const client = await this.options.pool.connect().catch((error: Error) => {
      this.lastError = error;
      throw error;
    });
    try {
      const { replica } = this.options;
      this.nextSeq ??= await readCursor(client, replica, 'sli-push');
      if (this.unconfirmed) {
        const { seq, buckets, waiting } = this.unconfirmed;
        if ((await readCursor(client, replica, 'sli-push')) > seq) {
          this.confirm(buckets);
          this.nextSeq = seq + 1;
          callAll(waiting);
        } else {
          this.requeue(buckets);
          this.waitingPending.unshift(...waiting);
        }
        this.unconfirmed = undefined;
      }
      if (this.pendingBuckets === 0) callAll(this.waitingPending.splice(0)); // nothing of theirs left to commit
      if (this.pendingBuckets > 0) {
        this.inflight = this.pending;
        this.pending = new Map();
        this.pendingBuckets = 0;
        this.waitingInflight = this.waitingPending;
        this.waitingPending = [];
        const rows: Array<{ sliId: string; minute: number; good: number; total: number }> = [];
        for (const [sliId, minutes] of this.inflight) for (const [minute, c] of minutes) rows.push({ sliId, minute, good: c.good, total: c.total });
        const seq = this.nextSeq;
        try {
          await addBuckets(client, rows, { replica, log: 'sli-push', nextSequence: seq + 1 });
        } catch (error) {
          // did it commit? settled by the cursor at the next push; counted in reads meanwhile
          this.unconfirmed = { seq, buckets: this.inflight, waiting: this.waitingInflight };
          this.inflight = new Map();
          this.waitingInflight = [];
          throw error;
        }
        this.nextSeq = seq + 1;
        this.confirm(this.inflight);
        this.inflight = new Map();
        callAll(this.waitingInflight.splice(0));
      }
      const unseen = this.committedUnseen.length;
      await this.refresh(client);
      this.committedUnseen.splice(0, unseen);
      await this.prune(client);
      this.lastError = undefined;
      this.lastSyncAtMs = this.options.now();
    } catch (error) {
      this.lastError = error as Error;
      throw error;
    } finally {
      // a failed connection (timed out, reset) is dropped rather than reused
      client.release(this.lastError);
    }
  }

  /** Resolves when no push-and-refresh round is running (whatever its outcome). */
  idle(): Promise<void> {
    return (this.running ?? Promise.resolve()).catch(() => {});
  }

  /** Calls back once every increment added so far is in PostgreSQL (the write-ahead log's cursor follows). */
  whenCommitted(callback: () => void): void {
    if (this.pendingBuckets === 0 && this.inflight.size === 0 && !this.unconfirmed) callback();
    else this.waitingPending.push(callback);
  }

  private confirm(buckets: Buckets): void {
    for (const [sliId, minutes] of buckets) {
      const t = this.flushedTotals.get(sliId) ?? { good: 0, total: 0 };
      for (const c of minutes.values()) {
        t.good += c.good;
        t.total += c.total;
        this.rowsPushed++;
      }
      this.flushedTotals.set(sliId, t);
    }
    this.committedUnseen.push(buckets);
  }

  /** back into the buffer, merged with what arrived meanwhile */
  private requeue(buckets: Buckets): void {
    for (const [sliId, minutes] of buckets) for (const [minute, c] of minutes) if (addTo(this.pending, sliId, minute, c.good, c.total)) this.pendingBuckets++;
  }

  private async refresh(client: pg.ClientBase): Promise<void> {
    const oldest = Number.isFinite(this.oldestKeptMinute) ? this.oldestKeptMinute : Math.floor(this.options.now() / 60_000) - this.options.retentionMinutes;
    const { rows } = this.seenUntil
      ? await client.query<{ sli_id: string; minute: string; good: string; total: string; db_now: Date }>(
          `SELECT sli_id, minute, good, total, now() AS db_now FROM lookout_sli_minutes
           WHERE updated_at >= $1::timestamptz - interval '${REFRESH_OVERLAP_SECONDS} seconds' AND minute >= $2`,
          [this.seenUntil, oldest],
        )
      : await client.query<{ sli_id: string; minute: string; good: string; total: string; db_now: Date }>(
          'SELECT sli_id, minute, good, total, now() AS db_now FROM lookout_sli_minutes WHERE minute >= $1',
          [oldest],
        );
    const dbNow = rows[0]?.db_now ?? (await client.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    const incremental = this.seenUntil !== undefined;
    const mirror = incremental ? this.mirror : new Map<string, Map<number, SliCounts>>();
    for (const row of rows) {
      let minutes = mirror.get(row.sli_id);
      if (!minutes) mirror.set(row.sli_id, (minutes = new Map()));
      const minute = Number(row.minute);
      const total = Number(row.total);
      if (incremental && (minutes.get(minute)?.total ?? 0) !== total && (this.oldestChange === undefined || minute < this.oldestChange)) this.oldestChange = minute;
      minutes.set(minute, { good: Number(row.good), total });
    }
    this.mirror = mirror;
    this.seenUntil = dbNow;
  }

  private async prune(client: pg.ClientBase): Promise<void> {
    const nowMinute = Math.floor(this.options.now() / 60_000);
    if (nowMinute === this.lastPruneMinute) return;
    this.lastPruneMinute = nowMinute;
    const before = nowMinute - this.options.retentionMinutes;
    await pruneBuckets(client, before);
    for (const minutes of this.mirror.values()) for (const minute of minutes.keys()) if (minute < before) minutes.delete(minute);
  }

  private *sources(sliId: string): Iterable<Map<number, SliCounts>> {
    for (const source of [this.mirror, this.pending, this.inflight, ...(this.unconfirmed ? [this.unconfirmed.buckets] : []), ...this.committedUnseen]) {
      const minutes = source.get(sliId);
      if (minutes) yield minutes;
    }
  }

  sum(sliId: string, fromMinute: number, toMinute: number): SliCounts {
    const out: SliCounts = { good: 0, total: 0 };
    for (const minutes of this.sources(sliId))
      for (const [minute, c] of minutes)
        if (minute >= fromMinute && minute <= toMinute) {
          out.good += c.good;
          out.total += c.total;
        }
    return out;
  }

  buckets(sliId: string, fromMinute: number, toMinute: number): SliMinute[] {
    const merged = new Map<number, SliMinute>();
    for (const minutes of this.sources(sliId))
      for (const [minute, c] of minutes) {
        if (minute < fromMinute || minute > toMinute) continue;
        const row = merged.get(minute);
        if (row) {
          row.good += c.good;
          row.total += c.total;
        } else merged.set(minute, { minute, good: c.good, total: c.total });
      }
    return [...merged.values()].sort((a, b) => a.minute - b.minute);
  }

  /** What this replica pushed since it started (each replica shows its own share on /metrics). */
  flushedTotalsBySli(): ReadonlyMap<string, Readonly<SliCounts>> {
    return this.flushedTotals;
  }

  private draining: Promise<void> | undefined;

  /** Stops taking flushes and starts the last push; drain() waits for it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.draining = this.active ? this.sync().catch(() => {}) : Promise.resolve();
  }

  async drain(): Promise<void> {
    await this.draining;
  }
}

function callAll(callbacks: Array<() => void>): void {
  for (const callback of callbacks) callback();
}

function countBuckets(buckets: Buckets): number {
  let n = 0;
  for (const minutes of buckets.values()) n += minutes.size;
  return n;
}
