import type { Metric, Registry } from 'prom-client';

/**
 * A registry entry whose values are computed at scrape time from state kept elsewhere
 * (prom-client's own classes hold their values themselves).
 */

export interface MetricValue {
  value: number;
  labels?: Record<string, string>;
  sharedLabels?: Record<string, string>;
  metricName?: string;
  /** OpenMetrics exemplar (ignored by the Prometheus text format) */
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

interface CustomMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }>;
  reset(): void;
}

/** Registers a metric whose values are computed at scrape time. */
export function registerComputedMetric(
  registry: Registry,
  name: string,
  help: string,
  type: CustomMetric['type'],
  values: () => MetricValue[],
): void {
  const metric: CustomMetric = {
    name,
    help,
    type,
    async get() {
      return { name, help, type, aggregator: 'sum', values: values() };
    },
    reset() {
      // state belongs to its owner; a registry reset does not clear counters that Prometheus reads as monotonic
    },
  };
  // prom-client's types only name its own classes; the registry needs name, type and get().
  registry.registerMetric(metric as unknown as Metric);
}

