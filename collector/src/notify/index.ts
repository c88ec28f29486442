export {
  alertNotificationSchema,
  parseAlertNotification,
  type AlertNotification,
  type ReceiverKind,
  type OutgoingRequest,
} from './types.ts';
export {
  notifyConfigSchema,
  type NotifyConfig,
  type NotifyConfigInput,
  type AlertmanagerReceiverConfig,
  type WebhookReceiverConfig,
  type SlackReceiverConfig,
  type PagerdutyReceiverConfig,
  type HeartbeatConfig,
} from './config.ts';
export { createNotifier, OUTBOX_FILE, type Notifier, type NotifierOptions, type EnqueueResult } from './notifier.ts';
export { Outbox, type OutboxRow, type DeliveryState, type EnqueueTarget, type EnqueueOptions } from './outbox.ts';
export { Dispatcher, type DispatcherOptions, type DispatcherSettings, type NotifyEvent } from './dispatcher.ts';
export {
  breakerAllows,
  breakerOnFailure,
  breakerOnSuccess,
  breakerReadyAt,
  breakerGaugeValue,
  closedBreaker,
  type BreakerState,
  type BreakerSettings,
} from './breaker.ts';
export { dedupKeyOf, deliveryKeyOf, labelsFingerprint } from './keys.ts';
export { registerNotifyMetrics, type NotifyMetrics } from './metrics.ts';
export { fetchTransport, classifyStatus, countsAgainstReceiver, type Transport, type SendOutcome, type FailureReason } from './transport.ts';
export { receiverTargets, receiverMatches, type ReceiverTarget } from './receiver-targets.ts';
export { heartbeatNotification, heartbeatEpisode, HEARTBEAT_ALERTNAME } from './heartbeat.ts';
export { alertmanagerRequest, alertmanagerAlertsUrl, toPostableAlert, type PostableAlert } from './receivers/alertmanager.ts';
export { webhookPayload, webhookRequest, WEBHOOK_GROUP_LABELS, type WebhookPayload } from './receivers/webhook.ts';
export { slackMessage, slackRequest, escapeSlack } from './receivers/slack.ts';
export { pagerdutyEvent, pagerdutyRequest, pagerdutySeverity, type PagerdutyEvent, type PagerdutySeverity } from './receivers/pagerduty.ts';
