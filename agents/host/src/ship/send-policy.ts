import { fullJitterDelay, parseRetryAfter, type BackoffPolicy } from './backoff.ts';

/** What came back from one POST: a status, or a network error. */
export interface SendResult {
  status?: number;
  retryAfter?: string;
  /** network error, timeout, or the start of an error body */
  error?: string;
}

export type NextStep =
  /** the collector has the data: advance the checkpoint */
  | { kind: 'done' }
  /** try the same batch again after `delayMs` */
  | { kind: 'retry'; delayMs: number; reason: string }
  /** the body was too large: send the batch in halves */
  | { kind: 'split' }
  /** the collector says the data itself is bad; resending cannot help */
  | { kind: 'reject'; reason: string };

/** Longest Retry-After honoured, so a wrong header cannot park the agent for hours. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Decides what to do after a send, pure. OTLP says 429/502/503/504 are retryable; the
 * agent retries every other failure too except 400 (malformed data) and 413 (too
 * large), because its files are its buffer: an expired token or a collector being
 * redeployed must delay lines, not lose them.
 */
export function nextStep(result: SendResult, attempt: number, policy: BackoffPolicy, random: () => number, nowMs: number): NextStep {
  const status = result.status;
  if (status !== undefined && status >= 200 && status < 300) return { kind: 'done' };
  if (status === 413) return { kind: 'split' };
  if (status === 400) return { kind: 'reject', reason: `collector answered 400: ${result.error ?? 'malformed data'}` };
  const reason = status === undefined ? (result.error ?? 'network error') : `HTTP ${status}${result.error ? `: ${result.error}` : ''}`;
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, nowMs) : undefined;
  const delayMs = retryAfter !== undefined ? Math.min(retryAfter, MAX_RETRY_AFTER_MS) : fullJitterDelay(attempt, policy, random);
  return { kind: 'retry', delayMs, reason };
}
