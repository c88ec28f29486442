/**
 * Several collector endpoints: the agent sends to one at a time and sticks to it while
 * it answers. An endpoint that cannot be reached, times out or answers 502/503/504 is
 * set aside for a cool-down and the same request goes to the next endpoint at once;
 * when every endpoint is set aside, the one that failed longest ago is tried. 429 is
 * not a reason to move: the collector is alive and asks for back-pressure, and moving
 * would only shift its load onto the others. Same semantics as the host agent's.
 *
 * The choice logic is pure (state in, state out, the clock passed in); `Failover` runs
 * one request through it.
 */

export const DEFAULT_FAILOVER_COOL_DOWN_MS = 30_000;

export interface FailoverState {
  /** index of the endpoint requests go to */
  current: number;
  /** per endpoint: until when (ms) it is set aside; 0 when healthy */
  downUntil: number[];
  /** per endpoint: when it last failed (ms); 0 if never */
  lastFailure: number[];
}

export function initialFailoverState(endpoints: number): FailoverState {
  if (!Number.isInteger(endpoints) || endpoints < 1) throw new Error(`failover needs at least one endpoint, got ${endpoints}`);
  return { current: 0, downUntil: new Array<number>(endpoints).fill(0), lastFailure: new Array<number>(endpoints).fill(0) };
}

/** Whether an HTTP answer (undefined: none — unreachable, reset, timed out) means "try another endpoint". */
export function isUnavailableStatus(status: number | undefined): boolean {
  return status === undefined || status === 502 || status === 503 || status === 504;
}

/**
 * The order to try endpoints in for one request: the current one if it is not set
 * aside, then the others that are not, in ring order; if all are set aside, only the
 * one that failed longest ago.
 */
export function tryOrder(state: FailoverState, nowMs: number): number[] {
  const n = state.downUntil.length;
  const healthy: number[] = [];
  let oldest = state.current;
  for (let step = 0; step < n; step++) {
    const i = (state.current + step) % n;
    if (state.downUntil[i]! <= nowMs) healthy.push(i);
    if (state.lastFailure[i]! < state.lastFailure[oldest]!) oldest = i;
  }
  return healthy.length > 0 ? healthy : [oldest];
}

export function markFailed(state: FailoverState, index: number, nowMs: number, coolDownMs: number): void {
  state.downUntil[index] = nowMs + coolDownMs;
  state.lastFailure[index] = nowMs;
}

/** The endpoint answered (any answer but "unavailable"): stick to it. */
export function markAnswered(state: FailoverState, index: number): void {
  state.downUntil[index] = 0;
  state.current = index;
}

export interface FailoverEvents {
  /** requests moved from one endpoint to another */
  failedOver?(from: string, to: string, reason: string): void;
}

/** Runs requests over several endpoints with the logic above. */
export class Failover {
  readonly state: FailoverState;

  constructor(
    readonly endpoints: readonly string[],
    private readonly options: { coolDownMs: number; now?: () => number; events?: FailoverEvents },
  ) {
    this.state = initialFailoverState(endpoints.length);
  }

  get current(): string {
    return this.endpoints[this.state.current]!;
  }

  /**
   * Calls `attempt(index)` for the endpoints in try order until one resolves or rejects
   * with an error `unavailable` does not accept; then rethrows the last error.
   */
  async run<R>(attempt: (index: number) => Promise<R>, unavailable: (error: unknown) => boolean): Promise<R> {
    const now = this.options.now ?? Date.now;
    let lastError: unknown;
    for (const index of tryOrder(this.state, now())) {
      try {
        const result = await attempt(index);
        this.answered(index, lastError);
        return result;
      } catch (error) {
        if (!unavailable(error)) {
          this.answered(index, lastError);
          throw error;
        }
        markFailed(this.state, index, now(), this.options.coolDownMs);
        lastError = error;
      }
    }
    throw lastError;
  }

  private answered(index: number, previousError: unknown): void {
    if (index !== this.state.current) {
      const reason = previousError instanceof Error ? previousError.message : previousError === undefined ? 'cool-down over' : String(previousError);
      this.options.events?.failedOver?.(this.endpoints[this.state.current]!, this.endpoints[index]!, reason);
    }
    markAnswered(this.state, index);
  }
}
