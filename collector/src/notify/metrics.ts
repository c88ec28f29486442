import { Counter, Gauge, type Registry } from 'prom-client';
import type { FailureReason } from './transport.ts';

/** The notifier's self-metrics; names are documented in collector/src/notify/README.md. */
export interface NotifyMetrics {
  enqueued(receiver: string, count?: number): void;
  delivered(receiver: string): void;
  failedAttempt(receiver: string, reason: FailureReason): void;
  givenUp(receiver: string): void;
  breakerState(receiver: string, value: number): void;
}

/**
 * Registers the metrics on `registry`. `pendingCounts` is read at scrape time, so the
 * pending gauge is exact even for rows a previous run left behind; `receivers` get a
 * zero series from the start.
 */
export function registerNotifyMetrics(
  registry: Registry,
  receivers: readonly string[],
  pendingCounts: () => Map<string, number>,
): NotifyMetrics {
  const enqueued = new Counter({
    name: 'lookout_notifications_enqueued_total',
    help: 'Notification deliveries written to the outbox, per receiver.',
    labelNames: ['receiver'],
    registers: [registry],
  });
  const delivered = new Counter({
    name: 'lookout_notifications_delivered_total',
    help: 'Notification deliveries the receiver accepted (2xx), per receiver.',
    labelNames: ['receiver'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'lookout_notifications_failed_attempts_total',
    help: 'Delivery attempts that failed, per receiver and reason (network, timeout, status_5xx, status_429, status_4xx).',
    labelNames: ['receiver', 'reason'],
    registers: [registry],
  });
  const givenUp = new Counter({
    name: 'lookout_notifications_given_up_total',
    help: 'Notification deliveries abandoned after retry.maxAge, per receiver.',
    labelNames: ['receiver'],
    registers: [registry],
  });
  new Gauge({
    name: 'lookout_notifications_pending',
    help: 'Notification deliveries in the outbox not yet delivered nor given up, per receiver.',
    labelNames: ['receiver'],
    registers: [registry],
    collect() {
      const counts = pendingCounts();
      this.reset();
      for (const receiver of receivers) this.set({ receiver }, counts.get(receiver) ?? 0);
      for (const [receiver, n] of counts) if (!receivers.includes(receiver)) this.set({ receiver }, n);
    },
  });
  const breaker = new Gauge({
    name: 'lookout_notifier_breaker_state',
    help: 'Circuit breaker of each receiver: 0 closed, 1 half-open, 2 open.',
    labelNames: ['receiver'],
    registers: [registry],
  });
  for (const receiver of receivers) {
    enqueued.inc({ receiver }, 0);
    delivered.inc({ receiver }, 0);
    givenUp.inc({ receiver }, 0);
    breaker.set({ receiver }, 0);
  }
  return {
    enqueued: (receiver, count = 1) => enqueued.inc({ receiver }, count),
    delivered: (receiver) => delivered.inc({ receiver }),
    failedAttempt: (receiver, reason) => failed.inc({ receiver, reason }),
    givenUp: (receiver) => givenUp.inc({ receiver }),
    breakerState: (receiver, value) => breaker.set({ receiver }, value),
  };
}
