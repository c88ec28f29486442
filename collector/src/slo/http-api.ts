import type { FastifyInstance } from 'fastify';
import type { SloRuntime } from './runtime.ts';
import type { ThresholdRuntime } from './threshold-runtime.ts';

export interface SloApiOptions {
  slos?: SloRuntime;
  thresholds?: ThresholdRuntime;
  now: () => number;
}

/**
 * GET /api/v1/slos: every SLO with its last evaluation (windows, burn rates, budget)
 * and its pending/firing alerts. GET /api/v1/alerts: every pending or firing alert,
 * SLO and threshold alike. Read-only, unauthenticated like /metrics.
 */
export function registerSloApi(http: FastifyInstance, options: SloApiOptions): void {
  http.get('/api/v1/slos', async () => ({
    at: new Date(options.now()).toISOString(),
    slos: options.slos?.status() ?? [],
  }));
  http.get('/api/v1/alerts', async () => {
    const slo = (options.slos?.activeAlerts() ?? []).map((a) => ({
      source: 'slo',
      labels: a.labels,
      annotations: a.annotations,
      state: a.state,
      severity: a.severity,
      inhibited: a.inhibited,
      activeAt: new Date(a.activeAtMs).toISOString(),
      firedAt: a.firedAtMs === null ? null : new Date(a.firedAtMs).toISOString(),
    }));
    const threshold = (options.thresholds?.active() ?? []).map((a) => ({
      source: 'threshold',
      labels: a.labels,
      annotations: a.annotations,
      state: a.state,
      severity: a.severity,
      inhibited: a.inhibited,
      activeAt: new Date(a.activeAtMs).toISOString(),
      firedAt: a.firedAtMs === null ? null : new Date(a.firedAtMs).toISOString(),
    }));
    return { at: new Date(options.now()).toISOString(), alerts: [...slo, ...threshold] };
  });
}
