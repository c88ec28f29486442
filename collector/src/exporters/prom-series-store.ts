/**
 * The received OTLP metrics as Prometheus series, pure over an injected `now`: the
 * latest value of each series (delta points accumulated into running totals), bounded
 * by `maxSeries` (a new series over it is dropped and counted), series not updated for
 * `staleAfterMs` expired, rendered in the Prometheus text format for /metrics.
 */
import type { PromLabels, PromPoint, PromValue } from './prom-conversion.ts';
import type { PromType } from './prom-naming.ts';

export type StoreDropReason = 'series_limit' | 'type_conflict' | 'name_conflict' | 'out_of_order';

export interface PromSeriesStoreOptions {
  maxSeries: number;
  staleAfterMs: number;
  /** family names the process exposes itself (its own registry): received ones by that name are dropped */
  reservedName?: (family: string) => boolean;
}

interface Series {
  point: PromPoint;
  updatedAtMs: number;
}

interface Family {
  type: PromType;
  help: string;
  series: Map<string, Series>;
}

export interface ApplyResult {
  /** each changed series after accumulation, in input order; stale markers for ended series */
  updated: PromPoint[];
  dropped: Partial<Record<StoreDropReason, number>>;
}

function addValues(running: PromValue, delta: PromValue): PromValue | undefined {
  if (running.kind === 'number' && delta.kind === 'number') return { kind: 'number', value: running.value + delta.value };
  if (running.kind === 'histogram' && delta.kind === 'histogram') {
    if (running.bounds.length !== delta.bounds.length || running.bounds.some((b, i) => b !== delta.bounds[i])) return undefined;
    return {
      kind: 'histogram',
      bounds: running.bounds,
      counts: running.counts.map((c, i) => c + (delta.counts[i] ?? 0)),
      sum: running.sum === undefined || delta.sum === undefined ? undefined : running.sum + delta.sum,
      count: running.count + delta.count,
    };
  }
  return undefined;
}

export class PromSeriesStore {
  private readonly families = new Map<string, Family>();
  private seriesTotal = 0;

  constructor(private readonly options: PromSeriesStoreOptions) {}

  get seriesCount(): number {
    return this.seriesTotal;
  }

  get familyCount(): number {
    return this.families.size;
  }

  /** Takes converted points: accumulates deltas, keeps the latest cumulative value. */
  apply(points: readonly PromPoint[], nowMs: number): ApplyResult {
    const updated: PromPoint[] = [];
    const dropped: ApplyResult['dropped'] = {};
    const drop = (reason: StoreDropReason) => (dropped[reason] = (dropped[reason] ?? 0) + 1);
    for (const point of points) {
      let family = this.families.get(point.family);
      if (!family) {
        if (this.options.reservedName?.(point.family)) {
          drop('name_conflict');
          continue;
        }
      } else if (family.type !== point.type) {
        drop('type_conflict');
        continue;
      }
      const existing = family?.series.get(point.key);
      if (point.stale) {
        if (existing) {
          family!.series.delete(point.key);
          this.seriesTotal--;
          if (family!.series.size === 0) this.families.delete(point.family);
          updated.push(point);
        }
        continue;
      }
      if (!existing) {
        if (this.seriesTotal >= this.options.maxSeries) {
          drop('series_limit');
          continue;
        }
        if (!family) {
          family = { type: point.type, help: point.help, series: new Map() };
          this.families.set(point.family, family);
        }
        const first: PromPoint = point.delta ? { ...point, delta: false } : point;
        family.series.set(point.key, { point: first, updatedAtMs: nowMs });
        this.seriesTotal++;
        updated.push(first);
        continue;
      }
      // Older than what we have (a replay, or out of order): would move the series back in time.
      if (point.timeMs < existing.point.timeMs || (point.delta && point.timeMs === existing.point.timeMs)) {
        drop('out_of_order');
        continue;
      }
      let next: PromPoint;
      if (point.delta) {
        const sum = addValues(existing.point.value, point.value);
        // a changed bucket layout restarts the running total
        next = sum ? { ...point, delta: false, value: sum, startTimeMs: existing.point.startTimeMs } : { ...point, delta: false };
      } else {
        next = point;
      }
      existing.point = next;
      existing.updatedAtMs = nowMs;
      updated.push(next);
    }
    return { updated, dropped };
  }

  /** Removes series not updated for staleAfterMs; returns them (remote write sends stale markers). */
  expire(nowMs: number): PromPoint[] {
    const cutoff = nowMs - this.options.staleAfterMs;
    const expired: PromPoint[] = [];
    for (const [name, family] of this.families) {
      for (const [key, series] of family.series) {
        if (series.updatedAtMs <= cutoff) {
          family.series.delete(key);
          expired.push(series.point);
        }
      }
      if (family.series.size === 0) this.families.delete(name);
    }
    this.seriesTotal -= expired.length;
    return expired;
  }

  /**
   * Every current series in the Prometheus text format (0.0.4), families in first-seen
   * order; with `openMetrics` a counter's family is named without its `_total`, as
   * OpenMetrics wants (the samples keep it).
   */
  exposition(openMetrics = false): string {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      const familyName = openMetrics && family.type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
      if (family.help !== '') lines.push(`# HELP ${familyName} ${escapeHelp(family.help)}`);
      lines.push(`# TYPE ${familyName} ${family.type}`);
      for (const { point } of family.series.values()) writeSamples(lines, name, point.labels, point.value);
    }
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  }
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A float as Prometheus writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(labels: PromLabels): string {
  const parts: string[] = [];
  for (const [name, value] of labels) parts.push(`${name}="${escapeLabelValue(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** One sample of a flattened series: for remote write and the exposition alike. */
export interface PromSample {
  name: string;
  labels: PromLabels;
  value: number;
}

/** A series value as its Prometheus samples: histograms become cumulative _bucket{le}, _sum, _count. */
export function samplesOf(family: string, labels: PromLabels, value: PromValue): PromSample[] {
  switch (value.kind) {
    case 'number':
      return [{ name: family, labels, value: value.value }];
    case 'histogram': {
      const out: PromSample[] = [];
      let cumulative = 0;
      for (let i = 0; i < value.bounds.length; i++) {
        cumulative += value.counts[i] ?? 0;
        out.push({ name: `${family}_bucket`, labels: withLabel(labels, 'le', formatValue(value.bounds[i]!)), value: cumulative });
      }
      out.push({ name: `${family}_bucket`, labels: withLabel(labels, 'le', '+Inf'), value: value.count });
      if (value.sum !== undefined) out.push({ name: `${family}_sum`, labels, value: value.sum });
      out.push({ name: `${family}_count`, labels, value: value.count });
      return out;
    }
    case 'summary': {
      const out: PromSample[] = value.quantiles.map((q) => ({ name: family, labels: withLabel(labels, 'quantile', formatValue(q.quantile)), value: q.value }));
      out.push({ name: `${family}_sum`, labels, value: value.sum });
      out.push({ name: `${family}_count`, labels, value: value.count });
      return out;
    }
  }
}

/** Labels with one more pair, kept sorted (a point's own `le`/`quantile` attribute is replaced). */
function withLabel(labels: PromLabels, name: string, value: string): PromLabels {
  const out: Array<readonly [string, string]> = labels.filter(([n]) => n !== name);
  let i = 0;
  while (i < out.length && out[i]![0] < name) i++;
  out.splice(i, 0, [name, value]);
  return out;
}

function writeSamples(lines: string[], family: string, labels: PromLabels, value: PromValue): void {
  for (const sample of samplesOf(family, labels, value)) lines.push(`${sample.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
}
