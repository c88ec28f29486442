/**
 * The request-duration histogram's upper bounds (seconds, ascending, +Inf implied).
 * Every SLO latency threshold is one of them, so `le="<threshold>"` counts exactly
 * the requests that met it: no interpolation between buckets.
 */
export function mergeDurationBounds(configured: readonly number[], thresholds: readonly number[]): number[] {
  const all = [...configured, ...thresholds].filter((b) => Number.isFinite(b) && b > 0);
  return [...new Set(all)].sort((a, b) => a - b);
}

/**
 * Index of the bucket a duration falls in: the first bound >= value (Prometheus `le`
 * is inclusive), or bounds.length for +Inf. Linear: there are ~15 bounds and most
 * requests are fast, so the scan usually stops early.
 */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const n = bounds.length;
  for (let i = 0; i < n; i++) if (value <= bounds[i]!) return i;
  return n;
}

/** `le` label text of a bound: the shortest decimal that reads back as the same number. */
export function formatBound(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
}
