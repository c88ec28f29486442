/**
 * Received OTLP metrics → Prometheus points, pure. One conversion shared by /metrics
 * (prom-series-store.ts renders it) and remote write (remote-write-exporter.ts sends it):
 *
 * - gauges → gauge; cumulative monotonic sums → counter (`_total`); cumulative
 *   non-monotonic sums → gauge; delta monotonic sums → counter, marked `delta` so the
 *   store accumulates them; delta non-monotonic sums are dropped (the spec says so);
 * - histograms (cumulative or delta) → `_bucket{le}`, `_sum`, `_count`;
 * - exponential histograms → the same classic form, one `le` per exponential bucket
 *   boundary (Prometheus 2.42's text format has no native histograms);
 * - summaries → `{quantile}`, `_sum`, `_count`;
 * - resource: `job` = service.namespace/service.name, `instance` = service.instance.id,
 *   the other resource attributes on one `target_info` gauge (value 1) per job/instance;
 * - scope: `otel_scope_name`, `otel_scope_version` and `otel_scope_<attribute>` labels;
 * - a point flagged NoRecordedValue becomes a stale marker (the series ends).
 */
import type {
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  Metric,
  MetricsData,
  NumberDataPoint,
  SummaryDataPoint,
} from '@lookout/otlp';
import { AggregationTemporality } from '@lookout/otlp';
import { attributeValueString, promMetricName, sanitizeLabelName, type PromType } from './prom-naming.ts';

/** Label pairs sorted by name; no empty values (Prometheus treats those as absent). */
export type PromLabels = ReadonlyArray<readonly [string, string]>;

export type PromValue =
  | { kind: 'number'; value: number }
  /** per-bucket counts (not cumulative): counts[i] for (bounds[i-1], bounds[i]], the last for (bounds[n-1], +Inf) */
  | { kind: 'histogram'; bounds: number[]; counts: number[]; sum: number | undefined; count: number }
  | { kind: 'summary'; quantiles: Array<{ quantile: number; value: number }>; sum: number; count: number };

export interface PromPoint {
  family: string;
  type: PromType;
  help: string;
  labels: PromLabels;
  /** family + labels, unique per series */
  key: string;
  value: PromValue;
  timeMs: number;
  startTimeMs: number;
  /** a delta point, to be added to the series' running total */
  delta: boolean;
  /** the NoRecordedValue flag: the series has no value any more (stale) */
  stale: boolean;
}

export type ConversionDropReason = 'delta_non_monotonic' | 'unspecified_temporality' | 'empty_metric';

export interface ConversionResult {
  points: PromPoint[];
  /** points not converted, by reason */
  dropped: Partial<Record<ConversionDropReason, number>>;
}

export interface ConversionOptions {
  /** otel_scope_* labels (the spec's default: on) */
  scopeLabels: boolean;
}

export const TARGET_INFO = 'target_info';
const NO_RECORDED_VALUE = 1;

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/** Attributes → sanitised label pairs; keys that sanitise alike join their values with ';' in key order. */
function labelPairs(attributes: Attributes, into: Map<string, string>, prefix = ''): void {
  const keys = Object.keys(attributes).sort();
  const joined = new Map<string, string[]>();
  for (const key of keys) {
    const value = attributeValueString(attributes[key]!);
    const name = sanitizeLabelName(prefix + key);
    const list = joined.get(name);
    if (list) list.push(value);
    else joined.set(name, [value]);
  }
  for (const [name, values] of joined) into.set(name, values.join(';'));
}

function sortedLabels(map: Map<string, string>): PromLabels {
  const out: Array<[string, string]> = [];
  for (const [name, value] of map) if (value !== '') out.push([name, value]);
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

/** The series key: family and labels, with separators that cannot occur in names. */
export function seriesKey(family: string, labels: PromLabels): string {
  let key = family;
  for (const [name, value] of labels) key += '\u0000' + name + '\u0001' + value;
  return key;
}

function stringAttr(attributes: Attributes, key: string): string {
  const value = attributes[key];
  return value === undefined || value === null ? '' : attributeValueString(value);
}

const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** job and instance of a resource, as the spec builds them. */
export function jobAndInstance(resource: Attributes): { job: string; instance: string } {
  const name = stringAttr(resource, 'service.name');
  const namespace = stringAttr(resource, 'service.namespace');
  return { job: namespace !== '' && name !== '' ? `${namespace}/${name}` : name, instance: stringAttr(resource, 'service.instance.id') };
}

/** Exponential buckets → explicit upper bounds and per-bucket counts, ascending. */
export function exponentialToExplicit(p: ExponentialHistogramDataPoint): { bounds: number[]; counts: number[] } {
  const bounds: number[] = [];
  const counts: number[] = [];
  const exponent = 2 ** -p.scale;
  const boundAt = (index: number) => 2 ** (index * exponent);
  // negative bucket i holds values in [-base^(i+1), -base^i): upper bound -base^i, the largest index first
  const neg = p.negative.bucketCounts;
  for (let k = neg.length - 1; k >= 0; k--) {
    bounds.push(-boundAt(p.negative.offset + k));
    counts.push(neg[k]!);
  }
  if (p.zeroCount > 0 || neg.length > 0 || p.positive.bucketCounts.length === 0 || p.zeroThreshold > 0) {
    bounds.push(p.zeroThreshold);
    counts.push(p.zeroCount);
  }
  // positive bucket i holds values in (base^i, base^(i+1)]
  const pos = p.positive.bucketCounts;
  for (let k = 0; k < pos.length; k++) {
    const bound = boundAt(p.positive.offset + k + 1);
    if (bounds.length > 0 && bound <= bounds[bounds.length - 1]!) {
      counts[counts.length - 1]! += pos[k]!; // a bound that rounds onto the previous one: same bucket
      continue;
    }
    bounds.push(bound);
    counts.push(pos[k]!);
  }
  let inBuckets = 0;
  for (const c of counts) inBuckets += c;
  counts.push(Math.max(0, p.count - inBuckets)); // +Inf
  return { bounds, counts };
}

function explicitHistogram(p: HistogramDataPoint): { bounds: number[]; counts: number[] } {
  const bounds = p.explicitBounds.slice();
  const counts: number[] = [];
  for (let i = 0; i <= bounds.length; i++) counts.push(p.bucketCounts[i] ?? 0);
  if (p.bucketCounts.length === 0 && p.count > 0) counts[counts.length - 1] = p.count; // no buckets: all in +Inf
  return { bounds, counts };
}

interface PointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

/** Converts every metric of a request. */
export function convertMetrics(data: MetricsData, options: ConversionOptions): ConversionResult {
  const points: PromPoint[] = [];
  const dropped: ConversionResult['dropped'] = {};
  const drop = (reason: ConversionDropReason, n: number) => {
    if (n > 0) dropped[reason] = (dropped[reason] ?? 0) + n;
  };
  for (const rm of data.resourceMetrics) {
    const { job, instance } = jobAndInstance(rm.resource.attributes);
    let latestMs = 0;
    let startMs = 0;
    for (const sm of rm.scopeMetrics) {
      const scopeLabels = new Map<string, string>();
      if (options.scopeLabels) scopeLabelsOf(sm.scope, scopeLabels);
      for (const metric of sm.metrics) {
        const before = points.length;
        convertMetric(metric, scopeLabels, job, instance, points, drop);
        for (let i = before; i < points.length; i++) {
          if (points[i]!.timeMs > latestMs) {
            latestMs = points[i]!.timeMs;
            startMs = points[i]!.startTimeMs;
          }
        }
      }
    }
    // target_info: the resource attributes that job and instance do not carry
    const info = new Map<string, string>();
    const rest: Attributes = Object.create(null) as Attributes;
    let any = false;
    for (const key of Object.keys(rm.resource.attributes)) {
      if (IDENTIFYING.has(key)) continue;
      rest[key] = rm.resource.attributes[key]!;
      any = true;
    }
    if (any && (job !== '' || instance !== '') && latestMs > 0) {
      labelPairs(rest, info);
      info.set('job', job);
      info.set('instance', instance);
      const labels = sortedLabels(info);
      points.push({
        family: TARGET_INFO,
        type: 'gauge',
        help: 'Target metadata: the resource attributes of each job/instance.',
        labels,
        key: seriesKey(TARGET_INFO, labels),
        value: { kind: 'number', value: 1 },
        timeMs: latestMs,
        startTimeMs: startMs,
        delta: false,
        stale: false,
      });
    }
  }
  return { points, dropped };
}

function scopeLabelsOf(scope: InstrumentationScope, into: Map<string, string>): void {
  labelPairs(scope.attributes, into, 'otel_scope_');
  if (scope.name !== '') into.set('otel_scope_name', scope.name);
  if (scope.version !== '') into.set('otel_scope_version', scope.version);
}

function convertMetric(
  metric: Metric,
  scopeLabels: Map<string, string>,
  job: string,
  instance: string,
  out: PromPoint[],
  drop: (reason: ConversionDropReason, n: number) => void,
): void {
  const data = metric.data;
  if (data.type === 'empty') {
    drop('empty_metric', 1);
    return;
  }
  let type: PromType;
  let delta = false;
  switch (data.type) {
    case 'gauge':
      type = 'gauge';
      break;
    case 'sum':
      if (data.aggregationTemporality === AggregationTemporality.UNSPECIFIED) return drop('unspecified_temporality', data.dataPoints.length);
      delta = data.aggregationTemporality === AggregationTemporality.DELTA;
      if (delta && !data.isMonotonic) return drop('delta_non_monotonic', data.dataPoints.length);
      type = data.isMonotonic ? 'counter' : 'gauge';
      break;
    case 'histogram':
    case 'exponentialHistogram':
      if (data.aggregationTemporality === AggregationTemporality.UNSPECIFIED) return drop('unspecified_temporality', data.dataPoints.length);
      delta = data.aggregationTemporality === AggregationTemporality.DELTA;
      type = 'histogram';
      break;
    case 'summary':
      type = 'summary';
      break;
  }
  const family = promMetricName(metric.name, metric.unit, type);
  const help = metric.description;
  const emit = (p: PointBase, value: PromValue) => {
    const labelMap = new Map<string, string>();
    labelPairs(p.attributes, labelMap);
    for (const [name, v] of scopeLabels) labelMap.set(name, v);
    labelMap.set('job', job);
    labelMap.set('instance', instance);
    const labels = sortedLabels(labelMap);
    out.push({
      family,
      type,
      help,
      labels,
      key: seriesKey(family, labels),
      value,
      timeMs: nsToMs(p.timeUnixNano),
      startTimeMs: nsToMs(p.startTimeUnixNano),
      delta,
      stale: (p.flags & NO_RECORDED_VALUE) !== 0,
    });
  };
  switch (data.type) {
    case 'gauge':
    case 'sum':
      for (const p of data.dataPoints as NumberDataPoint[]) emit(p, { kind: 'number', value: Number(p.value) });
      break;
    case 'histogram':
      for (const p of data.dataPoints) emit(p, { kind: 'histogram', ...explicitHistogram(p), sum: p.sum, count: p.count });
      break;
    case 'exponentialHistogram':
      for (const p of data.dataPoints) emit(p, { kind: 'histogram', ...exponentialToExplicit(p), sum: p.sum, count: p.count });
      break;
    case 'summary':
      for (const p of data.dataPoints as SummaryDataPoint[]) {
        const quantiles = p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })).sort((a, b) => a.quantile - b.quantile);
        emit(p, { kind: 'summary', quantiles, sum: p.sum, count: p.count });
      }
      break;
  }
}
