import type { OtlpHttpClient } from './otlp-http-client.ts';
import type { SendResult } from './send-policy.ts';

/**
 * Several collectors (behind no load balancer, or as a fallback behind one): the agent
 * sends to one endpoint at a time and sticks to it while it answers. An endpoint that
 * cannot be reached, times out or answers 502/503/504 is set aside for a cool-down and
 * the same request goes to the next endpoint at once; when every endpoint is set aside,
 * the least recently failed is tried, and the caller's retry policy paces the retries.
 * 429 is not a reason to move: the collector is alive and asks for back-pressure, and
 * moving would only shift its load onto the others.
 *
 * A request that timed out may still have been taken by the first collector: sent again
 * to another, its lines can arrive twice (each collector drops repeats of
 * `log.record.uid` it has seen, not those another collector saw).
 */

export const DEFAULT_FAILOVER_COOL_DOWN_MS = 30_000;

export interface FailoverState {
  /** index of the endpoint requests go to */
  current: number;
  /** per endpoint: until when (ms) it is set aside; 0 when healthy */
  downUntil: number[];
  /** per endpoint: when it last failed (ms); 0 if never */
  lastFailure: number[];
}

export function initialFailoverState(endpoints: number): FailoverState {
  return { current: 0, downUntil: new Array<number>(endpoints).fill(0), lastFailure: new Array<number>(endpoints).fill(0) };
}

/** Whether an answer means "this endpoint is unavailable, try another". */
export function isUnavailable(result: SendResult): boolean {
  return result.status === undefined || result.status === 502 || result.status === 503 || result.status === 504;
}

/**
 * The order to try endpoints in for one request: the current one if it is not set
 * aside, then the others that are not, in ring order; if all are set aside, the one
 * that failed longest ago. Pure.
 */
export function tryOrder(state: FailoverState, nowMs: number): number[] {
  const n = state.downUntil.length;
  const ring = Array.from({ length: n }, (_, i) => (state.current + i) % n);
  const healthy = ring.filter((i) => state.downUntil[i]! <= nowMs);
  if (healthy.length > 0) return healthy;
  return [ring.reduce((best, i) => (state.lastFailure[i]! < state.lastFailure[best]! ? i : best), ring[0]!)];
}

export function markFailed(state: FailoverState, index: number, nowMs: number, coolDownMs: number): void {
  state.downUntil[index] = nowMs + coolDownMs;
  state.lastFailure[index] = nowMs;
}

export function markHealthy(state: FailoverState, index: number): void {
  state.downUntil[index] = 0;
  state.current = index;
}

export interface FailoverEvents {
  /** moved from one endpoint to another */
  failedOver?(from: string, to: string, reason: string): void;
}

export function createFailoverClient(
  endpoints: ReadonlyArray<{ endpoint: string; client: OtlpHttpClient }>,
  options: { coolDownMs: number; now?: () => number; events?: FailoverEvents },
): OtlpHttpClient & { state: FailoverState } {
  const now = options.now ?? Date.now;
  const state = initialFailoverState(endpoints.length);
  return {
    state,
    async post(path, body, signal) {
      let last: SendResult = { error: 'no collector endpoint configured' };
      for (const index of tryOrder(state, now())) {
        const result = await endpoints[index]!.client.post(path, body, signal);
        if (!isUnavailable(result)) {
          if (index !== state.current) {
            options.events?.failedOver?.(endpoints[state.current]!.endpoint, endpoints[index]!.endpoint, last.error ?? `HTTP ${last.status}`);
          }
          markHealthy(state, index);
          return result;
        }
        markFailed(state, index, now(), options.coolDownMs);
        last = result;
        if (signal?.aborted) break;
      }
      return last;
    },
    close() {
      for (const { client } of endpoints) client.close();
    },
  };
}
