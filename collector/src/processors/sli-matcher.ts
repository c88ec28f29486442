import type { RequestObservation } from '../model/request.ts';
import { statusClassOf } from './http-semantics.ts';
import type { HistogramObservation } from './request-series.ts';
import type { RequestSli, SliSink } from '../core/sli.ts';
import { DEFAULT_TENANT } from '../core/tenant.ts';

export type { RequestSli, SliSink };


interface CompiledSli {
  id: string;
  route: string | undefined;
  method: string | undefined;
  latency: boolean;
  threshold: number;
  /** histogram buckets 0..thresholdBucket are at or under the threshold */
  thresholdBucket: number;
  filter: RequestSli['filter'];
  tenant: string | undefined;
}

/** Events stamped further ahead than this are put in the current minute (sender clock skew). */
const MAX_FUTURE_MS = 60_000;

/** The minute an event is counted in: its end time, or now when that is missing or in the future. */
export function eventMinute(endTimeMs: number, nowMs: number): number {
  const at = endTimeMs > 0 && endTimeMs <= nowMs + MAX_FUTURE_MS ? endTimeMs : nowMs;
  return Math.floor(at / 60_000);
}

/** The labels a request gets on the request series, for SLI filters. */
function seriesLabels(request: { route: string; method: string; statusCode?: number; error: boolean }) {
  return { route: request.route, method: request.method, status_class: statusClassOf(request.statusCode, request.error) };
}

/** Problems in a list of definitions, each saying which one and how to fix it; [] when fine. */
export function sliDefinitionProblems(definitions: readonly RequestSli[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  definitions.forEach((d, i) => {
    const where = `SLI #${i + 1} (${d.id || 'no id'})`;
    if (!d.id) problems.push(`${where}: id is empty; give every SLI a stable id such as checkout-availability`);
    else if (seen.has(d.id)) problems.push(`${where}: id '${d.id}' is used twice; ids must be unique`);
    seen.add(d.id);
    if (!d.service) problems.push(`${where}: service is empty; write the service.name of the service it measures`);
    if (d.kind === 'latency' && !(typeof d.latencyThresholdSeconds === 'number' && d.latencyThresholdSeconds > 0 && Number.isFinite(d.latencyThresholdSeconds)))
      problems.push(`${where}: a latency SLI needs latencyThresholdSeconds > 0, e.g. 0.3 for 300 ms`);
  });
  return problems;
}

/** Latency thresholds of the definitions, for the histogram bounds. */
export function latencyThresholds(definitions: readonly RequestSli[]): number[] {
  return definitions.flatMap((d) => (d.kind === 'latency' && d.latencyThresholdSeconds ? [d.latencyThresholdSeconds] : []));
}

/**
 * Turns request observations into (good, total) increments for every SLI they match.
 * Definitions are indexed by service, so a request costs one map lookup plus its own
 * service's SLIs.
 */
export class SliMatcher {
  private readonly byService = new Map<string, CompiledSli[]>();
  private readonly all: RequestSli[] = [];
  private readonly bounds: readonly number[];

  /** `bounds`: the histogram bounds histogram observations arrive on (seconds, ascending). */
  constructor(definitions: readonly RequestSli[], bounds: readonly number[]) {
    const problems = sliDefinitionProblems(definitions);
    if (problems.length > 0) throw new Error(`invalid SLI definitions:\n${problems.join('\n')}`);
    this.bounds = bounds;
    for (const d of definitions) this.compile(d);
  }

  get definitions(): readonly RequestSli[] {
    return this.all;
  }

  /**
   * Adds an SLI while running (slos.auto), or replaces the one with its id. Its latency
   * threshold should be one of the bounds (histograms count exactly up to a bound).
   */
  add(definition: RequestSli): void {
    const problems = sliDefinitionProblems([definition]);
    if (problems.length > 0) throw new Error(`invalid SLI definition:\n${problems.join('\n')}`);
    const at = this.all.findIndex((d) => d.id === definition.id);
    if (at >= 0) {
      const old = this.all[at]!;
      this.all.splice(at, 1);
      const list = this.byService.get(old.service);
      if (list) {
        const kept = list.filter((c) => c.id !== old.id);
        if (kept.length > 0) this.byService.set(old.service, kept);
        else this.byService.delete(old.service);
      }
    }
    this.compile(definition);
  }

  private compile(d: RequestSli): void {
    const bounds = this.bounds;
    this.all.push(d);
    const threshold = d.latencyThresholdSeconds ?? Infinity;
    // The last bucket whose upper bound is <= threshold; with the threshold among the
    // bounds (the pipeline merges them in) this is exact.
    let thresholdBucket = -1;
    for (let i = 0; i < bounds.length; i++) if (bounds[i]! <= threshold) thresholdBucket = i;
    const compiled: CompiledSli = {
      id: d.id,
      route: d.route,
      method: d.method,
      latency: d.kind === 'latency',
      threshold,
      thresholdBucket,
      filter: d.filter,
      tenant: d.tenant,
    };
    const list = this.byService.get(d.service);
    if (list) list.push(compiled);
    else this.byService.set(d.service, [compiled]);
  }

  get empty(): boolean {
    return this.byService.size === 0;
  }

  /** `latencyKnown: false` (an access log without a duration) feeds availability SLIs only. */
  matchObservation(observation: RequestObservation, nowMs: number, sink: SliSink, latencyKnown = true): void {
    const slis = this.byService.get(observation.service);
    if (!slis) return;
    const count = observation.count ?? 1;
    const tenant = observation.tenant;
    let minute = -1;
    for (const sli of slis) {
      // issue 12: a tenant's SLI counts only its own tenant's requests
      if (sli.tenant !== undefined && sli.tenant !== (tenant ?? DEFAULT_TENANT)) continue;
      if (sli.route !== undefined && sli.route !== observation.route) continue;
      if (sli.method !== undefined && sli.method !== observation.method) continue;
      if (sli.latency && !latencyKnown) continue;
      if (sli.filter && !sli.filter(seriesLabels(observation))) continue;
      if (minute < 0) minute = eventMinute(observation.endTimeMs, nowMs);
      const good = sli.latency ? observation.durationSeconds <= sli.threshold : !observation.error;
      sink(sli.id, minute, good ? count : 0, count);
    }
  }

  matchHistogram(histogram: HistogramObservation, nowMs: number, sink: SliSink): void {
    const slis = this.byService.get(histogram.service);
    if (!slis || histogram.count <= 0) return;
    const tenant = histogram.tenant;
    let minute = -1;
    for (const sli of slis) {
      if (sli.tenant !== undefined && sli.tenant !== (tenant ?? DEFAULT_TENANT)) continue;
      if (sli.route !== undefined && sli.route !== histogram.route) continue;
      if (sli.method !== undefined && sli.method !== histogram.method) continue;
      if (sli.filter && !sli.filter(seriesLabels(histogram))) continue;
      if (minute < 0) minute = eventMinute(histogram.endTimeMs, nowMs);
      let good: number;
      if (sli.latency) {
        good = 0;
        for (let i = 0; i <= sli.thresholdBucket; i++) good += histogram.bucketCounts[i] ?? 0;
      } else {
        good = histogram.error ? 0 : histogram.count;
      }
      sink(sli.id, minute, good, histogram.count);
    }
  }
}
