/**
 * Window sums over per-minute buckets, with the semantics of Prometheus 2.42 on
 * counters sampled once a minute.
 *
 * A bucket keyed by minute m holds the events of [m, m+1) — the key is the minute
 * the events started in, as the collector stores them. Evaluating at time t (a
 * minute boundary) uses the last complete minute e = t/60000 − 1, and a window of
 * W minutes covers buckets e−W+1 … e: exactly the W increases between counter
 * samples t−W … t. Prometheus 2.42's range selector `[W]` includes the sample at
 * t−W (3.x excludes it), so `increase(c[W])` there is c(t) − c(t−W) with no
 * extrapolation when samples are present at both ends — and where it does
 * extrapolate (a gap at the window's start), good and total sampled together get
 * the same factor, which cancels in the ratio.
 *
 * A bucket may cover several minutes: replaying counters across a gap, the increase
 * between the samples on either side lands in the bucket after the gap, with
 * `coversFromMinute` set to the minute of the sample before it. Prometheus counts
 * that increase only when both samples fall in the range, so the bucket counts only
 * in windows that contain its whole span.
 */

export interface MinuteBucket {
  /** minute since the epoch the events started in */
  minute: number;
  good: number;
  total: number;
  /** first minute the bucket's events may come from (default: `minute`) */
  coversFromMinute?: number;
}

export interface WindowSum {
  good: number;
  total: number;
  /** buckets that counted; 0 means no data at all in the window */
  minutesWithData: number;
}

/** Sums for one window length, ending with the evaluation's last complete minute. */
export type WindowSumsFn = (windowMinutes: number) => WindowSum;

export const MINUTE_MS = 60_000;

/** The newest minute whose bucket is complete at `nowMs`. */
export function lastCompleteMinute(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) - 1;
}

/** Does a bucket count in the window of `windowMinutes` ending with `endMinute`? */
export function bucketInWindow(bucket: MinuteBucket, endMinute: number, windowMinutes: number): boolean {
  const start = endMinute - windowMinutes; // exclusive
  return bucket.minute <= endMinute && (bucket.coversFromMinute ?? bucket.minute) > start;
}

/**
 * Reference sum over an ascending array of buckets: binary search, then a scan of
 * the window. The runtime and the replay use SliWindowIndex, which is checked
 * against this.
 */
export function sumBuckets(buckets: readonly MinuteBucket[], endMinute: number, windowMinutes: number): WindowSum {
  const start = endMinute - windowMinutes;
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buckets[mid].minute <= start) lo = mid + 1;
    else hi = mid;
  }
  const sum: WindowSum = { good: 0, total: 0, minutesWithData: 0 };
  for (let i = lo; i < buckets.length && buckets[i].minute <= endMinute; i++) {
    const bucket = buckets[i];
    if ((bucket.coversFromMinute ?? bucket.minute) <= start) continue;
    sum.good += bucket.good;
    sum.total += bucket.total;
    sum.minutesWithData += 1;
  }
  return sum;
}

/** WindowSumsFn over a bucket array (small data, tests, one-off checks). */
export function bucketArraySums(buckets: readonly MinuteBucket[], endMinute: number): WindowSumsFn {
  return (windowMinutes) => sumBuckets(buckets, endMinute, windowMinutes);
}
