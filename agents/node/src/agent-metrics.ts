import { Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { DropReason } from './bounded-batcher.ts';
import { RequestHistogram } from './request-histogram.ts';

export type Signal = 'traces' | 'metrics' | 'logs';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** Request methods outside the standard set become '_OTHER' (as in the OTel HTTP conventions). */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/**
 * The agent's prom-client registry: default process metrics, the request histogram
 * (same name, labels and buckets as the collector's request series) and the agent's
 * own counters. Its own Registry, so it never collides with the service's metrics.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly requestDuration: RequestHistogram;
  /** plain numbers on the hot path; the prom counters read them when scraped */
  private readonly droppedByReason = new Map<string, { labels: { signal: Signal; reason: DropReason }; value: number }>();
  private readonly queueSize: Gauge<'signal'>;
  private queueSizes: () => Partial<Record<Signal, number>> = () => ({});
  /** counts kept here too, for start()'s caller and tests */
  readonly dropped: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
  readonly exported: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
  /** times a signal's exports moved to another collector endpoint (LOOKOUT_ENDPOINTS) */
  readonly failovers: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };

  constructor(
    service: string,
    maxRequestSeries: number,
    options: { processMetrics: boolean },
  ) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new RequestHistogram(service, maxRequestSeries);
    this.registry.registerMetric(this.requestDuration as unknown as Metric);
    const exported = this.exported;
    const dropped = this.droppedByReason;
    this.registry.registerMetric(
      customCounter('lookout_agent_exported_total', 'Spans, metric data points and log records the collector accepted', () =>
        (Object.keys(exported) as Signal[]).map((signal) => ({ labels: { signal }, value: exported[signal] })),
      ),
    );
    this.registry.registerMetric(
      customCounter(
        'lookout_agent_dropped_total',
        'Spans, metric data points and log records dropped, by reason (queue_full, export_failed, shutdown)',
        () => [...dropped.values()].map((entry) => ({ labels: { ...entry.labels }, value: entry.value })),
      ),
    );
    const failovers = this.failovers;
    this.registry.registerMetric(
      customCounter('lookout_agent_failovers_total', 'Times exports moved to another collector endpoint', () =>
        (Object.keys(failovers) as Signal[]).map((signal) => ({ labels: { signal }, value: failovers[signal] })),
      ),
    );
    const read = () => this.queueSizes();
    this.queueSize = new Gauge({
      name: 'lookout_agent_queue_size',
      help: 'Items waiting to be exported',
      labelNames: ['signal'],
      registers: [this.registry],
      // read when scraped, not updated per item
      collect() {
        for (const [signal, size] of Object.entries(read())) this.set({ signal }, size ?? 0);
      },
    });
  }

  observeRequest(route: string, method: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe(route, method, statusCode, seconds);
  }

  readQueueSizes(read: () => Partial<Record<Signal, number>>): void {
    this.queueSizes = read;
  }

  countExported(signal: Signal, count: number): void {
    this.exported[signal] += count;
  }

  countFailover(signal: Signal): void {
    this.failovers[signal]++;
  }

  countDropped(signal: Signal, count: number, reason: DropReason): void {
    this.dropped[signal] += count;
    const key = `${signal} ${reason}`;
    const entry = this.droppedByReason.get(key);
    if (entry === undefined) this.droppedByReason.set(key, { labels: { signal, reason }, value: count });
    else entry.value += count;
  }
}

/** A counter family whose values are read when scraped (prom-client custom metric). */
function customCounter(name: string, help: string, read: () => Array<{ labels: Record<string, string>; value: number }>): Metric {
  const metric = {
    name,
    help,
    type: 'counter',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'counter', aggregator: 'sum', values: read() }),
    reset: () => {},
  };
  return metric as unknown as Metric;
}
