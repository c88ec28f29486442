/** The model's MetricData from what a Gauge/Sum/Histogram/ExponentialHistogram/Summary message held. */
import type { AggregationTemporality, ExponentialHistogramDataPoint, HistogramDataPoint, MetricData, NumberDataPoint, SummaryDataPoint } from './telemetry.ts';

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export function metricData(kind: MetricKind, points: unknown[], aggregationTemporality: AggregationTemporality, isMonotonic: boolean): MetricData {
  switch (kind) {
    case 'gauge':
      return { type: 'gauge', dataPoints: points as NumberDataPoint[] };
    case 'sum':
      return { type: 'sum', dataPoints: points as NumberDataPoint[], aggregationTemporality, isMonotonic };
    case 'histogram':
      return { type: 'histogram', dataPoints: points as HistogramDataPoint[], aggregationTemporality };
    case 'exponential_histogram':
      return { type: 'exponentialHistogram', dataPoints: points as ExponentialHistogramDataPoint[], aggregationTemporality };
    case 'summary':
      return { type: 'summary', dataPoints: points as SummaryDataPoint[] };
  }
}
