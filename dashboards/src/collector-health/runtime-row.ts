/** Collector health: the SLI store and the SLO evaluator. */
import { promQuery, risingThresholds, statPanel, timeseriesPanel } from '../presets.ts';
import type { Section } from '../presets.ts';

const RATE = '$__rate_interval';

export function runtimeRow(): Section {
  return {
    title: 'SLI store and SLO evaluation',
    panels: [
      statPanel({
        title: 'Since last SLI store write',
        description: 'Seconds since buffered SLI counts were last written to the store.',
        unit: 's',
        thresholds: risingThresholds(60, 300),
        targets: [promQuery('time() - max(lookout_sli_store_last_flush_timestamp_seconds)', 'age', { instant: true })],
      }),
      statPanel({
        title: 'SLO evaluation failures',
        description: 'SLOs whose last evaluation failed (store unreadable).',
        unit: 'short',
        thresholds: risingThresholds(1, 1),
        targets: [promQuery('max(lookout_slo_evaluation_failures)', 'failures', { instant: true })],
      }),
      statPanel({
        title: 'Evaluation cycle',
        description: 'How long the last evaluation of every SLO took.',
        unit: 's',
        thresholds: risingThresholds(1, 10),
        targets: [promQuery('max(lookout_slo_evaluation_duration_seconds)', 'cycle', { instant: true })],
      }),
      statPanel({
        title: 'Request series',
        description: 'Request series (service, route, method, status class) kept under the cardinality guard.',
        unit: 'short',
        targets: [promQuery('max(lookout_request_series)', 'series', { instant: true })],
      }),
      timeseriesPanel({
        title: 'SLI events not stored',
        description: 'SLI events dropped per second by reason (too old, pending buffer full).',
        unit: 'short',
        thresholds: risingThresholds(0.001, 1),
        targets: [promQuery(`sum by (reason) (rate(lookout_sli_store_dropped_events_total[${RATE}]))`, '{{reason}}')],
      }),
      timeseriesPanel({
        title: 'Requests folded by the cardinality guard',
        description: 'Requests per second counted under route="other" or service="other" because a limit was reached.',
        unit: 'reqps',
        thresholds: risingThresholds(0.001, 1),
        targets: [promQuery(`sum by (service) (rate(lookout_request_series_folded_total[${RATE}]))`, '{{service}}')],
      }),
    ],
  };
}
