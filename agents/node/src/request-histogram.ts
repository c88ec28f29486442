import { DEFAULT_DURATION_BUCKETS_SECONDS, REQUEST_DURATION_SECONDS, statusClass } from './request-series.ts';

/** Route label for requests whose route template is unknown, and for series over the bound. */
export const UNKNOWN_ROUTE = '';
export const OVERFLOW_ROUTE = '__overflow__';

interface Series {
  labels: { service: string; route: string; method: string; status_class: string };
  /** per-bucket (not cumulative) counts; the last slot is +Inf */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Methods as normalizeMethod gives them; any other method takes the slow path. */
const METHOD_SLOTS = new Map(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '_OTHER'].map((m, i) => [m, i]));

/** (method, status class) as one small index, -1 when the method is not a known one. */
function slotOf(method: string, statusCode: number): number {
  const m = METHOD_SLOTS.get(method);
  if (m === undefined) return -1;
  const hundreds = Math.floor(statusCode / 100);
  return m * 6 + (hundreds >= 1 && hundreds <= 5 ? hundreds : 0);
}

interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * lookout_request_duration_seconds{service, route, method, status_class}, with the
 * collector's buckets, as a prom-client custom metric (Registry.registerMetric).
 *
 * Why not prom-client's Histogram: its observe() validates and hashes the labels on
 * every call. Here a request costs one string key, one Map lookup and a short bucket
 * scan; the exposition format is built only when scraped or exported. Distinct series
 * are bounded: past `maxSeries`, new routes share the route="__overflow__" series.
 */
export class RequestHistogram {
  readonly name = REQUEST_DURATION_SECONDS;
  readonly help = 'Duration of served HTTP requests, in seconds';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();
  /**
   * Fast path in front of `series`: route -> series by (method, status class) slot, so a
   * request costs no key string. Only routes that have their own series are here (an
   * overflowed route is not cached), so it is bounded like `series`.
   */
  private readonly byRoute = new Map<string, Array<Series | undefined>>();
  private readonly bounds: readonly number[];

  constructor(
    private readonly service: string,
    private readonly maxSeries: number,
    bounds: readonly number[] = DEFAULT_DURATION_BUCKETS_SECONDS,
  ) {
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  get size(): number {
    return this.series.size;
  }

  observe(route: string, method: string, statusCode: number, seconds: number): void {
    if (!(seconds >= 0)) return;
    const slot = slotOf(method, statusCode);
    let slots = this.byRoute.get(route);
    let series = slots?.[slot];
    if (series === undefined) {
      const cls = statusClass(statusCode);
      series = this.series.get(`${route}\u0001${method}\u0001${cls}`) ?? this.addSeries(route, method, cls);
      if (series.labels.route === route && slot >= 0) {
        if (slots === undefined) this.byRoute.set(route, (slots = []));
        slots[slot] = series;
      }
    }
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += seconds;
    series.count++;
  }

  private addSeries(route: string, method: string, cls: string): Series {
    const overflow = this.series.size >= this.maxSeries;
    const labelRoute = overflow ? OVERFLOW_ROUTE : route;
    const key = `${labelRoute}\u0001${method}\u0001${cls}`;
    const existing = this.series.get(key);
    if (existing !== undefined) return existing;
    const series: Series = {
      labels: { service: this.service, route: labelRoute, method, status_class: cls },
      counts: new Float64Array(this.bounds.length + 1),
      sum: 0,
      count: 0,
    };
    // Overflow series are stored under their own key only, so the map stays bounded
    // (at most maxSeries + one overflow series per method and class).
    this.series.set(key, series);
    return series;
  }

  /** prom-client's metric interface: the values in exposition form (cumulative `le` buckets). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    const values: PromValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le: this.bounds[i]! }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
    this.byRoute.clear();
  }
}
