import { labelsFingerprint } from '../keys.ts';
import type { AlertNotification, OutgoingRequest } from '../types.ts';

/** Alertmanager's "no end time" value, used for endsAt of firing alerts in webhooks. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Labels an alert is grouped by in webhook payloads (those it has). */
export const WEBHOOK_GROUP_LABELS = ['alertname', 'slo'] as const;

/** The Alertmanager webhook payload (version 4) for one alert. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

export function webhookPayload(notification: AlertNotification, receiver: string, externalURL: string): WebhookPayload {
  const groupLabels: Record<string, string> = {};
  for (const name of WEBHOOK_GROUP_LABELS) if (notification.labels[name] !== undefined) groupLabels[name] = notification.labels[name];
  // same shape as Alertmanager's: route path, then the group labels
  const groupKey = `{}:{${Object.entries(groupLabels)
    .map(([name, value]) => `${name}=${quote(value)}`)
    .join(', ')}}`;
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: notification.status,
    receiver,
    groupLabels,
    commonLabels: notification.labels,
    commonAnnotations: notification.annotations,
    externalURL,
    alerts: [
      {
        status: notification.status,
        labels: notification.labels,
        annotations: notification.annotations,
        startsAt: notification.startsAt,
        endsAt: notification.status === 'resolved' ? notification.endsAt! : ZERO_TIME,
        generatorURL: notification.generatorURL ?? '',
        fingerprint: labelsFingerprint(notification.labels),
      },
    ],
  };
}

/**
 * POST of the payload with an Idempotency-Key header: the same delivery sent again
 * after a crash carries the same key, so the end receiver can drop the repeat.
 */
export function webhookRequest(
  url: string,
  headers: Record<string, string>,
  notification: AlertNotification,
  receiver: string,
  externalURL: string,
  idempotencyKey: string,
): OutgoingRequest {
  return {
    url,
    headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(webhookPayload(notification, receiver, externalURL)),
  };
}
