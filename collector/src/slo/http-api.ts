import type { FastifyInstance } from 'fastify';
import { formatReportCsv, formatReportText, parseMinutes, parseWhatIf, serviceReports } from '@lookout/alerts';
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
  // One SLO; ?objective=99.95&period=28d recomputes its figures as a what-if (the spec is unchanged).
  http.get<{ Params: { name: string }; Querystring: { objective?: string; period?: string } }>('/api/v1/slos/:name', async (request, reply) => {
    const { objective, period } = request.query;
    const whatIf = parseWhatIf({ objective, period });
    if ('error' in whatIf) return reply.code(400).send({ error: whatIf.error });
    if (!options.slos) return reply.code(404).send({ error: 'no SLOs are configured (slos.files)' });
    const detail = options.slos.detail(request.params.name, whatIf.whatIf, options.now());
    if ('error' in detail) return reply.code(detail.code).send({ error: detail.error });
    return { at: new Date(options.now()).toISOString(), ...detail };
  });
  // Availability report: ?since=30d (whole minutes to 366d), ?format=json (default) | csv | text.
  http.get<{ Querystring: { since?: string; format?: string } }>('/api/v1/report', async (request, reply) => {
    const since = request.query.since ?? '30d';
    const minutes = parseMinutes(since);
    if (minutes === undefined || minutes > 366 * 1440) {
      return reply.code(400).send({ error: `since ${JSON.stringify(since)} must be a duration like 7d, 30d or 12h, at most 366d` });
    }
    const format = request.query.format ?? 'json';
    if (format !== 'json' && format !== 'csv' && format !== 'text') {
      return reply.code(400).send({ error: `format ${JSON.stringify(format)} must be json, csv or text` });
    }
    const reports = options.slos?.report(minutes, options.now()) ?? [];
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(formatReportCsv(reports));
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(`${formatReportText(reports)}\n`);
    return { at: new Date(options.now()).toISOString(), since, slos: reports, services: serviceReports(reports) };
  });
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
