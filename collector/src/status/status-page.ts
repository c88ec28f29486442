import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { SloEvaluation } from '@lookout/alerts';
import { lastCompleteMinute } from '@lookout/alerts';
import type { Batch, Signal } from '@lookout/otlp';
import type { Consumer } from '../pipeline/bounded-queue.ts';
import type { SelfMetrics } from '../pipeline/self-metrics.ts';
import type { RouteTemplater } from '../processors/span-observation.ts';
import type { SloPlan, Alerting } from '../slo/wiring.ts';
import type { SliBucketSource } from '../slo/runtime.ts';
import { RecentLogs, type RecentLogFilter } from './recent-logs.ts';
import { RecentTraces, recentTracesFile, type TraceListFilter, type TraceReason } from './recent-traces.ts';
import { AlertHistory, type ObservedAlert } from './alert-history.ts';
import { HostCpu } from './host-cpu.ts';
import { renderAlertsPage, renderLogsPage, renderNotFound, renderOverview, renderSloPage, renderTracePage, renderTracesPage } from './render.ts';
import { budgetSeries, episodeStats, type BudgetPoint } from './slo-history.ts';
import {
  alertView,
  detectionView,
  readingsViews,
  sloView,
  sortByBudget,
  type AlertView,
  type IngestView,
  type OutboxView,
  type OverviewView,
  type SloDetailView,
  type SloView,
  type TraceView,
} from './view.ts';

/**
 * Who may read the status page and its API. Returns true to serve the request; false
 * answers 401. The collector passes the read-token check here when one is configured.
 */
export type ReadAuthorizer = (request: FastifyRequest) => boolean | Promise<boolean>;

export interface StatusPageOptions {
  http: FastifyInstance;
  /** the queue's register: the status page consumes traces, logs and metrics */
  register: (signal: Signal, name: string, consume: Consumer) => void;
  alerting: Alerting;
  plan: SloPlan;
  /** the SLI store, for the budget-over-time charts; undefined when requestSeries is off */
  sliStore: SliBucketSource | undefined;
  metrics: SelfMetrics;
  queueDepth: () => { items: number; bytes: number };
  dataDir: string;
  templateRoute: RouteTemplater;
  now: () => number;
  logger: Logger;
  /** read token hook (see ReadAuthorizer); everything is readable when undefined */
  authorize?: ReadAuthorizer;
  /** how often alert history and ingest rates are sampled, ms */
  sampleEveryMs?: number;
  refreshSeconds?: number;
}

export interface StatusPage {
  traces: RecentTraces;
  logs: RecentLogs;
  history: AlertHistory;
  /** data of GET /api/v1/overview */
  overview(): Promise<OverviewView>;
  close(): void;
}

type CounterLike = { get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> | { values: Array<{ labels: Record<string, string | number>; value: number }> } };

async function bySignal(counter: CounterLike): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await counter.get()).values) {
    const signal = String(v.labels.signal ?? '');
    out[signal] = (out[signal] ?? 0) + v.value;
  }
  return out;
}

async function refusals(counter: CounterLike): Promise<IngestView['refusedItems']> {
  return (await counter.get()).values
    .filter((v) => v.value > 0)
    .map((v) => ({ receiver: String(v.labels.receiver ?? ''), signal: String(v.labels.signal ?? ''), reason: String(v.labels.reason ?? ''), count: v.value }));
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/**
 * The status page at / and the JSON API under /api/v1/ behind it (see README.md in
 * this folder): recent traces and logs (fed as queue consumers), alert history
 * (sampled from the runtimes), and views of what the collector already holds.
 * Routes are added to `http` before it listens; the sampling timer is unref'd.
 */
export function createStatusPage(options: StatusPageOptions): StatusPage {
  const { http, alerting, now } = options;
  const log = options.logger.child({ component: 'status' });
  let rejectedLogged = false;
  const traces = new RecentTraces({
    file: recentTracesFile(options.dataDir),
    templateRoute: options.templateRoute,
    now,
    registry: options.metrics.registry,
    onRejected(rejected) {
      // One line per run: a sender with broken ids would otherwise flood the log.
      if (rejectedLogged) return;
      rejectedLogged = true;
      log.warn({ example: rejected[0] }, `recent traces: ${rejected.length} span(s) not kept (${rejected[0]?.reason}); counted in lookout_recent_traces_rejected_spans_total`);
    },
  });
  const logs = new RecentLogs();
  const history = new AlertHistory();
  const cpu = new HostCpu();
  options.register('traces', 'status-recent-traces', (batch) => traces.consume((batch as Batch<'traces'>).data));
  options.register('logs', 'status-recent-logs', (batch) => logs.consume((batch as Batch<'logs'>).data, now()));
  options.register('metrics', 'status-host-cpu', (batch) => cpu.consume((batch as Batch<'metrics'>).data, now()));

  const definitions = new Map(options.plan.adaptations.map((a) => [`${a.slo.service}/${a.slo.name}`, a.slo]));
  const evaluations = (): Map<string, SloEvaluation> => new Map(alerting.slos.evaluations().map((e) => [`${e.slo.service}/${e.slo.name}`, e]));

  const seriesCache = new Map<string, { minute: number; points: BudgetPoint[] }>();
  function seriesOf(evaluation: SloEvaluation | undefined): BudgetPoint[] {
    const store = options.sliStore;
    if (!evaluation || !store) return [];
    const key = `${evaluation.slo.service}/${evaluation.slo.name}`;
    const endMinute = lastCompleteMinute(now());
    const cached = seriesCache.get(key);
    if (cached && cached.minute === endMinute) return cached.points;
    const windowMinutes = evaluation.budget.windowMinutes;
    let points: BudgetPoint[] = [];
    try {
      const buckets = store.buckets(evaluation.slo.name, endMinute - 2 * windowMinutes, endMinute);
      // Chart what there is: from the first minute with data (at least 15 minutes), up to the whole window.
      const first = buckets.reduce((m, b) => Math.min(m, b.minute), endMinute);
      const spanMinutes = Math.min(windowMinutes, Math.max(15, endMinute - first + 1));
      points = budgetSeries(buckets, { objective: evaluation.slo.objective, windowMinutes, spanMinutes, endMinute, points: Math.min(60, spanMinutes + 1) });
    } catch (error) {
      log.warn({ err: error, slo: key }, 'cannot read the SLI store for the budget chart');
    }
    seriesCache.set(key, { minute: endMinute, points });
    return points;
  }

  function sloViews(): SloView[] {
    const byKey = evaluations();
    return sortByBudget(
      alerting.slos.status().map((s) => {
        const view = sloView(s, byKey.get(`${s.service}/${s.name}`), seriesOf(byKey.get(`${s.service}/${s.name}`)));
        return { ...view, alerts: view.alerts.map(withSamples) };
      }),
    );
  }

  /**
   * The runtime's alerts carry samples only in their notifications; the page adds the
   * service's recent error traces (kept, so the links open) and error lines.
   */
  function withSamples(view: AlertView): AlertView {
    const service = view.labels.service;
    if (view.state !== 'firing' || !service) return view;
    // A latency SLO's telling traces are its slowest ones, not its errors.
    const latency = definitions.get(`${service}/${view.labels.slo ?? ''}`)?.sli.kind === 'latency';
    const traceIds = view.traceIds.length > 0 ? view.traceIds : traces.list({ service, reason: latency ? 'slow' : 'error', limit: 5 }).map((t) => t.traceId);
    const errorLines = view.errorLines.length > 0 ? view.errorLines : alerting.errorLogs.recent(service, 3);
    return { ...view, traceIds, errorLines };
  }

  function alertViews(): AlertView[] {
    const slo = alerting.slos.status().flatMap((s) => s.alerts.map((a) => withSamples(alertView('slo', a))));
    const threshold = (alerting.thresholds?.active() ?? []).map((a) =>
      alertView('threshold', {
        labels: a.labels,
        annotations: a.annotations,
        state: a.state,
        severity: a.severity as 'page' | 'ticket',
        inhibited: a.inhibited,
        activeAt: new Date(a.activeAtMs).toISOString(),
        firedAt: a.firedAtMs === null ? null : new Date(a.firedAtMs).toISOString(),
      }),
    );
    return [...slo, ...threshold];
  }

  function sample(): void {
    const observed: ObservedAlert[] = [
      ...alerting.slos.activeAlerts().map((a) => ({ source: 'slo' as const, labels: a.labels, annotations: a.annotations, severity: a.severity, state: a.state, activeAtMs: a.activeAtMs, firedAtMs: a.firedAtMs })),
      ...(alerting.thresholds?.active() ?? []).map((a) => ({ source: 'threshold' as const, labels: a.labels, annotations: a.annotations, severity: a.severity, state: a.state, activeAtMs: a.activeAtMs, firedAtMs: a.firedAtMs })),
    ];
    const byKey = evaluations();
    history.observe(observed, now(), (labels) => byKey.get(`${labels.service}/${labels.slo}`)?.budget.remaining ?? null);
  }

  let lastAccepted: { atMs: number; totals: Record<string, number> } | undefined;
  let ratePerSecond: Record<string, number> = {};
  async function sampleIngest(): Promise<void> {
    const totals = await bySignal(options.metrics.acceptedItems as unknown as CounterLike);
    const at = now();
    if (lastAccepted && at > lastAccepted.atMs) {
      const seconds = (at - lastAccepted.atMs) / 1000;
      ratePerSecond = Object.fromEntries(Object.entries(totals).map(([s, v]) => [s, Math.max(0, v - (lastAccepted!.totals[s] ?? 0)) / seconds]));
    }
    lastAccepted = { atMs: at, totals };
  }
  const timer = setInterval(() => {
    try {
      sample();
    } catch (error) {
      log.warn({ err: error }, 'alert history sampling failed');
    }
    sampleIngest().catch((error: unknown) => log.warn({ err: error }, 'ingest rate sampling failed'));
  }, options.sampleEveryMs ?? 2000);
  timer.unref();

  function outboxView(): OutboxView {
    const notifier = alerting.notifier;
    if (!notifier) return { configured: false, pending: [], recent: [] };
    let rows: ReturnType<typeof notifier.outbox.rows> = [];
    try {
      rows = notifier.outbox.rows();
    } catch {
      rows = []; // closed while stopping
    }
    return {
      configured: true,
      pending: [...notifier.pending()].map(([receiver, count]) => ({ receiver, count })),
      recent: rows
        .sort((a, b) => b.id - a.id)
        .slice(0, 10)
        .map((r) => ({ receiver: r.receiver, status: r.status, state: r.state, alertname: r.notification.labels.alertname ?? '', attempts: r.attempts, lastError: r.lastError, enqueuedAt: new Date(r.enqueuedAt).toISOString() })),
    };
  }

  async function overview(): Promise<OverviewView> {
    const nowMs = now();
    const readings = readingsViews(alerting.readings.snapshot(), cpu.hosts, nowMs);
    return {
      at: new Date(nowMs).toISOString(),
      slos: sloViews(),
      alerts: alertViews(),
      ...readings,
      ingest: {
        ratePerSecond,
        accepted: await bySignal(options.metrics.acceptedItems as unknown as CounterLike),
        refusedItems: await refusals(options.metrics.refusedItems as unknown as CounterLike),
        refusedRequests: await refusals(options.metrics.refusedRequests as unknown as CounterLike),
        queue: options.queueDepth(),
      },
      outbox: outboxView(),
      traces: { stored: traces.traceCount, bytes: traces.storedBytes },
    };
  }

  function sloDetail(service: string, name: string): SloDetailView | undefined {
    const status = alerting.slos.status().find((s) => s.service === service && s.name === name);
    const definition = definitions.get(`${service}/${name}`);
    if (!status || !definition) return undefined;
    const evaluation = evaluations().get(`${service}/${name}`);
    const base = sloView(status, evaluation, seriesOf(evaluation));
    const view = { ...base, alerts: base.alerts.map(withSamples) };
    const episodes = history.episodes({ service, slo: name });
    const nowMs = now();
    const windowMs = (evaluation?.budget.windowMinutes ?? 0) * 60_000;
    return {
      ...view,
      detection: detectionView(definition),
      episodes,
      availability: evaluation && evaluation.budget.total > 0 ? evaluation.budget.good / evaluation.budget.total : null,
      episodeStats: episodeStats(
        episodes.map((e) => ({ startMs: e.startMs, resolvedMs: e.resolvedMs })),
        Math.max(startedAtMs, nowMs - windowMs),
        nowMs,
      ),
      recentErrorTraces: traces.list({ service, reason: 'error', limit: 20 }),
    };
  }
  const startedAtMs = now();

  function traceView(traceId: string): TraceView | undefined {
    const trace = traces.get(traceId);
    if (!trace) return undefined;
    return { ...trace, logs: logs.search({ traceId, limit: 200 }) };
  }

  function traceFilter(query: Record<string, string | undefined>): TraceListFilter {
    const filter: TraceListFilter = { limit: Math.min(500, Number(query.limit) || 100) };
    if (query.service) filter.service = query.service;
    if (query.route) filter.route = query.route;
    if (query.reason === 'error' || query.reason === 'slow') filter.reason = query.reason as TraceReason;
    return filter;
  }

  function logFilter(query: Record<string, string | undefined>): RecentLogFilter {
    const filter: RecentLogFilter = { limit: Math.min(1000, Number(query.limit) || 200) };
    if (query.trace_id) filter.traceId = query.trace_id.trim();
    if (query.service) filter.service = query.service;
    if (query.level === 'warn' || query.level === 'error') filter.level = query.level;
    if (query.q) filter.text = query.q;
    return filter;
  }

  const refresh = options.refreshSeconds ?? 15;
  const htmlReply = (reply: FastifyReply, body: string, code = 200) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const badId = (reply: FastifyReply, id: string, asHtml: boolean) => {
    const message = `'${id}' is not a trace id: expected 32 hex digits, e.g. 4bf92f3577b34da6a3ce929d0e0e4736`;
    return asHtml ? htmlReply(reply, renderNotFound(message), 400) : reply.code(400).send({ error: message });
  };

  // Every route of the page and its API, behind the read-token hook.
  http.register(async (scope) => {
    if (options.authorize) {
      const authorize = options.authorize;
      scope.addHook('onRequest', async (request, reply) => {
        if (!(await authorize(request))) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a read token is required: send Authorization: Bearer <token>' });
      });
    }
    type Q = { Querystring: Record<string, string | undefined> };
    scope.get('/', async (_request, reply) => htmlReply(reply, renderOverview(await overview(), refresh)));
    scope.get('/api/v1/overview', async () => overview());
    scope.get<{ Params: { service: string; name: string } }>('/slos/:service/:name', async (request, reply) => {
      const detail = sloDetail(request.params.service, request.params.name);
      if (!detail) return htmlReply(reply, renderNotFound(`No SLO ${request.params.service}/${request.params.name} is configured.`), 404);
      return htmlReply(reply, renderSloPage(detail, now(), refresh));
    });
    scope.get<{ Params: { service: string; name: string } }>('/api/v1/slos/:service/:name', async (request, reply) => {
      const detail = sloDetail(request.params.service, request.params.name);
      if (!detail) return reply.code(404).send({ error: `no SLO ${request.params.service}/${request.params.name} is configured; GET /api/v1/slos lists them` });
      return detail;
    });
    const alertsData = () => ({ at: new Date(now()).toISOString(), alerts: alertViews(), episodes: history.episodes() });
    scope.get('/alerts', async (_request, reply) => htmlReply(reply, renderAlertsPage(alertsData(), refresh)));
    scope.get('/api/v1/alerts/history', async () => ({ at: new Date(now()).toISOString(), episodes: history.episodes() }));
    scope.get<Q>('/traces', async (request, reply) => {
      const id = request.query.id?.trim();
      if (id) return reply.redirect(`/traces/${encodeURIComponent(id)}`);
      const filter = traceFilter(request.query);
      const services = [...new Set(traces.list({ limit: 1000 }).map((t) => t.service))].sort();
      return htmlReply(reply, renderTracesPage({ at: new Date(now()).toISOString(), traces: traces.list(filter), filter, services }));
    });
    scope.get<Q>('/api/v1/traces', async (request) => ({ traces: traces.list(traceFilter(request.query)) }));
    scope.get<{ Params: { id: string } }>('/traces/:id', async (request, reply) => {
      const id = request.params.id;
      if (!TRACE_ID.test(id)) return badId(reply, id, true);
      const view = traceView(id.toLowerCase());
      return htmlReply(reply, renderTracePage(id, view), view ? 200 : 404);
    });
    scope.get<{ Params: { id: string } }>('/api/v1/traces/:id', async (request, reply) => {
      const id = request.params.id;
      if (!TRACE_ID.test(id)) return badId(reply, id, false);
      const view = traceView(id.toLowerCase());
      if (!view) return reply.code(404).send({ error: `trace ${id} is not among the recent traces kept (errors and the slowest per route, oldest out first)` });
      return view;
    });
    scope.get<Q>('/logs', async (request, reply) => {
      const filter = logFilter(request.query);
      return htmlReply(reply, renderLogsPage({ at: new Date(now()).toISOString(), lines: logs.search(filter), filter, services: logs.services }));
    });
    scope.get<Q>('/api/v1/logs', async (request) => ({ lines: logs.search(logFilter(request.query)) }));
  });

  return {
    traces,
    logs,
    history,
    overview,
    close() {
      clearInterval(timer);
      traces.close();
    },
  };
}
