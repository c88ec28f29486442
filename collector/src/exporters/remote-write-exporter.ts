import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from '../core/logger.ts';
import type { Registry } from 'prom-client';
import { compress } from 'snappyjs';
import { parseRetryAfter } from '../core/backoff.ts';
import { DeliveryQueue, type SendOutcome } from './delivery-queue.ts';
import { createExporterMetrics, deliveryEventsFor, type ExporterMetrics } from './exporter-metrics.ts';
import { headerValue, httpPost } from './http-post.ts';
import type { PromLabels, PromPoint } from './prom-conversion.ts';
import { samplesOf } from './prom-series-store.ts';
import type { RemoteWriteConfig } from './remote-write-config.ts';
import { encodeLabels, encodeWriteRequest, type RemoteWriteSeries } from './remote-write-proto.ts';

/** Series whose labels are kept ready; past it the cache starts over (bounded memory). */
const SERIES_CACHE_LIMIT = 100_000;

/** One sample on its way: its series (labels with __name__, sorted) and key, value, time. */
export interface RemoteWriteEntry {
  key: string;
  labels: PromLabels;
  /** encodeLabels(labels), when known (cached per series) */
  encodedLabels?: Uint8Array;
  value: number;
  timestampMs: number;
  stale: boolean;
  /** the reading's served mark (captured with it; readings are numbered in order) */
  served?: { n: number; token: object };
}

/** A sample's full label set: `__name__`, its own labels, external labels it does not have; sorted. */
export function seriesLabels(name: string, labels: PromLabels | Record<string, string>, external: Readonly<Record<string, string>>): PromLabels {
  const map = new Map<string, string>(Array.isArray(labels) ? (labels as PromLabels) : Object.entries(labels as Record<string, string>));
  for (const [k, v] of Object.entries(external)) if (!map.has(k) || map.get(k) === '') map.set(k, v);
  map.set('__name__', name);
  const out: Array<readonly [string, string]> = [];
  for (const [k, v] of map) if (v !== '') out.push([k, String(v)]);
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

export function labelsKey(labels: PromLabels): string {
  let key = '';
  for (const [k, v] of labels) key += k + '\u0001' + v + '\u0000';
  return key;
}

/** Entries of one batch → series, each series' samples in timestamp order (stable for equal times). */
export function toSeries(entries: readonly RemoteWriteEntry[]): RemoteWriteSeries[] {
  const byKey = new Map<string, RemoteWriteSeries>();
  for (const e of entries) {
    let series = byKey.get(e.key);
    if (!series) {
      series = { labels: e.labels, samples: [], ...(e.encodedLabels ? { encodedLabels: e.encodedLabels } : {}) };
      byKey.set(e.key, series);
    }
    series.samples.push({ value: e.value, timestampMs: e.timestampMs, ...(e.stale ? { stale: true } : {}) });
  }
  for (const series of byKey.values()) series.samples.sort((a, b) => a.timestampMs - b.timestampMs);
  return [...byKey.values()];
}

/** FNV-1a, for the shard of a series. */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export interface RemoteWriteExporterOptions {
  config: RemoteWriteConfig;
  registry: Registry;
  logger: Logger;
  now: () => number;
  random?: () => number;
  /** instance label of the collector's own series; the host name by default */
  instance?: string;
  /** the durable pipeline's served mark: captured with each reading of the collector's own series, written before a request holding it is sent */
  served?: ServedMarks;
}

/** Under durability disk: how far a reading of the request series counted (capture), marked before it leaves (mark). */
export interface ServedMarks {
  capture(): object;
  mark(token: object): Promise<void>;
}

/**
 * Prometheus remote write 1.0: the received OTLP metrics (the same conversion and running
 * totals as /metrics, via ReceivedMetrics' listener) as they arrive, and the collector's
 * own request series and SLO counters every selfInterval. Samples are sharded by series,
 * so one shard's DeliveryQueue sends a series in order and retries its head batch until
 * the receiver takes it: 5xx and 429 (with Retry-After) are retried, any other 4xx
 * (Prometheus' out-of-order or out-of-bounds answers) is dropped and counted.
 */
export class RemoteWriteExporter {
  readonly metrics: ExporterMetrics<'shard'>;
  private readonly shards: DeliveryQueue<RemoteWriteEntry>[] = [];
  private readonly headers: Record<string, string>;
  private readonly ca: Buffer | undefined;
  private readonly url: URL;
  private readonly instance: string;
  private timer: NodeJS.Timeout | undefined;
  private lastSelfMs = 0;
  private readings = 0;
  /** PromPoint key (+ sample index) → the series' remote-write labels, key and shard */
  private readonly seriesCache = new Map<string, { labels: PromLabels; key: string; shard: number; encodedLabels: Uint8Array }>();

  constructor(private readonly options: RemoteWriteExporterOptions) {
    const { config, registry, logger } = options;
    this.url = new URL(config.url);
    this.instance = options.instance ?? hostname();
    if (config.tls) {
      try {
        this.ca = readFileSync(config.tls.caFile);
      } catch (error) {
        throw new Error(`exporters.remoteWrite.tls.caFile: cannot read ${config.tls.caFile} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the PEM file of the endpoint's CA`);
      }
    }
    this.headers = {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'lookout-collector',
      ...config.headers,
    };
    if (config.bearerToken) this.headers.authorization = `Bearer ${config.bearerToken}`;
    this.metrics = createExporterMetrics(registry, 'lookout_remote_write_exporter', 'samples', 'shard', () =>
      this.shards.map((q, i) => ({ value: String(i), items: q.bufferedItems })),
    );
    const perShard = Math.max(1, Math.ceil(config.maxBufferSamples / config.shards));
    this.metrics.capacity.set(perShard);
    for (let i = 0; i < config.shards; i++) {
      this.shards.push(
        new DeliveryQueue<RemoteWriteEntry>({
          settings: {
            batchItems: config.batchSamples,
            batchWaitMs: config.batchWait,
            maxBufferItems: perShard,
            minBackoffMs: config.minBackoff,
            maxBackoffMs: config.maxBackoff,
            maxElapsedMs: config.maxElapsed,
            breaker: { failureThreshold: config.breaker.failureThreshold, coolDownMs: config.breaker.coolDown },
          },
          send: (entries) => this.send(entries),
          events: deliveryEventsFor(this.metrics, 'shard', String(i), logger),
          now: options.now,
          ...(options.random ? { random: options.random } : {}),
        }),
      );
    }
  }

  /** Starts sampling the collector's own series every selfInterval. */
  start(): void {
    if (this.timer || this.options.config.selfSeries.length === 0) return;
    this.timer = setInterval(() => void this.sampleSelf(), this.options.config.selfInterval);
    this.timer.unref();
  }

  /** ReceivedMetrics' listener: converted points (after delta accumulation) become samples. */
  acceptPoints(points: readonly PromPoint[]): void {
    const external = this.options.config.externalLabels;
    for (const point of points) {
      const samples = samplesOf(point.family, point.labels, point.value);
      for (let i = 0; i < samples.length; i++) {
        const sample = samples[i]!;
        // a series' full label set is built once and reused while it keeps sending
        const cacheKey = i === 0 ? point.key : point.key + '\u0002' + i + '\u0002' + sample.name;
        let series = this.seriesCache.get(cacheKey);
        if (!series) {
          if (this.seriesCache.size >= SERIES_CACHE_LIMIT) this.seriesCache.clear();
          const labels = seriesLabels(sample.name, sample.labels, external);
          const key = labelsKey(labels);
          series = { labels, key, shard: shardOf(key, this.shards.length), encodedLabels: encodeLabels(labels) };
          this.seriesCache.set(cacheKey, series);
        }
        this.shards[series.shard]!.offer(
          { key: series.key, labels: series.labels, encodedLabels: series.encodedLabels, value: sample.value, timestampMs: point.timeMs, stale: point.stale },
          1,
        );
      }
    }
  }

  /** Reads the configured families of the collector's registry and sends them, timestamped now. */
  async sampleSelf(): Promise<void> {
    const { config, registry } = this.options;
    // one sample per series per ms at most: a second reading in the same ms would be a duplicate
    const now = Math.max(Math.floor(this.options.now()), this.lastSelfMs + 1);
    this.lastSelfMs = now;
    const own = { job: config.job, instance: this.instance };
    const reading: RemoteWriteEntry[] = [];
    for (const name of config.selfSeries) {
      const metric = registry.getSingleMetric(name);
      if (!metric) continue;
      const got = (await metric.get()) as { values: Array<{ value: number; labels?: Record<string, string | number>; sharedLabels?: Record<string, string>; metricName?: string }> };
      for (const v of got.values) {
        const merged: Record<string, string> = { ...own };
        for (const [k, value] of Object.entries({ ...v.sharedLabels, ...v.labels })) merged[k] = String(value);
        const labels = seriesLabels(v.metricName ?? name, merged, config.externalLabels);
        reading.push({ key: labelsKey(labels), labels, value: v.value, timestampMs: now, stale: false });
      }
    }
    // what the reading holds is marked before a request holding it is sent (a replay after a kill -9 does not count it again)
    const served = this.options.served ? { n: ++this.readings, token: this.options.served.capture() } : undefined;
    for (const entry of reading) {
      if (served) entry.served = served;
      this.offer(entry);
    }
  }

  bufferedSamples(): number {
    return this.shards.reduce((n, q) => n + q.bufferedItems, 0);
  }

  async flush(): Promise<void> {
    await Promise.all(this.shards.map((q) => q.flush()));
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.shards.map((q) => q.close(timeoutMs)));
  }

  private offer(entry: RemoteWriteEntry): void {
    this.shards[shardOf(entry.key, this.shards.length)]!.offer(entry, 1);
  }

  private async send(entries: RemoteWriteEntry[]): Promise<SendOutcome> {
    let served: RemoteWriteEntry['served'];
    for (const entry of entries) if (entry.served && (!served || entry.served.n > served.n)) served = entry.served;
    if (served) await this.options.served!.mark(served.token);
    const body = compress(encodeWriteRequest(toSeries(entries)));
    let answer;
    try {
      answer = await httpPost(this.url, body, { headers: this.headers, timeoutMs: this.options.config.timeout, ...(this.ca ? { ca: this.ca } : {}) });
    } catch (error) {
      const e = error as Error;
      return { kind: 'retry', reason: e.name === 'TimeoutError' ? 'timeout' : 'network', detail: e.message };
    }
    if (answer.status >= 200 && answer.status < 300) return { kind: 'sent' };
    const detail = `HTTP ${answer.status} from ${this.url.href}: ${answer.body.toString('utf8').slice(0, 300).trim()}`;
    if (answer.status === 429) {
      const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'), this.options.now());
      return { kind: 'retry', reason: 'status_429', detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (answer.status >= 500) return { kind: 'retry', reason: 'status_5xx', detail };
    return { kind: 'drop', reason: 'rejected', detail };
  }
}
