/** Collector health: what comes in, what is refused, how full the queue is. */
import { promQuery, risingThresholds, statPanel, timeseriesPanel } from '../presets.ts';
import type { Section } from '../presets.ts';

const RATE = '$__rate_interval';

export function ingestRow(): Section {
  return {
    title: 'Ingest',
    panels: [
      statPanel({
        title: 'Accepted items per second',
        description: 'Spans, data points and log records acknowledged by every receiver.',
        unit: 'short',
        targets: [promQuery(`sum(rate(lookout_receiver_accepted_items_total[${RATE}]))`, 'accepted/s', { instant: true })],
      }),
      statPanel({
        title: 'Refused items per second',
        description: 'Items not acknowledged (invalid, queue full, shutting down); senders retry or lose them.',
        unit: 'short',
        thresholds: risingThresholds(0.001, 1),
        targets: [promQuery(`sum(rate(lookout_receiver_refused_items_total[${RATE}])) or vector(0)`, 'refused/s', { instant: true })],
      }),
      statPanel({
        title: 'Queue fill',
        description: 'Bytes waiting in the ingest queue over its capacity; at 100 % receivers answer 429.',
        unit: 'percentunit',
        thresholds: risingThresholds(0.7, 0.9),
        targets: [promQuery('max(lookout_queue_bytes / lookout_queue_capacity_bytes)', 'queue fill', { instant: true })],
      }),
      statPanel({
        title: 'Items lost after acknowledgement',
        description: 'Items a failing consumer dropped after they were acknowledged, over the time range; should stay 0.',
        unit: 'short',
        thresholds: risingThresholds(1, 1),
        targets: [promQuery('sum(increase(lookout_pipeline_dropped_items_total[$__range])) or vector(0)', 'dropped', { instant: true })],
      }),
      timeseriesPanel({
        title: 'Ingest per signal and receiver',
        description: 'Items accepted per second, per receiver and signal.',
        unit: 'short',
        stacked: true,
        targets: [promQuery(`sum by (receiver, signal) (rate(lookout_receiver_accepted_items_total[${RATE}]))`, '{{receiver}} {{signal}}')],
      }),
      timeseriesPanel({
        title: 'Refusals by reason',
        description: 'Items and whole requests refused per second, by receiver and reason (malformed, too_large, queue_full…).',
        unit: 'short',
        thresholds: risingThresholds(0.001, 1),
        targets: [
          promQuery(`sum by (receiver, reason) (rate(lookout_receiver_refused_items_total[${RATE}]))`, 'items {{receiver}} {{reason}}'),
          promQuery(`sum by (receiver, reason) (rate(lookout_receiver_refused_requests_total[${RATE}]))`, 'requests {{receiver}} {{reason}}'),
        ],
      }),
      timeseriesPanel({
        title: 'Queue depth against capacity',
        description: 'Items and bytes waiting in the ingest queue, with its bounds.',
        unit: 'short',
        targets: [
          promQuery('lookout_queue_items', 'items'),
          promQuery('lookout_queue_capacity_items', 'capacity (items)'),
        ],
      }),
      timeseriesPanel({
        title: 'Export request duration (p99)',
        description: '99th percentile time to answer an export request, per receiver and signal.',
        unit: 's',
        thresholds: risingThresholds(0.5, 2),
        targets: [
          promQuery(
            `histogram_quantile(0.99, sum by (le, receiver, signal) (rate(lookout_receiver_request_duration_seconds_bucket[${RATE}])))`,
            '{{receiver}} {{signal}}',
          ),
        ],
      }),
    ],
  };
}
