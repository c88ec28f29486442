import type { ComponentFactory } from '../component/component.ts';
import type { LogStreams } from './log-streams.ts';
import type { LogReceiverMetrics } from './log-receiver-metrics.ts';
import type { TenantAuthenticator } from './auth.ts';
import type { IngestContext } from './ingest.ts';
import { lokiPushConfigSchema, rawLinesConfigSchema, syslogConfigSchema, type LogsConfig } from './logs-config.ts';
import { lokiPushReceiver } from './loki-push.ts';
import { otlpReceiversConfigSchema, type OtlpReceiversConfig } from './otlp-config.ts';
import type { GrpcAdmission, RunningGrpcReceiver } from './otlp-grpc.ts';
import { otlpHttpReceiver } from './otlp-http.ts';
import { rawLinesReceiver } from './raw-lines-http.ts';
import { startSyslogReceiver, type RunningSyslogReceiver } from './syslog.ts';

/**
 * The receivers as components. The HTTP ones add their routes to the shared listener in
 * create() (it listens once the whole pipeline has started); gRPC and syslog open their
 * own listeners in start(). Every receiver hands what it accepts to the queue.
 */

/** What every receiver is built with besides its config: ingest into the queue, and auth. */
export interface ReceiverLinks {
  ingest: IngestContext;
  auth: TenantAuthenticator | undefined;
  /** admission of the gRPC listener (the HTTP one is a hook on the shared listener) */
  grpcAdmission?: GrpcAdmission;
}

/** The log receivers also share the per-stream parsers and their counters. */
export interface LogReceiverLinks extends ReceiverLinks {
  streams: LogStreams;
  metrics: LogReceiverMetrics;
}

const ALL_SIGNALS = ['traces', 'metrics', 'logs'] as const;
const noop = () => {};

export const otlpHttpComponent: ComponentFactory<OtlpReceiversConfig, ReceiverLinks> = {
  type: 'otlp-http',
  kind: 'receiver',
  consumes: [],
  produces: ALL_SIGNALS,
  configSchema: otlpReceiversConfigSchema,
  async create(context, config, { ingest, auth }) {
    await context.http.register(otlpHttpReceiver, {
      context: ingest,
      ...(auth ? { auth } : {}),
      maxBodyBytes: config.http.maxBodyBytes,
      maxDecompressedBytes: config.http.maxDecompressedBytes,
    });
    // The listener is the collector's; once the queue closes, requests get 503.
    return { start: noop, shutdown: noop };
  },
};

export interface OtlpGrpcComponent {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** the bound port once started */
  readonly port: number | undefined;
}

export const otlpGrpcComponent: ComponentFactory<OtlpReceiversConfig, ReceiverLinks, OtlpGrpcComponent> = {
  type: 'otlp-grpc',
  kind: 'receiver',
  consumes: [],
  produces: ALL_SIGNALS,
  configSchema: otlpReceiversConfigSchema,
  create(_context, config, { ingest, auth, grpcAdmission }) {
    let running: RunningGrpcReceiver | undefined;
    return {
      async start() {
        // loaded here: a collector with gRPC disabled never loads @grpc/grpc-js (about 14 MiB of RSS)
        const { startOtlpGrpcReceiver } = await import('./otlp-grpc.ts');
        running = await startOtlpGrpcReceiver({
          context: ingest,
          ...(auth ? { auth } : {}),
          host: config.grpc.host,
          port: config.grpc.port,
          maxMessageBytes: config.grpc.maxMessageBytes,
          ...(grpcAdmission ? { admission: grpcAdmission } : {}),
          ...(config.tls ? { tls: config.tls } : {}),
        });
      },
      async shutdown() {
        await running?.close();
      },
      get port() {
        return running?.port;
      },
    };
  },
};

/** The two HTTP log receivers differ only in their route plugin and config section. */
function httpLogReceiverComponent(
  type: 'raw-lines' | 'loki-push',
  configSchema: ComponentFactory<LogsConfig['raw'], LogReceiverLinks>['configSchema'],
  plugin: typeof rawLinesReceiver | typeof lokiPushReceiver,
): ComponentFactory<LogsConfig['raw'], LogReceiverLinks> {
  return {
    type,
    kind: 'receiver',
    consumes: [],
    produces: ['logs'],
    configSchema,
    async create(context, config, links) {
      await context.http.register(plugin, {
        context: links.ingest,
        auth: links.auth,
        streams: links.streams,
        metrics: links.metrics,
        maxBodyBytes: config.maxBodyBytes,
        maxDecompressedBytes: config.maxDecompressedBytes,
      });
      return { start: noop, shutdown: noop };
    },
  };
}

export const rawLinesComponent = httpLogReceiverComponent('raw-lines', rawLinesConfigSchema, rawLinesReceiver);

export const lokiPushComponent: ComponentFactory<LogsConfig['loki'], LogReceiverLinks> = httpLogReceiverComponent('loki-push', lokiPushConfigSchema, lokiPushReceiver);

export interface SyslogComponent {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** the listeners once started */
  readonly running: RunningSyslogReceiver | undefined;
}

export const syslogComponent: ComponentFactory<LogsConfig['syslog'], LogReceiverLinks, SyslogComponent> = {
  type: 'syslog',
  kind: 'receiver',
  consumes: [],
  produces: ['logs'],
  configSchema: syslogConfigSchema,
  create(context, config, links) {
    let running: RunningSyslogReceiver | undefined;
    return {
      async start() {
        running = await startSyslogReceiver({ context: links.ingest, metrics: links.metrics, config, logger: context.logger });
      },
      async shutdown() {
        // stops listening and offers its pending batches to the queue, which closes after it
        await running?.close();
      },
      get running() {
        return running;
      },
    };
  },
};
