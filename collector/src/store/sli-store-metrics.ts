import { Counter, Gauge, type Registry } from 'prom-client';
import { SLO_EVENTS_TOTAL, SLO_GOOD_EVENTS_TOTAL } from '@lookout/alerts';
import { registerComputedMetric } from '../core/computed-metric.ts';
import type { RequestSli } from '../core/sli.ts';
import type { SliBucketStore } from './sli-store-api.ts';

export interface SliStoreMetrics {
  flushes: Counter<'outcome'>;
  lastFlushSeconds: Gauge;
}

/**
 * Per-SLO event counters from the store's flushed totals (restored from SQLite at start,
 * so they continue across restarts), plus the store's own health.
 */
export function registerSliStoreMetrics(
  registry: Registry,
  store: SliBucketStore,
  definitions: () => readonly RequestSli[],
): SliStoreMetrics {
  const totals = (pick: 'good' | 'total') => () => {
    const flushed = store.flushedTotalsBySli();
    return definitions().map((d) => ({ labels: { slo: d.id, service: d.service }, value: flushed.get(d.id)?.[pick] ?? 0 }));
  };
  registerComputedMetric(registry, SLO_EVENTS_TOTAL, 'Events counted by an SLO (all-time, as stored in the SLI store).', 'counter', totals('total'));
  registerComputedMetric(
    registry,
    SLO_GOOD_EVENTS_TOTAL,
    'Good events of an SLO: not an error (availability) or under the threshold (latency).',
    'counter',
    totals('good'),
  );
  registerComputedMetric(
    registry,
    'lookout_sli_store_dropped_events_total',
    'SLI events not stored: too_old (before the retention window) or pending_full (flushes failing for long).',
    'counter',
    () => [
      { labels: { reason: 'too_old' }, value: store.dropped.tooOld },
      { labels: { reason: 'pending_full' }, value: store.dropped.pendingFull },
    ],
  );
  new Gauge({
    name: 'lookout_sli_store_pending_buckets',
    help: '(SLI, minute) buckets buffered in memory, waiting for the next flush.',
    registers: [registry],
    collect() {
      this.set(store.pendingBucketCount);
    },
  });
  return {
    flushes: new Counter({
      name: 'lookout_sli_store_flushes_total',
      help: 'Flushes of the SLI store to SQLite, by outcome (ok, error).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    lastFlushSeconds: new Gauge({
      name: 'lookout_sli_store_last_flush_timestamp_seconds',
      help: 'When the SLI store last wrote to SQLite successfully (Unix seconds).',
      registers: [registry],
    }),
  };
}
