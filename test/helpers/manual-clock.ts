import type { Clock } from '../../collector/src/core/clock.ts';

/**
 * A clock for tests: time moves only when advance() is called, timers fire in time
 * order, and random() returns the given values in turn (then repeats the last).
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private readonly randoms: number[];

  constructor(start = Date.parse('2024-05-01T12:00:00Z'), randoms: number[] = [0.5]) {
    this.time = start;
    this.randoms = [...randoms];
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  random(): number {
    return this.randoms.length > 1 ? this.randoms.shift()! : (this.randoms[0] ?? 0.5);
  }

  /** Queues values random() returns next. */
  pushRandom(...values: number[]): void {
    if (this.randoms.length === 1) this.randoms.length = 0;
    this.randoms.push(...values);
  }

  /** When the earliest timer fires (undefined: none set). */
  nextTimerAt(): number | undefined {
    let earliest: number | undefined;
    for (const timer of this.timers.values()) if (earliest === undefined || timer.at < earliest) earliest = timer.at;
    return earliest;
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let dueId: number | undefined;
      let due: { at: number; callback: () => void } | undefined;
      for (const [id, timer] of this.timers)
        if (timer.at <= end && (due === undefined || timer.at < due.at)) {
          dueId = id;
          due = timer;
        }
      if (!due) break;
      this.timers.delete(dueId!);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }
}
