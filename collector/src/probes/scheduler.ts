/**
 * Runs jobs (probes) on an interval with jitter and a timeout, never two runs of one job
 * at once. Time, timers and randomness are injected, so tests drive it with a manual
 * clock.
 */
import type { Clock } from '../core/clock.ts';

export interface ScheduledJob<T> {
  id: string;
  intervalMs: number;
  timeoutMs: number;
  /** how far (as a fraction of the interval) each run may move off the beat; default 0.1 */
  jitter?: number;
  run(signal: AbortSignal): Promise<T>;
}

export type RunOutcome<T> =
  | { id: string; status: 'success'; value: T; startedAt: number; durationMs: number }
  | { id: string; status: 'failure'; error: Error; startedAt: number; durationMs: number }
  | { id: string; status: 'timeout'; startedAt: number; durationMs: number }
  /** a run was due while the previous one had not settled (it ignored its timeout) */
  | { id: string; status: 'skipped'; at: number };

export interface Scheduler<T> {
  add(job: ScheduledJob<T>): void;
  remove(id: string): void;
  ids(): string[];
  /** aborts running jobs and waits until they settle, or graceMs (default 5 s) at most */
  stop(graceMs?: number): Promise<void>;
}

export const DEFAULT_JITTER = 0.1;

/** Delay before a job's first run: a random point in the first jitter share of the interval. */
export function firstDelay(intervalMs: number, jitter: number, random: number): number {
  return random * jitter * intervalMs;
}

/** Gap between two planned runs: the interval, moved by up to ±jitter/2 of it. */
export function nextGap(intervalMs: number, jitter: number, random: number): number {
  return intervalMs * (1 + jitter * (random - 0.5));
}

interface JobState<T> {
  job: ScheduledJob<T>;
  plannedAt: number;
  timer?: unknown;
  /** the run in flight, until its promise settles */
  running?: Promise<void>;
  controller?: AbortController;
  removed: boolean;
}

export function createScheduler<T>(clock: Clock, onOutcome: (outcome: RunOutcome<T>) => void): Scheduler<T> {
  const states = new Map<string, JobState<T>>();
  let stopped = false;

  function plan(state: JobState<T>, at: number): void {
    state.plannedAt = at;
    state.timer = clock.setTimer(() => fire(state), Math.max(0, at - clock.now()));
  }

  function fire(state: JobState<T>): void {
    state.timer = undefined;
    if (stopped || state.removed) return;
    const { job } = state;
    const jitter = job.jitter ?? DEFAULT_JITTER;
    // the next slot is planned from the planned time, so runs do not drift
    let next = state.plannedAt + nextGap(job.intervalMs, jitter, clock.random());
    const now = clock.now();
    while (next <= now) next += job.intervalMs;
    plan(state, next);
    if (state.running) {
      onOutcome({ id: job.id, status: 'skipped', at: now });
      return;
    }
    start(state);
  }

  function start(state: JobState<T>): void {
    const { job } = state;
    const controller = new AbortController();
    const startedAt = clock.now();
    let reported = false;
    const report = (outcome: RunOutcome<T>) => {
      if (reported || state.removed || stopped) return;
      reported = true;
      onOutcome(outcome);
    };
    const deadline = clock.setTimer(() => {
      controller.abort();
      report({ id: job.id, status: 'timeout', startedAt, durationMs: clock.now() - startedAt });
    }, job.timeoutMs);
    state.controller = controller;
    let promise: Promise<T>;
    try {
      promise = job.run(controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    state.running = promise.then(
      (value) => report({ id: job.id, status: 'success', value, startedAt, durationMs: clock.now() - startedAt }),
      (error: unknown) => {
        const asError = error instanceof Error ? error : new Error(String(error));
        if (controller.signal.aborted) report({ id: job.id, status: 'timeout', startedAt, durationMs: clock.now() - startedAt });
        else report({ id: job.id, status: 'failure', error: asError, startedAt, durationMs: clock.now() - startedAt });
      },
    ).finally(() => {
      clock.clearTimer(deadline);
      state.running = undefined;
      state.controller = undefined;
    });
  }

  return {
    add(job) {
      if (stopped) throw new Error(`cannot add job '${job.id}': the scheduler is stopped`);
      if (states.has(job.id)) throw new Error(`job '${job.id}' is scheduled twice; job ids must be unique`);
      if (!(job.intervalMs > 0)) throw new Error(`job '${job.id}': interval must be positive, got ${job.intervalMs} ms`);
      if (!(job.timeoutMs > 0)) throw new Error(`job '${job.id}': timeout must be positive, got ${job.timeoutMs} ms`);
      const state: JobState<T> = { job, plannedAt: 0, removed: false };
      states.set(job.id, state);
      plan(state, clock.now() + firstDelay(job.intervalMs, job.jitter ?? DEFAULT_JITTER, clock.random()));
    },
    remove(id) {
      const state = states.get(id);
      if (!state) return;
      state.removed = true;
      if (state.timer !== undefined) clock.clearTimer(state.timer);
      state.controller?.abort();
      states.delete(id);
    },
    ids: () => [...states.keys()],
    async stop(graceMs = 5000) {
      stopped = true;
      const running: Promise<void>[] = [];
      for (const state of states.values()) {
        if (state.timer !== undefined) clock.clearTimer(state.timer);
        state.controller?.abort();
        if (state.running) running.push(state.running);
      }
      if (running.length === 0) return;
      // a job that ignores its signal must not hold shutdown forever
      let grace: unknown;
      await Promise.race([
        Promise.allSettled(running),
        new Promise<void>((resolve) => (grace = clock.setTimer(resolve, graceMs))),
      ]);
      clock.clearTimer(grace);
    },
  };
}
