import { dedupKeyOf } from './keys.ts';
import type { AlertNotification } from './types.ts';

export const HEARTBEAT_ALERTNAME = 'LookoutHeartbeat';

/**
 * The dead man's switch alert: always firing, sent every interval. Whoever receives it
 * (an Alertmanager route to a heartbeat service, a webhook of one) alerts when it
 * stops arriving — that is, when Lookout or its notification path is down.
 */
export function heartbeatNotification(startedAt: number, extraLabels: Record<string, string>, externalURL: string): AlertNotification {
  const labels = { ...extraLabels, alertname: HEARTBEAT_ALERTNAME, severity: 'none' };
  const notification: AlertNotification = {
    dedupKey: dedupKeyOf(labels),
    status: 'firing',
    labels,
    annotations: {
      summary: 'Lookout heartbeat: this alert always fires',
      description: 'Lookout sends this alert on a fixed interval to prove it can notify. Alert when it stops arriving.',
    },
    startsAt: new Date(startedAt).toISOString(),
  };
  if (externalURL) notification.generatorURL = externalURL;
  return notification;
}

/** Each beat is its own delivery (own idempotency key), numbered by the time it was due. */
export function heartbeatEpisode(beatAt: number): string {
  return `heartbeat:${new Date(beatAt).toISOString()}`;
}
