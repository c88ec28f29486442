import { Counter, Gauge, type Registry } from 'prom-client';
import { REQUEST_DURATION_SECONDS, REQUEST_ERRORS_TOTAL, REQUESTS_TOTAL } from '@lookout/alerts';
import { registerComputedMetric, type MetricValue } from '../core/computed-metric.ts';
import { formatBound } from './duration-bounds.ts';
import { splitTenantServiceKey } from '../core/tenant.ts';
import type { RequestSeries, SeriesCell } from './request-series.ts';

/**
 * The request series on /metrics. They are custom registry entries rather than
 * prom-client Counters/Histograms because an OTLP histogram point adds whole bucket
 * counts at once, which prom-client's Histogram cannot, and because the state is kept
 * compact in RequestSeries and read only at scrape time. Names and labels are
 * documented in processors/README.md.
 */

export interface RequestPipelineMetrics {
  /** requests seen per source and what happened to them */
  observations: Counter<'source' | 'outcome'>;
  /** OTLP duration-metric points per outcome of the cumulative → delta conversion */
  metricPoints: Counter<'outcome'>;
  /** spans that were not SERVER/CONSUMER (no request of their own) */
  spansIgnored: Counter;
}

export function registerRequestSeriesMetrics(registry: Registry, series: RequestSeries): RequestPipelineMetrics {
  const bounds = series.bounds;
  const leLabels = [...bounds, Infinity].map((b) => ({ le: formatBound(b) }));
  // The three request metrics share one walk of the state: registry.metrics() calls
  // their getters in one synchronous turn, and the walk is dropped after that turn.
  let snapshot: Array<{ labels: Record<string, string>; cell: SeriesCell }> | undefined;
  const cells = () => {
    if (!snapshot) {
      const walk: Array<{ labels: Record<string, string>; cell: SeriesCell }> = [];
      // a tenant label only on tenants' series: without tenants the series are as they always were
      series.forEachSeries((service, route, cell, tenant) =>
        walk.push({
          labels: tenant === undefined ? { service, route, method: cell.method, status_class: cell.statusClass } : { tenant, service, route, method: cell.method, status_class: cell.statusClass },
          cell,
        }),
      );
      snapshot = walk;
      queueMicrotask(() => (snapshot = undefined));
    }
    return snapshot;
  };

  registerComputedMetric(
    registry,
    REQUESTS_TOTAL,
    'Requests served, from server/consumer spans or http.server.request.duration metrics, by service, route, method and status class.',
    'counter',
    () => cells().map(({ labels, cell }) => ({ labels, value: cell.count })),
  );
  registerComputedMetric(
    registry,
    REQUEST_ERRORS_TOTAL,
    'Requests that failed: HTTP status >= 500, or span status ERROR.',
    'counter',
    () => cells().map(({ labels, cell }) => ({ labels, value: cell.errors })),
  );
  registerComputedMetric(
    registry,
    REQUEST_DURATION_SECONDS,
    'Request duration in seconds; the buckets include every SLI latency threshold.',
    'histogram',
    () => {
      const values: MetricValue[] = [];
      for (const { labels, cell } of cells()) {
        let cumulative = 0;
        for (let i = 0; i < leLabels.length; i++) {
          cumulative += cell.buckets[i]!;
          const value: MetricValue = { metricName: `${REQUEST_DURATION_SECONDS}_bucket`, labels: leLabels[i]!, sharedLabels: labels, value: cumulative };
          // the bucket's last traced request links the latency panel to its trace
          const exemplar = cell.exemplars?.[i];
          if (exemplar) value.exemplar = { labelSet: { trace_id: exemplar.traceId }, value: exemplar.durationSeconds, timestamp: exemplar.atMs / 1000 };
          values.push(value);
        }
        values.push({ metricName: `${REQUEST_DURATION_SECONDS}_sum`, labels, value: cell.sumSeconds });
        values.push({ metricName: `${REQUEST_DURATION_SECONDS}_count`, labels, value: cumulative });
      }
      return values;
    },
  );
  registerComputedMetric(
    registry,
    'lookout_request_series_folded_total',
    'Requests counted under route="other" (or service="other") because their service (or the collector) was at its route (service) bound.',
    'counter',
    () =>
      [...series.foldedCounts()].map(([key, value]) => {
        const { service, tenant } = splitTenantServiceKey(key);
        const labels: Record<string, string> = tenant === undefined ? { service } : { tenant, service };
        return { labels, value };
      }),
  );
  new Gauge({
    name: 'lookout_request_series',
    help: 'Request series (service, route, method, status_class) currently kept.',
    registers: [registry],
    collect() {
      this.set(series.seriesCount);
    },
  });

  const observations = new Counter({
    name: 'lookout_request_observations_total',
    help: 'Requests seen, by source (spans, metrics) and outcome: counted, or skipped because the service is counted from the other source.',
    labelNames: ['source', 'outcome'],
    registers: [registry],
  });
  const metricPoints = new Counter({
    name: 'lookout_request_metric_points_total',
    help: 'http.server.request.duration data points read, by outcome: delta, first, reset (counted); baseline, stale, untracked, unsupported_unit, unsupported_type (not counted).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const spansIgnored = new Counter({
    name: 'lookout_request_spans_ignored_total',
    help: 'Spans that are not SERVER or CONSUMER spans, so stand for no request of their own.',
    registers: [registry],
  });
  return {
    observations,
    metricPoints,
    spansIgnored,
  };
}
