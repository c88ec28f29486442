import { Gauge } from 'prom-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import type { Component, ComponentContext, ComponentFactory } from './component/component.ts';
import type { LookoutConfig } from './config/schema.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { DROP_REASONS } from './core/errors.ts';
import { childLogger } from './core/logger.ts';
import { disableAllocationSitePretenuring } from './core/v8-heap.ts';
import type { RequestSli } from './core/sli.ts';
import { lokiExporterComponent, otlpExporterComponent, receivedMetricsComponent, remoteWriteComponent } from './exporters/components.ts';
import type { LokiExporter } from './exporters/loki-exporter.ts';
import type { OtlpExporter } from './exporters/otlp-exporter.ts';
import type { ReceivedMetrics } from './exporters/received-metrics.ts';
import type { RemoteWriteExporter } from './exporters/remote-write-exporter.ts';
import { templateRoute, toLogStreamOptions } from './logs/index.ts';
import type { Batch, Signal } from '@lookout/otlp';
import { BoundedQueue, type Consumer } from './pipeline/bounded-queue.ts';
import { PipelineGraph, type PipelineEdge, type PipelineNode } from './pipeline/graph.ts';
import { queueNode } from './pipeline/queue-component.ts';
import { RecentRecordIds } from './pipeline/record-dedup.ts';
import { createSelfMetrics, type SelfMetrics } from './pipeline/self-metrics.ts';
import { notifierComponent, receiverCount } from './notify/component.ts';
import { probeCount, probesComponent } from './probes/component.ts';
import { logMetricsComponent, requestSeriesComponent, type LogMetricsComponent, type RequestSeriesComponent } from './processors/components.ts';
import type { SliPipeline } from './processors/sli-pipeline.ts';
import { createRecordRejections, type RecordRejections } from './pipeline/record-rejections.ts';
import { TenantAuthenticator } from './receivers/auth.ts';
import { installReadAuth } from './receivers/read-auth.ts';
import { TenantQuotas } from './receivers/tenant-quota.ts';
import { httpServerTimeouts } from './receivers/http-timeouts.ts';
import { installAbandonedRequestCheck } from './receivers/client-gone.ts';
import { Admission } from './receivers/admission.ts';
import { installAdmission, type AdmissionRoute } from './receivers/admission-hook.ts';
import { EventLoopLagProbe } from './receivers/event-loop-lag.ts';
import type { GrpcAdmission } from './receivers/otlp-grpc.ts';
import { otlpLogLinesHook } from './receivers/otlp-log-lines.ts';
import {
  lokiPushComponent,
  otlpGrpcComponent,
  otlpHttpComponent,
  rawLinesComponent,
  syslogComponent,
  type OtlpGrpcComponent,
  type SyslogComponent,
} from './receivers/components.ts';
import type { IngestContext } from './receivers/ingest.ts';
import { registerLogReceiverMetrics } from './receivers/log-receiver-metrics.ts';
import { LogStreams } from './receivers/log-streams.ts';
import type { RunningSyslogReceiver } from './receivers/syslog.ts';
import { alertingComponent } from './slo/component.ts';
import { clusterComponent, type ClusterComponent } from './cluster/component.ts';
import { OPENMETRICS_CONTENT_TYPE, prefersOpenMetrics, renderOpenMetrics } from './pipeline/openmetrics.ts';
import { grafanaProvisionerComponent, type GrafanaProvisionerComponent } from './provision/component.ts';
import type { GrafanaProvisioning } from './provision/wiring.ts';
import { statusPageComponent } from './status/component.ts';
import type { StatusPage } from './status/status-page.ts';
import { planSlos, type Alerting } from './slo/index.ts';
import { sliDefinitionsFromConfig } from './store/index.ts';
import { DurablePipeline, type CursorKeeping, type DurableConsumer, type ServedMark } from './wal/durable-pipeline.ts';

/**
 * The composition root: which components exist for a config, and which feeds which.
 * Component logic lives in the component folders; this file only wires them.
 */

/**
 * The pipeline table. `from → to`: data goes from one component to the next, so `to`
 * starts first and stops later; `signals` go through the queue; `reads` means `to` pulls
 * from `from` (which then outlives it). Edges to components the config leaves out are
 * dropped. To add a component: add its row(s) here and one `add(...)` in buildComponents
 * (ARCHITECTURE.md, "Adding a component").
 */
export const PIPELINE: readonly PipelineEdge[] = [
  { from: 'otlp-http', to: 'queue' },
  { from: 'otlp-grpc', to: 'queue' },
  { from: 'raw-lines', to: 'queue' },
  { from: 'loki-push', to: 'queue' },
  { from: 'syslog', to: 'queue' },
  { from: 'queue', to: 'request-series', signals: ['traces', 'metrics'] },
  { from: 'queue', to: 'log-metrics', signals: ['logs'] },
  { from: 'queue', to: 'loki-exporter', signals: ['logs'] },
  { from: 'queue', to: 'received-metrics', signals: ['metrics'] },
  { from: 'queue', to: 'otlp-exporter', signals: ['traces', 'metrics', 'logs'] },
  { from: 'received-metrics', to: 'remote-write' },
  { from: 'request-series', to: 'remote-write', reads: true },
  // storage.backend: postgres: the cluster's pool outlives what writes through it
  { from: 'cluster', to: 'request-series', reads: true },
  { from: 'cluster', to: 'notifier', reads: true },
  { from: 'cluster', to: 'alerting', reads: true },
  { from: 'queue', to: 'alerting', signals: ['logs', 'metrics', 'traces'] },
  { from: 'log-metrics', to: 'request-series' },
  { from: 'probes', to: 'alerting' },
  { from: 'request-series', to: 'alerting', reads: true },
  { from: 'queue', to: 'status-page', signals: ['traces', 'logs', 'metrics'] },
  { from: 'request-series', to: 'status-page', reads: true },
  { from: 'alerting', to: 'status-page', reads: true },
  { from: 'alerting', to: 'notifier' },
];

export interface CollectorOptions {
  /** injected clock, ms since the epoch */
  now?: () => number;
  logger?: PinoLogger;
  /** consumers registered before the receivers open, e.g. processors or a test's capture */
  consumers?: Array<{ signal: Signal; name: string; consume: Consumer }>;
  /** SLIs counted into the SLI store besides config `sli.definitions` (e.g. from SLO specs) */
  sliDefinitions?: readonly RequestSli[];
  /** environment the Grafana token is read from (default process.env) */
  env?: NodeJS.ProcessEnv;
}

/** What a built collector and a running one both name. */
export interface CollectorParts {
  config: LookoutConfig;
  http: FastifyInstance;
  queue: BoundedQueue;
  /** the write-ahead log and its cursors under pipeline.durability disk (the queue then stays empty) */
  durable?: DurablePipeline;
  metrics: SelfMetrics;
  /** request series and SLI store; undefined when requestSeries.enabled is false */
  sli?: SliPipeline;
  /** undefined when exporters.loki is not configured */
  lokiExporter?: LokiExporter;
  /** received OTLP metrics as Prometheus series (/metrics, remote write); undefined when neither wants them */
  receivedMetrics?: ReceivedMetrics;
  /** undefined when exporters.otlp is not configured */
  otlpExporter?: OtlpExporter;
  /** undefined when exporters.remoteWrite is not configured */
  remoteWriteExporter?: RemoteWriteExporter;
  /** SLO runtime, threshold alerts and notifier (slo/, notify/) */
  alerting: Alerting;
  /** status page at / with its API: recent traces and logs, alert history (status/) */
  statusPage: StatusPage;
  logger: PinoLogger;
  /** the components, their state and counts (also GET /api/v1/pipeline) */
  pipeline: PipelineGraph;
}

/** A collector built and not listening: inject() requests; start() listens. */
export interface BuiltCollector extends CollectorParts {
  /** fastify's inject(): a request without a socket, for tests */
  inject: FastifyInstance['inject'];
  /** starts the components (consumers first), then the HTTP listener */
  start(): Promise<RunningCollector>;
  /** stops the components (producers first) within shutdownTimeout, then the listener */
  close(): Promise<void>;
}

export interface RunningCollector extends CollectorParts {
  /** base URL of the HTTP listener, e.g. http://127.0.0.1:4318 */
  httpUrl: string;
  grpcPort?: number;
  /** syslog listeners; undefined when logs.syslog.udp and .tcp are both off */
  syslog?: RunningSyslogReceiver;
  /** Grafana provisioning; undefined without an enabled `grafana:` section */
  grafana?: GrafanaProvisioning;
  /** stop accepting, flush the queue, close listeners */
  close(): Promise<void>;
}

function tlsOptions(config: LookoutConfig) {
  const tls = config.receivers.otlp.tls;
  if (!tls) return null;
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.clientCaFile ? { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Items each receiver received and handed to the queue, from the self-metrics. */
async function receiverCounts(metrics: SelfMetrics): Promise<Map<string, { itemsIn: number; itemsOut: number }>> {
  const counts = new Map<string, { itemsIn: number; itemsOut: number }>();
  const add = (values: Array<{ value: number; labels: Partial<Record<string, string | number>> }>, field: 'itemsIn' | 'itemsOut') => {
    for (const { value, labels } of values) {
      const id = String(labels.receiver);
      const entry = counts.get(id) ?? { itemsIn: 0, itemsOut: 0 };
      entry[field] += value;
      counts.set(id, entry);
    }
  };
  add((await metrics.receivedItems.get()).values, 'itemsIn');
  add((await metrics.acceptedItems.get()).values, 'itemsOut');
  return counts;
}

/** The ports every component shares: clock, logger, self-metrics, the queue, the HTTP listener. */
interface SharedPorts {
  clock: Clock;
  logger: PinoLogger;
  metrics: SelfMetrics;
  queue: BoundedQueue;
  http: FastifyInstance;
  /** TLS of the listener; null for plain HTTP */
  https: ReturnType<typeof tlsOptions>;
  /** per-record skips of the consumers, counted by consumer and reason */
  rejections: RecordRejections;
  /** admission before work: refuses ingest from its headers when the queue or in-flight bytes are full */
  admission: Admission;
  /** admission of the gRPC listener: the same budget, its own concurrency */
  grpcAdmission: GrpcAdmission;
  /** the event loop's lag now, ms */
  eventLoopLagMs(): number;
  /** how long an append (of `signal`, else of any) would wait for the write-ahead log's sync, ms; 0 under durability memory */
  syncWaitMs(signal?: Signal): number;
  /** stops the admission hook's slow-body timer and the lag probe */
  closeAdmission(): void;
  /** issue 13: the write-ahead log and its cursors under durability disk (set by buildComponents) */
  durable: { current?: DurablePipeline };
  /** what waits for the processors: the queue, or the log after their cursors */
  depth(): { items: number; bytes: number };
}

function createSharedPorts(config: LookoutConfig, options: CollectorOptions): SharedPorts {
  const clock: Clock = options.now ? { ...systemClock, now: options.now } : systemClock;
  const logger = options.logger ?? pino({ level: config.log.level, name: 'lookout' });
  // The queue needs the metrics (for failures) and the metrics read the queue (depth).
  let queueRef: BoundedQueue | undefined;
  const durable: SharedPorts['durable'] = {};
  const depth = () => durable.current?.depth() ?? { items: queueRef?.depthItems ?? 0, bytes: queueRef?.depthBytes ?? 0 };
  const metrics = createSelfMetrics({ queueDepth: depth });
  const queue = new BoundedQueue(
    { maxItems: config.pipeline.queue.maxItems, maxBytes: config.pipeline.queue.maxBytes },
    {
      consumerFailed(batch, consumerName, error) {
        metrics.droppedItems.inc({ signal: batch.signal, reason: DROP_REASONS.consumerError }, batch.items);
        logger.error({ err: error, consumer: consumerName, signal: batch.signal }, 'consumer failed; batch dropped for it');
      },
    },
  );
  queueRef = queue;
  metrics.queueCapacityItems.set(config.pipeline.queue.maxItems);
  metrics.queueCapacityBytes.set(config.pipeline.queue.maxBytes);
  if (config.pipeline.durability !== 'disk') for (const consumer of options.consumers ?? []) queue.register(consumer.signal, consumer.name, consumer.consume);

  // Issue 12 (defect 1): consumers skip a bad record on its own and count it here, by
  // consumer and reason, instead of throwing and losing the acknowledged batch.
  const rejections = createRecordRejections({
    registry: metrics.registry,
    now: () => clock.now(),
    logError: ({ signal, consumer, err, since }) =>
      logger.error({ err, signal, consumer, recordsSinceLastLog: since }, 'consumer failed on a record; that record skipped, the rest of its batch processed'),
  });

  const otlp = config.receivers.otlp;
  const https = tlsOptions(config);
  // Issue 12: header, request and idle deadlines, so stalled clients cannot hold sockets and bodies.
  const timeouts = httpServerTimeouts(otlp.http);
  const http = Fastify({
    // Per-request logs (info) would flood at ingest rates; warnings and errors remain.
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }),
    bodyLimit: otlp.http.maxBodyBytes,
    ...timeouts.fastify,
    ...(https ? { https: { ...https, ...timeouts.node } } : { http: timeouts.node }),
  }) as unknown as FastifyInstance;
  http.decorateRequest('tenant', undefined);
  // Issue 12 (defect 6): the read token guards /api/v1/*, pages and optionally /metrics.
  // Issue 12 (defect 5): a tenant's token reads its own SLOs and alerts only.
  http.decorateRequest('readTenant', undefined);
  const tenantAuth = otlp.auth ? new TenantAuthenticator(otlp.auth.tenants) : undefined;
  installReadAuth(http, otlp.readAuth, metrics.registry, tenantAuth);
  if (!otlp.readAuth && otlp.auth) logger.warn({}, 'ingest auth is on but receivers.otlp.readAuth is not set: /api/v1/* (SLOs, alerts, sample log lines) is readable without a token');
  // Issue 12 (defect 3): see a client's close before its batch is decoded and queued.
  installAbandonedRequestCheck(http);
  // Issue 12 (defects 2, 4): refuse from the headers, before any body byte is read.
  http.server.maxConnections = otlp.http.maxConnections;
  const admission = new Admission({
    maxInFlightBytes: config.pipeline.admission.maxInFlightBytes,
    queueMaxItems: config.pipeline.queue.maxItems,
    queueMaxBytes: config.pipeline.queue.maxBytes,
    maxConcurrentRequests: config.pipeline.admission.maxConcurrentRequests,
    ...(config.pipeline.admission.maxEventLoopLag > 0 ? { maxEventLoopLagMs: config.pipeline.admission.maxEventLoopLag } : {}),
    ...(config.pipeline.durability === 'disk' && config.pipeline.wal.maxSyncWait > 0 ? { maxSyncWaitMs: config.pipeline.wal.maxSyncWait } : {}),
  });
  // Issue 12: under durability disk, the wait an append would have for its sync (0 in memory mode).
  const syncWaitMs = (signal?: Signal) => durable.current?.syncWaitMs(signal) ?? 0;
  new Gauge({
    name: 'lookout_admission_wal_sync_wait_seconds',
    help: "How long a batch appended now would wait for the write-ahead log's sync, as admission sees it (pipeline.wal.maxSyncWait bounds it; 0 under durability memory).",
    registers: [metrics.registry],
    collect() {
      this.set(syncWaitMs() / 1000);
    },
  });
  // Issue 12 (defect 2): the event loop's lag, on a monotonic time (a wall-clock step is no lag).
  const lag = new EventLoopLagProbe({ now: () => performance.now(), setTimer: clock.setTimer, clearTimer: clock.clearTimer });
  lag.start();
  new Gauge({
    name: 'lookout_admission_event_loop_lag_seconds',
    help: 'How late the event loop runs, as admission sees it (pipeline.admission.maxEventLoopLag bounds it).',
    registers: [metrics.registry],
    collect() {
      this.set(lag.lagMs() / 1000);
    },
  });
  const admissionRoutes = new Map<string, AdmissionRoute>();
  if (otlp.http.enabled) {
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      admissionRoutes.set(`/v1/${signal}`, { receiver: 'otlp-http', signal, bodyLimit: otlp.http.maxBodyBytes, otlp: true });
    }
  }
  if (config.logs.raw.enabled) admissionRoutes.set('/v1/logs/raw', { receiver: 'raw-lines', signal: 'logs', bodyLimit: config.logs.raw.maxBodyBytes, otlp: false });
  if (config.logs.loki.enabled) admissionRoutes.set('/loki/api/v1/push', { receiver: 'loki-push', signal: 'logs', bodyLimit: config.logs.loki.maxBodyBytes, otlp: false });
  const admissionHook = installAdmission(http, {
    admission,
    queueDepth: depth,
    routes: admissionRoutes,
    metrics,
    registry: metrics.registry,
    minBodyBytesPerSecond: otlp.http.minBodyBytesPerSecond,
    slowBodyGraceMs: otlp.http.headersTimeout,
    now: () => clock.now(),
    eventLoopLagMs: () => lag.lagMs(),
    syncWaitMs,
    // a refused request's tenant, for lookout_tenant_refused_requests_total (only a refusal pays for the check)
    ...(tenantAuth
      ? {
          tenantOf: (authorization: string | undefined) => {
            const result = tenantAuth.check(authorization);
            return result.ok ? result.tenant : undefined;
          },
        }
      : {}),
  });
  const grpcAdmission: GrpcAdmission = {
    admit: (bytes, client) =>
      admission.admit(bytes, otlp.grpc.maxMessageBytes, depth(), { listener: 'grpc', eventLoopLagMs: lag.lagMs(), syncWaitMs: syncWaitMs(), ...(client !== undefined ? { client } : {}) }),
    release: (charge, client, reserved) => admission.release(charge, 'grpc', client, reserved),
  };
  return {
    clock,
    logger,
    metrics,
    queue,
    http,
    https,
    rejections,
    admission,
    grpcAdmission,
    eventLoopLagMs: () => lag.lagMs(),
    syncWaitMs,
    closeAdmission: () => {
      admissionHook.close();
      lag.stop();
    },
    durable,
    depth,
  };
}

/** The token buckets of the tenants that have a quota; nothing when none has. */
function tenantQuotas(otlp: LookoutConfig['receivers']['otlp'], nowMs: number): { quotas?: TenantQuotas } {
  const limited = (otlp.auth?.tenants ?? []).flatMap((t) => (t.quota ? [{ tenant: t.name, quota: t.quota }] : []));
  return limited.length > 0 ? { quotas: new TenantQuotas(limited, nowMs) } : {};
}

/** The built components the collector's result names. */
interface BuiltComponents {
  pipeline: PipelineGraph;
  requestSeries: RequestSeriesComponent | undefined;
  lokiExporter: LokiExporter | undefined;
  receivedMetrics: ReceivedMetrics | undefined;
  otlpExporter: OtlpExporter | undefined;
  remoteWriteExporter: RemoteWriteExporter | undefined;
  alerting: Alerting;
  statusPage: StatusPage;
  grafana: GrafanaProvisionerComponent | undefined;
  grpc: OtlpGrpcComponent | undefined;
  syslog: SyslogComponent | undefined;
  cluster: ClusterComponent | undefined;
}

/**
 * One `add()` per component the config turns on, consumers before producers (a
 * component's links must exist when it is built); then the graph of PIPELINE over them.
 */
async function buildComponents(config: LookoutConfig, options: CollectorOptions, ports: SharedPorts): Promise<BuiltComponents> {
  const { clock, logger, metrics, queue, http } = ports;
  const otlp = config.receivers.otlp;
  const durable = config.pipeline.durability === 'disk' ? await openDurablePipeline(config, ports) : undefined;
  ports.durable.current = durable;
  const contextFor = (id: string): ComponentContext => ({
    clock,
    logger: childLogger(logger, { component: id }),
    registry: metrics.registry,
    metrics,
    dataDir: config.storage.dataDir,
    queue,
    http,
    rejections: ports.rejections,
  });
  const streams = new LogStreams({ defaults: toLogStreamOptions(config.logs.parsing), maxStreams: config.logs.maxStreams });
  const logReceiverMetrics = registerLogReceiverMetrics(metrics.registry);
  const ingest: IngestContext = {
    queue: durable ?? queue,
    metrics,
    now: () => clock.now(),
    ...(config.pipeline.dedupLogRecordIds > 0 ? { recentLogRecordIds: new RecentRecordIds(config.pipeline.dedupLogRecordIds) } : {}),
    // Issue 11: OTLP records that are raw lines (the host agent's) share the log receivers' streams.
    parseLogLines: otlpLogLinesHook({ streams, metrics: logReceiverMetrics, now: () => clock.now() }),
    // Issue 12 (defect 5): per-tenant items and bytes per second.
    ...tenantQuotas(otlp, clock.now()),
  };
  const auth = otlp.auth ? new TenantAuthenticator(otlp.auth.tenants) : undefined;
  const logLinks = { ingest, auth, streams, metrics: logReceiverMetrics };

  const nodes: PipelineNode[] = [durable ? durableQueueNode(queue, durable) : queueNode(queue)];
  async function add<C, L, B extends Component>(factory: ComponentFactory<C, L, B>, componentConfig: C, links: L, context = contextFor(factory.type)): Promise<B> {
    const built = await factory.create(context, componentConfig, links);
    nodes.push({ id: factory.type, kind: factory.kind, consumes: factory.consumes, produces: factory.produces, component: built });
    return built;
  }

  try {
    // A bad SLO spec stops the start with file:line; PromQL SLIs are only warned about.
    const sloPlan = planSlos(
      config.slos,
      config.sli.definitions.map((d) => d.id),
      otlp.auth?.tenants.map((t) => t.name),
    );
    // Issue 14: with storage.backend postgres the SLI buckets, alert state and outbox are shared; one collector evaluates.
    const postgres = config.storage.backend === 'postgres' ? config.storage.postgres : undefined;
    const cluster = postgres ? await add(clusterComponent, postgres, {}) : undefined;
    const requestSeries = config.requestSeries.enabled
      ? await add(requestSeriesComponent, config.requestSeries, {
          sli: config.sli,
          definitions: [...sliDefinitionsFromConfig(config.sli), ...(options.sliDefinitions ?? []), ...sloPlan.definitions],
          ...(config.slos.auto.enabled ? { storeAlways: true } : {}),
          templateRoute,
          ...(cluster ? { openStore: cluster.openSliStore } : {}),
        })
      : undefined;
    const logMetrics = config.logs.metrics.enabled ? await add(logMetricsComponent, config.logs.metrics, { requests: requestSeries?.sli.pipeline }) : undefined;
    // under disk an exporter retries until the log's lag bound cuts it loose, not until a timer
    const disk = durable !== undefined;
    const loki = config.exporters.loki
      ? await add(lokiExporterComponent, disk ? { ...config.exporters.loki, maxRetries: Number.MAX_SAFE_INTEGER } : config.exporters.loki, {})
      : undefined;
    // received metrics are kept for remote write too when /metrics does not show them
    const received =
      config.exporters.prometheus.enabled || config.exporters.remoteWrite?.receivedMetrics
        ? (await add(receivedMetricsComponent, config.exporters.prometheus, {})).received
        : undefined;
    const otlpExporter = config.exporters.otlp
      ? (await add(otlpExporterComponent, disk ? { ...config.exporters.otlp, maxElapsed: 0 } : config.exporters.otlp, {})).exporter
      : undefined;
    const remoteWrite = config.exporters.remoteWrite
      ? (await add(remoteWriteComponent, config.exporters.remoteWrite, { received, ...(durable ? { served: { capture: () => durable.captureServed(), mark: (token: object) => durable.markServed(token as ServedMark) } } : {}) })).exporter
      : undefined;
    const notifier = receiverCount(config.notify) > 0 ? (await add(notifierComponent, config.notify, cluster ? { standby: true, onEvent: (event) => cluster.coordinator.onNotifyEvent(event) } : {}, contextFor('notify'))).notifier : undefined;
    const { alerting } = await add(
      alertingComponent,
      { slos: config.slos, thresholdAlerts: config.thresholdAlerts, notify: config.notify },
      { plan: sloPlan, sli: requestSeries?.sli, notifier, ...(cluster ? { cluster: { publish: (n) => cluster.coordinator.publish(n) } } : {}) },
      { ...contextFor('alerting'), logger }, // it names its own logger child
    );
    cluster?.coordinator.attach({ alerting, notifier, lateDataMinutes: Math.ceil(config.slos.lateData / 60_000) });
    if (probeCount(config.probes) > 0) await add(probesComponent, config.probes, { tee: (m) => alerting.readings.tee(m) });
    const { page: statusPage } = await add(statusPageComponent, {}, { alerting, plan: sloPlan, sliStore: requestSeries?.sli.store, templateRoute, logger });
    const grafana = config.grafana?.enabled
      ? await add(grafanaProvisionerComponent, config.grafana, { slos: sloPlan.adaptations.map((a) => a.slo), env: options.env ?? process.env, logger })
      : undefined;
    if (otlp.http.enabled) await add(otlpHttpComponent, otlp, { ingest, auth });
    const grpc = otlp.grpc.enabled ? await add(otlpGrpcComponent, otlp, { ingest, auth, grpcAdmission: ports.grpcAdmission }) : undefined;
    if (config.logs.raw.enabled) await add(rawLinesComponent, config.logs.raw, logLinks);
    if (config.logs.loki.enabled) await add(lokiPushComponent, config.logs.loki, logLinks);
    const syslogOn = config.logs.syslog.udp.enabled || config.logs.syslog.tcp.enabled;
    const syslog = syslogOn ? await add(syslogComponent, config.logs.syslog, logLinks) : undefined;

    const present = new Set(nodes.map((n) => n.id));
    const edges = PIPELINE.filter((e) => present.has(e.from) && present.has(e.to));
    const pipeline = new PipelineGraph(nodes, edges, clock);
    for (const edge of edges) {
      if (edge.from !== 'queue') continue;
      for (const signal of edge.signals ?? []) {
        if (!durable) queue.register(signal, edge.to, pipeline.consumerOf(edge.to));
        else await registerDurable(durable, signal, edge.to, pipeline, { requestSeries, logMetrics, otlpExporter, lokiExporter: loki?.exporter }, config);
      }
    }
    if (durable) for (const c of options.consumers ?? []) await durable.register(c.signal, c.name, (batch) => c.consume(batch), { cursor: { kind: 'volatile' }, early: true });
    return {
      pipeline,
      requestSeries,
      lokiExporter: loki?.exporter,
      receivedMetrics: received,
      otlpExporter,
      remoteWriteExporter: remoteWrite,
      alerting,
      statusPage,
      grafana,
      grpc,
      syslog,
      cluster,
    };
  } catch (error) {
    // what was built holds files (SQLite stores, the outbox): close it before giving up
    if (durable && !nodes.some((n) => n.id === 'queue')) await durable.close().catch(() => undefined);
    for (const node of nodes.reverse()) {
      await (async () => node.component.shutdown(clock.now()))().catch((closeError: unknown) =>
        logger.warn({ err: closeError, component: node.id }, 'could not close a component after a failed build'),
      );
    }
    throw error;
  }
}

// ---- issue 13: durability disk, the write-ahead log under the consumers ----

async function openDurablePipeline(config: LookoutConfig, ports: SharedPorts): Promise<DurablePipeline> {
  const { wal } = config.pipeline;
  const logger = childLogger(ports.logger, { component: 'wal' });
  return DurablePipeline.open({
    dir: join(config.storage.dataDir, 'wal'),
    maxBytes: wal.maxBytes,
    segmentBytes: wal.segmentBytes,
    groupCommitMs: wal.groupCommit,
    // Consumers behind by up to the queue's bound (admission and the syslog receiver's
    // pause keep them within it) read decoded batches from memory, as in memory mode. A
    // smaller tail sent them to the disk past it, where decoding entries again made them
    // slower still: the loggen case of bench/logs-e2e fell into that at random, 4× the CPU.
    memoryTailBytes: Math.max(64 * 1024 * 1024, config.pipeline.queue.maxBytes),
    registry: ports.metrics.registry,
    now: () => ports.clock.now(),
    log: logger,
    consumerFailed(batch, consumerName, error) {
      ports.metrics.droppedItems.inc({ signal: batch.signal, reason: DROP_REASONS.consumerError }, batch.items);
      logger.error({ err: error, consumer: consumerName, signal: batch.signal }, 'consumer failed; batch dropped for it');
    },
  });
}

/** The queue node under durability disk: starts the readers, and at shutdown hands what is on disk over and closes the log. */
function durableQueueNode(queue: BoundedQueue, durable: DurablePipeline): PipelineNode {
  const node = queueNode(queue);
  return { ...node, component: { start: () => durable.start(), shutdown: () => durable.close() } };
}

/**
 * How each consumer keeps its cursor: the request series (and log-metrics, which feeds
 * it) in the SLI store's transaction, so a replay never counts twice; the OTLP exporter
 * in a file, advanced once the backend took the batch (at-least-once); the in-memory
 * consumers (alerting, status page, received metrics) start at the end. The Loki exporter
 * keeps a file cursor like the OTLP exporter.
 */
async function registerDurable(
  durable: DurablePipeline,
  signal: Signal,
  id: string,
  pipeline: PipelineGraph,
  built: {
    requestSeries: RequestSeriesComponent | undefined;
    logMetrics: LogMetricsComponent | undefined;
    otlpExporter: OtlpExporter | undefined;
    lokiExporter: LokiExporter | undefined;
  },
  config: LookoutConfig,
): Promise<void> {
  const store = built.requestSeries?.sli.store;
  const consume = pipeline.consumerOf(id);
  const plain: DurableConsumer = (batch) => consume(batch);
  // In-memory consumers, and the SLI store behind its fence, take a batch when it is
  // appended (before the sync): decoded batches then die young (wal/durable-pipeline.ts).
  // The request series and log-metrics keep in-memory counters (/metrics) besides the SLI
  // store. After a kill -9 (servedMark): a replayed batch the dead process had shown there
  // goes to the SLI store only, so Prometheus never sees it twice across the reset; one it
  // committed to the SLI store but never showed is counted again in memory only.
  const counter = id === 'request-series' ? built.requestSeries : id === 'log-metrics' ? built.logMetrics : undefined;
  const counting: DurableConsumer = (batch, _settle, part) => {
    if (!part || !counter) return consume(batch);
    if (part === 'durable') pipeline.countIn(id, batch.items);
    counter.replay(batch, part === 'durable' ? 'sli' : 'series');
  };
  // cumulative metrics are turned into deltas in order: their entries are not counted again out of order
  const servedMark = { recount: signal !== 'metrics' };
  const countsSlis = (id === 'request-series' || id === 'log-metrics') && store !== undefined;
  if (countsSlis && store.cursor && store.stageCursor) {
    const name = `${id}.${signal}`;
    const fenceCursor = store.fenceCursor?.bind(store);
    const cursor: CursorKeeping = {
      kind: 'store',
      committed: () => store.cursor!(name),
      stage: (next) => store.stageCursor!(name, next),
      ...(fenceCursor ? { fence: (durableEnd: () => number) => fenceCursor(name, durableEnd) } : {}),
    };
    return durable.register(signal, id, counting, { cursor, servedMark, early: fenceCursor !== undefined });
  }
  if (countsSlis && store.whenCommitted) {
    // the PostgreSQL store commits asynchronously: the cursor moves once a batch's increments are in the database
    const consumeThenSettle: DurableConsumer = (batch, settle, part) => {
      try {
        return counting(batch, settle, part);
      } finally {
        store.whenCommitted!(() => settle());
      }
    };
    return durable.register(signal, id, consumeThenSettle, { settles: true, cursor: { kind: 'file' }, servedMark });
  }
  // An exporter reads at its own file cursor and settles once its backend took the batch;
  // at most half its buffer is handed over at a time.
  const exporterReader = (consume: (batch: Batch, delivered: (done: boolean) => void) => void, maxBufferItems: number) =>
    durable.register(
      signal,
      id,
      (batch, settle) => {
        pipeline.countIn(id, batch.items);
        consume(batch, (delivered) => settle(delivered));
      },
      { settles: true, cursor: { kind: 'file', maxLagBytes: config.pipeline.wal.exporterMaxLagBytes, maxInFlightItems: Math.max(1, Math.floor(maxBufferItems / 2)) } },
    );
  if (id === 'otlp-exporter' && built.otlpExporter) {
    const exporter = built.otlpExporter;
    return exporterReader((batch, delivered) => exporter.consume(batch, delivered), config.exporters.otlp?.maxBufferItems ?? 100_000);
  }
  if (id === 'loki-exporter' && built.lokiExporter) {
    const exporter = built.lokiExporter;
    return exporterReader((batch, delivered) => exporter.consume(batch as Batch<'logs'>, delivered), config.exporters.loki?.maxBufferRecords ?? 100_000);
  }
  if (id === 'request-series') return durable.register(signal, id, counting, { cursor: { kind: 'file' }, servedMark, early: true });
  return durable.register(signal, id, plain, { cursor: { kind: 'volatile' }, early: true });
}

/** Listens; a port in use is named with the setting that moves it. Returns the base URL. */
async function listen(http: FastifyInstance, config: LookoutConfig, tls: boolean): Promise<string> {
  const { host, port, maxConnections } = config.receivers.otlp.http;
  try {
    // Issue 12 (defect 2): the kernel holds up to maxConnections connections not yet
    // accepted (Node's default is 511, capped by net.core.somaxconn), so a burst of new
    // connections while the loop is busy waits for an answer instead of having its SYNs
    // dropped (retried after 1, 3, 7 s: a client's first request seconds late).
    await http.listen({ host, port, backlog: maxConnections });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`cannot listen on ${host}:${port}: the port is in use; set receivers.otlp.http.port or stop what uses it`);
    }
    throw error;
  }
  const address = http.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** Builds every component for `config` on one HTTP listener, without listening or starting timers. */
export async function buildCollector(config: LookoutConfig, options: CollectorOptions = {}): Promise<BuiltCollector> {
  // a process that ingests is a collector first: keep batches in the young generation (core/v8-heap.ts)
  disableAllocationSitePretenuring();
  const ports = createSharedPorts(config, options);
  const { clock, logger, metrics, queue, http } = ports;
  const { pipeline, requestSeries, lokiExporter, receivedMetrics, otlpExporter, remoteWriteExporter, alerting, statusPage, grafana, grpc, syslog, cluster } =
    await buildComponents(config, options, ports);
  // the received OTLP metrics follow the collector's own on /metrics (exporters/README.md)
  const receivedExposition = (openMetrics = false) => (config.exporters.prometheus.enabled ? (receivedMetrics?.exposition(openMetrics) ?? '') : '');

  // ---- the collector's own routes ----
  let ready = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!ready) return reply.code(503).send({ status: 'starting' });
    const depth = ports.depth();
    const inFlightBytes = ports.admission.bytesInFlight;
    const inFlightRequests = ports.admission.requestsInFlight;
    const eventLoopLagMs = Math.round(ports.eventLoopLagMs());
    const syncWaitMs = Math.round(ports.syncWaitMs());
    const figures = { queueItems: depth.items, queueBytes: depth.bytes, inFlightBytes, inFlightRequests, eventLoopLagMs, ...(ports.durable.current ? { syncWaitMs } : {}) };
    // Overloaded (new ingest would get 429): 503, so a load balancer sends traffic elsewhere.
    if (ports.admission.overloaded(depth, eventLoopLagMs, syncWaitMs)) return reply.code(503).send({ status: 'overloaded', ...figures });
    // Issue 14: without PostgreSQL ingest goes on (buckets buffered), so still ready, but say why it is degraded
    const degraded = cluster?.coordinator.degraded();
    if (degraded) return { status: 'degraded', reason: degraded, ...figures };
    return { status: 'ready', ...figures };
  });
  if (!cluster) http.get('/api/v1/cluster', async () => ({ backend: 'sqlite', role: 'leader', evaluation: { running: alerting.evaluating }, members: [], leader: null, epoch: null }));
  // Under disk: what the request series showed is marked before it leaves (no replay counts it again after a kill -9).
  const served = async () => ports.durable.current?.markServed();
  http.get('/metrics', async (request, reply) => {
    // OpenMetrics (with trace-id exemplars) for scrapers that prefer it; text stays the default
    if (prefersOpenMetrics(request.headers.accept)) {
      reply.type(OPENMETRICS_CONTENT_TYPE);
      const own = await renderOpenMetrics(metrics.registry);
      await served();
      return own.replace(/# EOF\n$/, receivedExposition(true) + '# EOF\n');
    }
    reply.type(metrics.registry.contentType);
    const own = await metrics.registry.metrics();
    await served();
    return own + receivedExposition();
  });
  http.get('/api/v1/pipeline', async () => ({ components: pipeline.describe(await receiverCounts(metrics)), edges: pipeline.edges }));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      await pipeline.shutdown(clock.now() + config.shutdownTimeout);
      await http.close();
      ports.closeAdmission();
    })();
    return closing;
  };
  const parts = {
    config,
    http,
    queue,
    ...(ports.durable.current ? { durable: ports.durable.current } : {}),
    metrics,
    ...(requestSeries ? { sli: requestSeries.sli } : {}),
    ...(lokiExporter ? { lokiExporter } : {}),
    ...(receivedMetrics ? { receivedMetrics } : {}),
    ...(otlpExporter ? { otlpExporter } : {}),
    ...(remoteWriteExporter ? { remoteWriteExporter } : {}),
    alerting,
    statusPage,
    logger,
    pipeline,
    close,
  };

  return {
    ...parts,
    inject: http.inject.bind(http) as FastifyInstance['inject'],
    async start() {
      let httpUrl: string;
      try {
        await pipeline.start();
        httpUrl = await listen(http, config, Boolean(ports.https));
      } catch (error) {
        await close();
        throw error;
      }
      ready = true;
      logger.info(
        { http: httpUrl, grpcPort: grpc?.port, tls: Boolean(ports.https), auth: Boolean(config.receivers.otlp.auth) },
        'collector listening',
      );
      const running = syslog?.running;
      const provisioning = grafana?.provisioning;
      return { ...parts, httpUrl, grpcPort: grpc?.port, ...(running ? { syslog: running } : {}), ...(provisioning ? { grafana: provisioning } : {}) };
    },
  };
}

/** Builds the collector for `config`, starts its components and listens. */
export async function startCollector(config: LookoutConfig, options: CollectorOptions = {}): Promise<RunningCollector> {
  const built = await buildCollector(config, options);
  return built.start();
}
