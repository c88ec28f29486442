/** Collector health: what goes out — notifications (outbox, breaker) and exporters. */
import { promQuery, risingThresholds, thresholdSteps, timeseriesPanel } from '../presets.ts';
import type { Section } from '../presets.ts';

const RATE = '$__rate_interval';

export function deliveryRow(): Section {
  return {
    title: 'Notifications and exporters',
    panels: [
      timeseriesPanel({
        title: 'Outbox backlog',
        description: 'Notifications written to the outbox and not yet delivered, per receiver.',
        unit: 'short',
        thresholds: risingThresholds(10, 100),
        targets: [promQuery('lookout_notifications_pending', '{{receiver}}')],
        width: 8,
      }),
      timeseriesPanel({
        title: 'Notifier failures',
        description: 'Failed delivery attempts per second by receiver and reason, and notifications given up.',
        unit: 'short',
        thresholds: risingThresholds(0.001, 0.1),
        targets: [
          promQuery(`sum by (receiver, reason) (rate(lookout_notifications_failed_attempts_total[${RATE}]))`, '{{receiver}} {{reason}}'),
          promQuery(`sum by (receiver) (rate(lookout_notifications_given_up_total[${RATE}]))`, '{{receiver}} given up'),
        ],
        width: 8,
      }),
      timeseriesPanel({
        title: 'Notifier circuit breaker',
        description: 'Breaker state per receiver: 0 closed (sending), 1 half-open (trying), 2 open (paused).',
        unit: 'none',
        thresholds: thresholdSteps([[null, 'green'], [1, 'orange'], [2, 'red']]),
        min: 0,
        max: 2,
        targets: [promQuery('lookout_notifier_breaker_state', '{{receiver}}')],
        width: 8,
      }),
      timeseriesPanel({
        title: 'Loki exporter buffer',
        description: 'Log records waiting for Loki; a growing buffer means Loki is slow or down.',
        unit: 'short',
        targets: [promQuery('lookout_loki_exporter_buffered_records', 'buffered')],
        width: 8,
      }),
      timeseriesPanel({
        title: 'Loki exporter retries and drops',
        description: 'Retries per second by reason and records dropped by reason.',
        unit: 'short',
        thresholds: risingThresholds(0.001, 1),
        targets: [
          promQuery(`sum by (reason) (rate(lookout_loki_exporter_retries_total[${RATE}]))`, 'retry {{reason}}'),
          promQuery(`sum by (reason) (rate(lookout_loki_exporter_dropped_records_total[${RATE}]))`, 'dropped {{reason}}'),
        ],
        width: 8,
      }),
      timeseriesPanel({
        title: 'Probe errors',
        description: 'Probe runs per second that failed or timed out, per probe kind and target.',
        unit: 'short',
        thresholds: risingThresholds(0.001, 0.1),
        targets: [promQuery(`sum by (kind, target, outcome) (rate(lookout_probe_runs_total{outcome=~"failure|timeout"}[${RATE}]))`, '{{kind}} {{target}} {{outcome}}')],
        width: 8,
      }),
    ],
  };
}
