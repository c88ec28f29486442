import type { ComponentFactory } from '../component/component.ts';
import { remainingMs } from '../component/component.ts';
import type { Batch } from '@lookout/otlp';
import { lokiExporterConfigSchema, type LokiExporterConfig } from './loki-config.ts';
import { LokiExporter } from './loki-exporter.ts';
import { otlpExporterConfigSchema, type OtlpExporterConfig } from './otlp-exporter-config.ts';
import { OtlpExporter } from './otlp-exporter.ts';
import { receivedMetricsConfigSchema, type ReceivedMetricsConfig } from './received-metrics-config.ts';
import { ReceivedMetrics } from './received-metrics.ts';
import { remoteWriteConfigSchema, type RemoteWriteConfig } from './remote-write-config.ts';
import { RemoteWriteExporter, type ServedMarks } from './remote-write-exporter.ts';

export interface LokiExporterComponent {
  start(): void;
  shutdown(deadline: number): Promise<void>;
  consume(batch: Batch): void;
  readonly exporter: LokiExporter;
}

/** Pushes every log record to Loki; buffers and never blocks the queue. */
export const lokiExporterComponent: ComponentFactory<LokiExporterConfig, object, LokiExporterComponent> = {
  type: 'loki-exporter',
  kind: 'exporter',
  consumes: ['logs'],
  produces: [],
  configSchema: lokiExporterConfigSchema,
  create(context, config) {
    const exporter = new LokiExporter({
      config,
      registry: context.registry,
      logger: context.logger,
      now: () => context.clock.now(),
      rejectRecord: context.rejections.for('logs', 'loki-exporter'),
    });
    return {
      exporter,
      start() {},
      consume: (batch) => exporter.consume(batch as Batch<'logs'>),
      // at most 5 s: the last push must not hold the whole shutdown
      shutdown: (deadline) => exporter.close(Math.min(5000, remainingMs(context.clock, deadline))),
    };
  },
};

// ---- issue 13: received metrics, OTLP forwarding, remote write ----

export interface ReceivedMetricsComponent {
  start(): void;
  shutdown(deadline: number): void;
  consume(batch: Batch): void;
  readonly received: ReceivedMetrics;
}

/** Received OTLP metrics as Prometheus series, for /metrics and remote write. */
export const receivedMetricsComponent: ComponentFactory<ReceivedMetricsConfig, object, ReceivedMetricsComponent> = {
  type: 'received-metrics',
  kind: 'processor',
  consumes: ['metrics'],
  produces: [],
  configSchema: receivedMetricsConfigSchema,
  create(context, config) {
    const received = new ReceivedMetrics({ config, registry: context.registry, now: () => context.clock.now() });
    return { received, start() {}, shutdown() {}, consume: (batch) => received.consume(batch as Batch<'metrics'>) };
  },
};

export interface OtlpExporterComponent {
  start(): void;
  shutdown(deadline: number): Promise<void>;
  consume(batch: Batch): void;
  readonly exporter: OtlpExporter;
}

/** Forwards traces, metrics and logs over OTLP; buffers per signal and never blocks the queue. */
export const otlpExporterComponent: ComponentFactory<OtlpExporterConfig, object, OtlpExporterComponent> = {
  type: 'otlp-exporter',
  kind: 'exporter',
  consumes: ['traces', 'metrics', 'logs'],
  produces: [],
  configSchema: otlpExporterConfigSchema,
  create(context, config) {
    const exporter = new OtlpExporter({ config, registry: context.registry, logger: context.logger, now: () => context.clock.now() });
    return {
      exporter,
      start() {},
      consume: (batch) => exporter.consume(batch), // signals it does not forward are ignored
      shutdown: (deadline) => exporter.close(Math.min(5000, remainingMs(context.clock, deadline))),
    };
  },
};

export interface RemoteWriteComponent {
  start(): void;
  shutdown(deadline: number): Promise<void>;
  readonly exporter: RemoteWriteExporter;
}

/** Remote write of the received metrics (as they are converted) and the collector's own request series and SLO counters. */

export interface RemoteWriteLinks {
  received: ReceivedMetrics | undefined;
  /** under durability disk: what a reading of the request series holds, marked before it is sent (DurablePipeline's served mark) */
  served?: ServedMarks;
}

export const remoteWriteComponent: ComponentFactory<RemoteWriteConfig, RemoteWriteLinks, RemoteWriteComponent> = {
  type: 'remote-write',
  kind: 'exporter',
  consumes: [],
  produces: [],
  configSchema: remoteWriteConfigSchema,
  create(context, config, links) {
    const exporter = new RemoteWriteExporter({
      config,
      registry: context.registry,
      logger: context.logger,
      now: () => context.clock.now(),
      ...(links.served ? { served: links.served } : {}),
    });
    if (links.received && config.receivedMetrics) links.received.onUpdate((points) => exporter.acceptPoints(points));
    return {
      exporter,
      start: () => exporter.start(),
      async shutdown(deadline) {
        // the last reading of the request series and SLO counters goes out too
        await exporter.sampleSelf().catch((error: unknown) => context.logger.warn({ err: error }, 'remote write: last reading failed'));
        await exporter.close(Math.min(5000, remainingMs(context.clock, deadline)));
      },
    };
  },
};
