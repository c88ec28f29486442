import { describe, expect, it } from 'vitest';
import {
  breakerAllows,
  breakerGaugeValue,
  breakerOnFailure,
  breakerOnSuccess,
  breakerReadyAt,
  closedBreaker,
  type BreakerState,
} from './breaker.ts';

const settings = { failureThreshold: 3, coolDownMs: 1000 };

function fail(state: BreakerState, times: number, now: number): BreakerState {
  for (let i = 0; i < times; i++) state = breakerOnFailure(state, now, settings);
  return state;
}

describe('circuit breaker', () => {
  it('stays closed below the failure threshold and counts consecutive failures', () => {
    const state = fail(closedBreaker, 2, 0);
    expect(state).toEqual({ kind: 'closed', consecutiveFailures: 2 });
    expect(breakerAllows(state, 0, settings).allowed).toBe(true);
  });

  it('a success resets the count of consecutive failures', () => {
    const state = fail(breakerOnSuccess(fail(closedBreaker, 2, 0)), 2, 0);
    expect(state).toEqual({ kind: 'closed', consecutiveFailures: 2 });
  });

  it('opens at the threshold and refuses requests during the cool-down', () => {
    const open = fail(closedBreaker, 3, 5000);
    expect(open).toEqual({ kind: 'open', openedAt: 5000 });
    expect(breakerGaugeValue(open)).toBe(2);
    expect(breakerAllows(open, 5999, settings)).toEqual({ allowed: false, state: open });
    expect(breakerReadyAt(open, 5500, settings)).toBe(6000);
  });

  it('turns half-open after the cool-down and lets one probe through', () => {
    const open = fail(closedBreaker, 3, 5000);
    const permit = breakerAllows(open, 6000, settings);
    expect(permit).toEqual({ allowed: true, state: { kind: 'half-open' } });
    expect(breakerGaugeValue(permit.state)).toBe(1);
  });

  it('closes when the probe succeeds', () => {
    const closed = breakerOnSuccess({ kind: 'half-open' });
    expect(closed).toEqual(closedBreaker);
    expect(breakerGaugeValue(closed)).toBe(0);
  });

  it('opens again, with a fresh cool-down, when the probe fails', () => {
    const reopened = breakerOnFailure({ kind: 'half-open' }, 9000, settings);
    expect(reopened).toEqual({ kind: 'open', openedAt: 9000 });
    expect(breakerAllows(reopened, 9999, settings).allowed).toBe(false);
    expect(breakerAllows(reopened, 10_000, settings).allowed).toBe(true);
  });

  it('a failure reported while open (a request sent before it opened) keeps the original cool-down', () => {
    const open = fail(closedBreaker, 3, 5000);
    expect(breakerOnFailure(open, 5500, settings)).toBe(open);
  });

  it('is ready now when closed or half-open', () => {
    expect(breakerReadyAt(closedBreaker, 42, settings)).toBe(42);
    expect(breakerReadyAt({ kind: 'half-open' }, 42, settings)).toBe(42);
  });
});
