/**
 * The one clock of the collector: wall time in ms since the epoch, timers and
 * randomness, all injected so logic never reads Date.now() and tests drive time by hand
 * (test/helpers/manual-clock.ts).
 */
export interface Clock {
  /** ms since the epoch */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
  /** uniform in [0, 1) */
  random(): number;
}

/** The process clock. Its timers are unref'd: no component keeps a finished process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
  random: Math.random,
};
