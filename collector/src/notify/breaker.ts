/**
 * Circuit breaker per receiver, as a pure state machine over an injected clock:
 * closed → open after `failureThreshold` consecutive failures → half-open (one probe)
 * once `coolDownMs` has passed → closed when the probe succeeds, open again when it
 * fails. While open, nothing is sent to the receiver, so a dead receiver costs one
 * probe per cool-down instead of one request per pending notification.
 */

export type BreakerState =
  | { kind: 'closed'; consecutiveFailures: number }
  | { kind: 'open'; openedAt: number }
  | { kind: 'half-open' };

export interface BreakerSettings {
  failureThreshold: number;
  coolDownMs: number;
}

export const closedBreaker: BreakerState = { kind: 'closed', consecutiveFailures: 0 };

/** Value of lookout_notifier_breaker_state: 0 closed, 1 half-open, 2 open. */
export function breakerGaugeValue(state: BreakerState): number {
  return state.kind === 'closed' ? 0 : state.kind === 'half-open' ? 1 : 2;
}

/**
 * May a request go out now? An open breaker whose cool-down has passed turns
 * half-open and lets exactly this one request through as the probe.
 */
export function breakerAllows(state: BreakerState, now: number, settings: BreakerSettings): { allowed: boolean; state: BreakerState } {
  if (state.kind === 'closed') return { allowed: true, state };
  if (state.kind === 'open') {
    if (now - state.openedAt >= settings.coolDownMs) return { allowed: true, state: { kind: 'half-open' } };
    return { allowed: false, state };
  }
  // half-open: the probe is already out; the dispatcher sends one request at a time
  return { allowed: true, state };
}

/** Earliest time a request may go out (now when closed or half-open). */
export function breakerReadyAt(state: BreakerState, now: number, settings: BreakerSettings): number {
  return state.kind === 'open' ? Math.max(now, state.openedAt + settings.coolDownMs) : now;
}

export function breakerOnSuccess(_state: BreakerState): BreakerState {
  return closedBreaker;
}

export function breakerOnFailure(state: BreakerState, now: number, settings: BreakerSettings): BreakerState {
  if (state.kind === 'half-open') return { kind: 'open', openedAt: now };
  if (state.kind === 'open') return state;
  const consecutiveFailures = state.consecutiveFailures + 1;
  if (consecutiveFailures >= settings.failureThreshold) return { kind: 'open', openedAt: now };
  return { kind: 'closed', consecutiveFailures };
}
