import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { Registry } from 'prom-client';
import type { Batch } from '@lookout/otlp';
import type { RejectRecord } from '../pipeline/record-rejections.ts';
import { registerSliStoreMetrics, SliStore, type SliBucketStore, type SliConfig } from '../store/index.ts';
import type { RequestSeriesConfig } from './config.ts';
import { RequestPipeline, type CountOnly } from './request-pipeline.ts';
import type { RequestSli } from './sli-matcher.ts';
import type { RouteTemplater } from './span-observation.ts';

export interface SliPipelineOptions {
  requestSeries: RequestSeriesConfig;
  sli: SliConfig;
  definitions: readonly RequestSli[];
  /** open the store even without definitions: SLIs are added while running (slos.auto) */
  storeAlways?: boolean;
  /** SQLite file of the SLI store, usually `<storage.dataDir>/sli.sqlite`; only opened when there are SLIs */
  storeFile: string;
  /** opens another store instead of the SQLite file (storage.backend: postgres: the shared one) */
  openStore?: (retentionMinutes: number) => SliBucketStore;
  registry: Registry;
  templateRoute: RouteTemplater;
  now: () => number;
  logger: Logger;
  /** counts spans and data points skipped on their own (pipeline/record-rejections.ts) */
  rejectRecord?: { traces: RejectRecord; metrics: RejectRecord };
  /** flush timer; injected by tests */
  setInterval?: (fn: () => void, ms: number) => { unref?(): void };
  clearInterval?: (handle: never) => void;
}

export interface SliPipeline {
  pipeline: RequestPipeline;
  /** undefined when no SLI is defined: the request series need no disk */
  store: SliBucketStore | undefined;
  /** `only`: part of the counting for a replayed batch (RequestPipeline's CountOnly) */
  consumeTraces(batch: Batch<'traces'>, only?: CountOnly): void;
  consumeMetrics(batch: Batch<'metrics'>, only?: CountOnly): void;
  /** writes buffered SLI increments now; false (and logged, counted) when SQLite failed or there is no store */
  flush(): boolean;
  /** final flush, then closes the store; a store that writes asynchronously resolves when its last write is done */
  close(): void | Promise<void>;
}

export function sliStoreFile(dataDir: string): string {
  return join(dataDir, 'sli.sqlite');
}

/**
 * The I/O edge of the SLI path: opens the store, builds the pipeline on the registry,
 * and flushes on a timer. Everything it calls is pure or in-memory except the flush.
 */
export function startSliPipeline(options: SliPipelineOptions): SliPipeline {
  const { now, logger } = options;
  const retentionMinutes = Math.ceil(options.sli.retention / 60_000);
  const store: SliBucketStore | undefined =
    options.definitions.length > 0 || options.storeAlways
      ? (options.openStore?.(retentionMinutes) ?? new SliStore({ file: options.storeFile, retentionMinutes }))
      : undefined;
  const pipeline = new RequestPipeline({
    config: options.requestSeries,
    definitions: options.definitions,
    templateRoute: options.templateRoute,
    ...(store ? { sink: (sliId: string, minute: number, good: number, total: number) => store.add(sliId, minute, good, total) } : {}),
    registry: options.registry,
    startedAtMs: now(),
  });
  const reject = options.rejectRecord;
  // the batch's tenant goes with every request it holds (issue 12)
  // a replayed batch had its bad records rejected (counted) by the process that took it first
  const consumeTraces = (batch: Batch<'traces'>, only?: CountOnly) => pipeline.consumeTraces(batch.data, now(), only ? undefined : reject?.traces, batch.tenant, only);
  const consumeMetrics = (batch: Batch<'metrics'>, only?: CountOnly) => pipeline.consumeMetrics(batch.data, now(), only ? undefined : reject?.metrics, batch.tenant, only);
  if (!store) return { pipeline, store, consumeTraces, consumeMetrics, flush: () => false, close() {} };

  const storeMetrics = registerSliStoreMetrics(options.registry, store, () => pipeline.matcher.definitions);
  let failing = false;
  const flush = (): boolean => {
    try {
      const at = now();
      store.flush(at);
      storeMetrics.flushes.inc({ outcome: 'ok' });
      storeMetrics.lastFlushSeconds.set(at / 1000);
      if (failing) logger.info({ file: store.file }, 'SLI store writes work again');
      failing = false;
      return true;
    } catch (error) {
      storeMetrics.flushes.inc({ outcome: 'error' });
      // Log once per failure spell, not every second; the counter shows it goes on.
      if (!failing) logger.error({ err: error, file: store.file }, 'SLI store flush failed; increments stay buffered and are retried');
      failing = true;
      return false;
    }
  };
  const setTimer = options.setInterval ?? setInterval;
  const clearTimer = options.clearInterval ?? (clearInterval as (handle: never) => void);
  const timer = setTimer(flush, options.sli.flushInterval);
  timer.unref?.();
  flush(); // applies retention at start

  let closed = false;
  return {
    pipeline,
    store,
    consumeTraces,
    consumeMetrics,
    flush,
    close() {
      if (closed) return;
      closed = true;
      clearTimer(timer as never);
      flush();
      store.close();
      return store.drain?.();
    },
  };
}
