import type { ExponentialHistogramDataPoint, HistogramDataPoint } from '@lookout/otlp';
import { bucketIndex } from './duration-bounds.ts';

/**
 * Moving a sender's histogram buckets onto ours. Each source bucket goes whole into the
 * target bucket that holds its upper bound: exact when each of our bounds is also one of
 * theirs (our defaults are a subset of the OTel SDK's http.server.request.duration
 * bounds); a source bucket that straddles one of our bounds counts on the slower side,
 * so a latency SLI errs on the strict side.
 */

/** Tolerance for bounds that differ only by float noise (0.1 ms written as 0.0001 s after a unit change). */
const RELATIVE_EPSILON = 1e-9;

const explicitMaps = new Map<string, Int32Array>();
const MAX_CACHED_MAPS = 256;

/** target bucket index per source bucket (source has bounds.length + 1 buckets). */
export function explicitBucketMap(sourceBoundsSeconds: readonly number[], targetBounds: readonly number[]): Int32Array {
  const key = `${targetBounds.length}:${targetBounds[0]}:${targetBounds.at(-1)}|${sourceBoundsSeconds.join(',')}`;
  let map = explicitMaps.get(key);
  if (map) return map;
  map = new Int32Array(sourceBoundsSeconds.length + 1);
  for (let j = 0; j < sourceBoundsSeconds.length; j++) {
    map[j] = bucketIndex(targetBounds, sourceBoundsSeconds[j]! * (1 - RELATIVE_EPSILON));
  }
  map[sourceBoundsSeconds.length] = targetBounds.length;
  if (explicitMaps.size >= MAX_CACHED_MAPS) explicitMaps.clear();
  explicitMaps.set(key, map);
  return map;
}

/** Adds an explicit-bounds point's counts into `out` (length targetBounds.length + 1). */
export function addExplicitPoint(point: HistogramDataPoint, unitSeconds: number, targetBounds: readonly number[], out: Float64Array): void {
  const counts = point.bucketCounts;
  if (counts.length === 0) {
    // Only count and sum were sent: all we know is that they happened.
    out[targetBounds.length]! += point.count;
    return;
  }
  const bounds = unitSeconds === 1 ? point.explicitBounds : point.explicitBounds.map((b) => b * unitSeconds);
  const map = explicitBucketMap(bounds, targetBounds);
  for (let j = 0; j < counts.length; j++) out[map[j]!]! += counts[j]!;
}

/**
 * Adds an exponential-histogram point's counts into `out`. Positive bucket at index i
 * covers (base^i, base^(i+1)] with base = 2^(2^-scale); the zero bucket and any
 * negative values (not meaningful for durations) go to the first bucket.
 */
export function addExponentialPoint(
  point: ExponentialHistogramDataPoint,
  unitSeconds: number,
  targetBounds: readonly number[],
  out: Float64Array,
): void {
  out[0]! += point.zeroCount;
  for (const c of point.negative.bucketCounts) out[0]! += c;
  const base = Math.pow(2, Math.pow(2, -point.scale));
  const { offset, bucketCounts } = point.positive;
  for (let k = 0; k < bucketCounts.length; k++) {
    const count = bucketCounts[k]!;
    if (count === 0) continue;
    const upper = Math.pow(base, offset + k + 1) * unitSeconds;
    out[bucketIndex(targetBounds, upper * (1 - RELATIVE_EPSILON))]! += count;
  }
}
