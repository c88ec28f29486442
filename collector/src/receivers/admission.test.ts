import { describe, expect, it } from 'vitest';
import { Admission, bodyTooSlow, declaredLength } from './admission.ts';

const LIMITS = { maxInFlightBytes: 1000, queueMaxItems: 100, queueMaxBytes: 5000 };
const EMPTY = { items: 0, bytes: 0 };

describe('Admission', () => {
  it('refuses while the event loop lags past its limit, before anything else, charging nothing (issue 12, defect 2)', () => {
    const admission = new Admission({ ...LIMITS, maxEventLoopLagMs: 500 });
    // a lone request is admitted however late the loop runs: the lag is not its doing
    const lone = admission.admit(10, 8000, EMPTY, { eventLoopLagMs: 2300 });
    expect(lone).toMatchObject({ admitted: true });
    const late = admission.admit(10, 8000, EMPTY, { eventLoopLagMs: 2300 });
    expect(late).toMatchObject({ admitted: false, reason: 'event_loop_lag', retryAfterSeconds: 3 });
    expect(late.admitted === false && late.message).toMatch(/event loop 2300 ms late, limit pipeline\.admission\.maxEventLoopLag = 500 ms/);
    expect(admission.requestsInFlight).toBe(1);
    expect(admission.overloaded(EMPTY, 2300)).toBe(true);
    expect(admission.admit(10, 8000, EMPTY, { eventLoopLagMs: 20 })).toMatchObject({ admitted: true });
    expect(admission.overloaded(EMPTY, 20)).toBe(false);
  });

  it('limits admitted requests per listener: one listener at its limit leaves the other open', () => {
    const admission = new Admission({ ...LIMITS, maxInFlightBytes: 1_000_000, maxConcurrentRequests: 2 });
    const a = admission.admit(10, 8000, EMPTY, { listener: 'http' });
    expect(admission.admit(10, 8000, EMPTY, { listener: 'http' })).toMatchObject({ admitted: true });
    const refused = admission.admit(10, 8000, EMPTY, { listener: 'http' });
    expect(refused).toMatchObject({ admitted: false, reason: 'concurrency', retryAfterSeconds: 1 });
    expect(refused.admitted === false && refused.message).toMatch(/pipeline\.admission\.maxConcurrentRequests = 2/);
    expect(admission.overloaded(EMPTY, 0)).toBe(true);
    expect(admission.admit(10, 8000, EMPTY, { listener: 'grpc' })).toMatchObject({ admitted: true });
    admission.release(a.admitted ? a.charge : 0, 'http');
    expect(admission.requestsOn('http')).toBe(1);
    expect(admission.admit(10, 8000, EMPTY, { listener: 'http' })).toMatchObject({ admitted: true });
  });

  it('counts a request toward the concurrency limit only once its body has arrived: slow senders take no slot', () => {
    const admission = new Admission({ ...LIMITS, maxInFlightBytes: 1_000_000, maxConcurrentRequests: 2 });
    // 20 requests whose bodies are still arriving (slow clients): all admitted, bounded by memory only
    const slow = Array.from({ length: 20 }, () => admission.admit(10, 8000, EMPTY, { bodyPending: true }));
    expect(slow.every((d) => d.admitted && d.pending === true)).toBe(true);
    expect(admission.requestsOn('http')).toBe(20);
    expect(admission.overloaded(EMPTY, 0)).toBe(false);
    // two whose bodies came with their headers fill the limit; the third is refused
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: true });
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: true });
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: false, reason: 'concurrency' });
    // a slow one gives up before its body arrived: the limit is still full
    admission.release(10, 'http', undefined, false, false);
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: false, reason: 'concurrency' });
    // a slow one whose body arrives now finds the limit reached: refused before its decode, not counted
    expect(admission.bodyArrived('http')).toMatchObject({ admitted: false, reason: 'concurrency', message: expect.stringMatching(/maxConcurrentRequests = 2/) });
    admission.release(10, 'http', undefined, false, false);
    // ... unless it was admitted on the fairness reserve
    expect(admission.bodyArrived('http', true)).toBeUndefined();
    expect(admission.overloaded(EMPTY, 0)).toBe(true);
    admission.release(10, 'http');
    admission.release(10, 'http');
    admission.release(10, 'http');
    expect(admission.overloaded(EMPTY, 0)).toBe(false);
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: true });
    expect(admission.requestsOn('http')).toBe(18);
  });

  it('refuses while the write-ahead log would keep a batch waiting past maxSyncWait for its sync, and says so in /readyz (a disk slower than the load)', () => {
    const admission = new Admission({ ...LIMITS, maxInFlightBytes: 1_000_000, maxSyncWaitMs: 50 });
    // a lone request is admitted whatever the wait: with nothing in flight the backlog is not its doing
    const lone = admission.admit(10, 8000, EMPTY, { syncWaitMs: 400, client: 'heavy' });
    expect(lone).toMatchObject({ admitted: true });
    const refused = admission.admit(10, 8000, EMPTY, { syncWaitMs: 400, client: 'heavy' });
    expect(refused).toMatchObject({ admitted: false, reason: 'disk_backlog', retryAfterSeconds: 1 });
    expect(refused.admitted === false && refused.message).toMatch(/wait 400 ms to be synced \(limit pipeline\.wal\.maxSyncWait = 50 ms\)/);
    expect(admission.overloaded(EMPTY, 0, 400)).toBe(true);
    // a light client with nothing in flight passes within the reserve (its wait is bounded by the limit)
    expect(admission.admit(10, 8000, EMPTY, { syncWaitMs: 400, client: 'light' })).toMatchObject({ admitted: true, reserved: true });
    // a wait at the limit is no refusal; the next seconds' figure says so for /readyz too
    expect(admission.admit(10, 8000, EMPTY, { syncWaitMs: 50, client: 'heavy' })).toMatchObject({ admitted: true });
    expect(admission.overloaded(EMPTY, 0, 50)).toBe(false);
    // a long backlog asks for a longer pause
    expect(admission.admit(10, 8000, EMPTY, { syncWaitMs: 3200, client: 'heavy' })).toMatchObject({ admitted: false, reason: 'disk_backlog', retryAfterSeconds: 4 });
    // without the limit (durability memory, or maxSyncWait 0) the wait is never a reason
    expect(new Admission(LIMITS).admit(10, 8000, EMPTY, { syncWaitMs: 10_000 })).toMatchObject({ admitted: true });
  });

  it('fairness: a client with nothing in flight passes the CPU refusals within the reserve, never the queue or memory bounds', () => {
    // maxConcurrentRequests 8: the reserve is max(4, 8 / 8) = 4 requests
    const admission = new Admission({ ...LIMITS, maxInFlightBytes: 1_000_000, maxConcurrentRequests: 8, maxEventLoopLagMs: 100 });
    const heavy = Array.from({ length: 8 }, () => admission.admit(10, 8000, EMPTY, { client: '10.0.0.1' }));
    expect(heavy.every((d) => d.admitted)).toBe(true);
    // the heavy client is at the listener's limit: its next request is refused
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.1' })).toMatchObject({ admitted: false, reason: 'concurrency' });
    // a light client with nothing in flight passes, once at a time
    const light = admission.admit(10, 8000, EMPTY, { client: '10.0.0.2' });
    expect(light).toMatchObject({ admitted: true, client: '10.0.0.2', reserved: true });
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.2' })).toMatchObject({ admitted: false, reason: 'concurrency' });
    // ... and past the lag refusal too, as the heavy client does not
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.1', eventLoopLagMs: 900 })).toMatchObject({ admitted: false, reason: 'event_loop_lag' });
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.3', eventLoopLagMs: 900 })).toMatchObject({ admitted: true, reserved: true });
    // a request naming no client gets no reserve
    expect(admission.admit(10, 8000, EMPTY)).toMatchObject({ admitted: false, reason: 'concurrency' });
    // the reserve is bounded: 4 at once
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.4' })).toMatchObject({ admitted: true, reserved: true });
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.5' })).toMatchObject({ admitted: true, reserved: true });
    expect(admission.reservedRequestsInFlight).toBe(4);
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.6' })).toMatchObject({ admitted: false, reason: 'concurrency' });
    // a reserved request released frees its place in the reserve and its client
    if (light.admitted) admission.release(light.charge, 'http', light.client, light.reserved);
    expect(admission.reservedRequestsInFlight).toBe(3);
    expect(admission.admit(10, 8000, EMPTY, { client: '10.0.0.2' })).toMatchObject({ admitted: true, reserved: true });
    // the queue's bound holds for everyone
    const fresh = new Admission({ ...LIMITS, maxConcurrentRequests: 1 });
    expect(fresh.admit(10, 8000, EMPTY, { client: 'a' })).toMatchObject({ admitted: true });
    expect(fresh.admit(10, 8000, { items: 100, bytes: 10 }, { client: 'b' })).toMatchObject({ admitted: false, reason: 'queue_full' });
    expect(fresh.admit(2000, 8000, EMPTY, { client: 'c' })).toMatchObject({ admitted: false, reason: 'memory_budget' });
  });

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
