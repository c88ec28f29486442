import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { createScheduler, firstDelay, nextGap, type RunOutcome } from './scheduler.ts';

/** A clock the test moves by hand; timers fire in time order as it advances. */
class ManualClock implements Clock {
  time = 1_000_000;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  constructor(private randoms: number[] = []) {}
  now = () => this.time;
  random = () => this.randoms.shift() ?? 0.5;
  setTimer = (callback: () => void, delayMs: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + delayMs, callback });
    return id;
  };
  clearTimer = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  pending = () => this.timers.size;
  /** moves time forward, firing due timers in order and letting promises settle between them */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function record<T>() {
  const outcomes: Array<RunOutcome<T> & { at: number }> = [];
  return { outcomes, on: (clock: ManualClock) => (o: RunOutcome<T>) => outcomes.push({ ...o, at: clock.now() }) };
}

describe('scheduler timing', () => {
  it('first run lands within the first jitter share of the interval', () => {
    expect(firstDelay(60_000, 0.1, 0)).toBe(0);
    expect(firstDelay(60_000, 0.1, 0.5)).toBe(3000);
    expect(firstDelay(60_000, 0.1, 0.999)).toBeLessThan(6000);
  });

  it('gaps stay within ±jitter/2 of the interval and average to it', () => {
    expect(nextGap(60_000, 0.1, 0)).toBe(57_000);
    expect(nextGap(60_000, 0.1, 0.5)).toBe(60_000);
    expect(nextGap(60_000, 0.1, 1)).toBe(63_000);
    expect(nextGap(60_000, 0, 0.9)).toBe(60_000);
  });

  it('runs a job at its first delay, then on its interval without drift', async () => {
    // first delay 0.5 × 0.1 × 10 s = 500 ms; gaps use 0.5 (exact interval), 0 (−5 %), 1 (+5 %)
    const clock = new ManualClock([0.5, 0.5, 0, 1]);
    const log = record<string>();
    const start = clock.now();
    const scheduler = createScheduler<string>(clock, log.on(clock));
    scheduler.add({ id: 'a', intervalMs: 10_000, timeoutMs: 1000, run: async () => 'done' });
    await clock.advance(31_000);
    expect(log.outcomes.map((o) => [o.status, (o as { startedAt: number }).startedAt - start])).toEqual([
      ['success', 500],
      ['success', 10_500],
      ['success', 20_000],
      ['success', 30_500],
    ]);
    await scheduler.stop();
    expect(clock.pending()).toBe(0);
  });
});

describe('scheduler outcomes', () => {
  it('reports failures with their error', async () => {
    const clock = new ManualClock([0]);
    const log = record<never>();
    const scheduler = createScheduler<never>(clock, log.on(clock));
    scheduler.add({ id: 'bad', intervalMs: 1000, timeoutMs: 500, run: async () => Promise.reject(new Error('refused')) });
    await clock.advance(10);
    expect(log.outcomes).toHaveLength(1);
    expect(log.outcomes[0]).toMatchObject({ id: 'bad', status: 'failure', error: { message: 'refused' } });
    await scheduler.stop();
  });

  it('a job that honours its signal is reported once, as a timeout, when the timeout passes', async () => {
    const clock = new ManualClock([0]);
    const log = record<void>();
    const scheduler = createScheduler<void>(clock, log.on(clock));
    scheduler.add({
      id: 'slow',
      intervalMs: 10_000,
      timeoutMs: 2000,
      run: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    await clock.advance(5000);
    expect(log.outcomes).toEqual([{ id: 'slow', status: 'timeout', startedAt: 1_000_000, durationMs: 2000, at: 1_002_000 }]);
    await scheduler.stop();
  });

  it('never overlaps runs: a job ignoring its timeout makes later slots report skipped', async () => {
    const clock = new ManualClock([0, 0.5, 0.5, 0.5]);
    const log = record<string>();
    let release: (value: string) => void = () => {};
    let calls = 0;
    const scheduler = createScheduler<string>(clock, log.on(clock));
    scheduler.add({
      id: 'stuck',
      intervalMs: 1000,
      timeoutMs: 500,
      run: () => {
        calls++;
        return new Promise((resolve) => (release = resolve));
      },
    });
    await clock.advance(2500);
    expect(calls).toBe(1);
    expect(log.outcomes.map((o) => o.status)).toEqual(['timeout', 'skipped', 'skipped']);
    // the late answer is dropped: the run was already reported as a timeout
    release('late');
    await clock.advance(1000);
    expect(calls).toBe(2);
    expect(log.outcomes.map((o) => o.status)).toEqual(['timeout', 'skipped', 'skipped', 'timeout']);
    // the second run never settles either: stop gives up after its grace period
    const stopping = scheduler.stop(200);
    await clock.advance(200);
    await stopping;
    expect(clock.pending()).toBe(0);
  });

  it('a job that throws synchronously is a failure, not a crash', async () => {
    const clock = new ManualClock([0]);
    const log = record<void>();
    const scheduler = createScheduler<void>(clock, log.on(clock));
    scheduler.add({
      id: 'throws',
      intervalMs: 1000,
      timeoutMs: 500,
      run: () => {
        throw new Error('bad config');
      },
    });
    await clock.advance(1);
    expect(log.outcomes[0]).toMatchObject({ status: 'failure', error: { message: 'bad config' } });
    await scheduler.stop();
  });

  it('remove stops future runs and drops the running one', async () => {
    const clock = new ManualClock([0]);
    const log = record<void>();
    let calls = 0;
    let seenSignal: AbortSignal | undefined;
    const scheduler = createScheduler<void>(clock, log.on(clock));
    scheduler.add({
      id: 'gone',
      intervalMs: 1000,
      timeoutMs: 900,
      run: (signal) => {
        calls++;
        seenSignal = signal;
        return new Promise(() => {});
      },
    });
    await clock.advance(1);
    scheduler.remove('gone');
    expect(seenSignal?.aborted).toBe(true);
    await clock.advance(5000);
    expect(calls).toBe(1);
    expect(log.outcomes).toEqual([]);
    expect(scheduler.ids()).toEqual([]);
  });

  it('stop aborts running jobs, waits for them, and reports nothing more', async () => {
    const clock = new ManualClock([0]);
    const log = record<void>();
    let settled = false;
    const scheduler = createScheduler<void>(clock, log.on(clock));
    scheduler.add({
      id: 'run',
      intervalMs: 1000,
      timeoutMs: 900,
      run: (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            settled = true;
            reject(new Error('aborted'));
          }),
        ),
    });
    await clock.advance(1);
    await scheduler.stop();
    expect(settled).toBe(true);
    expect(log.outcomes).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(() => scheduler.add({ id: 'late', intervalMs: 1, timeoutMs: 1, run: async () => {} })).toThrow(
      "cannot add job 'late': the scheduler is stopped",
    );
  });
});

describe('scheduler rejects bad jobs', () => {
  const clock = new ManualClock();
  const scheduler = createScheduler<void>(clock, () => {});
  it('duplicate ids', () => {
    scheduler.add({ id: 'x', intervalMs: 1000, timeoutMs: 100, run: async () => {} });
    expect(() => scheduler.add({ id: 'x', intervalMs: 1000, timeoutMs: 100, run: async () => {} })).toThrow(
      "job 'x' is scheduled twice; job ids must be unique",
    );
  });
  it('non-positive interval or timeout', () => {
    expect(() => scheduler.add({ id: 'y', intervalMs: 0, timeoutMs: 100, run: async () => {} })).toThrow(
      "job 'y': interval must be positive, got 0 ms",
    );
    expect(() => scheduler.add({ id: 'z', intervalMs: 10, timeoutMs: -1, run: async () => {} })).toThrow(
      "job 'z': timeout must be positive, got -1 ms",
    );
  });
});
