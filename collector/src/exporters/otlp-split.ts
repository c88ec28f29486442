/**
 * Splits one decoded request into parts of at most `maxItems` spans, data points or log
 * records, pure, keeping each item under its own resource and scope (copies of those
 * envelopes, the items themselves shared). A receiver may take a request far larger than
 * a backend accepts (Tempo's gRPC limit is 4 MiB by default); the exporter sends it in
 * batchItems-sized requests instead.
 */
import type { LogsData, Metric, MetricsData, Signal, SignalData, TracesData } from '@lookout/otlp';

function pointsOf(metric: Metric): readonly unknown[] {
  return 'dataPoints' in metric.data ? metric.data.dataPoints : [];
}

function withPoints(metric: Metric, points: unknown[]): Metric {
  return { ...metric, data: { ...metric.data, dataPoints: points } as Metric['data'] };
}

/** Generic walk: resources → scopes → items, cutting a new part every maxItems items. */
function split<R, S, I, D>(
  resources: readonly R[],
  scopesOf: (r: R) => readonly S[],
  itemsOf: (s: S) => readonly I[],
  weight: (i: I) => number,
  rebuildScope: (s: S, items: I[]) => S,
  rebuildResource: (r: R, scopes: S[]) => R,
  wrap: (resources: R[]) => D,
  maxItems: number,
): Array<{ data: D; items: number }> {
  const parts: Array<{ data: D; items: number }> = [];
  let current: R[] = [];
  let count = 0;
  const cut = () => {
    if (count > 0) parts.push({ data: wrap(current), items: count });
    current = [];
    count = 0;
  };
  for (const resource of resources) {
    let scopes: S[] = [];
    for (const scope of scopesOf(resource)) {
      let items: I[] = [];
      for (const item of itemsOf(scope)) {
        const w = weight(item);
        if (count + w > maxItems && count > 0) {
          if (items.length > 0) scopes.push(rebuildScope(scope, items));
          if (scopes.length > 0) current.push(rebuildResource(resource, scopes));
          cut();
          scopes = [];
          items = [];
        }
        items.push(item);
        count += w;
      }
      if (items.length > 0) scopes.push(rebuildScope(scope, items));
    }
    if (scopes.length > 0) current.push(rebuildResource(resource, scopes));
  }
  cut();
  return parts;
}

export function splitSignalData<S extends Signal>(signal: S, data: SignalData[S], maxItems: number): Array<{ data: SignalData[S]; items: number }> {
  if (signal === 'traces') {
    const d = data as TracesData;
    return split(
      d.resourceSpans,
      (r) => r.scopeSpans,
      (s) => s.spans,
      () => 1,
      (s, spans) => ({ ...s, spans }),
      (r, scopeSpans) => ({ ...r, scopeSpans }),
      (resourceSpans) => ({ resourceSpans }) as SignalData[S],
      maxItems,
    );
  }
  if (signal === 'logs') {
    const d = data as LogsData;
    return split(
      d.resourceLogs,
      (r) => r.scopeLogs,
      (s) => s.logRecords,
      () => 1,
      (s, logRecords) => ({ ...s, logRecords }),
      (r, scopeLogs) => ({ ...r, scopeLogs }),
      (resourceLogs) => ({ resourceLogs }) as SignalData[S],
      maxItems,
    );
  }
  // metrics: a metric is cut between its data points when it alone is over the bound
  const d = data as MetricsData;
  const pieces = d.resourceMetrics.map((rm) => ({
    ...rm,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      ...sm,
      metrics: sm.metrics.flatMap((m) => {
        const points = pointsOf(m);
        if (points.length <= maxItems) return [m];
        const out: Metric[] = [];
        for (let i = 0; i < points.length; i += maxItems) out.push(withPoints(m, points.slice(i, i + maxItems) as unknown[]));
        return out;
      }),
    })),
  }));
  return split(
    pieces,
    (r) => r.scopeMetrics,
    (s) => s.metrics,
    (m) => pointsOf(m).length,
    (s, metrics) => ({ ...s, metrics }),
    (r, scopeMetrics) => ({ ...r, scopeMetrics }),
    (resourceMetrics) => ({ resourceMetrics }) as SignalData[S],
    maxItems,
  );
}
