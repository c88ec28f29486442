import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatReportCsv, formatReportText, parseMinutes, parseWhatIf, serviceReports } from '@lookout/alerts';
import type { SloRuntime } from './runtime.ts';
import type { ThresholdRuntime } from './threshold-runtime.ts';

export interface SloApiOptions {
  slos?: SloRuntime;
  thresholds?: ThresholdRuntime;
  /** slos.auto's SLOs as native spec text; undefined when slos.auto is off */
  autoSpec?: () => string;
  now: () => number;
}

/**
 * GET /api/v1/slos: every SLO with its last evaluation (windows, burn rates, budget)
 * and its pending/firing alerts. GET /api/v1/alerts: every pending or firing alert,
 * SLO and threshold alike. Read-only; the read token guards them when configured, and a
 * tenant's token sees only its tenant's SLOs and alerts.
 */
export function registerSloApi(http: FastifyInstance, options: SloApiOptions): void {
  // issue 12: a tenant's token (receivers/read-auth.ts) sees its own SLOs and alerts only
  const readTenant = (request: FastifyRequest): string | undefined => (request as { readTenant?: string }).readTenant;
  http.get('/api/v1/slos', async (request) => {
    const tenant = readTenant(request);
    const slos = options.slos?.status() ?? [];
    return { at: new Date(options.now()).toISOString(), slos: tenant === undefined ? slos : slos.filter((s) => s.tenant === tenant) };
  });
  // The auto SLOs as a native spec file (lookout slo export-auto), to review and commit.
  http.get('/api/v1/auto-slos', async (request, reply) => {
    if (!options.autoSpec) return reply.code(404).send({ error: 'automatic SLOs are off; turn them on with slos.auto.enabled: true' });
    // automatic SLOs are keyed by service alone and count every tenant's requests: the read token reads them, not a tenant's
    if (readTenant(request) !== undefined) return reply.code(403).send({ error: 'automatic SLOs span every tenant; read them with the read token (receivers.otlp.readAuth)' });
    const text = options.autoSpec();
    return reply.type('application/yaml; charset=utf-8').send(text === '' ? '# slos.auto: no service seen yet\n' : text);
  });
  // One SLO; ?objective=99.95&period=28d recomputes its figures as a what-if (the spec is unchanged).
  http.get<{ Params: { name: string }; Querystring: { objective?: string; period?: string } }>('/api/v1/slos/:name', async (request, reply) => {
    const { objective, period } = request.query;
    const whatIf = parseWhatIf({ objective, period });
    if ('error' in whatIf) return reply.code(400).send({ error: whatIf.error });
    if (!options.slos) return reply.code(404).send({ error: 'no SLOs are configured (slos.files)' });
    const tenant = readTenant(request);
    // a tenant names its SLO as in its spec; the collector knows it as <tenant>/<name>
    const name = tenant === undefined || request.params.name.startsWith(`${tenant}/`) ? request.params.name : `${tenant}/${request.params.name}`;
    const detail = options.slos.detail(name, whatIf.whatIf, options.now());
    if ('error' in detail) return reply.code(detail.code).send({ error: detail.error });
    if (tenant !== undefined && detail.status.tenant !== tenant) return reply.code(404).send({ error: `no SLO named ${request.params.name} for tenant ${tenant}` });
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
  http.get('/api/v1/alerts', async (request) => {
    const tenant = readTenant(request);
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
    const alerts = [...slo, ...threshold];
    // threshold alerts (certificates, probes, hosts) belong to no tenant: the read token's
    return { at: new Date(options.now()).toISOString(), alerts: tenant === undefined ? alerts : alerts.filter((a) => a.labels['tenant'] === tenant) };
  });
}
