/**
 * Retry delays: exponential backoff with full jitter. The n-th retry (n = 0 for the
 * first) waits a uniformly random time in [0, min(cap, base · 2^n)], so many senders
 * retrying after one outage spread out instead of arriving together.
 */

/** The upper bound of the n-th retry delay: min(cap, base · 2^n). */
export function backoffCeiling(retry: number, baseMs: number, capMs: number): number {
  if (retry < 0 || !Number.isFinite(retry)) return 0;
  // 2^n overflows to Infinity past n = 1023; min() with the cap keeps it finite
  return Math.min(capMs, baseMs * 2 ** retry);
}

/** Full-jitter delay for the n-th retry; `random` is uniform in [0, 1). */
export function fullJitterDelay(retry: number, baseMs: number, capMs: number, random: number): number {
  return Math.floor(random * backoffCeiling(retry, baseMs, capMs));
}

/**
 * Retry-After header value (delta-seconds or an HTTP date) → ms from `now`, or
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with the day name; Date.parse alone would take '-5' as a year
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
