import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { LookoutConfig } from './config/schema.ts';
import type { Signal } from './model/telemetry.ts';
import { BoundedQueue, type Consumer } from './pipeline/bounded-queue.ts';
import { registerProbeMetrics, startProbes, type ProbeRunner } from './probes/index.ts';
import { sliStoreFile, startSliPipeline, type SliDefinition, type SliPipeline } from './processors/index.ts';
import { sliDefinitionsFromConfig } from './store/index.ts';
import { templateRoute } from './logs/index.ts';
import { createSelfMetrics, type SelfMetrics } from './pipeline/self-metrics.ts';
import { TenantAuthenticator } from './receivers/auth.ts';
import type { IngestContext } from './receivers/ingest.ts';
import { startOtlpGrpcReceiver, type RunningGrpcReceiver } from './receivers/otlp-grpc.ts';
import { otlpHttpReceiver } from './receivers/otlp-http.ts';

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

  // ---- request series and SLI store (processors/, store/) ----
  // Spans and http.server.request.duration metrics → lookout_request* on /metrics; with
  // SLIs defined, per-minute (good, total) into SQLite under storage.dataDir.
  let sli: SliPipeline | undefined;
  if (config.requestSeries.enabled) {
    sli = startSliPipeline({
      requestSeries: config.requestSeries,
      sli: config.sli,
      definitions: [...sliDefinitionsFromConfig(config.sli), ...(options.sliDefinitions ?? [])],
      storeFile: sliStoreFile(config.storage.dataDir),
      registry: metrics.registry,
      templateRoute,
      now,
      logger: logger.child({ component: 'sli' }),
    });
    queue.register('traces', 'request-series', sli.consumeTraces);
    queue.register('metrics', 'request-series', sli.consumeMetrics);
  }
  // ---- end request series ----

  const context: IngestContext = { queue, metrics, now };
  const auth = otlp.auth ? new TenantAuthenticator(otlp.auth.tenants) : undefined;
  const https = otlp.tls
    ? {
        cert: readFileSync(otlp.tls.certFile),
        key: readFileSync(otlp.tls.keyFile),
        ...(otlp.tls.clientCaFile ? { ca: readFileSync(otlp.tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
      }
    : null;

  const http = Fastify({
    // Per-request logs (info) would flood at ingest rates; warnings and errors remain.
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }),
    bodyLimit: otlp.http.maxBodyBytes,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  http.decorateRequest('tenant', undefined);

  let ready = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!ready) return reply.code(503).send({ status: 'starting' });
    return { status: 'ready', queueItems: queue.depthItems, queueBytes: queue.depthBytes };
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

  let grpc: RunningGrpcReceiver | undefined;
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
  } catch (error) {
    await http.close();
    sli?.close();
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
    probes = startProbes(config.probes, registerProbeMetrics(metrics.registry, { now }), { log: logger.child({ component: 'probes' }) });
  }

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
    logger,
    close() {
      closing ??= (async () => {
        ready = false;
        const flushed = queue.close();
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeout).unref());
        await Promise.race([flushed, deadline]);
        sli?.close(); // after the queue drained, so its last SLI increments are written
        await Promise.all([grpc?.close(), http.close(), probes?.stop(2000)]);
      })();
      return closing;
    },
  };
}
