import type { ActiveAlert, AlertNotification as SloGroupNotification } from '@lookout/alerts';
import { dedupKeyOf } from '../notify/keys.ts';
import type { AlertNotification } from '../notify/types.ts';

/**
 * From the alert state machine's group notifications (one per SLO and severity: a
 * group opens when its first alert fires and closes when its last one stops) to the
 * outbox's notifications. One problem pages once: a group episode is one outbox
 * alert, labelled as the alert that opened it (alertname, slo, service, severity,
 * long_window, short_window), keyed by dedupKeyOf(those labels) with startsAt = the
 * time the group opened, so its firing and resolved rows pair up in every receiver.
 * Alerts that join an open group show in the `firing_windows` annotation only.
 */

/** What the runtime remembers of an open group to resolve it later. */
export interface OpenEpisode {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  dedupKey: string;
}

export interface AlertEnrichment {
  /** recent error trace ids of the service, newest first */
  traceIds: readonly string[];
  /** recent error log lines of the service, newest first */
  errorLines: readonly string[];
  /** dashboard link when the spec has none */
  dashboardUrl?: string;
  generatorURL?: string;
}

/** `{service}` and `{slo}` in a link template, URL-encoded. */
export function expandLinkTemplate(template: string, values: { service: string; slo: string }): string {
  return template.replace(/\{(service|slo)\}/g, (_whole, name: 'service' | 'slo') => encodeURIComponent(values[name]));
}

function windowsOf(alert: ActiveAlert): string {
  const { long_window: long, short_window: short } = alert.labels;
  if (long && short) return `${long}/${short}`;
  if (alert.kind === 'budget-exhaustion') return `budget out within ${alert.labels.exhaustion_within ?? '?'}`;
  return alert.kind === 'no-data' ? 'no data' : '';
}

/** The annotations of an alert with samples and links added. */
export function enrichAnnotations(alert: ActiveAlert, group: readonly ActiveAlert[], enrichment: AlertEnrichment): Record<string, string> {
  const annotations: Record<string, string> = { ...alert.annotations };
  if (!annotations.dashboard_url && enrichment.dashboardUrl) annotations.dashboard_url = enrichment.dashboardUrl;
  if (enrichment.traceIds.length > 0) annotations.sample_trace_ids = enrichment.traceIds.join(', ');
  if (enrichment.errorLines.length > 0) annotations.sample_errors = enrichment.errorLines.join('\n');
  const windows = group.map(windowsOf).filter((w) => w !== '');
  if (windows.length > 0) annotations.firing_windows = windows.join(', ');
  return annotations;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** The firing outbox notification of a group that opened, and what to remember of it. */
export function openEpisode(
  opened: SloGroupNotification,
  enrichment: AlertEnrichment,
): { episode: OpenEpisode; notification: AlertNotification } {
  const representative = opened.alerts[0];
  if (!representative) throw new Error(`group ${opened.groupKey} opened without a firing alert`);
  const labels = { ...representative.labels };
  const episode: OpenEpisode = {
    labels,
    annotations: enrichAnnotations(representative, opened.alerts, enrichment),
    startsAt: rfc3339(opened.atMs),
    dedupKey: dedupKeyOf(labels),
  };
  return {
    episode,
    notification: {
      dedupKey: episode.dedupKey,
      status: 'firing',
      labels,
      annotations: episode.annotations,
      startsAt: episode.startsAt,
      ...(enrichment.generatorURL ? { generatorURL: enrichment.generatorURL } : {}),
    },
  };
}

/**
 * The resolved outbox notification of a group that closed: the same labels, key and
 * startsAt as its firing one; annotations as at firing, with `latest` (the figures of
 * the evaluation that resolved it, e.g. budget_remaining) over them.
 */
export function closeEpisode(
  episode: OpenEpisode,
  closed: SloGroupNotification,
  latest: Record<string, string> = {},
  generatorURL?: string,
): AlertNotification {
  const annotations = { ...episode.annotations, ...latest };
  return {
    dedupKey: episode.dedupKey,
    status: 'resolved',
    labels: episode.labels,
    annotations,
    startsAt: episode.startsAt,
    endsAt: rfc3339(closed.atMs),
    ...(generatorURL ? { generatorURL } : {}),
  };
}
