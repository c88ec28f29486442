/** Thrown when the signal aborts a probe (the scheduler's timeout). */
export class ProbeAbortedError extends Error {
  constructor(what: string) {
    super(`${what} was stopped: the probe timed out`);
    this.name = 'ProbeAbortedError';
  }
}
