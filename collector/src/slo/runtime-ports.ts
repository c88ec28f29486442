// The ports the SLO and threshold runtimes take from the collector. They live below
// runtime.ts so that the modules it uses (alert-state-commit.ts, threshold-runtime.ts)
// can name them without importing the runtime back (no import circle).

/** Time and timers; ManualClock (notify/) in tests, the system clock in the collector. */
export interface RuntimeClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface RuntimeLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
