import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import type { Component, ComponentContext, ComponentFactory } from './component/component.ts';
import type { LookoutConfig } from './config/schema.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { DROP_REASONS } from './core/errors.ts';
import { childLogger } from './core/logger.ts';
import type { RequestSli } from './core/sli.ts';
import { lokiExporterComponent, otlpExporterComponent, receivedMetricsComponent, remoteWriteComponent } from './exporters/components.ts';
import type { LokiExporter } from './exporters/loki-exporter.ts';
import type { OtlpExporter } from './exporters/otlp-exporter.ts';
import type { ReceivedMetrics } from './exporters/received-metrics.ts';
import type { RemoteWriteExporter } from './exporters/remote-write-exporter.ts';
import { templateRoute, toLogStreamOptions } from './logs/index.ts';
import type { Signal } from '@lookout/otlp';
import { BoundedQueue, type Consumer } from './pipeline/bounded-queue.ts';
import { PipelineGraph, type PipelineEdge, type PipelineNode } from './pipeline/graph.ts';
import { queueNode } from './pipeline/queue-component.ts';
import { RecentRecordIds } from './pipeline/record-dedup.ts';
import { createSelfMetrics, type SelfMetrics } from './pipeline/self-metrics.ts';
import { notifierComponent, receiverCount } from './notify/component.ts';
import { probeCount, probesComponent } from './probes/component.ts';
import { logMetricsComponent, requestSeriesComponent, type RequestSeriesComponent } from './processors/components.ts';
import type { SliPipeline } from './processors/sli-pipeline.ts';
import { createRecordRejections, type RecordRejections } from './pipeline/record-rejections.ts';
import { TenantAuthenticator } from './receivers/auth.ts';
import { installReadAuth } from './receivers/read-auth.ts';
import { httpServerTimeouts } from './receivers/http-timeouts.ts';
import { installAbandonedRequestCheck } from './receivers/client-gone.ts';
import { Admission } from './receivers/admission.ts';
import { installAdmission, type AdmissionRoute } from './receivers/admission-hook.ts';
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
import { OPENMETRICS_CONTENT_TYPE, prefersOpenMetrics, renderOpenMetrics } from './pipeline/openmetrics.ts';
import { grafanaProvisionerComponent, type GrafanaProvisionerComponent } from './provision/component.ts';
import type { GrafanaProvisioning } from './provision/wiring.ts';
import { statusPageComponent } from './status/component.ts';
import type { StatusPage } from './status/status-page.ts';
import { planSlos, type Alerting } from './slo/index.ts';
import { sliDefinitionsFromConfig } from './store/index.ts';

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
  { from: 'queue', to: 'alerting', signals: ['logs', 'metrics'] },
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
  /** stops the admission hook's slow-body timer */
  closeAdmission(): void;
}

function createSharedPorts(config: LookoutConfig, options: CollectorOptions): SharedPorts {
  const clock: Clock = options.now ? { ...systemClock, now: options.now } : systemClock;
  const logger = options.logger ?? pino({ level: config.log.level, name: 'lookout' });
  // The queue needs the metrics (for failures) and the metrics read the queue (depth).
  let queueRef: BoundedQueue | undefined;
  const metrics = createSelfMetrics({
    queueDepth: () => ({ items: queueRef?.depthItems ?? 0, bytes: queueRef?.depthBytes ?? 0 }),
  });
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
  for (const consumer of options.consumers ?? []) queue.register(consumer.signal, consumer.name, consumer.consume);

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
  if (otlp.readAuth) installReadAuth(http, otlp.readAuth, metrics.registry);
  else if (otlp.auth) logger.warn({}, 'ingest auth is on but receivers.otlp.readAuth is not set: /api/v1/* (SLOs, alerts, sample log lines) is readable without a token');
  // Issue 12 (defect 3): see a client's close before its batch is decoded and queued.
  installAbandonedRequestCheck(http);
  // Issue 12 (defects 2, 4): refuse from the headers, before any body byte is read.
  http.server.maxConnections = otlp.http.maxConnections;
  const admission = new Admission({
    maxInFlightBytes: config.pipeline.admission.maxInFlightBytes,
    queueMaxItems: config.pipeline.queue.maxItems,
    queueMaxBytes: config.pipeline.queue.maxBytes,
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
    queueDepth: () => ({ items: queue.depthItems, bytes: queue.depthBytes }),
    routes: admissionRoutes,
    metrics,
    registry: metrics.registry,
    minBodyBytesPerSecond: otlp.http.minBodyBytesPerSecond,
    slowBodyGraceMs: otlp.http.headersTimeout,
    now: () => clock.now(),
  });
  return { clock, logger, metrics, queue, http, https, rejections, admission, closeAdmission: () => admissionHook.close() };
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
}

/**
 * One `add()` per component the config turns on, consumers before producers (a
 * component's links must exist when it is built); then the graph of PIPELINE over them.
 */
async function buildComponents(config: LookoutConfig, options: CollectorOptions, ports: SharedPorts): Promise<BuiltComponents> {
  const { clock, logger, metrics, queue, http } = ports;
  const otlp = config.receivers.otlp;
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
    queue,
    metrics,
    now: () => clock.now(),
    ...(config.pipeline.dedupLogRecordIds > 0 ? { recentLogRecordIds: new RecentRecordIds(config.pipeline.dedupLogRecordIds) } : {}),
    // Issue 11: OTLP records that are raw lines (the host agent's) share the log receivers' streams.
    parseLogLines: otlpLogLinesHook({ streams, metrics: logReceiverMetrics, now: () => clock.now() }),
  };
  const auth = otlp.auth ? new TenantAuthenticator(otlp.auth.tenants) : undefined;
  const logLinks = { ingest, auth, streams, metrics: logReceiverMetrics };

  const nodes: PipelineNode[] = [queueNode(queue)];
  async function add<C, L, B extends Component>(factory: ComponentFactory<C, L, B>, componentConfig: C, links: L, context = contextFor(factory.type)): Promise<B> {
    const built = await factory.create(context, componentConfig, links);
    nodes.push({ id: factory.type, kind: factory.kind, consumes: factory.consumes, produces: factory.produces, component: built });
    return built;
  }

  try {
    // A bad SLO spec stops the start with file:line; PromQL SLIs are only warned about.
    const sloPlan = planSlos(config.slos, config.sli.definitions.map((d) => d.id));
    const requestSeries = config.requestSeries.enabled
      ? await add(requestSeriesComponent, config.requestSeries, {
          sli: config.sli,
          definitions: [...sliDefinitionsFromConfig(config.sli), ...(options.sliDefinitions ?? []), ...sloPlan.definitions],
          templateRoute,
        })
      : undefined;
    if (config.logs.metrics.enabled) await add(logMetricsComponent, config.logs.metrics, { requests: requestSeries?.sli.pipeline });
    const loki = config.exporters.loki ? await add(lokiExporterComponent, config.exporters.loki, {}) : undefined;
    // received metrics are kept for remote write too when /metrics does not show them
    const received =
      config.exporters.prometheus.enabled || config.exporters.remoteWrite?.receivedMetrics
        ? (await add(receivedMetricsComponent, config.exporters.prometheus, {})).received
        : undefined;
    const otlpExporter = config.exporters.otlp ? (await add(otlpExporterComponent, config.exporters.otlp, {})).exporter : undefined;
    const remoteWrite = config.exporters.remoteWrite ? (await add(remoteWriteComponent, config.exporters.remoteWrite, { received })).exporter : undefined;
    const notifier = receiverCount(config.notify) > 0 ? (await add(notifierComponent, config.notify, {}, contextFor('notify'))).notifier : undefined;
    const { alerting } = await add(
      alertingComponent,
      { slos: config.slos, thresholdAlerts: config.thresholdAlerts, notify: config.notify },
      { plan: sloPlan, sli: requestSeries?.sli, notifier },
      { ...contextFor('alerting'), logger }, // it names its own logger child
    );
    if (probeCount(config.probes) > 0) await add(probesComponent, config.probes, { tee: (m) => alerting.readings.tee(m) });
    const { page: statusPage } = await add(statusPageComponent, {}, { alerting, plan: sloPlan, sliStore: requestSeries?.sli.store, templateRoute, logger });
    const grafana = config.grafana?.enabled
      ? await add(grafanaProvisionerComponent, config.grafana, { slos: sloPlan.adaptations.map((a) => a.slo), env: options.env ?? process.env, logger })
      : undefined;
    if (otlp.http.enabled) await add(otlpHttpComponent, otlp, { ingest, auth });
    const grpc = otlp.grpc.enabled ? await add(otlpGrpcComponent, otlp, { ingest, auth }) : undefined;
    if (config.logs.raw.enabled) await add(rawLinesComponent, config.logs.raw, logLinks);
    if (config.logs.loki.enabled) await add(lokiPushComponent, config.logs.loki, logLinks);
    const syslogOn = config.logs.syslog.udp.enabled || config.logs.syslog.tcp.enabled;
    const syslog = syslogOn ? await add(syslogComponent, config.logs.syslog, logLinks) : undefined;

    const present = new Set(nodes.map((n) => n.id));
    const edges = PIPELINE.filter((e) => present.has(e.from) && present.has(e.to));
    const pipeline = new PipelineGraph(nodes, edges, clock);
    for (const edge of edges) {
      if (edge.from !== 'queue') continue;
      for (const signal of edge.signals ?? []) queue.register(signal, edge.to, pipeline.consumerOf(edge.to));
    }
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
    };
  } catch (error) {
    // what was built holds files (SQLite stores, the outbox): close it before giving up
    for (const node of nodes.reverse()) {
      await (async () => node.component.shutdown(clock.now()))().catch((closeError: unknown) =>
        logger.warn({ err: closeError, component: node.id }, 'could not close a component after a failed build'),
      );
    }
    throw error;
  }
}

/** Listens; a port in use is named with the setting that moves it. Returns the base URL. */
async function listen(http: FastifyInstance, config: LookoutConfig, tls: boolean): Promise<string> {
  const { host, port } = config.receivers.otlp.http;
  try {
    await http.listen({ host, port });
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
  const ports = createSharedPorts(config, options);
  const { clock, logger, metrics, queue, http } = ports;
  const { pipeline, requestSeries, lokiExporter, receivedMetrics, otlpExporter, remoteWriteExporter, alerting, statusPage, grafana, grpc, syslog } =
    await buildComponents(config, options, ports);
  // the received OTLP metrics follow the collector's own on /metrics (exporters/README.md)
  const receivedExposition = (openMetrics = false) => (config.exporters.prometheus.enabled ? (receivedMetrics?.exposition(openMetrics) ?? '') : '');

  // ---- the collector's own routes ----
  let ready = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!ready) return reply.code(503).send({ status: 'starting' });
    const depth = { items: queue.depthItems, bytes: queue.depthBytes };
    const inFlightBytes = ports.admission.bytesInFlight;
    // Overloaded (new ingest would get 429): 503, so a load balancer sends traffic elsewhere.
    if (ports.admission.overloaded(depth)) {
      return reply.code(503).send({ status: 'overloaded', queueItems: depth.items, queueBytes: depth.bytes, inFlightBytes });
    }
    return { status: 'ready', queueItems: depth.items, queueBytes: depth.bytes, inFlightBytes };
  });
  http.get('/metrics', async (request, reply) => {
    // OpenMetrics (with trace-id exemplars) for scrapers that prefer it; text stays the default
    if (prefersOpenMetrics(request.headers.accept)) {
      reply.type(OPENMETRICS_CONTENT_TYPE);
      const own = await renderOpenMetrics(metrics.registry);
      return own.replace(/# EOF\n$/, receivedExposition(true) + '# EOF\n');
    }
    reply.type(metrics.registry.contentType);
    return (await metrics.registry.metrics()) + receivedExposition();
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
