import { formatWindow, labelsKey } from '@lookout/alerts';
import { dedupKeyOf } from '../notify/keys.ts';
import type { AlertStateRow } from '../store/alert-state-store.ts';
import type { ThresholdAlertsConfig } from './config.ts';
import { growthPerDay, type ThresholdAlert, type ThresholdCondition, type ThresholdReadingsSnapshot } from './threshold-alerts.ts';

/**
 * Threshold alerts in the alert state store and back (one row per firing alert), and
 * what a restored alert needs before it may resolve. Pure.
 *
 * Readings live in memory, so right after a start they are empty: a restored alert
 * cannot be judged until its subject has been read again. It is carried (kept firing,
 * no notification) until a reading of its subject can decide — a TLS probe result, a
 * successful run of the failing probe, a fresh host figure, a database growth figure —
 * or until `hostStaleAfter` has passed without one (then it resolves, saying so).
 */

export const THRESHOLD_ALERTNAMES = [
  'TLSCertificateExpiring',
  'TLSCertificateInvalid',
  'ProbeFailing',
  'DatabaseSizeGrowth',
  'HostDiskFull',
  'HostMemoryHigh',
] as const;

/** What is stored, as a string: changes when the alert fires, or its firing is notified. */
export function thresholdIdentity(alert: ThresholdAlert | undefined): string {
  if (!alert || alert.state !== 'firing') return '';
  return `${alert.firedAtMs}|${alert.notifiedStartsAt ?? ''}`;
}

export function thresholdStateRow(alert: ThresholdAlert, nowMs: number): AlertStateRow {
  return {
    source: 'threshold',
    unit: alert.id,
    key: '',
    rule: alert.labels.alertname ?? '',
    episode:
      alert.notifiedStartsAt === null
        ? null
        : { dedupKey: dedupKeyOf(alert.labels), startsAt: alert.notifiedStartsAt, labels: alert.labels, annotations: alert.annotations },
    machine: alert,
    changedAt: nowMs,
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((v) => typeof v === 'string');
}

/** A stored threshold alert; throws saying what is wrong with the row. */
export function readThresholdRow(row: AlertStateRow): ThresholdAlert {
  const where = `threshold alert row ${row.unit}`;
  const a = row.machine as Record<string, unknown> | null;
  if (!a || typeof a !== 'object') throw new Error(`${where}: machine is not an object`);
  if (!isStringRecord(a.labels) || !isStringRecord(a.annotations)) throw new Error(`${where}: labels/annotations are not objects of strings`);
  if (labelsKey(a.labels) !== row.unit) throw new Error(`${where}: its labels do not match its unit`);
  if (a.severity !== 'page' && a.severity !== 'ticket') throw new Error(`${where}: severity is not 'page' or 'ticket'`);
  if (typeof a.subject !== 'string') throw new Error(`${where}: subject is not a string`);
  if (a.state !== 'firing') throw new Error(`${where}: state is not 'firing' (only firing alerts are stored)`);
  if (typeof a.activeAtMs !== 'number' || typeof a.firedAtMs !== 'number') throw new Error(`${where}: activeAtMs/firedAtMs are not numbers`);
  if (a.notifiedStartsAt !== null && typeof a.notifiedStartsAt !== 'string') throw new Error(`${where}: notifiedStartsAt is not a string or null`);
  return {
    id: row.unit,
    labels: a.labels,
    annotations: a.annotations,
    severity: a.severity,
    subject: a.subject,
    state: 'firing',
    activeAtMs: a.activeAtMs,
    firedAtMs: a.firedAtMs,
    inhibited: a.inhibited === true,
    notifiedStartsAt: a.notifiedStartsAt as string | null,
  };
}

/** The condition that keeps a carried alert firing as it was. */
export function carriedCondition(alert: ThresholdAlert): ThresholdCondition {
  return { labels: alert.labels, annotations: alert.annotations, severity: alert.severity, subject: alert.subject };
}

export type RestoredVerdict = { carry: true } | { carry: false; reason?: string };

/**
 * Whether a restored alert whose condition does not hold now may be judged (and so
 * resolve), or is carried because the readings since the start cannot tell yet.
 */
export function judgeRestored(
  alert: ThresholdAlert,
  snapshot: ThresholdReadingsSnapshot,
  config: Pick<ThresholdAlertsConfig, 'hostStaleAfter' | 'databaseGrowth'>,
  nowMs: number,
  restoredAtMs: number,
): RestoredVerdict {
  const l = alert.labels;
  const fresh = (atMs: number) => nowMs - atMs <= config.hostStaleAfter;
  let waitMs = config.hostStaleAfter;
  switch (l.alertname) {
    case 'TLSCertificateExpiring':
    case 'TLSCertificateInvalid':
      if (snapshot.tls.some((t) => t.target === l.target)) return { carry: false };
      break;
    case 'ProbeFailing':
      // failing again: its streak since the start is building up to probeFailures
      if (snapshot.probes.some((p) => p.kind === l.probe && p.target === l.target)) return { carry: true };
      if (snapshot.probesOk?.includes(`${l.probe}/${l.target}`)) return { carry: false };
      break;
    case 'DatabaseSizeGrowth': {
      const db = snapshot.databases.find((d) => d.target === l.target && d.database === l.database);
      if (db && growthPerDay(db.samples, nowMs, config.databaseGrowth.minObservation) !== undefined) return { carry: false };
      waitMs += config.databaseGrowth.minObservation;
      break;
    }
    case 'HostDiskFull':
      if (snapshot.disks.some((d) => d.host === l.host && d.mountpoint === l.mountpoint && fresh(d.atMs))) return { carry: false };
      break;
    case 'HostMemoryHigh':
      if (snapshot.memory.some((m) => m.host === l.host && fresh(m.atMs))) return { carry: false };
      break;
    default:
      return { carry: false };
  }
  if (nowMs - restoredAtMs < waitMs) return { carry: true };
  return {
    carry: false,
    reason: `no reading of ${alert.subject} within ${waitMs % 60_000 === 0 ? formatWindow(waitMs / 60_000) : `${waitMs / 1000}s`} after Lookout restarted; resolved for want of evidence that it still holds`,
  };
}
