/**
 * Retry timing, pure: exponential backoff with full jitter (a uniformly random wait
 * between 0 and the exponential ceiling, so that many agents retrying after one
 * collector restart spread out), and Retry-After as the collector sends it.
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Wait before retry number `attempt` (0 for the first retry); `random` returns [0, 1). */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * ceiling);
}

/** Retry-After (delay-seconds or an HTTP-date) → milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - nowMs);
}
