import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DiagLogLevel, diag, metrics as metricsApi, trace, type HrTime } from '@opentelemetry/api';
import { ExportResultCode, hrTime } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AgentLog, describeError } from './agent-log.ts';
import { AgentMetrics, type Signal } from './agent-metrics.ts';
import type { BatcherEvents, DropReason } from './bounded-batcher.ts';
import { readAgentConfig, type AgentConfig, type AgentOptions, type InstrumentationName } from './config.ts';
import { LookoutContextManager } from './context-manager.ts';
import { REQUEST_STATE, instrumentHttpServer, sdkServerSpans, type RequestState, type StartServerSpan } from './http-server-spans.ts';
import { lightServerSpans } from './light-server-spans.ts';
import { Failover, type FailoverEvents } from './failover.ts';
import { failoverLogExporter, failoverMetricExporter } from './failover-exporter.ts';
import { FailoverOtlpSender, otlpTarget, OtlpHttpSender, type OtlpPoster } from './otlp-http-sender.ts';
import { BoundedLogRecordProcessor, EncodedSpanProcessor } from './processors.ts';
import { promRegistryProducer } from './prom-bridge.ts';
import { buildResource } from './resource.ts';

export const AGENT_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const SCOPE = { name: '@lookout/agent', version: AGENT_VERSION };

export interface LookoutAgent {
  readonly config: AgentConfig;
  readonly resource: Resource;
  /** the agent's prom-client registry and counters (exported, dropped) */
  readonly metrics: AgentMetrics;
  /** URL of the Prometheus endpoint once it listens (LOOKOUT_METRICS_PORT / metricsPort) */
  metricsUrl(): Promise<string | undefined>;
  /** exports what is buffered now, within the shutdown deadline */
  flush(): Promise<void>;
  /** flushes within the deadline and stops; safe to call more than once */
  shutdown(): Promise<void>;
}

const RUNNING = Symbol.for('lookout.agent.running');
type Global = typeof globalThis & { [RUNNING]?: LookoutAgent };

/** The running agent, if any (shared by every copy of this module in the process). */
export function runningAgent(): LookoutAgent | undefined {
  return (globalThis as Global)[RUNNING];
}

/** Rejects after ms; never keeps the process alive. */
function deadline(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function instrumentationsFor(config: AgentConfig): Instrumentation[] {
  const factories: Record<InstrumentationName, () => Instrumentation | undefined> = {
    // Server side is ours (http-server-spans.ts); the stock one keeps outgoing requests.
    http: () => new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    undici: () => new UndiciInstrumentation(),
    express: () => new ExpressInstrumentation(),
    pg: () => new PgInstrumentation(),
    mysql2: () => new MySQL2Instrumentation(),
    redis: () => new RedisInstrumentation(),
    ioredis: () => new IORedisInstrumentation(),
    pino: () => new PinoInstrumentation({ disableLogSending: !config.logs }),
  };
  return config.instrumentations.map((name) => factories[name]()).filter((i): i is Instrumentation => i !== undefined);
}

function otlpUrl(endpoint: string | undefined, path: string): { url?: string } {
  return endpoint ? { url: `${endpoint}${path}` } : {};
}

function failoverEvents(signal: Signal, metrics: AgentMetrics, log: AgentLog): FailoverEvents {
  return {
    failedOver(from, to, reason) {
      metrics.countFailover(signal);
      log.warn(`${signal}: ${from} is unavailable (${reason}); sending to ${to}`, `failover-${signal}`);
    },
  };
}

/** The span sender: one endpoint as configured, or failover over LOOKOUT_ENDPOINTS / `endpoints`. */
function spanSender(config: AgentConfig, metrics: AgentMetrics, log: AgentLog): OtlpPoster {
  const endpoints = config.endpoints ?? [];
  if (endpoints.length <= 1) return new OtlpHttpSender(otlpTarget(process.env, 'traces', config.endpoint));
  return new FailoverOtlpSender(
    endpoints.map((endpoint) => otlpTarget(process.env, 'traces', endpoint)),
    { coolDownMs: config.failoverCoolDownMs, events: failoverEvents('traces', metrics, log) },
  );
}

/** An OTel exporter per endpoint, behind a failover wrapper when there are several. */
function perEndpoint<E>(config: AgentConfig, make: (endpoint: string | undefined) => E, wrap: (exporters: E[], failover: Failover) => E, failover: () => Failover): E {
  const endpoints = config.endpoints ?? [];
  if (endpoints.length <= 1) return make(config.endpoint);
  return wrap(endpoints.map(make), failover());
}

/**
 * Counts data points and owns the error report, so the SDK's reader does not log
 * every failure again. One export in flight at a time: while one is pending (a slow
 * collector), the next collection is dropped and counted instead of piling up, and
 * the reader is answered at once so it never waits on the network.
 */
function countingMetricExporter(inner: PushMetricExporter, metrics: AgentMetrics, log: AgentLog): PushMetricExporter {
  const points = (batch: ResourceMetrics) =>
    batch.scopeMetrics.reduce((n, scope) => n + scope.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0), 0);
  let pending = false;
  const failed = (count: number, error: unknown) => {
    metrics.countDropped('metrics', count, 'export_failed');
    log.lazy('warn', 'export-metrics', () => `metrics export failed: ${describeError(error)}; dropped and counted in lookout_agent_dropped_total`);
  };
  return {
    export(batch, resultCallback) {
      const count = points(batch);
      if (pending) {
        metrics.countDropped('metrics', count, 'queue_full');
        resultCallback({ code: ExportResultCode.SUCCESS });
        return;
      }
      pending = true;
      try {
        inner.export(batch, (result) => {
          pending = false;
          if (result.code === ExportResultCode.SUCCESS) metrics.countExported('metrics', count);
          else failed(count, result.error);
        });
      } catch (error) {
        pending = false;
        failed(count, error);
      }
      resultCallback({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    selectAggregationTemporality: inner.selectAggregationTemporality?.bind(inner),
    selectAggregation: inner.selectAggregation?.bind(inner),
  };
}

function batcherEvents(signal: Signal, metrics: AgentMetrics, log: AgentLog): BatcherEvents {
  return {
    exported: (count) => metrics.countExported(signal, count),
    dropped: (count: number, reason: DropReason, error?: unknown) => {
      metrics.countDropped(signal, count, reason);
      log.lazy('warn', `${signal}-${reason}`, () => {
        const why = reason === 'export_failed' ? `export failed: ${describeError(error)}` : reason === 'queue_full' ? 'the queue is full' : 'shutting down';
        return `${signal}: ${why}; dropping and counting in lookout_agent_dropped_total{signal="${signal}"}`;
      });
    },
  };
}

function startMetricsServer(config: AgentConfig, metrics: AgentMetrics, log: AgentLog, ignored: WeakSet<Server>): Promise<string | undefined> {
  if (config.metricsPort === undefined) return Promise.resolve(undefined);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !request.url?.startsWith('/metrics')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the Lookout agent serves GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${describeError(error)}\n`),
    );
  });
  ignored.add(server);
  return new Promise((resolveUrl) => {
    server.once('error', (error) => {
      log.warn(`cannot serve /metrics on ${config.metricsHost}:${config.metricsPort}: ${describeError(error)}; set LOOKOUT_METRICS_PORT to a free port`);
      resolveUrl(undefined);
    });
    server.listen(config.metricsPort, config.metricsHost, () => {
      server.unref();
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.metricsPort;
      const host = config.metricsHost === '0.0.0.0' ? '127.0.0.1' : config.metricsHost.includes(':') ? `[${config.metricsHost}]` : config.metricsHost;
      resolveUrl(`http://${host}:${port}/metrics`);
    });
    stopMetricsServer = () => new Promise<void>((done) => server.close(() => done()));
  });
}
let stopMetricsServer: (() => Promise<void>) | undefined;

/** True when some other OpenTelemetry SDK already registered a tracer provider. */
function otherSdkRegistered(): boolean {
  const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  return api !== undefined && api.trace !== undefined;
}

export interface StartDefaults {
  handleSignals: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the agent. Never throws: a problem is reported on stderr and the service
 * runs uninstrumented. Returns undefined when disabled (OTEL_SDK_DISABLED) or when
 * it could not start; the running agent when already started.
 */
export function start(options: AgentOptions = {}, defaults: StartDefaults = { handleSignals: false }): LookoutAgent | undefined {
  const existing = runningAgent();
  if (existing) return existing;
  const { config, problems } = readAgentConfig(defaults.env ?? process.env, options, defaults);
  const log = new AgentLog(config.logLevel);
  for (const problem of problems) log.warn(problem.message, problem.variable);
  if (config.disabled) return undefined;
  if (otherSdkRegistered()) {
    log.warn('another OpenTelemetry SDK is already registered in this process; the Lookout agent is not starting');
    return undefined;
  }
  try {
    return startAgent(config, log);
  } catch (error) {
    log.error(`could not start, the service runs uninstrumented: ${describeError(error)}`);
    return undefined;
  }
}

function startAgent(config: AgentConfig, log: AgentLog): LookoutAgent {
  const startTime: HrTime = hrTime();
  const entry = process.argv[1];
  const { resource, serviceName } = buildResource({
    appDir: entry ? dirname(resolve(entry)) : process.cwd(),
    serviceName: config.serviceName,
    serviceVersion: config.serviceVersion,
    agentVersion: AGENT_VERSION,
  });
  const metrics = new AgentMetrics(serviceName, config.maxRequestSeries, { processMetrics: true });
  const deadlineMs = config.shutdownTimeoutMs;
  // host.id is read asynchronously; exports wait for it (never longer than a second).
  const resourceReady = Promise.race([
    Promise.resolve(resource.waitForAsyncAttributes?.()).catch(() => undefined),
    deadline(1000),
  ]).then(() => undefined);

  const spanProcessor = config.traces
    ? new EncodedSpanProcessor(
        spanSender(config, metrics, log),
        resource,
        config.spanBatch,
        batcherEvents('traces', metrics, log),
        deadlineMs,
        resourceReady,
      )
    : undefined;
  const logProcessor = config.logs
    ? new BoundedLogRecordProcessor(
        perEndpoint(
          config,
          (endpoint) => new OTLPLogExporter(otlpUrl(endpoint, '/v1/logs')),
          failoverLogExporter,
          () => new Failover(config.endpoints!, { coolDownMs: config.failoverCoolDownMs, events: failoverEvents('logs', metrics, log) }),
        ),
        config.logBatch,
        batcherEvents('logs', metrics, log),
        deadlineMs,
        resourceReady,
      )
    : undefined;
  metrics.readQueueSizes(() => ({ traces: spanProcessor?.batcher.queued ?? 0, logs: logProcessor?.batcher.queued ?? 0 }));

  const contextManager = new LookoutContextManager();
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    contextManager,
    instrumentations: instrumentationsFor(config),
    spanProcessors: spanProcessor ? [spanProcessor] : [],
    logRecordProcessors: logProcessor ? [logProcessor] : [],
    // No SDK meter provider while instrumentations register: they keep no-op meters, so
    // no per-request metric recording besides our own histogram (see below).
    metricReaders: [],
  });
  sdk.start();
  // NodeSDK installs a console logger when OTEL_LOG_LEVEL is set; ours rate-limits and prefixes.
  const diagLevel = { none: DiagLogLevel.NONE, error: DiagLogLevel.ERROR, warn: DiagLogLevel.WARN, info: DiagLogLevel.INFO, debug: DiagLogLevel.DEBUG }[config.logLevel];
  diag.setLogger(log.diagLogger(), { logLevel: diagLevel, suppressOverrideMessage: true });

  // Default sampler (parent-based, always on): the agent's own light server spans.
  // Any other OTEL_TRACES_SAMPLER: server spans through the SDK tracer, which applies it.
  const sampler = (process.env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  let startSpan: StartServerSpan | undefined;
  if (spanProcessor !== undefined) {
    startSpan =
      sampler === 'parentbased_always_on' || sampler === ''
        ? lightServerSpans(resource, SCOPE, (span) => spanProcessor.onEnd(span))
        : sdkServerSpans(trace.getTracer(SCOPE.name, SCOPE.version));
  }

  const ignoredServers = new WeakSet<Server>();
  const stopHttp = config.instrumentations.includes('http')
    ? instrumentHttpServer({
        startSpan,
        contextManager,
        observe: (route, method, statusCode, seconds) => metrics.observeRequest(route, method, statusCode, seconds),
        alwaysExtract: (process.env.OTEL_PROPAGATORS ?? 'tracecontext,baggage').replace(/\s/g, '') !== 'tracecontext,baggage',
        ignoredServers,
      })
    : () => {};

  // fastify publishes the matched route template on this channel: route labels without code changes.
  const onFastifyHandler = (message: unknown) => {
    const { request, route } = message as { request?: { raw?: { [REQUEST_STATE]?: RequestState } }; route?: { url?: string } };
    const state = request?.raw?.[REQUEST_STATE];
    if (state !== undefined && state.route === undefined && route?.url) state.route = route.url;
  };
  subscribe('tracing:fastify.request.handler:start', onFastifyHandler);

  // Registered after the instrumentations, so only application code and the prom bridge use it.
  let meterProvider: MeterProvider | undefined;
  if (config.metrics) {
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: countingMetricExporter(
            perEndpoint<PushMetricExporter>(
              config,
              (endpoint) => new OTLPMetricExporter(otlpUrl(endpoint, '/v1/metrics')),
              failoverMetricExporter,
              () => new Failover(config.endpoints!, { coolDownMs: config.failoverCoolDownMs, events: failoverEvents('metrics', metrics, log) }),
            ),
            metrics,
            log,
          ),
          exportIntervalMillis: config.metricExportIntervalMs,
          exportTimeoutMillis: config.metricExportTimeoutMs,
          metricProducers: [promRegistryProducer(metrics.registry, resource, SCOPE, startTime, hrTime)],
        }),
      ],
    });
    metricsApi.setGlobalMeterProvider(meterProvider);
  }

  const metricsUrl = startMetricsServer(config, metrics, log, ignoredServers);

  let stopping: Promise<void> | undefined;
  const flush = async () => {
    await Promise.race([
      Promise.allSettled([spanProcessor?.forceFlush(), logProcessor?.forceFlush(), meterProvider?.forceFlush({ timeoutMillis: deadlineMs })]),
      deadline(deadlineMs),
    ]);
  };
  const agent: LookoutAgent = {
    config,
    resource,
    metrics,
    metricsUrl: () => metricsUrl,
    flush,
    shutdown() {
      stopping ??= (async () => {
        stopHttp();
        unsubscribe('tracing:fastify.request.handler:start', onFastifyHandler);
        removeSignalHandlers();
        // Flush first, then let the SDK stop its providers; all within one deadline.
        const endAt = performance.now() + deadlineMs;
        const left = () => Math.max(0, endAt - performance.now());
        await Promise.race([
          Promise.allSettled([spanProcessor?.shutdown(), logProcessor?.shutdown(), meterProvider?.shutdown({ timeoutMillis: deadlineMs })]),
          deadline(deadlineMs),
        ]);
        await Promise.race([sdk.shutdown().catch(() => undefined), deadline(left())]);
        await stopMetricsServer?.().catch(() => undefined);
        (globalThis as Global)[RUNNING] = undefined;
      })();
      return stopping;
    },
  };

  const removeSignalHandlers = config.handleSignals ? installSignalHandlers(agent, log) : () => {};
  // A script that ends on its own still sends what it buffered.
  process.once('beforeExit', () => void agent.flush());
  (globalThis as Global)[RUNNING] = agent;
  log.debug(`started for service ${serviceName}: ${config.instrumentations.join(', ')}`);
  return agent;
}

/**
 * SIGTERM/SIGINT: flush within the deadline, then, when nobody else handles the
 * signal, re-raise it so the process ends the way it would have without the agent.
 */
function installSignalHandlers(agent: LookoutAgent, log: AgentLog): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = () => {
      const othersHandle = process.listenerCount(signal) > 1;
      void agent.shutdown().finally(() => {
        if (othersHandle) return;
        process.removeListener(signal, handler);
        try {
          process.kill(process.pid, signal);
        } catch (error) {
          log.error(`could not re-raise ${signal}: ${describeError(error)}`);
          process.exit(1);
        }
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}

/** Stops the running agent, if any. */
export async function shutdown(): Promise<void> {
  await runningAgent()?.shutdown();
}
