import type { RequestSource } from './config.ts';

/**
 * Which source counts a service's requests, so that a service sending both server
 * spans and http.server.request.duration is counted once. `spans`/`metrics` are fixed
 * choices; `auto` counts spans when the service sent a server span within the window,
 * and its metrics otherwise (spans give trace ids and route templates; a service that
 * samples its traces should be set to `metrics`).
 */
export class SourcePolicy {
  private readonly lastServerSpanMs = new Map<string, number>();

  constructor(
    private readonly defaultSource: RequestSource,
    private readonly perService: Readonly<Record<string, RequestSource>>,
    private readonly autoWindowMs: number,
    /** services remembered at most for `auto` (old entries are swept first) */
    private readonly maxTracked = 10_000,
  ) {}

  sourceOf(service: string): RequestSource {
    return this.perService[service] ?? this.defaultSource;
  }

  /** The service sent server spans now; true when they are what counts its requests. */
  countSpans(service: string, nowMs: number): boolean {
    const source = this.sourceOf(service);
    if (source !== 'auto') return source === 'spans';
    if (!this.lastServerSpanMs.has(service) && this.lastServerSpanMs.size >= this.maxTracked) this.sweep(nowMs);
    if (this.lastServerSpanMs.size < this.maxTracked || this.lastServerSpanMs.has(service)) this.lastServerSpanMs.set(service, nowMs);
    return true;
  }

  /** True when the service's duration metrics are what counts its requests. */
  countMetrics(service: string, nowMs: number): boolean {
    const source = this.sourceOf(service);
    if (source !== 'auto') return source === 'metrics';
    const last = this.lastServerSpanMs.get(service);
    return last === undefined || nowMs - last > this.autoWindowMs;
  }

  private sweep(nowMs: number): void {
    for (const [service, at] of this.lastServerSpanMs) if (nowMs - at > this.autoWindowMs) this.lastServerSpanMs.delete(service);
  }
}
