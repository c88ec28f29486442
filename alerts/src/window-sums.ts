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

/**
 * Where the samples behind a window's sum lie, for Prometheus' extrapolation of the
 * event count (`extrapolatedEvents`). A sample is a bucket boundary: bucket m spans
 * the samples at minutes `coversFromMinute ?? m` and m + 1.
 */
export interface SampleEdges {
  firstSampleMinute: number;
  lastSampleMinute: number;
  samples: number;
  /** the total counter's value at the first sample; unknown for the collector's own buckets */
  firstTotal?: number;
}

export interface WindowSum {
  good: number;
  total: number;
  /** buckets that counted; 0 means no data at all in the window */
  minutesWithData: number;
  /** where its samples lie, when the source knows (reference sums, replay) */
  edges?: SampleEdges;
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
  const sum: WindowSum = { good: 0, total: 0, minutesWithData: 0 };
  for (let i = firstIndexAfter(buckets, start); i < buckets.length && buckets[i].minute <= endMinute; i++) {
    const bucket = buckets[i];
    if ((bucket.coversFromMinute ?? bucket.minute) <= start) continue;
    sum.good += bucket.good;
    sum.total += bucket.total;
    sum.minutesWithData += 1;
  }
  return sum;
}

/** Index of the first bucket whose minute is after `minute` (binary search). */
function firstIndexAfter(buckets: readonly MinuteBucket[], minute: number): number {
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buckets[mid].minute <= minute) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Where the samples of a window lie, over an ascending bucket array (replayed
 * counters): the first counted bucket's earlier sample to the last one's later
 * sample. undefined when no bucket counts (fewer than two samples in range).
 */
export function sampleEdges(buckets: readonly MinuteBucket[], endMinute: number, windowMinutes: number): SampleEdges | undefined {
  const start = endMinute - windowMinutes;
  let first: MinuteBucket | undefined;
  let last: MinuteBucket | undefined;
  let counted = 0;
  for (let i = firstIndexAfter(buckets, start); i < buckets.length && buckets[i].minute <= endMinute; i++) {
    const bucket = buckets[i];
    if ((bucket.coversFromMinute ?? bucket.minute) <= start) continue;
    first ??= bucket;
    last = bucket;
    counted += 1;
  }
  if (!first || !last) return undefined;
  return { firstSampleMinute: first.coversFromMinute ?? first.minute, lastSampleMinute: last.minute + 1, samples: counted + 1 };
}

/** WindowSumsFn over a bucket array (small data, tests, one-off checks). */
export function bucketArraySums(buckets: readonly MinuteBucket[], endMinute: number): WindowSumsFn {
  return (windowMinutes) => sumBuckets(buckets, endMinute, windowMinutes);
}

/**
 * The event count Prometheus 2.42's `increase(total[W])` reports for a window: the
 * observed increase, extrapolated towards the window's edges when its first or last
 * sample is not on them (a missed scrape at an edge, a series that starts inside the
 * window), by at most half a sample interval when the gap is longer than 1.1
 * intervals, and never back past the counter's zero (functions.go extrapolatedRate,
 * in seconds as there, so the doubles are the same). Without sample edges (no
 * data), the observed total.
 */
export function extrapolatedEvents(sum: WindowSum, endMinute: number, windowMinutes: number): number {
  const edges = sum.edges;
  if (!edges || edges.samples < 2) return sum.total;
  const rangeEnd = (endMinute + 1) * 60;
  const rangeStart = rangeEnd - windowMinutes * 60;
  const firstT = edges.firstSampleMinute * 60;
  const lastT = edges.lastSampleMinute * 60;
  const sampledInterval = lastT - firstT;
  const averageBetweenSamples = sampledInterval / (edges.samples - 1);
  let durationToStart = firstT - rangeStart;
  const durationToEnd = rangeEnd - lastT;
  if (sum.total > 0 && edges.firstTotal !== undefined && edges.firstTotal >= 0) {
    const durationToZero = sampledInterval * (edges.firstTotal / sum.total);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetweenSamples * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetweenSamples / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetweenSamples / 2;
  return sum.total * (extrapolateTo / sampledInterval);
}
