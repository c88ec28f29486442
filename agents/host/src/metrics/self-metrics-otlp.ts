import type { Metric } from '@lookout/otlp';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { gauge, sum } from './host-metrics.ts';

/**
 * The agent's prom-client counters and gauges → OTLP metrics under their Prometheus
 * names, pure, so the collector sees the agent's health without scraping it.
 * Histograms and summaries (GC pauses) stay on /metrics only.
 */
export function selfMetricsToOtlp(json: MetricObjectWithValues<MetricValue<string>>[], startMs: number, atMs: number): Metric[] {
  const out: Metric[] = [];
  for (const metric of json) {
    const inputs = metric.values.map((v) => ({ value: v.value, attributes: stringLabels(v.labels) }));
    if (inputs.length === 0) continue;
    const type = String(metric.type);
    if (type === 'counter') out.push(sum(metric.name, '', metric.help, inputs, { startMs, atMs }, true, 'double'));
    else if (type === 'gauge') out.push(gauge(metric.name, '', metric.help, inputs, atMs));
  }
  return out;
}

function stringLabels(labels: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in labels) if (labels[key] !== undefined) out[key] = String(labels[key]);
  return out;
}
