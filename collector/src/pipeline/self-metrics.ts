import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Signal } from '@lookout/otlp';

/**
 * The collector's own metrics, on GET /metrics. Names are stable and documented in
 * collector/README.md. Tokens and tenant secrets never become label values; the tenant
 * *name* from config does.
 */
export interface SelfMetrics {
  registry: Registry;
  /** export requests by receiver, signal and HTTP-like outcome code */
  requests: Counter<'receiver' | 'signal' | 'code'>;
  /** items (spans, data points, log records) seen in well-formed requests */
  receivedItems: Counter<'receiver' | 'signal' | 'tenant'>;
  /** items acknowledged to the sender (in the queue) */
  acceptedItems: Counter<'receiver' | 'signal' | 'tenant'>;
  /** items refused before acknowledgement, by reason (malformed, too_large, queue_full, unauthorized...) */
  refusedItems: Counter<'receiver' | 'signal' | 'reason'>;
  /** whole requests refused before their items could be counted */
  refusedRequests: Counter<'receiver' | 'signal' | 'reason'>;
  /** requests of a known tenant refused, by tenant and reason (issue 12: one tenant's refusals beside another's) */
  tenantRefusedRequests: Counter<'tenant' | 'reason'>;
  /** items acknowledged but not delivered again: a log.record.uid seen before */
  duplicateItems: Counter<'receiver' | 'signal'>;
  /** items lost after acknowledgement, by reason (consumer_error...) */
  droppedItems: Counter<'signal' | 'reason'>;
  queueItems: Gauge;
  queueBytes: Gauge;
  queueCapacityItems: Gauge;
  queueCapacityBytes: Gauge;
  requestDuration: Histogram<'receiver' | 'signal'>;
}

export interface SelfMetricsOptions {
  defaultMetrics?: boolean;
  /** read at scrape time, so ingest does not update gauges per request */
  queueDepth?: () => { items: number; bytes: number };
}

export function createSelfMetrics(options: SelfMetricsOptions = {}): SelfMetrics {
  const depth = options.queueDepth;
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'lookout_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'lookout_receiver_requests_total',
      help: 'Export requests received, by receiver, signal and response code.',
      labelNames: ['receiver', 'signal', 'code'],
      registers,
    }),
    receivedItems: new Counter({
      name: 'lookout_receiver_received_items_total',
      help: 'Spans, metric data points and log records found in well-formed requests.',
      labelNames: ['receiver', 'signal', 'tenant'],
      registers,
    }),
    acceptedItems: new Counter({
      name: 'lookout_receiver_accepted_items_total',
      help: 'Items acknowledged to the sender: taken into the pipeline queue.',
      labelNames: ['receiver', 'signal', 'tenant'],
      registers,
    }),
    refusedItems: new Counter({
      name: 'lookout_receiver_refused_items_total',
      help: 'Items refused before acknowledgement (invalid item, queue full, shutting down).',
      labelNames: ['receiver', 'signal', 'reason'],
      registers,
    }),
    tenantRefusedRequests: new Counter({
      name: 'lookout_tenant_refused_requests_total',
      help: 'Requests of an authenticated tenant refused, by tenant and reason (tenant_quota, queue_full, malformed, client_gone, shutting_down).',
      labelNames: ['tenant', 'reason'],
      registers,
    }),
    refusedRequests: new Counter({
      name: 'lookout_receiver_refused_requests_total',
      help: 'Requests refused as a whole (malformed, too large, unsupported media type, unauthorized, queue full).',
      labelNames: ['receiver', 'signal', 'reason'],
      registers,
    }),
    duplicateItems: new Counter({
      name: 'lookout_receiver_duplicate_items_total',
      help: 'Log records acknowledged but not delivered again because their log.record.uid was seen recently (a sender repeating a batch).',
      labelNames: ['receiver', 'signal'],
      registers,
    }),
    droppedItems: new Counter({
      name: 'lookout_pipeline_dropped_items_total',
      help: 'Items lost after acknowledgement, by reason. Should stay at zero.',
      labelNames: ['signal', 'reason'],
      registers,
    }),
    queueItems: new Gauge({
      name: 'lookout_queue_items',
      help: 'Items waiting in the pipeline queue.',
      registers,
      collect() {
        if (depth) this.set(depth().items);
      },
    }),
    queueBytes: new Gauge({
      name: 'lookout_queue_bytes',
      help: 'Encoded bytes waiting in the pipeline queue.',
      registers,
      collect() {
        if (depth) this.set(depth().bytes);
      },
    }),
    queueCapacityItems: new Gauge({ name: 'lookout_queue_capacity_items', help: 'Item bound of the pipeline queue.', registers }),
    queueCapacityBytes: new Gauge({ name: 'lookout_queue_capacity_bytes', help: 'Byte bound of the pipeline queue.', registers }),
    requestDuration: new Histogram({
      name: 'lookout_receiver_request_duration_seconds',
      help: 'Time from request received to response sent, by receiver and signal.',
      labelNames: ['receiver', 'signal'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];
