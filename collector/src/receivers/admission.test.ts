import { describe, expect, it } from 'vitest';
import { Admission, bodyTooSlow, declaredLength } from './admission.ts';

const LIMITS = { maxInFlightBytes: 1000, queueMaxItems: 100, queueMaxBytes: 5000 };
const EMPTY = { items: 0, bytes: 0 };

describe('Admission', () => {
  it('admits within the in-flight budget and refuses past it until a charge is released', () => {
    const admission = new Admission(LIMITS);
    const a = admission.admit(600, 8000, EMPTY);
    expect(a).toEqual({ admitted: true, charge: 600 });
    const b = admission.admit(500, 8000, EMPTY);
    expect(b).toMatchObject({ admitted: false, reason: 'memory_budget' });
    expect(b.admitted === false && b.message).toMatch(/pipeline\.admission\.maxInFlightBytes = 1000/);
    expect(admission.admit(400, 8000, EMPTY)).toEqual({ admitted: true, charge: 400 });
    expect(admission.bytesInFlight).toBe(1000);
    admission.release(600);
    expect(admission.admit(500, 8000, EMPTY)).toEqual({ admitted: true, charge: 500 });
    expect(admission.requestsInFlight).toBe(2);
  });

  it('admits one request larger than the whole budget when nothing else is in flight', () => {
    const admission = new Admission(LIMITS);
    expect(admission.admit(5000, 8000, EMPTY)).toEqual({ admitted: true, charge: 5000 });
    expect(admission.admit(1, 8000, EMPTY)).toMatchObject({ admitted: false, reason: 'memory_budget' });
  });

  it('charges the body limit when no length is declared, and never more than the limit', () => {
    const admission = new Admission({ ...LIMITS, maxInFlightBytes: 100_000 });
    expect(admission.admit(undefined, 8000, EMPTY)).toEqual({ admitted: true, charge: 8000 });
    expect(admission.admit(50_000, 8000, EMPTY)).toEqual({ admitted: true, charge: 8000 });
  });

  it('refuses as queue_full when the queue is at its bound or the body would not fit, with a Retry-After of 1..5 s', () => {
    const admission = new Admission(LIMITS);
    const full = admission.admit(10, 8000, { items: 100, bytes: 10 });
    expect(full).toMatchObject({ admitted: false, reason: 'queue_full' });
    expect(admission.admit(200, 8000, { items: 1, bytes: 4900 })).toMatchObject({ admitted: false, reason: 'queue_full', retryAfterSeconds: 2 });
    expect(admission.admit(100, 8000, { items: 1, bytes: 4900 })).toMatchObject({ admitted: true });
    expect(admission.bytesInFlight).toBe(100); // refusals charge nothing
  });

  it('reports overload for /readyz', () => {
    const admission = new Admission(LIMITS);
    expect(admission.overloaded(EMPTY)).toBe(false);
    expect(admission.overloaded({ items: 100, bytes: 0 })).toBe(true);
    admission.admit(1000, 8000, EMPTY);
    expect(admission.overloaded(EMPTY)).toBe(true);
    admission.release(1000);
    admission.admit(600, 8000, EMPTY);
    expect(admission.overloaded(EMPTY)).toBe(false);
    admission.admit(600, 8000, EMPTY); // refused: the budget is nearly spent
    expect(admission.overloaded(EMPTY)).toBe(true);
    admission.release(600);
    expect(admission.overloaded(EMPTY)).toBe(false);
  });
});

describe('declaredLength', () => {
  it.each<[string | string[] | undefined, number | undefined]>([
    ['123', 123],
    [' 42 ', 42],
    ['0', 0],
    [undefined, undefined],
    ['-1', undefined],
    ['1e3', undefined],
    ['12abc', undefined],
    [['1', '2'], undefined],
    ['9'.repeat(20), undefined],
  ])('%j → %s', (header, expected) => {
    expect(declaredLength(header)).toBe(expected);
  });
});

describe('bodyTooSlow', () => {
  it('judges the average rate since the headers, only after the grace period, and never when off', () => {
    expect(bodyTooSlow(0, 400, 500, 1000)).toBe(false); // still in grace
    expect(bodyTooSlow(100, 1000, 500, 1000)).toBe(true); // 100 B/s < 1000 B/s
    expect(bodyTooSlow(1000, 1000, 500, 1000)).toBe(false);
    expect(bodyTooSlow(0, 60_000, 500, 0)).toBe(false);
  });
});
