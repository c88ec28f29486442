/**
 * `lookout slo test SPEC SERIES`: replay counter series (promtool notation, one
 * sample a minute) through the same window index, evaluator and state machine as
 * the runtime, evaluating each minute like `promtool test rules` does, and report
 * when each alert goes pending, fires and resolves.
 */
import type { ActiveAlert, AlertNotification, SloAlertState } from './alert-state.ts';
import { nextAlertState } from './alert-state.ts';
import { formatWindow, parseMinutes } from './duration.ts';
import { evaluateSlo, evaluationWindows } from './evaluate.ts';
import { parseSeriesValues, SeriesSyntaxError } from './promtool-series.ts';
import type { SpecIssue } from './spec-formats/issues.ts';
import { readYamlDocuments } from './spec-formats/yaml-reader.ts';
import type { YNode } from './spec-formats/yaml-reader.ts';
import type { SeverityClass, SloDefinition } from './types.ts';
import { createSloWindowIndex } from './slo-window-index.ts';
import type { MinuteBucket, WindowSumsFn } from './window-sums.ts';
import { MINUTE_MS, sampleEdges } from './window-sums.ts';

/** Cumulative counters sampled once a minute from minute 0; null = no sample. */
export interface CounterSeries {
  good: (number | null)[];
  total: (number | null)[];
}

/**
 * Per-minute buckets from counter samples: the increase between a sample and the
 * previous one goes to the bucket of the minute before the later sample (its
 * events happened in that minute), spanning back to the earlier sample when there
 * was a gap. A counter that drops was reset, and counts from zero — as in PromQL.
 */
export function countersToBuckets(series: CounterSeries): MinuteBucket[] {
  const { good, total } = series;
  if (good.length !== total.length) {
    throw new RangeError(`good has ${good.length} samples and total ${total.length}: give both series the same length`);
  }
  const buckets: MinuteBucket[] = [];
  let prev: { minute: number; good: number; total: number } | undefined;
  for (let minute = 0; minute < total.length; minute++) {
    const g = good[minute];
    const t = total[minute];
    if ((g === null) !== (t === null)) {
      throw new RangeError(`minute ${minute}: ${g === null ? 'good' : 'total'} has no sample but ${g === null ? 'total' : 'good'} has; both are scraped together, so give them the same gaps`);
    }
    if (g === null || t === null) continue;
    for (const [name, v] of [['good', g], ['total', t]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`minute ${minute}: ${name} is ${v}; counters are finite and not negative`);
    }
    if (prev) {
      const bucket: MinuteBucket = {
        minute: minute - 1,
        good: g < prev.good ? g : g - prev.good,
        total: t < prev.total ? t : t - prev.total,
      };
      if (prev.minute < minute - 1) bucket.coversFromMinute = prev.minute;
      if (bucket.good > bucket.total) {
        throw new RangeError(`minute ${minute}: good grew by ${bucket.good} but total only by ${bucket.total}; good events are a subset of all events`);
      }
      buckets.push(bucket);
    }
    prev = { minute, good: g, total: t };
  }
  return buckets;
}

export type ReplayEventKind = 'pending' | 'firing' | 'resolved' | 'cancelled';

export interface ReplayEvent {
  minute: number;
  kind: ReplayEventKind;
  alertId: string;
  labels: Record<string, string>;
  severity: SeverityClass;
  inhibited: boolean;
  /** long-window burn rate at the event (burn-rate alerts) */
  value: number | null;
}

export interface ReplayResult {
  slo: SloDefinition;
  firstMinute: number;
  lastMinute: number;
  events: ReplayEvent[];
  /** pending and firing alerts after each evaluation, by minute */
  activeByMinute: ActiveAlert[][];
  notifications: (AlertNotification & { minute: number })[];
}

export interface ReplayOptions {
  /** last minute to evaluate (default: the last sample's minute) */
  untilMinute?: number;
  /** time of sample 0 (default 0, the epoch, as promtool) */
  startMs?: number;
}

export function replaySlo(slo: SloDefinition, series: CounterSeries, options: ReplayOptions = {}): ReplayResult {
  const buckets = countersToBuckets(series);
  const startMs = options.startMs ?? 0;
  const lastMinute = options.untilMinute ?? Math.max(0, series.total.length - 1);
  const startMinute = Math.floor(startMs / MINUTE_MS);
  const index = createSloWindowIndex(slo);
  let state: SloAlertState | undefined;
  const events: ReplayEvent[] = [];
  const activeByMinute: ActiveAlert[][] = [];
  const notifications: (AlertNotification & { minute: number })[] = [];
  let next = 0;
  for (let minute = 0; minute <= lastMinute; minute++) {
    const nowMs = startMs + minute * MINUTE_MS;
    // Buckets complete by now: those of minutes before this one.
    while (next < buckets.length && buckets[next].minute <= minute - 1) {
      const b = buckets[next++];
      index.append({ ...b, minute: b.minute + startMinute, ...(b.coversFromMinute !== undefined ? { coversFromMinute: b.coversFromMinute + startMinute } : {}) });
    }
    const endMinute = startMinute + minute - 1;
    const indexSums = index.sums(endMinute, evaluationWindows(slo, nowMs));
    // The low-traffic guard needs where the samples lie (Prometheus extrapolates the count):
    // the index keeps sums only, so take the edges from the buckets themselves.
    const sums: WindowSumsFn =
      slo.policy.minEvents > 0
        ? (w) => {
            const sum = indexSums(w);
            const edges = sampleEdges(buckets, minute - 1, w);
            // the total counter's value at the first sample, for extrapolation's zero clamp
            return edges ? { ...sum, edges: { ...edges, firstTotal: series.total[edges.firstSampleMinute] as number } } : sum;
          }
        : indexSums;
    const evaluation = evaluateSlo(slo, sums, nowMs);
    const step = nextAlertState(state, evaluation, nowMs);
    state = step.state;
    for (const t of step.transitions) {
      const kind: ReplayEventKind = t.to === 'inactive' ? (t.from === 'firing' ? 'resolved' : 'cancelled') : t.to;
      const active = step.active.find((a) => a.id === t.id);
      events.push({ minute, kind, alertId: t.id, labels: t.labels, severity: t.severity, inhibited: t.inhibited, value: active?.value ?? null });
    }
    for (const n of step.notifications) notifications.push({ ...n, minute });
    activeByMinute.push(step.active);
  }
  return { slo, firstMinute: 0, lastMinute, events, activeByMinute, notifications };
}

function alertTitle(labels: Record<string, string>): string {
  const { alertname, severity, long_window, short_window } = labels;
  return long_window ? `${alertname} ${severity} ${long_window}/${short_window}` : `${alertname} ${severity}`;
}

/** Minutes as promtool prints eval times: 65 → '1h5m'. */
export function formatEvalTime(minutes: number): string {
  if (minutes === 0) return '0s';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}

/** Human report of a replay: one line per event, then fire/resolve spans per alert. */
export function formatReplay(result: ReplayResult): string {
  const { slo } = result;
  const lines = [
    `${slo.service}/${slo.name}: objective ${Number((slo.objective * 100).toPrecision(12))} % over ${slo.period.kind === 'rolling' ? formatWindow(slo.period.minutes) : 'calendar month'}, evaluated each minute from ${formatEvalTime(result.firstMinute)} to ${formatEvalTime(result.lastMinute)}`,
  ];
  if (result.events.length === 0) lines.push('  no alert went pending or fired');
  for (const e of result.events) {
    const value = e.value !== null && e.kind === 'firing' ? `  burn ${Number(e.value.toPrecision(3))}×` : '';
    const muted = e.inhibited && e.kind === 'firing' ? '  (inhibited by a page)' : '';
    lines.push(`  ${formatEvalTime(e.minute).padStart(7)}  ${e.kind.toUpperCase().padEnd(9)} ${alertTitle(e.labels)}${value}${muted}`);
  }
  const spans = new Map<string, { title: string; parts: string[]; openedAt?: number }>();
  for (const e of result.events) {
    let span = spans.get(e.alertId);
    if (!span) spans.set(e.alertId, (span = { title: alertTitle(e.labels), parts: [] }));
    if (e.kind === 'firing') span.openedAt = e.minute;
    if (e.kind === 'resolved' && span.openedAt !== undefined) {
      span.parts.push(`fired ${formatEvalTime(span.openedAt)}, resolved ${formatEvalTime(e.minute)}`);
      span.openedAt = undefined;
    }
  }
  const summary = [...spans.values()].filter((s) => s.parts.length > 0 || s.openedAt !== undefined);
  if (summary.length > 0) {
    lines.push('summary:');
    for (const s of summary) {
      const parts = [...s.parts];
      if (s.openedAt !== undefined) parts.push(`fired ${formatEvalTime(s.openedAt)}, still firing at ${formatEvalTime(result.lastMinute)}`);
      lines.push(`  ${s.title}: ${parts.join('; ')}`);
    }
  }
  const pages = result.notifications.filter((n) => n.status === 'firing' && n.severity === 'page').length;
  const tickets = result.notifications.filter((n) => n.status === 'firing' && n.severity === 'ticket').length;
  lines.push(`notifications: ${pages} page${pages === 1 ? '' : 's'}, ${tickets} ticket${tickets === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export interface ReplayFile {
  series: CounterSeries;
  untilMinute?: number;
  /** which SLO of the spec to replay, when it holds several */
  slo?: string;
}

function readSeries(node: YNode): (number | null)[] | undefined {
  const text = node.labelValue("write the series in promtool notation, e.g. '0+100x60'");
  if (text === undefined) return undefined;
  try {
    return parseSeriesValues(text);
  } catch (e) {
    if (e instanceof SeriesSyntaxError) {
      node.error(e.message, "use promtool's notation: '0+100x60 6000+90x30', '_' for a missing sample");
      return undefined;
    }
    throw e;
  }
}

/**
 * The SERIES file of `lookout slo test`:
 *   total: 0+100x420 42090+90x60     # all events, cumulative, one sample a minute
 *   errors: 0+1x420 420+9x60         # or good: …
 *   until: 8h                        # optional: evaluate up to this minute
 *   slo: checkout-availability       # optional: which SLO of the spec
 */
export function parseReplayFile(text: string, file: string): { replay?: ReplayFile; issues: SpecIssue[] } {
  const { sink, documents } = readYamlDocuments(text, file);
  const root = documents[0]?.root;
  if (!root) {
    if (sink.issues.length === 0) sink.add('error', 0, '', 'the series file is empty', "write total: '0+100x60' and errors: '0+1x60'");
    return { issues: sink.issues };
  }
  if (!root.mustBeMap("write total: and errors: (or good:) in promtool notation")) return { issues: sink.issues };
  root.allowKeys(['total', 'good', 'errors', 'until', 'interval', 'slo'], 'a series file');
  if (root.has('interval') && root.get('interval').scalar() !== '1m') {
    root.get('interval').error('Lookout keeps one bucket a minute, so series are sampled every minute', 'write interval: 1m (or leave it out)');
  }
  const total = root.require('total', "add total: the cumulative count of all events, e.g. '0+100x60'") ? readSeries(root.get('total')) : undefined;
  const hasGood = root.has('good');
  const hasErrors = root.has('errors');
  if (hasGood === hasErrors) {
    root.error(hasGood ? 'give good or errors, not both' : 'missing the good or errors series', "add errors: '0+1x60' (cumulative bad events) or good: …");
  }
  const other = hasGood ? readSeries(root.get('good')) : hasErrors ? readSeries(root.get('errors')) : undefined;
  let untilMinute: number | undefined;
  if (root.has('until')) {
    const v = root.get('until').scalar();
    const parsed = typeof v === 'string' ? parseMinutes(v) : undefined;
    if (parsed === undefined) root.get('until').error(`until must be a duration like 8h or 90m, found ${root.get('until').describe()}`, 'e.g. until: 8h');
    else untilMinute = parsed;
  }
  const slo = root.has('slo') ? root.get('slo').string('write the SLO name') : undefined;
  if (!total || !other || sink.issues.some((i) => i.severity === 'error')) return { issues: sink.issues };
  if (total.length !== other.length) {
    root.get(hasGood ? 'good' : 'errors').error(`has ${other.length} samples but total has ${total.length}`, 'give both series the same number of samples');
    return { issues: sink.issues };
  }
  const good = hasGood ? other : total.map((t, i) => (t === null || other[i] === null ? null : t - (other[i] as number)));
  const bad = good.findIndex((g) => g !== null && g < 0);
  if (bad >= 0) {
    root.get('errors').error(`at minute ${bad} errors (${other[bad]}) exceed total (${total[bad]})`, 'errors count a subset of all events: keep errors ≤ total at every sample');
    return { issues: sink.issues };
  }
  try {
    countersToBuckets({ good, total });
  } catch (e) {
    root.get(hasGood ? 'good' : 'errors').error((e as Error).message, 'check the series: both are cumulative counters sampled once a minute');
    return { issues: sink.issues };
  }
  const replay: ReplayFile = { series: { good, total } };
  if (untilMinute !== undefined) replay.untilMinute = untilMinute;
  if (slo !== undefined) replay.slo = slo;
  return { replay, issues: sink.issues };
}
