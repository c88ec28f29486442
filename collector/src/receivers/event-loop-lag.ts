import type { Clock } from '../core/clock.ts';

/** What the probe needs: a monotonic time in ms (not wall time: a clock step is no lag) and timers. */
export type LagClock = Pick<Clock, 'now' | 'setTimer' | 'clearTimer'>;

/**
 * How late the event loop runs (issue 12, defect 2): when the CPU is the bottleneck,
 * requests wait unanswered before any handler runs, so admission also refuses while
 * the loop lags. A timer drift probe on the injected clock: a timer is set every
 * `intervalMs`; how late it fires is the lag. Between firings, a timer already overdue
 * counts too, so a request read from a loop that is stuck sees the lag now, not after.
 * The lag read is the largest of the last `windowMs`, so admission does not flap
 * between refusing and admitting every probe while the CPU stays saturated.
 */
export class EventLoopLagProbe {
  private expectedAt = 0;
  /** recent drifts (ms) with when they were measured, oldest first */
  private readonly drifts: Array<{ atMs: number; driftMs: number }> = [];
  private handle: unknown;
  private running = false;

  constructor(
    private readonly clock: LagClock,
    private readonly intervalMs = 100,
    private readonly windowMs = 1000,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
  }

  /** The loop's lag now, in ms: the last timer's drift, or how overdue the pending one is. */
  lagMs(): number {
    if (!this.running) return 0;
    const now = this.clock.now();
    while (this.drifts.length > 0 && this.drifts[0]!.atMs < now - this.windowMs) this.drifts.shift();
    let lag = now - this.expectedAt;
    for (const { driftMs } of this.drifts) if (driftMs > lag) lag = driftMs;
    return lag > 0 ? lag : 0;
  }

  private schedule(): void {
    this.expectedAt = this.clock.now() + this.intervalMs;
    this.handle = this.clock.setTimer(() => {
      if (!this.running) return;
      const now = this.clock.now();
      const driftMs = now - this.expectedAt;
      if (driftMs > 0) this.drifts.push({ atMs: now, driftMs });
      if (this.drifts.length > 64) this.drifts.shift();
      this.schedule();
    }, this.intervalMs);
    (this.handle as { unref?: () => void } | undefined)?.unref?.();
  }
}
