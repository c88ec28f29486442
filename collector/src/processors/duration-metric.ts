import { createHash } from 'node:crypto';
import {
  AggregationTemporality,
  type AnyValue,
  type Attributes,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type MetricsData,
} from '@lookout/otlp';
import type { RejectRecord } from '../pipeline/record-rejections.ts';
import { CumulativeTracker, type DeltaOutcome } from './cumulative-tracker.ts';
import { boundedRoute, httpMethodOf, httpStatusOf, normaliseMethod, stringAttribute } from './http-semantics.ts';
import { addExplicitPoint, addExponentialPoint } from './rebucket.ts';
import type { HistogramObservation } from './request-series.ts';
import { serviceNameOf } from './span-observation.ts';

/**
 * OTLP duration metrics → histogram observations on our bounds. Accepts the stable
 * `http.server.request.duration` (seconds) and the older `http.server.duration`
 * (milliseconds), as explicit or exponential histograms, delta or cumulative.
 */

/** metric name → unit it has when the sender leaves `unit` empty */
export const DURATION_METRICS: ReadonlyMap<string, string> = new Map([
  ['http.server.request.duration', 's'],
  ['http.server.duration', 'ms'],
]);

// No prototype: a unit named `__proto__` or `constructor` must find nothing, not Object's members.
const UNIT_SECONDS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 });

/** route when a metric point has no http.route: a point has no path to template */
export const UNKNOWN_ROUTE = 'unknown';

export type PointOutcome = DeltaOutcome | 'unsupported_unit' | 'unsupported_type';

export interface DurationMetricReaderOptions {
  bounds: readonly number[];
  tracker: CumulativeTracker;
}

export class DurationMetricReader {
  private readonly bounds: readonly number[];
  private readonly tracker: CumulativeTracker;

  constructor(options: DurationMetricReaderOptions) {
    this.bounds = options.bounds;
    this.tracker = options.tracker;
  }

  /**
   * Calls `emit` for every point that adds requests, `outcome` for every duration point
   * read (with how it was used). Cumulative points always go through the tracker, even
   * for services counted from spans, so a later switch of source starts from a true
   * baseline.
   */
  read(
    data: MetricsData,
    nowMs: number,
    emit: (observation: HistogramObservation) => void,
    outcome: (o: PointOutcome) => void,
    reject: RejectRecord = () => {},
    /** the batch's tenant (issue 12): part of every cumulative series' identity and on every observation */
    tenant?: string,
  ): void {
    for (const resourceMetrics of data.resourceMetrics) {
      let service: string | undefined;
      let resourceKey: string | undefined;
      for (const scopeMetrics of resourceMetrics.scopeMetrics) {
        for (const metric of scopeMetrics.metrics) {
          const defaultUnit = DURATION_METRICS.get(metric.name);
          if (defaultUnit === undefined) continue;
          const data = metric.data;
          if (data.type !== 'histogram' && data.type !== 'exponentialHistogram') {
            if (data.type !== 'empty') for (let i = 0; i < data.dataPoints.length; i++) outcome('unsupported_type');
            continue;
          }
          const unitSeconds = UNIT_SECONDS[metric.unit || defaultUnit];
          if (unitSeconds === undefined) {
            for (let i = 0; i < data.dataPoints.length; i++) outcome('unsupported_unit');
            continue;
          }
          service ??= serviceNameOf(resourceMetrics.resource.attributes);
          resourceKey ??= (tenant === undefined ? '' : tenant + '\u0000') + service + '\n' + canonicalAttributes(resourceMetrics.resource.attributes);
          const cumulative = data.aggregationTemporality === AggregationTemporality.CUMULATIVE;
          for (const point of data.dataPoints as Array<HistogramDataPoint | ExponentialHistogramDataPoint>) {
            // One point at a time: a bad point is skipped and counted, never the batch.
            if (!usablePoint(point)) {
              reject('invalid_value');
              continue;
            }
            try {
              const buckets = new Float64Array(this.bounds.length + 1);
              if (data.type === 'histogram') addExplicitPoint(point as HistogramDataPoint, unitSeconds, this.bounds, buckets);
              else addExponentialPoint(point as ExponentialHistogramDataPoint, unitSeconds, this.bounds, buckets);
              let count = point.count;
              let sum = (point.sum ?? 0) * unitSeconds;
              let counted: Float64Array = buckets;
              if (cumulative) {
                // A digest, not the text: resource attributes can be long, and up to 100,000 keys are kept.
                const key = createHash('sha1').update(resourceKey).update('\n' + metric.name + '\n' + canonicalAttributes(point.attributes)).digest('base64');
                const result = this.tracker.delta(
                  key,
                  { startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano, count, sum, buckets },
                  nowMs,
                );
                outcome(result.outcome);
                if (!result.buckets) continue;
                counted = result.buckets;
                count = result.count!;
                sum = result.sum!;
              } else {
                outcome('delta');
              }
              if (count <= 0) continue;
              const observation = pointObservation(service, point.attributes, point.timeUnixNano, counted, count, sum);
              if (tenant !== undefined) observation.tenant = tenant;
              emit(observation);
            } catch (error) {
              reject('record_error', error);
            }
          }
        }
      }
    }
  }
}

/** Counts finite and not negative, sum finite when present: else the point would poison the series. */
export function usablePoint(point: HistogramDataPoint | ExponentialHistogramDataPoint): boolean {
  if (!(Number.isFinite(point.count) && point.count >= 0)) return false;
  if (point.sum !== undefined && !Number.isFinite(point.sum)) return false;
  const lists =
    'explicitBounds' in point ? [point.bucketCounts] : [point.positive.bucketCounts, point.negative.bucketCounts, [point.zeroCount]];
  for (const list of lists) for (const n of list) if (!(Number.isFinite(n) && n >= 0)) return false;
  return true;
}

function pointObservation(
  service: string,
  attributes: Attributes,
  timeUnixNano: bigint,
  bucketCounts: Float64Array,
  count: number,
  sumSeconds: number,
): HistogramObservation {
  const rawMethod = httpMethodOf(attributes);
  const statusCode = httpStatusOf(attributes);
  const errorType = stringAttribute(attributes, 'error.type');
  return {
    service,
    route: boundedRoute(stringAttribute(attributes, 'http.route') ?? UNKNOWN_ROUTE),
    method: rawMethod !== undefined ? normaliseMethod(rawMethod) : '',
    statusCode,
    // error.type alone (no status) means the request failed before a response was sent
    error: statusCode !== undefined ? statusCode >= 500 : errorType !== undefined,
    endTimeMs: Number(timeUnixNano / 1_000_000n),
    bucketCounts,
    count,
    sumSeconds,
  };
}

/** A stable text form of an attribute map, independent of key order. */
export function canonicalAttributes(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const key of keys) out += key + '=' + canonicalValue(attributes[key]!) + ';';
  return out;
}

function canonicalValue(value: AnyValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString() + 'n';
  if (typeof value !== 'object') return String(value);
  if (value instanceof Uint8Array) return 'b' + Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return '[' + value.map(canonicalValue).join(',') + ']';
  return '{' + canonicalAttributes(value) + '}';
}
