/**
 * Turns cumulative histogram points into deltas. Keeps the last point per series
 * (resource + metric + point attributes) and compares: a newer start time or a count
 * that went down means the sender restarted, and the new point counts in full.
 *
 * The first point of a series counts in full only when the series started after this
 * tracker did (nothing before it was missed or already counted); otherwise it is the
 * baseline, so restarting the collector never counts a service's whole history again.
 */

export interface CumulativePoint {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  /** counts on the target bounds, not cumulative across buckets */
  buckets: Float64Array;
}

export type DeltaOutcome = 'delta' | 'first' | 'baseline' | 'reset' | 'stale' | 'untracked';

export interface DeltaResult {
  outcome: DeltaOutcome;
  /** present for delta, first and reset: what to count */
  count?: number;
  sum?: number;
  buckets?: Float64Array;
}

interface Tracked {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  buckets: Float64Array;
  lastSeenMs: number;
}

export interface CumulativeTrackerOptions {
  /** ns since the epoch when counting began (the collector's start) */
  startedAtUnixNano: bigint;
  /** series tracked at most; over it new series are not counted */
  maxSeries?: number;
  /** a series unseen this long is forgotten */
  expireAfterMs?: number;
}

export class CumulativeTracker {
  private readonly series = new Map<string, Tracked>();
  private readonly maxSeries: number;
  private readonly expireAfterMs: number;
  private nextSweepMs = 0;

  constructor(private readonly options: CumulativeTrackerOptions) {
    this.maxSeries = options.maxSeries ?? 100_000;
    this.expireAfterMs = options.expireAfterMs ?? 60 * 60_000;
  }

  get size(): number {
    return this.series.size;
  }

  /** The increase since the previous point of `key`; the tracker keeps `point.buckets`. */
  delta(key: string, point: CumulativePoint, nowMs: number): DeltaResult {
    const previous = this.series.get(key);
    if (!previous) {
      if (this.series.size >= this.maxSeries) this.sweep(nowMs);
      if (this.series.size >= this.maxSeries) return { outcome: 'untracked' };
      this.series.set(key, { ...point, lastSeenMs: nowMs });
      const startedSinceUs = point.startTimeUnixNano > 0n && point.startTimeUnixNano >= this.options.startedAtUnixNano;
      return startedSinceUs ? { outcome: 'first', count: point.count, sum: point.sum, buckets: point.buckets } : { outcome: 'baseline' };
    }
    // A retried or reordered export: already counted.
    if (point.timeUnixNano <= previous.timeUnixNano && point.startTimeUnixNano === previous.startTimeUnixNano) {
      previous.lastSeenMs = nowMs;
      return { outcome: 'stale' };
    }
    const restarted =
      point.startTimeUnixNano > previous.startTimeUnixNano || point.count < previous.count || point.buckets.length !== previous.buckets.length;
    const result: DeltaResult = restarted
      ? { outcome: 'reset', count: point.count, sum: point.sum, buckets: point.buckets }
      : this.difference(previous, point);
    previous.startTimeUnixNano = point.startTimeUnixNano;
    previous.timeUnixNano = point.timeUnixNano;
    previous.count = point.count;
    previous.sum = point.sum;
    previous.buckets = point.buckets;
    previous.lastSeenMs = nowMs;
    return result;
  }

  private difference(previous: Tracked, point: CumulativePoint): DeltaResult {
    const buckets = new Float64Array(point.buckets.length);
    let count = 0;
    for (let i = 0; i < buckets.length; i++) {
      // A bucket can only go down if the sender changed its bucketing (an exponential
      // histogram rescaled): clamp, and keep count equal to the sum of the buckets.
      const d = point.buckets[i]! - previous.buckets[i]!;
      buckets[i] = d > 0 ? d : 0;
      count += buckets[i]!;
    }
    return { outcome: 'delta', count, sum: Math.max(0, point.sum - previous.sum), buckets };
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + 10_000;
    const before = nowMs - this.expireAfterMs;
    for (const [key, tracked] of this.series) if (tracked.lastSeenMs <= before) this.series.delete(key);
  }
}
