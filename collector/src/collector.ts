import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { LookoutConfig } from './config/schema.ts';
import type { Signal } from './model/telemetry.ts';
import { BoundedQueue, type Consumer } from './pipeline/bounded-queue.ts';
import { RecentRecordIds } from './pipeline/record-dedup.ts';
import { registerProbeMetrics, startProbes, type ProbeRunner } from './probes/index.ts';
import { sliStoreFile, startSliPipeline, type SliDefinition, type SliPipeline } from './processors/index.ts';
import { sliDefinitionsFromConfig } from './store/index.ts';
import { templateRoute } from './logs/index.ts';
import { createSelfMetrics, type SelfMetrics } from './pipeline/self-metrics.ts';
import { createRecordRejections } from './pipeline/record-rejections.ts';
import { TenantAuthenticator } from './receivers/auth.ts';
import { installReadAuth } from './receivers/read-auth.ts';
import { httpServerTimeouts } from './receivers/http-timeouts.ts';
import { installAbandonedRequestCheck } from './receivers/client-gone.ts';
import { Admission } from './receivers/admission.ts';
import { installAdmission, type AdmissionRoute } from './receivers/admission-hook.ts';
import type { IngestContext } from './receivers/ingest.ts';
import { startOtlpGrpcReceiver, type RunningGrpcReceiver } from './receivers/otlp-grpc.ts';
import { otlpHttpReceiver } from './receivers/otlp-http.ts';
import { LogMetrics } from './processors/log-metrics.ts';
import { LokiExporter } from './exporters/loki-exporter.ts';
import { toLogStreamOptions } from './logs/index.ts';
import { registerLogReceiverMetrics } from './receivers/log-receiver-metrics.ts';
import { LogStreams } from './receivers/log-streams.ts';
import { otlpLogLinesHook } from './receivers/otlp-log-lines.ts';
import { lokiPushReceiver } from './receivers/loki-push.ts';
import { rawLinesReceiver } from './receivers/raw-lines-http.ts';
import { startSyslogReceiver, type RunningSyslogReceiver } from './receivers/syslog.ts';
import { createAlerting, planSlos, type Alerting } from './slo/index.ts';

export interface CollectorOptions {
  /** injected clock, ms since the epoch */
  now?: () => number;
  logger?: Logger;
  /** consumers registered before the receivers open, e.g. processors or a test's capture */
  consumers?: Array<{ signal: Signal; name: string; consume: Consumer }>;
  /** SLIs counted into the SLI store besides config `sli.definitions` (e.g. from SLO specs) */
  sliDefinitions?: readonly SliDefinition[];
}

export interface RunningCollector {
  config: LookoutConfig;
  http: FastifyInstance;
  /** base URL of the HTTP listener, e.g. http://127.0.0.1:4318 */
  httpUrl: string;
  grpcPort?: number;
  queue: BoundedQueue;
  metrics: SelfMetrics;
  /** request series and SLI store; undefined when requestSeries.enabled is false */
  sli?: SliPipeline;
  /** syslog listeners; undefined when logs.syslog.udp and .tcp are both off */
  syslog?: RunningSyslogReceiver;
  /** undefined when exporters.loki is not configured */
  lokiExporter?: LokiExporter;
  /** SLO runtime, threshold alerts and notifier (slo/, notify/) */
  alerting: Alerting;
  logger: Logger;
  /** stop accepting, flush the queue, close listeners */
  close(): Promise<void>;
}

export async function startCollector(config: LookoutConfig, options: CollectorOptions = {}): Promise<RunningCollector> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: config.log.level, name: 'lookout' });
  // The queue needs the metrics (for failures) and the metrics read the queue (depth).
  let queueRef: BoundedQueue | undefined;
  const metrics = createSelfMetrics({
    queueDepth: () => ({ items: queueRef?.depthItems ?? 0, bytes: queueRef?.depthBytes ?? 0 }),
  });
  const otlp = config.receivers.otlp;

  const queue = new BoundedQueue(
    { maxItems: config.pipeline.queue.maxItems, maxBytes: config.pipeline.queue.maxBytes },
    {
      consumerFailed(batch, consumerName, error) {
        metrics.droppedItems.inc({ signal: batch.signal, reason: 'consumer_error' }, batch.items);
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
    now,
    logError: ({ signal, consumer, err, since }) =>
      logger.error({ err, signal, consumer, recordsSinceLastLog: since }, 'consumer failed on a record; that record skipped, the rest of its batch processed'),
  });

  // ---- SLO specs (slo/): read before the SLI pipeline, which counts their SLIs ----
  // A bad spec file stops the start with file:line; PromQL SLIs are only warned about.
  const sloPlan = planSlos(config.slos, config.sli.definitions.map((d) => d.id));
  // ---- end SLO specs ----

  // ---- request series and SLI store (processors/, store/) ----
  // Spans and http.server.request.duration metrics → lookout_request* on /metrics; with
  // SLIs defined, per-minute (good, total) into SQLite under storage.dataDir.
  let sli: SliPipeline | undefined;
  if (config.requestSeries.enabled) {
    sli = startSliPipeline({
      requestSeries: config.requestSeries,
      sli: config.sli,
      definitions: [...sliDefinitionsFromConfig(config.sli), ...(options.sliDefinitions ?? []), ...sloPlan.definitions],
      storeFile: sliStoreFile(config.storage.dataDir),
      registry: metrics.registry,
      templateRoute,
      now,
      logger: logger.child({ component: 'sli' }),
      rejectRecord: { traces: rejections.for('traces', 'request-series'), metrics: rejections.for('metrics', 'request-series') },
    });
    queue.register('traces', 'request-series', sli.consumeTraces);
    queue.register('metrics', 'request-series', sli.consumeMetrics);
  }
  // ---- end request series ----

  // ---- logs: log → metrics, Loki exporter (processors/log-metrics.ts, exporters/) ----
  // Records of every receiver → lookout_log_records_total; access-log records → the same
  // request series (and SLIs) spans feed. The Loki exporter buffers and never blocks.
  if (config.logs.metrics.enabled) {
    const logMetrics = new LogMetrics({
      registry: metrics.registry,
      maxServices: config.logs.metrics.maxServices,
      rejectRecord: rejections.for('logs', 'log-metrics'),
      ...(sli && config.logs.metrics.requests ? { requests: sli.pipeline } : {}),
    });
    queue.register('logs', 'log-metrics', (batch) => logMetrics.consume(batch, now()));
  }
  const lokiExporter = config.exporters.loki
    ? new LokiExporter({
        config: config.exporters.loki,
        registry: metrics.registry,
        logger: logger.child({ component: 'loki-exporter' }),
        now,
        rejectRecord: rejections.for('logs', 'loki-exporter'),
      })
    : undefined;
  if (lokiExporter) queue.register('logs', 'loki-exporter', (batch) => lokiExporter.consume(batch));
  const logReceiverMetrics = registerLogReceiverMetrics(metrics.registry);
  const logStreams = new LogStreams({ defaults: toLogStreamOptions(config.logs.parsing), maxStreams: config.logs.maxStreams });
  // ---- end logs ----

  const context: IngestContext = {
    queue,
    metrics,
    now,
    recentLogRecordIds:
      config.pipeline.dedupLogRecordIds > 0 ? new RecentRecordIds(config.pipeline.dedupLogRecordIds) : undefined,
    // Issue 11: OTLP records that are raw lines (host agent) share the log receivers' streams.
    parseLogLines: otlpLogLinesHook({ streams: logStreams, metrics: logReceiverMetrics, now }),
  };
  const auth = otlp.auth ? new TenantAuthenticator(otlp.auth.tenants) : undefined;
  const https = otlp.tls
    ? {
        cert: readFileSync(otlp.tls.certFile),
        key: readFileSync(otlp.tls.keyFile),
        ...(otlp.tls.clientCaFile ? { ca: readFileSync(otlp.tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
      }
    : null;

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
  else if (auth) logger.warn({}, 'ingest auth is on but receivers.otlp.readAuth is not set: /api/v1/* (SLOs, alerts, sample log lines) is readable without a token');
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
  const queueDepth = () => ({ items: queue.depthItems, bytes: queue.depthBytes });
  const admissionHook = installAdmission(http, {
    admission,
    queueDepth,
    routes: admissionRoutes,
    metrics,
    registry: metrics.registry,
    minBodyBytesPerSecond: otlp.http.minBodyBytesPerSecond,
    slowBodyGraceMs: otlp.http.headersTimeout,
    now,
  });

  let ready = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!ready) return reply.code(503).send({ status: 'starting' });
    // Overloaded (new ingest would get 429): 503, so a load balancer sends traffic elsewhere.
    if (admission.overloaded(queueDepth())) {
      return reply.code(503).send({ status: 'overloaded', queueItems: queue.depthItems, queueBytes: queue.depthBytes, inFlightBytes: admission.bytesInFlight });
    }
    return { status: 'ready', queueItems: queue.depthItems, queueBytes: queue.depthBytes, inFlightBytes: admission.bytesInFlight };
  });
  http.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  if (otlp.http.enabled) {
    await http.register(otlpHttpReceiver, {
      context,
      auth,
      maxBodyBytes: otlp.http.maxBodyBytes,
      maxDecompressedBytes: otlp.http.maxDecompressedBytes,
    });
  }
  // ---- log receivers on the HTTP listener (raw lines, Loki push) ----
  const logsConfig = config.logs;
  if (logsConfig.raw.enabled) {
    await http.register(rawLinesReceiver, {
      context,
      auth,
      streams: logStreams,
      metrics: logReceiverMetrics,
      maxBodyBytes: logsConfig.raw.maxBodyBytes,
      maxDecompressedBytes: logsConfig.raw.maxDecompressedBytes,
    });
  }
  if (logsConfig.loki.enabled) {
    await http.register(lokiPushReceiver, {
      context,
      auth,
      streams: logStreams,
      metrics: logReceiverMetrics,
      maxBodyBytes: logsConfig.loki.maxBodyBytes,
      maxDecompressedBytes: logsConfig.loki.maxDecompressedBytes,
    });
  }
  // ---- end log receivers ----

  // ---- alerting: SLO runtime, threshold alerts, notify outbox (slo/, notify/) ----
  // Routes (/api/v1/slos, /api/v1/alerts) go on before listen; timers start once ready.
  const alerting = createAlerting({
    plan: sloPlan,
    slos: config.slos,
    thresholds: config.thresholdAlerts,
    notify: config.notify,
    dataDir: config.storage.dataDir,
    sli,
    registry: metrics.registry,
    http,
    logger,
    now,
  });
  const rejectErrorLog = rejections.for('logs', 'slo-error-logs');
  const rejectHostReading = rejections.for('metrics', 'threshold-host-readings');
  queue.register('logs', 'slo-error-logs', (batch) => alerting.errorLogs.consume(batch.data, rejectErrorLog));
  queue.register('metrics', 'threshold-host-readings', (batch) => alerting.readings.hostMetrics(batch.data, now(), rejectHostReading));
  // ---- end alerting ----

  let grpc: RunningGrpcReceiver | undefined;
  let syslog: RunningSyslogReceiver | undefined;
  try {
    await http.listen({ host: otlp.http.host, port: otlp.http.port });
    if (otlp.grpc.enabled) {
      grpc = await startOtlpGrpcReceiver({
        context,
        auth,
        host: otlp.grpc.host,
        port: otlp.grpc.port,
        maxMessageBytes: otlp.grpc.maxMessageBytes,
        tls: otlp.tls,
      });
    }
    if (logsConfig.syslog.udp.enabled || logsConfig.syslog.tcp.enabled) {
      syslog = await startSyslogReceiver({
        context,
        metrics: logReceiverMetrics,
        config: logsConfig.syslog,
        logger: logger.child({ component: 'syslog' }),
      });
    }
  } catch (error) {
    await http.close();
    await grpc?.close();
    sli?.close();
    void lokiExporter?.close(0);
    await alerting.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `cannot listen on ${otlp.http.host}:${otlp.http.port}: the port is in use; set receivers.otlp.http.port or stop what uses it`,
      );
    }
    throw error;
  }
  ready = true;

  // Probes start once the receivers listen, so their metrics are scrapeable at once.
  let probes: ProbeRunner | undefined;
  const probeCount = config.probes.tls.length + config.probes.http.length + config.probes.postgres.length;
  if (probeCount > 0) {
    probes = startProbes(config.probes, alerting.readings.tee(registerProbeMetrics(metrics.registry, { now })), {
      log: logger.child({ component: 'probes' }),
    });
  }
  alerting.start();

  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : otlp.http.port;
  const hostForUrl = otlp.http.host.includes(':') ? `[${otlp.http.host}]` : otlp.http.host;
  const httpUrl = `${https ? 'https' : 'http'}://${hostForUrl}:${port}`;
  logger.info({ http: httpUrl, grpcPort: grpc?.port, tls: Boolean(https), auth: Boolean(auth) }, 'collector listening');

  let closing: Promise<void> | undefined;
  return {
    config,
    http,
    httpUrl,
    grpcPort: grpc?.port,
    queue,
    metrics,
    sli,
    ...(syslog ? { syslog } : {}),
    ...(lokiExporter ? { lokiExporter } : {}),
    alerting,
    logger,
    close() {
      closing ??= (async () => {
        ready = false;
        await alerting.stop(); // before the SLI store closes; unsent notifications stay in the outbox
        await syslog?.close(); // its pending batches go into the queue before it closes
        const flushed = queue.close();
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeout).unref());
        await Promise.race([flushed, deadline]);
        sli?.close(); // after the queue drained, so its last SLI increments are written
        await lokiExporter?.close(Math.min(5000, config.shutdownTimeout));
        await Promise.all([grpc?.close(), http.close(), probes?.stop(2000)]);
        admissionHook.close();
      })();
      return closing;
    },
  };
}
