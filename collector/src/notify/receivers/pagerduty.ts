import type { AlertNotification, OutgoingRequest } from '../types.ts';

export type PagerdutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** Events API v2 limit on payload.summary. */
const SUMMARY_MAX = 1024;

/**
 * Maps Lookout's severity label to one PagerDuty accepts: page → critical,
 * ticket → warning, PagerDuty's own four pass through, anything else → error.
 */
export function pagerdutySeverity(severity: string | undefined): PagerdutySeverity {
  switch ((severity ?? '').toLowerCase()) {
    case 'page':
    case 'critical':
      return 'critical';
    case 'ticket':
    case 'warning':
      return 'warning';
    case 'info':
    case 'none':
      return 'info';
    default:
      return 'error';
  }
}

export interface PagerdutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerdutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, string>;
  };
  links?: Array<{ href: string; text: string }>;
  client?: string;
  client_url?: string;
}

/**
 * A trigger or resolve event. Both carry the alert's dedup key, so PagerDuty folds
 * repeats into one incident and the resolve closes the incident the trigger opened.
 */
export function pagerdutyEvent(notification: AlertNotification, routingKey: string, externalURL: string): PagerdutyEvent {
  const { labels, annotations } = notification;
  if (notification.status === 'resolved')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: notification.dedupKey };
  const summary = annotations.summary || `${labels.alertname}${labels.slo ? ` ${labels.slo}` : ''}`;
  const event: PagerdutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: notification.dedupKey,
    payload: {
      summary: summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary,
      source: labels.service || 'lookout',
      severity: pagerdutySeverity(labels.severity),
      timestamp: notification.startsAt,
      custom_details: { ...labels, ...annotations },
    },
    client: 'Lookout',
  };
  if (labels.slo) event.payload!.component = labels.slo;
  if (labels.service) event.payload!.group = labels.service;
  event.payload!.class = labels.alertname!;
  const links: Array<{ href: string; text: string }> = [];
  if (annotations.runbook_url) links.push({ href: annotations.runbook_url, text: 'Runbook' });
  if (annotations.dashboard_url) links.push({ href: annotations.dashboard_url, text: 'Dashboard' });
  if (links.length) event.links = links;
  const clientUrl = notification.generatorURL || externalURL;
  if (clientUrl) event.client_url = clientUrl;
  return event;
}

export function pagerdutyRequest(url: string, routingKey: string, notification: AlertNotification, externalURL: string): OutgoingRequest {
  return {
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pagerdutyEvent(notification, routingKey, externalURL)),
  };
}
