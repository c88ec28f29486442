import { detectionTable, formatHumanMinutes, formatWindow, type SloDefinition, type SloEvaluation } from '@lookout/alerts';
import type { SloStatus } from '../slo/runtime.ts';
import type { ThresholdReadingsSnapshot } from '../slo/threshold-alerts.ts';
import type { StoredSpan } from './recent-trace-selection.ts';
import type { RecentLogLine } from './recent-logs.ts';
import type { StoredTraceSummary } from './recent-traces.ts';
import type { AlertEpisode } from './alert-history.ts';
import type { BudgetPoint, EpisodeStats } from './slo-history.ts';

/**
 * What the status pages show, as plain JSON: the /api/v1/ answers behind the pages and
 * the input of the render functions. The builders here are pure.
 */

export interface BurnRow {
  severity: string;
  long: string;
  short: string;
  factor: number;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  longEvents: number;
  shortEvents: number;
  /** both windows above the factor with enough events: the alert's condition holds */
  met: boolean;
  /** above the factor in both windows but fewer events than minEvents: the low-traffic guard holds it back */
  heldBack: boolean;
  reason: string;
}

export type SloState = 'page' | 'ticket' | 'pending' | 'ok' | 'no data' | 'not evaluated' | 'loading';

export interface AlertView {
  source: 'slo' | 'threshold';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  severity: string;
  inhibited: boolean;
  activeAt: string;
  firedAt: string | null;
  /** from the sample_trace_ids annotation */
  traceIds: string[];
  /** from the sample_errors annotation */
  errorLines: string[];
}

export interface SloView {
  service: string;
  name: string;
  description: string;
  objective: number;
  period: string;
  sli: string;
  source: string;
  state: SloState;
  reason?: string;
  /** good / total over the current window (the policy's shortest long window) */
  sliNow: number | null;
  sliWindow: string | null;
  budgetRemaining: number | null;
  budgetWindow: string | null;
  timeToExhaustion: string | null;
  currentBurnRate: number | null;
  burnRates: BurnRow[];
  minEvents: number;
  /** set when the low-traffic guard holds an alert back, or windows have fewer events than minEvents */
  lowTraffic?: string;
  budgetSeries: BudgetPoint[];
  alerts: AlertView[];
}

export interface DetectionView {
  label: string;
  errorRatio: number;
  burnRate: number;
  page: string;
  ticket: string;
}

export interface SloDetailView extends SloView {
  detection: DetectionView[];
  episodes: AlertEpisode[];
  /** good / total over the budget window */
  availability: number | null;
  episodeStats: EpisodeStats;
  recentErrorTraces: StoredTraceSummary[];
}

export interface CertificateView {
  target: string;
  subject: string;
  notAfter: string;
  daysLeft: number;
  verified: boolean;
  reason: string;
}

export interface ProbeView {
  kind: string;
  target: string;
  ok: boolean;
  consecutiveFailures: number;
  lastError: string;
}

export interface HostView {
  host: string;
  cpu: number | null;
  memory: number | null;
  disks: Array<{ mountpoint: string; utilization: number }>;
  /** newest reading, ISO time */
  seenAt: string;
}

export interface DatabaseView {
  target: string;
  database: string;
  bytes: number;
  at: string;
}

export interface IngestView {
  /** items per second accepted over the last sampling interval, by signal */
  ratePerSecond: Record<string, number>;
  accepted: Record<string, number>;
  refusedItems: Array<{ receiver: string; signal: string; reason: string; count: number }>;
  refusedRequests: Array<{ receiver: string; signal: string; reason: string; count: number }>;
  queue: { items: number; bytes: number };
}

export interface OutboxView {
  configured: boolean;
  pending: Array<{ receiver: string; count: number }>;
  recent: Array<{ receiver: string; status: string; state: string; alertname: string; attempts: number; lastError: string | null; enqueuedAt: string }>;
}

export interface OverviewView {
  at: string;
  slos: SloView[];
  alerts: AlertView[];
  certificates: CertificateView[];
  probes: ProbeView[];
  hosts: HostView[];
  databases: DatabaseView[];
  ingest: IngestView;
  outbox: OutboxView;
  traces: { stored: number; bytes: number };
}

export interface TraceView {
  summary: StoredTraceSummary;
  spans: StoredSpan[];
  logs: RecentLogLine[];
}

function splitList(text: string | undefined, separator: RegExp): string[] {
  if (!text) return [];
  return text.split(separator).map((s) => s.trim()).filter((s) => s !== '');
}

export function alertView(source: 'slo' | 'threshold', alert: SloStatus['alerts'][number]): AlertView {
  return {
    source,
    labels: alert.labels,
    annotations: alert.annotations,
    state: alert.state,
    severity: alert.severity,
    inhibited: alert.inhibited,
    activeAt: alert.activeAt,
    firedAt: alert.firedAt,
    traceIds: splitList(alert.annotations.sample_trace_ids, /[,\s]+/).filter((id) => /^[0-9a-f]{32}$/i.test(id)),
    errorLines: splitList(alert.annotations.sample_errors, /\n/),
  };
}

function burnRows(evaluation: SloEvaluation): BurnRow[] {
  const minEvents = evaluation.slo.policy.minEvents;
  return evaluation.conditions.flatMap((c) => {
    if (c.kind !== 'burn-rate') return [];
    const above = (w: typeof c.long) => w.burnRate !== null && w.burnRate > c.pair.factor;
    const heldBack = !c.met && above(c.long) && above(c.short) && (c.long.total < minEvents || c.short.total < minEvents);
    return [
      {
        severity: c.pair.severity,
        long: formatWindow(c.pair.longWindowMinutes),
        short: formatWindow(c.pair.shortWindowMinutes),
        factor: c.pair.factor,
        longBurnRate: c.long.burnRate,
        shortBurnRate: c.short.burnRate,
        longEvents: c.long.total,
        shortEvents: c.short.total,
        met: c.met,
        heldBack,
        reason: c.reason,
      },
    ];
  });
}

function stateOf(status: SloStatus, evaluation: SloEvaluation | undefined): SloState {
  if (!status.evaluable) return 'not evaluated';
  const firing = status.alerts.filter((a) => a.state === 'firing' && !a.inhibited);
  if (firing.some((a) => a.severity === 'page')) return 'page';
  if (firing.length > 0) return 'ticket';
  if (status.alerts.some((a) => a.state === 'pending')) return 'pending';
  if (!evaluation) return 'loading';
  if (evaluation.budget.total === 0) return 'no data';
  return 'ok';
}

/** The SLO list's row of one SLO. */
export function sloView(status: SloStatus, evaluation: SloEvaluation | undefined, budgetSeries: BudgetPoint[]): SloView {
  const rows = evaluation ? burnRows(evaluation) : [];
  const minEvents = evaluation?.slo.policy.minEvents ?? 0;
  const current = evaluation?.windows.find((w) => w.windowMinutes === evaluation.currentWindowMinutes);
  const view: SloView = {
    service: status.service,
    name: status.name,
    description: status.description,
    objective: status.objective,
    period: status.period,
    sli: status.sli,
    source: status.source,
    state: stateOf(status, evaluation),
    sliNow: current && current.total > 0 ? current.good / current.total : null,
    sliWindow: evaluation ? formatWindow(evaluation.currentWindowMinutes) : null,
    budgetRemaining: evaluation?.budget.remaining ?? null,
    budgetWindow: evaluation ? formatWindow(evaluation.budget.windowMinutes) : null,
    timeToExhaustion: status.timeToExhaustion ?? null,
    currentBurnRate: evaluation?.currentBurnRate ?? null,
    burnRates: rows,
    minEvents,
    budgetSeries,
    alerts: status.alerts.map((a) => alertView('slo', a)),
  };
  if (status.reason) view.reason = status.reason;
  const held = rows.filter((r) => r.heldBack);
  if (held.length > 0) {
    const r = held[0]!;
    view.lowTraffic = `too little traffic: the ${r.long}/${r.short} ${r.severity} condition burns above ${r.factor}× but has ${Math.min(r.longEvents, r.shortEvents)} events (minEvents ${minEvents}), so it is held back`;
  } else if (minEvents > 0 && rows.some((r) => r.shortEvents > 0 && r.shortEvents < minEvents)) {
    view.lowTraffic = `too little traffic in the short windows to alert (minEvents ${minEvents})`;
  }
  return view;
}

/** Least budget first; SLOs without a budget figure after those with one. */
export function sortByBudget(slos: SloView[]): SloView[] {
  const rank = (s: SloView) => (s.budgetRemaining === null ? Number.POSITIVE_INFINITY : s.budgetRemaining);
  return [...slos].sort((a, b) => rank(a) - rank(b) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** The detection-time table of an SLO's policy (@lookout/alerts), as text cells. */
export function detectionView(slo: SloDefinition): DetectionView[] {
  const cell = (d: { minutes: number; pair?: { longWindowMinutes: number; shortWindowMinutes: number } } | undefined) => {
    if (!d) return '—';
    if (!d.pair) return 'never';
    return `${formatHumanMinutes(d.minutes)} (${formatWindow(d.pair.longWindowMinutes)}/${formatWindow(d.pair.shortWindowMinutes)})`;
  };
  return detectionTable(slo).map((row) => ({
    label: row.label,
    errorRatio: row.errorRatio,
    burnRate: row.burnRate,
    page: cell(row.bySeverity.find((d) => d.severity === 'page')),
    ticket: cell(row.bySeverity.find((d) => d.severity === 'ticket')),
  }));
}

const DAY_MS = 86_400_000;

/** Certificates soonest expiry first, probes failing first, hosts by name. */
export function readingsViews(snapshot: ThresholdReadingsSnapshot, cpuByHost: ReadonlyMap<string, { share: number; atMs: number }>, nowMs: number) {
  const certificates: CertificateView[] = snapshot.tls
    .map((t) => ({
      target: t.target,
      subject: t.subject,
      notAfter: new Date(t.notAfterMs).toISOString(),
      daysLeft: Math.floor(((t.notAfterMs - nowMs) / DAY_MS) * 10) / 10,
      verified: t.verified,
      reason: t.reason,
    }))
    .sort((a, b) => a.daysLeft - b.daysLeft);
  const failing = new Map(snapshot.probes.map((p) => [`${p.kind}/${p.target}`, p]));
  const probes: ProbeView[] = [];
  for (const p of snapshot.probes) probes.push({ kind: p.kind, target: p.target, ok: false, consecutiveFailures: p.consecutiveFailures, lastError: p.lastError });
  for (const key of snapshot.probesOk ?? []) {
    if (failing.has(key)) continue;
    const slash = key.indexOf('/');
    probes.push({ kind: key.slice(0, slash), target: key.slice(slash + 1), ok: true, consecutiveFailures: 0, lastError: '' });
  }
  probes.sort((a, b) => Number(a.ok) - Number(b.ok) || a.target.localeCompare(b.target));
  const hosts = new Map<string, HostView & { atMs: number }>();
  const hostOf = (name: string, atMs: number) => {
    let h = hosts.get(name);
    if (!h) hosts.set(name, (h = { host: name, cpu: null, memory: null, disks: [], seenAt: '', atMs: 0 }));
    h.atMs = Math.max(h.atMs, atMs);
    return h;
  };
  for (const m of snapshot.memory) hostOf(m.host, m.atMs).memory = m.utilization;
  for (const d of snapshot.disks) hostOf(d.host, d.atMs).disks.push({ mountpoint: d.mountpoint, utilization: d.utilization });
  for (const [host, cpu] of cpuByHost) hostOf(host, cpu.atMs).cpu = cpu.share;
  const hostViews: HostView[] = [...hosts.values()]
    .map(({ atMs, ...h }) => ({ ...h, seenAt: new Date(atMs).toISOString(), disks: h.disks.sort((a, b) => a.mountpoint.localeCompare(b.mountpoint)) }))
    .sort((a, b) => a.host.localeCompare(b.host));
  const databases: DatabaseView[] = snapshot.databases.flatMap((d) => {
    const last = d.samples.at(-1);
    return last ? [{ target: d.target, database: d.database, bytes: last.bytes, at: new Date(last.atMs).toISOString() }] : [];
  });
  return { certificates, probes, hosts: hostViews, databases };
}
