import type { AlertNotification, OutgoingRequest } from '../types.ts';

/** One element of the body of POST /api/v2/alerts (Alertmanager API v2 postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** <base>/api/v2/alerts, whether or not the configured URL already ends with it. */
export function alertmanagerAlertsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v2/alerts') ? trimmed : `${trimmed}/api/v2/alerts`;
}

/**
 * A firing alert gets endsAt four resend intervals ahead, as Prometheus does: while
 * Lookout keeps re-sending it stays firing, and if Lookout dies it resolves by itself
 * instead of firing forever. A resolved alert carries its own endsAt.
 */
export function toPostableAlert(notification: AlertNotification, now: number, resendIntervalMs: number): PostableAlert {
  const endsAt = notification.status === 'resolved' ? notification.endsAt! : new Date(now + 4 * resendIntervalMs).toISOString();
  const alert: PostableAlert = {
    labels: notification.labels,
    annotations: notification.annotations,
    startsAt: notification.startsAt,
    endsAt,
  };
  if (notification.generatorURL) alert.generatorURL = notification.generatorURL;
  return alert;
}

export function alertmanagerRequest(
  baseUrl: string,
  notifications: AlertNotification[],
  now: number,
  resendIntervalMs: number,
): OutgoingRequest {
  return {
    url: alertmanagerAlertsUrl(baseUrl),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(notifications.map((n) => toPostableAlert(n, now, resendIntervalMs))),
  };
}
