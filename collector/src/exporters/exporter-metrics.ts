import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryEvents, DropReason } from './delivery-queue.ts';

/**
 * The self-metrics every queue-based exporter has, under its own prefix and with one
 * label (`signal` for OTLP, `shard` for remote write) naming which sender it is.
 */
export interface ExporterMetrics<L extends string> {
  sent: Counter<L>;
  rejected: Counter<L>;
  failed: Counter<L | 'reason'>;
  retries: Counter<L | 'reason'>;
  dropped: Counter<L | 'reason'>;
  breaker: Gauge<L>;
  buffered: Gauge<L>;
  capacity: Gauge;
}

export function createExporterMetrics<L extends string>(
  registry: Registry,
  prefix: string,
  itemWord: string,
  label: L,
  buffered: () => Array<{ value: string; items: number }>,
): ExporterMetrics<L> {
  const registers = [registry];
  const labelNames = [label] as const;
  const bufferedGauge: Gauge<L> = new Gauge({
    name: `${prefix}_buffered_${itemWord}`,
    help: `${itemWord} waiting to be sent.`,
    labelNames,
    registers,
    collect() {
      for (const b of buffered()) bufferedGauge.set({ [label]: b.value } as Record<L, string>, b.items);
    },
  });
  return {
    sent: new Counter({ name: `${prefix}_sent_${itemWord}_total`, help: `${itemWord} the backend accepted.`, labelNames, registers }),
    rejected: new Counter({
      name: `${prefix}_rejected_${itemWord}_total`,
      help: `${itemWord} the backend refused inside an accepted request (partial success).`,
      labelNames,
      registers,
    }),
    failed: new Counter({
      name: `${prefix}_failed_requests_total`,
      help: 'Send attempts that failed, by reason (retried or not): network, timeout, status_…, rejected.',
      labelNames: [label, 'reason'],
      registers,
    }),
    retries: new Counter({
      name: `${prefix}_retries_total`,
      help: 'Send attempts that failed and were retried, by reason: network, timeout, status_429, status_5xx, …',
      labelNames: [label, 'reason'],
      registers,
    }),
    dropped: new Counter({
      name: `${prefix}_dropped_${itemWord}_total`,
      help: `${itemWord} given up, by reason: buffer_full, rejected (a 4xx), retries_exhausted, shutdown.`,
      labelNames: [label, 'reason'],
      registers,
    }),
    breaker: new Gauge({ name: `${prefix}_breaker_state`, help: 'Circuit breaker: 0 closed, 1 half-open, 2 open.', labelNames, registers }),
    buffered: bufferedGauge,
    capacity: new Gauge({ name: `${prefix}_buffer_capacity_${itemWord}`, help: `${itemWord} the buffer holds at most, per sender.`, registers }),
  };
}

/** DeliveryEvents that count into the metrics for one sender and log what a user must act on. */
export function deliveryEventsFor<L extends string>(
  metrics: ExporterMetrics<L>,
  label: L,
  value: string,
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
): DeliveryEvents {
  const labels = { [label]: value } as Record<L, string>;
  metrics.breaker.set(labels, 0);
  return {
    sent: (items) => metrics.sent.inc(labels, items),
    partiallyRejected(items, message) {
      metrics.rejected.inc(labels, items);
      log.warn({ [label]: value, rejected: items, message }, 'the backend refused part of a request (partial success)');
    },
    failed: (reason) => metrics.failed.inc({ ...labels, reason } as Record<L | 'reason', string>),
    retried: (reason) => metrics.retries.inc({ ...labels, reason } as Record<L | 'reason', string>),
    dropped(reason: DropReason, items, detail) {
      metrics.dropped.inc({ ...labels, reason } as Record<L | 'reason', string>, items);
      if (reason === 'rejected') log.error({ [label]: value, items, detail }, 'the backend refused a batch for good; its items are dropped (fix the cause it gives)');
      else if (reason !== 'buffer_full') log.warn({ [label]: value, items, reason, detail }, 'items dropped');
    },
    breakerChanged: (gauge) => metrics.breaker.set(labels, gauge),
  };
}
