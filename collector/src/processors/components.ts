import type { ComponentFactory } from '../component/component.ts';
import type { RequestSli } from '../core/sli.ts';
import type { RouteTemplater } from './span-observation.ts';
import type { Batch } from '@lookout/otlp';
import type { SliConfig } from '../store/config.ts';
import type { SliBucketStore } from '../store/sli-store-api.ts';
import { logMetricsConfigSchema, requestSeriesConfigSchema, type LogMetricsConfig, type RequestSeriesConfig } from './config.ts';
import { LogMetrics, type LogRequestTarget } from './log-metrics.ts';
import type { CountOnly } from './request-pipeline.ts';
import { sliStoreFile, startSliPipeline, type SliPipeline } from './sli-pipeline.ts';

export interface RequestSeriesLinks {
  /** the `sli` section: flush interval and retention of the SLI store */
  sli: SliConfig;
  /** every SLI to count: the config's, the SLO specs', a caller's */
  definitions: readonly RequestSli[];
  /** SLIs are added while running (slos.auto): the SLI store opens even without definitions */
  storeAlways?: boolean;
  templateRoute: RouteTemplater;
  /** the shared SLI store of a cluster (storage.backend: postgres); SQLite under the data dir when absent */
  openStore?: (retentionMinutes: number) => SliBucketStore;
}

export interface RequestSeriesComponent {
  start(): void;
  shutdown(): void | Promise<void>;
  consume(batch: Batch): void;
  /** part of the counting for a batch replayed from the write-ahead log (CountOnly) */
  replay(batch: Batch, only: CountOnly): void;
  readonly sli: SliPipeline;
}

/**
 * Spans and http.server.request.duration metrics → lookout_request* on /metrics and, with
 * SLIs defined, per-minute (good, total) into the SLI store under the data dir.
 */
export const requestSeriesComponent: ComponentFactory<RequestSeriesConfig, RequestSeriesLinks, RequestSeriesComponent> = {
  type: 'request-series',
  kind: 'processor',
  consumes: ['traces', 'metrics'],
  produces: ['metrics'],
  configSchema: requestSeriesConfigSchema,
  create(context, config, links) {
    const sli = startSliPipeline({
      requestSeries: config,
      sli: links.sli,
      definitions: links.definitions,
      ...(links.storeAlways ? { storeAlways: true } : {}),
      storeFile: sliStoreFile(context.dataDir),
      ...(links.openStore ? { openStore: links.openStore } : {}),
      registry: context.registry,
      templateRoute: links.templateRoute,
      now: () => context.clock.now(),
      logger: context.logger,
      rejectRecord: { traces: context.rejections.for('traces', 'request-series'), metrics: context.rejections.for('metrics', 'request-series') },
    });
    return {
      sli,
      start() {},
      consume(batch) {
        if (batch.signal === 'traces') sli.consumeTraces(batch as Batch<'traces'>);
        else if (batch.signal === 'metrics') sli.consumeMetrics(batch as Batch<'metrics'>);
      },
      replay(batch, only) {
        if (batch.signal === 'traces') sli.consumeTraces(batch as Batch<'traces'>, only);
        else if (batch.signal === 'metrics') sli.consumeMetrics(batch as Batch<'metrics'>, only);
      },
      // after the queue drained (the graph stops the queue first): its last increments are written
      shutdown: () => sli.close(),
    };
  },
};

export interface LogMetricsLinks {
  /** access-log requests go into the request series; undefined turns that off */
  requests: LogRequestTarget | undefined;
}

export interface LogMetricsComponent {
  start(): void;
  shutdown(): void;
  consume(batch: Batch): void;
  /** part of the counting for a batch replayed from the write-ahead log (CountOnly) */
  replay(batch: Batch, only: CountOnly): void;
}

/** Log records of every receiver → lookout_log_records_total; access logs → request series. */
export const logMetricsComponent: ComponentFactory<LogMetricsConfig, LogMetricsLinks, LogMetricsComponent> = {
  type: 'log-metrics',
  kind: 'processor',
  consumes: ['logs'],
  produces: ['metrics'],
  configSchema: logMetricsConfigSchema,
  create(context, config, links) {
    const logMetrics = new LogMetrics({
      registry: context.registry,
      maxServices: config.maxServices,
      rejectRecord: context.rejections.for('logs', 'log-metrics'),
      ...(links.requests && config.requests ? { requests: links.requests } : {}),
    });
    return {
      start() {},
      shutdown() {},
      consume: (batch) => logMetrics.consume(batch as Batch<'logs'>, context.clock.now()),
      replay: (batch, only) => logMetrics.consume(batch as Batch<'logs'>, context.clock.now(), only),
    };
  },
};
