import { labelsKey } from '@lookout/alerts';
import { dedupKeyOf } from '../notify/keys.ts';
import type { AlertNotification } from '../notify/types.ts';
import type { ThresholdAlertsConfig } from './config.ts';

/**
 * Threshold alerts beside the SLOs — pure rules over the latest readings, and a
 * small state machine with the SLO alerts' semantics (pending for `for`, firing,
 * resolved; a firing page mutes the tickets of the same subject):
 *
 * | alertname | severity | when |
 * |---|---|---|
 * | TLSCertificateExpiring | ticket / page | earliest certificate of the chain expires in < tls.ticketDays / < tls.pageDays |
 * | TLSCertificateInvalid | page | chain not trusted or not naming the host (tls.pageWhenUnverified) |
 * | ProbeFailing | page | the last `probeFailures` runs of a probe failed or timed out |
 * | DatabaseSizeGrowth | ticket | a database grew by more than databaseGrowth.perDay per day |
 * | HostDiskFull | ticket / page | system.filesystem.utilization above disk.ticket / disk.page |
 * | HostMemoryHigh | ticket / page | memory use above memory.ticket / memory.page |
 */

export type ThresholdSeverity = 'page' | 'ticket';

export interface TlsReading {
  target: string;
  /** earliest notAfter of the presented chain, ms since the epoch */
  notAfterMs: number;
  subject: string;
  verified: boolean;
  /** 'ok' or the verification error code */
  reason: string;
}

export interface ProbeFailureReading {
  kind: string;
  target: string;
  consecutiveFailures: number;
  lastError: string;
}

export interface DatabaseSizeSample {
  atMs: number;
  bytes: number;
}

export interface DatabaseReading {
  target: string;
  database: string;
  /** ascending by time */
  samples: readonly DatabaseSizeSample[];
}

export interface DiskReading {
  host: string;
  mountpoint: string;
  utilization: number;
  atMs: number;
}

export interface MemoryReading {
  host: string;
  utilization: number;
  atMs: number;
}

export interface ThresholdReadingsSnapshot {
  tls: readonly TlsReading[];
  probes: readonly ProbeFailureReading[];
  databases: readonly DatabaseReading[];
  disks: readonly DiskReading[];
  memory: readonly MemoryReading[];
  /** probes (`kind/target`) whose latest run since the start succeeded */
  probesOk?: readonly string[];
}

export interface ThresholdCondition {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: ThresholdSeverity;
  /** what the alert is about; a firing page of a subject inhibits its tickets */
  subject: string;
}

const DAY_MS = 86_400_000;

function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(3))} %`;
}

function days(value: number): string {
  const rounded = Number(value.toFixed(1));
  return `${rounded} day${rounded === 1 ? '' : 's'}`;
}

function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

function condition(
  alertname: string,
  severity: ThresholdSeverity,
  subject: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): ThresholdCondition {
  return { labels: { alertname, severity, ...labels }, annotations, severity, subject };
}

export function tlsConditions(readings: readonly TlsReading[], config: ThresholdAlertsConfig['tls'], nowMs: number): ThresholdCondition[] {
  const out: ThresholdCondition[] = [];
  for (const r of readings) {
    const subject = `tls/${r.target}`;
    const left = (r.notAfterMs - nowMs) / DAY_MS;
    const expiry = new Date(r.notAfterMs).toISOString();
    const when = left < 0 ? `expired ${days(-left)} ago (${expiry})` : `expires in ${days(left)} (${expiry})`;
    const annotations = {
      summary: `TLS certificate of ${r.target} ${when}`,
      description: `The earliest-expiring certificate presented by ${r.target} (${r.subject}) ${when}. Renew it and deploy the new chain.`,
      days_left: left.toFixed(2),
      not_after: expiry,
    };
    if (left < config.ticketDays) out.push(condition('TLSCertificateExpiring', 'ticket', subject, { target: r.target }, annotations));
    if (left < config.pageDays) out.push(condition('TLSCertificateExpiring', 'page', subject, { target: r.target }, annotations));
    if (!r.verified && config.pageWhenUnverified) {
      out.push(
        condition('TLSCertificateInvalid', 'page', subject, { target: r.target }, {
          summary: `TLS certificate of ${r.target} does not verify: ${r.reason}`,
          description: `Clients that verify certificates reject ${r.target}: ${r.reason}. Check the chain (intermediates), the host names and the expiry.`,
          reason: r.reason,
        }),
      );
    }
  }
  return out;
}

export function probeConditions(readings: readonly ProbeFailureReading[], failures: number): ThresholdCondition[] {
  return readings
    .filter((r) => r.consecutiveFailures >= failures)
    .map((r) =>
      condition('ProbeFailing', 'page', `${r.kind}/${r.target}`, { probe: r.kind, target: r.target }, {
        summary: `${r.kind} probe ${r.target} failed ${r.consecutiveFailures} runs in a row: ${r.lastError}`,
        description: `The last ${r.consecutiveFailures} runs of the ${r.kind} probe ${r.target} failed; the last error: ${r.lastError}.`,
        consecutive_failures: String(r.consecutiveFailures),
      }),
    );
}

/**
 * Growth per day of a database: from the oldest sample within the last day to the
 * newest, scaled to a day; undefined until the samples span `minObservationMs`.
 */
export function growthPerDay(samples: readonly DatabaseSizeSample[], nowMs: number, minObservationMs: number): number | undefined {
  const recent = samples.filter((s) => s.atMs >= nowMs - DAY_MS);
  if (recent.length < 2) return undefined;
  const first = recent[0]!;
  const last = recent[recent.length - 1]!;
  const span = last.atMs - first.atMs;
  if (span < minObservationMs || first.bytes <= 0) return undefined;
  return ((last.bytes - first.bytes) / first.bytes) * (DAY_MS / span);
}

export function databaseConditions(readings: readonly DatabaseReading[], config: ThresholdAlertsConfig['databaseGrowth'], nowMs: number): ThresholdCondition[] {
  const out: ThresholdCondition[] = [];
  for (const r of readings) {
    const growth = growthPerDay(r.samples, nowMs, config.minObservation);
    if (growth === undefined || !(growth > config.perDay)) continue;
    const last = r.samples[r.samples.length - 1]!;
    out.push(
      condition('DatabaseSizeGrowth', 'ticket', `postgres/${r.target}/${r.database}`, { target: r.target, database: r.database }, {
        summary: `database ${r.database} on ${r.target} grows ${percent(growth)} per day (now ${bytesText(last.bytes)})`,
        description: `Database ${r.database} on ${r.target} grew faster than ${percent(config.perDay)} per day. Check for runaway tables, bloat or a missing retention job before the disk fills.`,
        growth_per_day: growth.toFixed(4),
        size_bytes: String(last.bytes),
      }),
    );
  }
  return out;
}

export function hostConditions(
  snapshot: Pick<ThresholdReadingsSnapshot, 'disks' | 'memory'>,
  config: Pick<ThresholdAlertsConfig, 'disk' | 'memory' | 'hostStaleAfter'>,
  nowMs: number,
): ThresholdCondition[] {
  const out: ThresholdCondition[] = [];
  const fresh = (atMs: number) => nowMs - atMs <= config.hostStaleAfter;
  for (const d of snapshot.disks) {
    if (!fresh(d.atMs)) continue;
    const subject = `disk/${d.host}/${d.mountpoint}`;
    const labels = { host: d.host, mountpoint: d.mountpoint };
    const annotations = {
      summary: `filesystem ${d.mountpoint} on ${d.host} is ${percent(d.utilization)} full`,
      description: `Filesystem ${d.mountpoint} on ${d.host} is ${percent(d.utilization)} full (system.filesystem.utilization). Free space or grow the volume.`,
      utilization: d.utilization.toFixed(4),
    };
    if (d.utilization > config.disk.ticket) out.push(condition('HostDiskFull', 'ticket', subject, labels, annotations));
    if (d.utilization > config.disk.page) out.push(condition('HostDiskFull', 'page', subject, labels, annotations));
  }
  for (const m of snapshot.memory) {
    if (!fresh(m.atMs)) continue;
    const annotations = {
      summary: `memory use on ${m.host} is ${percent(m.utilization)}`,
      description: `Memory in use on ${m.host} is ${percent(m.utilization)} (1 − available/total). Look for a leaking process before the OOM killer does.`,
      utilization: m.utilization.toFixed(4),
    };
    if (m.utilization > config.memory.ticket) out.push(condition('HostMemoryHigh', 'ticket', `memory/${m.host}`, { host: m.host }, annotations));
    if (config.memory.page !== undefined && m.utilization > config.memory.page)
      out.push(condition('HostMemoryHigh', 'page', `memory/${m.host}`, { host: m.host }, annotations));
  }
  return out;
}

/** Every rule over a snapshot of the readings. */
export function thresholdConditions(snapshot: ThresholdReadingsSnapshot, config: ThresholdAlertsConfig, nowMs: number): ThresholdCondition[] {
  return [
    ...tlsConditions(snapshot.tls, config.tls, nowMs),
    ...probeConditions(snapshot.probes, config.probeFailures),
    ...databaseConditions(snapshot.databases, config.databaseGrowth, nowMs),
    ...hostConditions(snapshot, config, nowMs),
  ];
}

// ------------------------------------------------------------------ state machine

export interface ThresholdAlert {
  id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  severity: ThresholdSeverity;
  subject: string;
  state: 'pending' | 'firing';
  activeAtMs: number;
  firedAtMs: number | null;
  inhibited: boolean;
  /** startsAt of the firing notification sent for it; null while none was */
  notifiedStartsAt: string | null;
}

export interface ThresholdAlertState {
  alerts: Record<string, ThresholdAlert>;
}

export const EMPTY_THRESHOLD_STATE: ThresholdAlertState = Object.freeze({ alerts: {} }) as ThresholdAlertState;

export interface ThresholdStep {
  state: ThresholdAlertState;
  notifications: AlertNotification[];
}

/**
 * One step: conditions that hold become pending, fire after `forMs` (at once when
 * 0), and resolve when they stop holding. A firing alert notifies once when it
 * fires — or, for a ticket muted by its subject's firing page, once the page stops
 * while the ticket still fires. Each alert's firing and resolved notifications share
 * its dedup key (a hash of its labels) and startsAt.
 */
export function nextThresholdState(
  prev: ThresholdAlertState | undefined,
  conditions: readonly ThresholdCondition[],
  nowMs: number,
  forMs: number,
  generatorURL?: string,
): ThresholdStep {
  const before = prev ?? EMPTY_THRESHOLD_STATE;
  const alerts: Record<string, ThresholdAlert> = {};
  for (const c of conditions) {
    const id = labelsKey(c.labels);
    if (alerts[id]) continue; // the same alert twice: the first wins
    const old = before.alerts[id];
    const activeAtMs = old ? old.activeAtMs : nowMs;
    const state = old?.state === 'firing' || nowMs - activeAtMs >= forMs ? 'firing' : 'pending';
    alerts[id] = {
      id,
      labels: c.labels,
      annotations: c.annotations,
      severity: c.severity,
      subject: c.subject,
      state,
      activeAtMs,
      firedAtMs: state === 'firing' ? (old?.firedAtMs ?? nowMs) : null,
      inhibited: false,
      notifiedStartsAt: old?.notifiedStartsAt ?? null,
    };
  }
  const pagingSubjects = new Set(Object.values(alerts).filter((a) => a.severity === 'page' && a.state === 'firing').map((a) => a.subject));
  const notifications: AlertNotification[] = [];
  const extra = generatorURL ? { generatorURL } : {};
  for (const alert of Object.values(alerts)) {
    alert.inhibited = alert.severity === 'ticket' && pagingSubjects.has(alert.subject);
    if (alert.state === 'firing' && !alert.inhibited && alert.notifiedStartsAt === null) {
      alert.notifiedStartsAt = new Date(alert.firedAtMs!).toISOString();
      notifications.push({
        dedupKey: dedupKeyOf(alert.labels),
        status: 'firing',
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.notifiedStartsAt,
        ...extra,
      });
    }
  }
  for (const old of Object.values(before.alerts)) {
    if (alerts[old.id] || old.notifiedStartsAt === null) continue;
    notifications.push({
      dedupKey: dedupKeyOf(old.labels),
      status: 'resolved',
      labels: old.labels,
      annotations: old.annotations,
      startsAt: old.notifiedStartsAt,
      endsAt: new Date(nowMs).toISOString(),
      ...extra,
    });
  }
  return { state: { alerts }, notifications };
}
