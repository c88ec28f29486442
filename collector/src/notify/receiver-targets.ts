import type { NotifyConfig } from './config.ts';
import { alertmanagerRequest } from './receivers/alertmanager.ts';
import { pagerdutyRequest } from './receivers/pagerduty.ts';
import { slackRequest } from './receivers/slack.ts';
import { webhookRequest } from './receivers/webhook.ts';
import type { AlertNotification, OutgoingRequest, ReceiverKind } from './types.ts';

/** A configured receiver, reduced to what the dispatcher needs. Holds secrets: never log it. */
export interface ReceiverTarget {
  name: string;
  kind: ReceiverKind;
  /** labels a notification must carry (equal values) to go to this receiver */
  match?: Record<string, string>;
  /** Alertmanager only: firing alerts are sent again this often */
  resendIntervalMs?: number;
  /** the request delivering one outbox row */
  request(notification: AlertNotification, context: { now: number; deliveryKey: string }): OutgoingRequest;
  /** Alertmanager only: one request re-sending several firing alerts */
  resendRequest?(notifications: AlertNotification[], now: number): OutgoingRequest;
}

export function receiverTargets(config: NotifyConfig): ReceiverTarget[] {
  const externalURL = config.externalURL;
  const targets: ReceiverTarget[] = [];
  for (const am of config.receivers.alertmanager) {
    const resendIntervalMs = am.resendInterval;
    targets.push({
      name: am.name,
      kind: 'alertmanager',
      match: am.match,
      resendIntervalMs,
      request: (notification, { now }) => alertmanagerRequest(am.url, [notification], now, resendIntervalMs),
      resendRequest: (notifications, now) => alertmanagerRequest(am.url, notifications, now, resendIntervalMs),
    });
  }
  for (const hook of config.receivers.webhook)
    targets.push({
      name: hook.name,
      kind: 'webhook',
      match: hook.match,
      request: (notification, { deliveryKey }) => webhookRequest(hook.url, hook.headers, notification, hook.name, externalURL, deliveryKey),
    });
  for (const slack of config.receivers.slack)
    targets.push({
      name: slack.name,
      kind: 'slack',
      match: slack.match,
      request: (notification) => slackRequest(slack.url, notification, externalURL),
    });
  for (const pd of config.receivers.pagerduty)
    targets.push({
      name: pd.name,
      kind: 'pagerduty',
      match: pd.match,
      request: (notification) => pagerdutyRequest(pd.url, pd.routingKey, notification, externalURL),
    });
  return targets;
}

/** Does the notification go to this receiver? */
export function receiverMatches(target: Pick<ReceiverTarget, 'match'>, labels: Record<string, string>): boolean {
  if (!target.match) return true;
  return Object.entries(target.match).every(([name, value]) => labels[name] === value);
}
