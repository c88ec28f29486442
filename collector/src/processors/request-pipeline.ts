import type { Registry } from 'prom-client';
import type { RequestObservation } from '../model/request.ts';
import type { MetricsData, TracesData } from '@lookout/otlp';
import { MAX_REQUEST_SECONDS } from '../logs/request-observation.ts';
import { IGNORE_REJECTIONS, type RejectRecord } from '../pipeline/record-rejections.ts';
import type { RequestSeriesConfig } from './config.ts';
import { CumulativeTracker } from './cumulative-tracker.ts';
import { mergeDurationBounds } from './duration-bounds.ts';
import { DurationMetricReader, type PointOutcome } from './duration-metric.ts';
import { RequestSeries } from './request-series.ts';
import { registerRequestSeriesMetrics, type RequestPipelineMetrics } from './request-series-metrics.ts';
import { latencyThresholds, SliMatcher, type RequestSli, type SliSink } from './sli-matcher.ts';
import { SourcePolicy } from './source-policy.ts';
import { DEFAULT_TENANT } from '../core/tenant.ts';
import { serviceNameOf, spanToObservation, type RouteTemplater } from './span-observation.ts';

export interface RequestPipelineOptions {
  config: RequestSeriesConfig;
  /** SLIs whose (good, total) go to `sink`; their latency thresholds join the histogram bounds */
  definitions?: readonly RequestSli[];
  templateRoute: RouteTemplater;
  /** receives per-minute SLI increments (the SLI store's add) */
  sink?: SliSink;
  /** the request series and the pipeline's own metrics are registered here when given */
  registry?: Registry;
  /** ms since the epoch when counting began: cumulative series that started earlier are a baseline */
  startedAtMs: number;
}

/**
 * Part of the counting for a batch replayed from the write-ahead log after a kill -9
 * (wal/README.md, "served mark"): `sli`, the SLI sink only (an earlier process showed the
 * batch in its in-memory series on /metrics already); `series`, the in-memory series only
 * (its SLI increments are committed, but no scrape saw it). Absent: both.
 */
export type CountOnly = 'sli' | 'series';

/**
 * Spans and OTLP duration metrics → request series and SLI increments. Pure apart from
 * the in-memory metrics: the caller passes `nowMs` with every batch.
 */
export class RequestPipeline {
  readonly series: RequestSeries;
  readonly matcher: SliMatcher;
  readonly bounds: readonly number[];
  private readonly policy: SourcePolicy;
  private readonly reader: DurationMetricReader;
  private readonly templateRoute: RouteTemplater;
  private readonly sink: SliSink;
  private readonly metrics: RequestPipelineMetrics | undefined;

  constructor(options: RequestPipelineOptions) {
    const { config } = options;
    const definitions = options.definitions ?? [];
    this.bounds = mergeDurationBounds(config.durationBuckets, latencyThresholds(definitions));
    this.matcher = new SliMatcher(definitions, this.bounds);
    this.series = new RequestSeries({
      bounds: this.bounds,
      maxRoutesPerService: config.maxRoutesPerService,
      routeIdleMs: config.routeIdleTimeout,
      maxServices: config.maxServices,
    });
    this.policy = new SourcePolicy(config.source, config.sources, config.autoSourceWindow);
    this.reader = new DurationMetricReader({
      bounds: this.bounds,
      tracker: new CumulativeTracker({ startedAtUnixNano: BigInt(Math.floor(options.startedAtMs)) * 1_000_000n }),
    });
    this.templateRoute = options.templateRoute;
    this.sink = options.sink ?? (() => {});
    this.metrics = options.registry ? registerRequestSeriesMetrics(options.registry, this.series) : undefined;
  }

  /**
   * `reject` counts spans skipped on their own (see pipeline/record-rejections.ts); the
   * rest of the batch is counted. `only`: see CountOnly.
   */
  consumeTraces(data: TracesData, nowMs: number, reject: RejectRecord = IGNORE_REJECTIONS, tenant: string = DEFAULT_TENANT, only?: CountOnly): void {
    const toSeries = only !== 'sli';
    const toSli = only !== 'series';
    // issue 12: the tenant is on every observation (absent for the default tenant)
    const tenantOf = tenant === DEFAULT_TENANT ? undefined : tenant;
    let counted = 0;
    let skipped = 0;
    let ignored = 0;
    const series = this.series;
    const matcher = this.matcher;
    const sink = this.sink;
    for (const resourceSpans of data.resourceSpans) {
      const service = serviceNameOf(resourceSpans.resource.attributes);
      let countSpans: boolean | undefined;
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          // Inline try (not a closure per span: this is the hottest loop): one span's
          // failure costs that span only, never the acknowledged batch.
          try {
            const observation = spanToObservation(span, service, this.templateRoute);
            if (!observation) {
              ignored++;
              continue;
            }
            if (!(observation.durationSeconds <= MAX_REQUEST_SECONDS)) {
              // An end time years after the start: a broken clock, not a request to average in.
              reject('invalid_value');
              continue;
            }
            if (!(observation.endTimeMs > 0)) observation.endTimeMs = nowMs;
            if (tenantOf !== undefined) observation.tenant = tenantOf;
            countSpans ??= this.policy.countSpans(service, nowMs);
            if (!countSpans) {
              // Counted from metrics, but its failed requests still give sample trace ids.
              if (observation.error && observation.traceId && toSeries) series.rememberErrorTrace(service, observation.traceId, nowMs, tenantOf);
              skipped++;
              continue;
            }
            if (toSeries) series.observe(observation, nowMs);
            if (toSli) matcher.matchObservation(observation, nowMs, sink);
            counted++;
          } catch (error) {
            reject('record_error', error);
          }
        }
      }
    }
    const metrics = toSeries ? this.metrics : undefined;
    if (metrics) {
      if (counted) metrics.observations.inc({ source: 'spans', outcome: 'counted' }, counted);
      if (skipped) metrics.observations.inc({ source: 'spans', outcome: 'source_skipped' }, skipped);
      if (ignored) metrics.spansIgnored.inc(ignored);
    }
  }

  /** `reject` counts data points skipped on their own; the rest of the batch is counted. `only`: see CountOnly. */
  consumeMetrics(data: MetricsData, nowMs: number, reject: RejectRecord = IGNORE_REJECTIONS, tenant: string = DEFAULT_TENANT, only?: CountOnly): void {
    const toSeries = only !== 'sli';
    const toSli = only !== 'series';
    let counted = 0;
    let skipped = 0;
    const outcomes = new Map<PointOutcome, number>();
    this.reader.read(
      data,
      nowMs,
      (histogram) => {
        if (!(histogram.endTimeMs > 0)) histogram.endTimeMs = nowMs;
        if (!this.policy.countMetrics(histogram.service, nowMs)) {
          skipped += histogram.count;
          return;
        }
        if (toSeries) this.series.observeHistogram(histogram, nowMs);
        if (toSli) this.matcher.matchHistogram(histogram, nowMs, this.sink);
        counted += histogram.count;
      },
      (outcome) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1),
      reject,
      tenant === DEFAULT_TENANT ? undefined : tenant,
    );
    const metrics = toSeries ? this.metrics : undefined;
    if (metrics) {
      if (counted) metrics.observations.inc({ source: 'metrics', outcome: 'counted' }, counted);
      if (skipped) metrics.observations.inc({ source: 'metrics', outcome: 'source_skipped' }, skipped);
      for (const [outcome, n] of outcomes) metrics.metricPoints.inc({ outcome }, n);
    }
  }

  /**
   * A request from another source, e.g. an access-log line (logs/requestFromLogRecord):
   * counted as is, outside the span/metric source choice. `latencyKnown: false` keeps it
   * out of the histogram and of latency SLIs. `only`: see CountOnly.
   */
  observeRequest(observation: RequestObservation, nowMs: number, latencyKnown = true, tenant: string = DEFAULT_TENANT, only?: CountOnly): void {
    if (!(observation.endTimeMs > 0)) observation.endTimeMs = nowMs;
    if (tenant !== DEFAULT_TENANT) observation.tenant = tenant;
    if (only !== 'sli') this.series.observe(observation, nowMs, latencyKnown);
    if (only !== 'series') this.matcher.matchObservation(observation, nowMs, this.sink, latencyKnown);
  }

  /** A few sample trace ids of a service's recent failed requests, newest first (for alert annotations). */
  recentErrorTraceIds(service: string, limit: number, tenant?: string): string[] {
    return this.series.recentErrorTraceIds(service, limit, tenant);
  }
}
