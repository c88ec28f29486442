import { describe, expect, it } from 'vitest';
import { EventLoopLagProbe, type LagClock } from './event-loop-lag.ts';

/** Time moves with set(); timers fire only when fire() says so, however late. */
function fakeClock() {
  let time = 0;
  const timers: Array<{ at: number; callback: () => void } | undefined> = [];
  const clock: LagClock = {
    now: () => time,
    setTimer: (callback, delayMs) => timers.push({ at: time + delayMs, callback }) - 1,
    clearTimer: (handle) => void (timers[handle as number] = undefined),
  };
  return {
    clock,
    set: (ms: number) => void (time = ms),
    /** fires the timers due by now (late ones included) */
    fire() {
      for (let i = 0; i < timers.length; i++) {
        const timer = timers[i];
        if (timer && timer.at <= time) {
          timers[i] = undefined;
          timer.callback();
        }
      }
    },
    pending: () => timers.filter(Boolean).length,
  };
}

describe('EventLoopLagProbe', () => {
  it('reads 0 while its timer fires on time', () => {
    const fake = fakeClock();
    const probe = new EventLoopLagProbe(fake.clock, 100);
    probe.start();
    for (let t = 100; t <= 1000; t += 100) {
      fake.set(t);
      fake.fire();
      expect(probe.lagMs()).toBe(0);
    }
  });

  it('sees an overdue timer at once, before it fires, and its drift once it has', () => {
    const fake = fakeClock();
    const probe = new EventLoopLagProbe(fake.clock, 100);
    probe.start();
    fake.set(1600); // the loop was stuck: the timer due at 100 has not run
    expect(probe.lagMs()).toBe(1500);
    fake.fire();
    expect(probe.lagMs()).toBe(1500); // the drift it measured
    fake.set(1700);
    fake.fire();
    expect(probe.lagMs()).toBe(1500); // still within the 1 s window: no flapping
    for (let t = 1800; t <= 2700; t += 100) {
      fake.set(t);
      fake.fire();
    }
    expect(probe.lagMs()).toBe(0); // on time for a whole window
  });

  it('reads 0 and holds no timer once stopped', () => {
    const fake = fakeClock();
    const probe = new EventLoopLagProbe(fake.clock, 100);
    probe.start();
    probe.stop();
    fake.set(5000);
    expect(probe.lagMs()).toBe(0);
    expect(fake.pending()).toBe(0);
  });
});
