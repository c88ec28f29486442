import { parseRetryAfter } from '../core/backoff.ts';
import type { OutgoingRequest } from './types.ts';

/**
 * Why an attempt failed, as the `reason` label of
 * lookout_notifications_failed_attempts_total (a closed set, so bounded).
 */
export type FailureReason = 'network' | 'timeout' | 'status_5xx' | 'status_429' | 'status_4xx';

export type SendOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      reason: FailureReason;
      /** HTTP status when there was one */
      status?: number;
      /** what went wrong, safe to log: no URL, no body of the request */
      detail: string;
      /** from Retry-After on 429/503 */
      retryAfterMs?: number;
    }
  /** the notifier is stopping; the delivery stays pending */
  | { ok: false; reason: 'aborted'; detail: string };

/** Sends one request; never throws. */
export type Transport = (request: OutgoingRequest, options: { timeoutMs: number; signal: AbortSignal; now: number }) => Promise<SendOutcome>;

/** Receivers' answers are read for an error detail, never beyond this. */
const ERROR_DETAIL_MAX = 200;

/** Which failures say the receiver itself is unwell (and count toward its breaker). */
export function countsAgainstReceiver(reason: FailureReason): boolean {
  // any other 4xx means the receiver is up and answering; it does not open the circuit
  return reason !== 'status_4xx';
}

export function classifyStatus(status: number): FailureReason | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return 'status_429';
  if (status === 408) return 'timeout';
  if (status >= 500 || status < 200) return 'status_5xx';
  return 'status_4xx';
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The fetch-based transport; the body of a failed answer is kept (clipped) for the logs. */
export const fetchTransport: Transport = async (request, { timeoutMs, signal, now }) => {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
    const reason = classifyStatus(response.status);
    if (!reason) {
      // drain so the connection can be reused
      await response.arrayBuffer().catch(() => undefined);
      return { ok: true, status: response.status };
    }
    const text = await response.text().catch(() => '');
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    return {
      ok: false,
      reason,
      status: response.status,
      detail: `HTTP ${response.status}${text ? `: ${text.slice(0, ERROR_DETAIL_MAX).replace(/\s+/g, ' ').trim()}` : ''}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  } catch (error) {
    if (signal.aborted) return { ok: false, reason: 'aborted', detail: 'notifier stopping' };
    if (timeout.aborted) return { ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    // fetch's messages can carry the URL; report only the error code
    return { ok: false, reason: 'network', detail: errorCode(error) ?? 'connection failed' };
  }
};
