import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { Registry } from 'prom-client';

/** What prom-client's getMetricsAsJSON() returns for one metric. */
export interface PromMetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ value: number; labels: Record<string, string | number | undefined>; metricName?: string }>;
}

function attributesOf(labels: Record<string, string | number | undefined>, skip?: string): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key === skip || value === undefined) continue;
    attributes[key] = typeof value === 'number' ? String(value) : value;
  }
  return attributes;
}

function labelKey(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface HistogramAccumulator {
  attributes: Attributes;
  /** le → cumulative count */
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

/**
 * prom-client metrics as OTel cumulative metric data, so the same series reach the
 * collector over OTLP and Prometheus over /metrics. Pure: prom-client JSON and the
 * two timestamps in, metric data out. Counters become monotonic sums, gauges gauges,
 * histograms explicit-bucket histograms (cumulative `le` counts turned into per-bucket
 * counts); summaries are not exported.
 */
export function promToOtelMetrics(metrics: PromMetricJson[], startTime: HrTime, endTime: HrTime): MetricData[] {
  const out: MetricData[] = [];
  for (const metric of metrics) {
    const descriptor = { name: metric.name, description: metric.help, unit: '', valueType: ValueType.DOUBLE };
    if (metric.type === 'counter' || metric.type === 'gauge') {
      const dataPoints = metric.values.map((v) => ({ startTime, endTime, attributes: attributesOf(v.labels), value: v.value }));
      if (metric.type === 'counter') {
        out.push({ descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints });
      } else {
        out.push({ descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints });
      }
    } else if (metric.type === 'histogram') {
      const series = new Map<string, HistogramAccumulator>();
      for (const v of metric.values) {
        const attributes = attributesOf(v.labels, 'le');
        const key = labelKey(attributes);
        let acc = series.get(key);
        if (acc === undefined) {
          acc = { attributes, buckets: new Map(), sum: 0, count: 0 };
          series.set(key, acc);
        }
        if (v.metricName === `${metric.name}_bucket`) {
          const le = v.labels.le;
          const bound = le === '+Inf' ? Infinity : Number(le);
          acc.buckets.set(bound, v.value);
        } else if (v.metricName === `${metric.name}_sum`) acc.sum = v.value;
        else if (v.metricName === `${metric.name}_count`) acc.count = v.value;
      }
      const dataPoints = [...series.values()].map((acc) => {
        const bounds = [...acc.buckets.keys()].filter((b) => b !== Infinity).sort((a, b) => a - b);
        const counts: number[] = [];
        let previous = 0;
        for (const bound of bounds) {
          const cumulative = acc.buckets.get(bound)!;
          counts.push(cumulative - previous);
          previous = cumulative;
        }
        counts.push(acc.count - previous);
        return {
          startTime,
          endTime,
          attributes: acc.attributes,
          value: { buckets: { boundaries: bounds, counts }, sum: acc.sum, count: acc.count },
        };
      });
      out.push({ descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints });
    }
  }
  return out;
}

/** A MetricProducer for the SDK's metric reader that reads a prom-client registry at each export. */
export function promRegistryProducer(registry: Registry, resource: Resource, scope: { name: string; version: string }, startTime: HrTime, now: () => HrTime): MetricProducer {
  return {
    async collect(): Promise<CollectionResult> {
      const json = (await registry.getMetricsAsJSON()) as unknown as PromMetricJson[];
      return {
        resourceMetrics: { resource, scopeMetrics: [{ scope, metrics: promToOtelMetrics(json, startTime, now()) }] },
        errors: [],
      };
    },
  };
}
