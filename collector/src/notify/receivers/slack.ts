import type { AlertNotification, OutgoingRequest } from '../types.ts';

/** Slack's documented limits for Block Kit text. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

/** Slack mrkdwn control characters, escaped as Slack asks. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function link(url: string, label: string): string {
  // a '|' or '>' in the URL would end the link early
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeSlack(label)}>`;
}

type Block = Record<string, unknown>;

/**
 * The incoming-webhook message: `text` is the notification line phones show; blocks
 * give the summary, the SLO numbers, sample errors and links.
 */
export function slackMessage(notification: AlertNotification, externalURL: string): { text: string; blocks: Block[] } {
  const { labels, annotations } = notification;
  const firing = notification.status === 'firing';
  const title = annotations.summary || labels.alertname!;
  const head = `${firing ? '🔴 FIRING' : '✅ RESOLVED'}: ${title}`;
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: clip(head, HEADER_MAX), emoji: true } }];

  if (annotations.description)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(annotations.description), SECTION_MAX) } });

  const facts: Array<[string, string | undefined]> = [
    ['SLO', labels.slo],
    ['Service', labels.service],
    ['Severity', labels.severity],
    ['Windows', labels.long_window && labels.short_window ? `${labels.long_window} / ${labels.short_window}` : labels.long_window],
    ['Burn rate', annotations.burn_rate],
    ['Budget remaining', annotations.budget_remaining],
    ['Time to exhaustion', annotations.time_to_exhaustion],
    ['Started', notification.startsAt],
    ['Resolved', firing ? undefined : notification.endsAt],
  ];
  const fields = facts
    .filter((fact): fact is [string, string] => Boolean(fact[1]))
    .slice(0, 10)
    .map(([name, value]) => ({ type: 'mrkdwn', text: clip(`*${name}*\n${escapeSlack(value)}`, FIELD_MAX) }));
  if (fields.length) blocks.push({ type: 'section', fields });

  if (firing && annotations.sample_errors)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Sample errors*\n\`\`\`${escapeSlack(annotations.sample_errors)}\`\`\``, SECTION_MAX) },
    });
  if (firing && annotations.sample_trace_ids)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Trace ids: ${escapeSlack(annotations.sample_trace_ids)}`, SECTION_MAX) }] });

  const links: string[] = [];
  if (annotations.runbook_url) links.push(link(annotations.runbook_url, 'Runbook'));
  if (annotations.dashboard_url) links.push(link(annotations.dashboard_url, 'Dashboard'));
  if (notification.generatorURL) links.push(link(notification.generatorURL, 'Source'));
  else if (externalURL) links.push(link(externalURL, 'Lookout'));
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  ·  ') }] });

  const where = [labels.service, labels.slo].filter(Boolean).join(' / ');
  return { text: `${head}${where ? ` (${where})` : ''}`, blocks };
}

export function slackRequest(url: string, notification: AlertNotification, externalURL: string): OutgoingRequest {
  return {
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(slackMessage(notification, externalURL)),
  };
}
