import { Counter, Gauge, type Registry } from 'prom-client';
import type { Batch } from '@lookout/otlp';
import { convertMetrics, type PromPoint } from './prom-conversion.ts';
import { PromSeriesStore } from './prom-series-store.ts';
import type { ReceivedMetricsConfig } from './received-metrics-config.ts';

export interface ReceivedMetricsOptions {
  config: ReceivedMetricsConfig;
  /** the collector's registry: self-metrics go there, and its names win over received ones */
  registry: Registry;
  now: () => number;
}

/** Who else wants each converted series update (remote write): points after accumulation, stale ones included. */
export type ReceivedMetricsListener = (points: readonly PromPoint[]) => void;

/**
 * The received OTLP metrics as Prometheus series: a metrics consumer on the queue that
 * converts (prom-conversion.ts), keeps the latest value of each series
 * (prom-series-store.ts) and renders them after the collector's own metrics on
 * /metrics. Listeners (the remote-write exporter) get every update, so both outputs
 * share one conversion and one set of running totals.
 */
export class ReceivedMetrics {
  private readonly store: PromSeriesStore;
  private readonly listeners: ReceivedMetricsListener[] = [];
  private readonly dropped: Counter<'reason'>;
  private readonly expired: Counter;

  constructor(private readonly options: ReceivedMetricsOptions) {
    const { config, registry } = options;
    this.store = new PromSeriesStore({
      maxSeries: config.maxSeries,
      staleAfterMs: config.staleAfter,
      reservedName: (family) => registry.getSingleMetric(family) !== undefined,
    });
    const registers = [registry];
    this.dropped = new Counter({
      name: 'lookout_received_metrics_dropped_points_total',
      help: 'Received OTLP metric points not exposed, by reason: series_limit (the overflow), type_conflict, name_conflict (a name the collector exposes itself), out_of_order, delta_non_monotonic, unspecified_temporality, empty_metric.',
      labelNames: ['reason'],
      registers,
    });
    this.expired = new Counter({ name: 'lookout_received_metrics_expired_series_total', help: 'Received series removed after staleAfter without an update.', registers });
    new Gauge({
      name: 'lookout_received_metrics_series',
      help: 'Received OTLP series exposed now.',
      registers,
      collect: () => {
        this.expire();
        (registry.getSingleMetric('lookout_received_metrics_series') as Gauge).set(this.store.seriesCount);
      },
    });
    new Gauge({ name: 'lookout_received_metrics_series_limit', help: 'exporters.prometheus.maxSeries.', registers }).set(config.maxSeries);
  }

  onUpdate(listener: ReceivedMetricsListener): void {
    this.listeners.push(listener);
  }

  /** The queue consumer. */
  consume(batch: Batch<'metrics'>): void {
    const now = this.options.now();
    this.expire();
    const converted = convertMetrics(batch.data, { scopeLabels: this.options.config.scopeLabels });
    for (const [reason, n] of Object.entries(converted.dropped)) this.dropped.inc({ reason }, n);
    const applied = this.store.apply(converted.points, now);
    for (const [reason, n] of Object.entries(applied.dropped)) this.dropped.inc({ reason }, n);
    if (applied.updated.length > 0) for (const listener of this.listeners) listener(applied.updated);
  }

  /** The series in the text format, to append to the collector's own /metrics. */
  exposition(openMetrics = false): string {
    this.expire();
    return this.store.exposition(openMetrics);
  }

  get seriesCount(): number {
    return this.store.seriesCount;
  }

  private expire(): void {
    const gone = this.store.expire(this.options.now());
    if (gone.length === 0) return;
    this.expired.inc(gone.length);
    const stale = gone.map((p) => ({ ...p, stale: true, timeMs: this.options.now() }));
    for (const listener of this.listeners) listener(stale);
  }
}
