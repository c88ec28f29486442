/**
 * The demo's timeline and what the shop service does at a given time. Pure: the
 * orchestrator computes the timeline once from its start time and hands the incident
 * window to the service through its environment.
 */

export interface DemoTimings {
  /** from the start until the incident begins */
  incidentAfterMs: number;
  /** how long the error burst and latency spike last */
  incidentForMs: number;
  /** after the incident ends, the TLS certificate is renewed (its ticket resolves) */
  renewCertificateAfterMs: number;
  /** days the demo's first certificate is valid: under 14 days is a ticket, under 3 a page */
  certificateDays: number;
  /** requests per second of the traffic generator */
  requestsPerSecond: number;
  /** SLO evaluation, threshold evaluation and TLS probe intervals */
  evaluationIntervalMs: number;
  thresholdIntervalMs: number;
  probeIntervalMs: number;
  /** fast: the SLO policies use minute-scale windows (for tests and impatient people) */
  fastWindows: boolean;
}

export const NORMAL_TIMINGS: DemoTimings = {
  incidentAfterMs: 60_000,
  incidentForMs: 150_000,
  renewCertificateAfterMs: 60_000,
  certificateDays: 5,
  requestsPerSecond: 10,
  evaluationIntervalMs: 10_000,
  thresholdIntervalMs: 10_000,
  probeIntervalMs: 15_000,
  fastWindows: false,
};

/** LOOKOUT_DEMO_FAST=1 or `lookout up --fast`: the whole story in about three minutes. */
export const FAST_TIMINGS: DemoTimings = {
  incidentAfterMs: 5_000,
  incidentForMs: 30_000,
  renewCertificateAfterMs: 0,
  certificateDays: 5,
  requestsPerSecond: 20,
  evaluationIntervalMs: 1_000,
  thresholdIntervalMs: 1_000,
  probeIntervalMs: 2_000,
  fastWindows: true,
};

export interface DemoTimeline {
  startMs: number;
  incidentStartMs: number;
  incidentEndMs: number;
  renewCertificateAtMs: number;
}

export function demoTimeline(startMs: number, timings: DemoTimings): DemoTimeline {
  const incidentStartMs = startMs + timings.incidentAfterMs;
  const incidentEndMs = incidentStartMs + timings.incidentForMs;
  return { startMs, incidentStartMs, incidentEndMs, renewCertificateAtMs: incidentEndMs + timings.renewCertificateAfterMs };
}

export interface Fault {
  /** share of checkout requests answered 503 */
  checkoutErrorRatio: number;
  /** share of product lookups slowed down, and by how much */
  slowShare: number;
  extraLatencyMs: number;
}

export const NO_FAULT: Fault = { checkoutErrorRatio: 0.002, slowShare: 0.01, extraLatencyMs: 400 };
export const INCIDENT_FAULT: Fault = { checkoutErrorRatio: 0.6, slowShare: 0.5, extraLatencyMs: 700 };

/** The shop's behaviour at `nowMs`: a trickle of errors normally, a burst during the incident. */
export function faultAt(window: { incidentStartMs: number; incidentEndMs: number }, nowMs: number): Fault {
  return nowMs >= window.incidentStartMs && nowMs < window.incidentEndMs ? INCIDENT_FAULT : NO_FAULT;
}

/** Which request the traffic generator sends next, from a number in [0, 1). */
export function pickRequest(draw: number, productDraw: number): { method: 'GET' | 'POST'; path: string } {
  const product = 1 + Math.floor(productDraw * 20);
  if (draw < 0.45) return { method: 'GET', path: '/api/products' };
  if (draw < 0.8) return { method: 'GET', path: `/api/products/${product}` };
  return { method: 'POST', path: '/api/checkout' };
}
