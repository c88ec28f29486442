import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

/**
 * The `notify:` section of lookout.yaml: where alert notifications go and how hard the
 * outbox tries. Secrets (PagerDuty routing keys, Slack webhook URLs, webhook headers)
 * go through the loader's ${ENV} interpolation and are never logged.
 */

const receiverNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a receiver name is 1-64 letters, digits, dot, colon, dash or underscore')
  .describe('names the receiver in metrics and logs; unique across all receiver kinds');

function httpUrl(example: string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    // the value itself may be a secret (Slack), so it is not echoed back
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      ctx.addIssue({ code: 'custom', message: `not an http(s) URL; write e.g. ${example}` });
  });
}

const matchSchema = z
  .record(z.string(), z.string())
  .optional()
  .describe('send only notifications whose labels equal all of these, e.g. {severity: page}; everything when absent');

const alertmanagerReceiverSchema = z
  .strictObject({
    name: receiverNameSchema,
    url: httpUrl('http://alertmanager:9093').describe('Alertmanager base URL; alerts are POSTed to <url>/api/v2/alerts'),
    resendInterval: durationSchema
      .default(60_000)
      .describe('firing alerts are sent again this often, as Alertmanager expects; each send sets endsAt 4 intervals ahead'),
    match: matchSchema,
  })
  .describe('Alertmanager API v2');

const webhookReceiverSchema = z
  .strictObject({
    name: receiverNameSchema,
    url: httpUrl('https://hooks.example.com/lookout').describe('receives the Alertmanager webhook payload (version 4)'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('extra request headers, e.g. Authorization: Bearer ${HOOK_TOKEN}'),
    match: matchSchema,
  })
  .describe('generic webhook: Alertmanager webhook JSON plus an Idempotency-Key header');

const slackReceiverSchema = z
  .strictObject({
    name: receiverNameSchema,
    url: httpUrl('https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}').describe(
      'Slack incoming-webhook URL; it is a secret, write it as ${SLACK_WEBHOOK_URL}',
    ),
    match: matchSchema,
  })
  .describe('Slack incoming webhook');

const pagerdutyReceiverSchema = z
  .strictObject({
    name: receiverNameSchema,
    routingKey: z
      .string()
      .min(1, 'routingKey is empty; copy the integration key of an Events API v2 integration, as ${PAGERDUTY_ROUTING_KEY}')
      .describe('Events API v2 integration key; a secret, write it as ${PAGERDUTY_ROUTING_KEY}'),
    url: httpUrl('https://events.pagerduty.com/v2/enqueue')
      .default('https://events.pagerduty.com/v2/enqueue')
      .describe('Events API v2 endpoint (EU accounts: https://events.eu.pagerduty.com/v2/enqueue)'),
    match: matchSchema,
  })
  .describe('PagerDuty Events API v2: trigger and resolve by dedup_key');

const retrySchema = z
  .strictObject({
    baseDelay: durationSchema.default(1000).describe('ceiling of the first retry delay; each retry doubles it'),
    maxDelay: durationSchema.default(300_000).describe('largest ceiling a retry delay can reach'),
    maxAge: durationSchema
      .default(86_400_000)
      .describe('a notification not delivered this long after it was enqueued is given up (counted in lookout_notifications_given_up_total)'),
  })
  .superRefine((retry, ctx) => {
    if (retry.baseDelay <= 0) ctx.addIssue({ code: 'custom', path: ['baseDelay'], message: 'baseDelay must be more than 0, e.g. 1s' });
    if (retry.maxDelay < retry.baseDelay)
      ctx.addIssue({
        code: 'custom',
        path: ['maxDelay'],
        message: `maxDelay (${retry.maxDelay} ms) is less than baseDelay (${retry.baseDelay} ms); make it at least baseDelay`,
      });
  })
  .prefault({})
  .describe('retries: exponential backoff with full jitter, delay = random(0, min(maxDelay, baseDelay·2^n))');

const breakerSchema = z
  .strictObject({
    failureThreshold: z
      .number({ error: 'failureThreshold must be a whole number of at least 1' })
      .int('failureThreshold must be a whole number of at least 1')
      .min(1, 'failureThreshold must be a whole number of at least 1')
      .default(5)
      .describe('consecutive failed requests that open the circuit of a receiver'),
    coolDown: durationSchema.default(30_000).describe('time an open circuit waits before one probe request'),
  })
  .prefault({})
  .describe('circuit breaker per receiver');

const heartbeatSchema = z
  .strictObject({
    receiver: z.string().describe('name of the receiver that gets the heartbeat (usually an external dead man’s switch)'),
    interval: durationSchema.default(60_000).describe('a heartbeat is sent this often'),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe('extra labels on the heartbeat alert, e.g. {cluster: prod}'),
  })
  .describe('dead man’s switch: an always-firing LookoutHeartbeat alert; its absence means Lookout or its notifier is down');

export const notifyConfigSchema = z
  .strictObject({
    receivers: z
      .strictObject({
        alertmanager: z.array(alertmanagerReceiverSchema).default([]),
        webhook: z.array(webhookReceiverSchema).default([]),
        slack: z.array(slackReceiverSchema).default([]),
        pagerduty: z.array(pagerdutyReceiverSchema).default([]),
      })
      .prefault({})
      .describe('every notification goes to every receiver whose `match` it satisfies'),
    heartbeat: heartbeatSchema.optional(),
    retry: retrySchema,
    breaker: breakerSchema,
    timeout: durationSchema.default(10_000).describe('one request to a receiver that takes longer counts as a failed attempt'),
    externalURL: z
      .string()
      .default('')
      .describe('URL of this Lookout, put in webhook payloads as externalURL and in Slack/PagerDuty links'),
    retention: durationSchema
      .default(7 * 86_400_000)
      .describe('delivered and given-up notifications are kept this long in the outbox for inspection'),
  })
  .superRefine((notify, ctx) => {
    const seen = new Map<string, string>();
    for (const kind of ['alertmanager', 'webhook', 'slack', 'pagerduty'] as const) {
      notify.receivers[kind].forEach((receiver, i) => {
        const before = seen.get(receiver.name);
        if (before)
          ctx.addIssue({
            code: 'custom',
            path: ['receivers', kind, i, 'name'],
            message: `receiver '${receiver.name}' is already used by a ${before} receiver; names must be unique across all kinds`,
          });
        seen.set(receiver.name, kind);
      });
    }
    if (notify.heartbeat && !seen.has(notify.heartbeat.receiver)) {
      const names = [...seen.keys()];
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat', 'receiver'],
        message: `heartbeat receiver '${notify.heartbeat.receiver}' is not configured; ${
          names.length ? `use one of: ${names.join(', ')}` : 'add a receiver under notify.receivers first'
        }`,
      });
    }
  })
  .prefault({})
  .describe('alert notifications: SQLite outbox, retries, circuit breakers, receivers, heartbeat');

export type NotifyConfig = z.output<typeof notifyConfigSchema>;
export type NotifyConfigInput = z.input<typeof notifyConfigSchema>;
export type AlertmanagerReceiverConfig = NotifyConfig['receivers']['alertmanager'][number];
export type WebhookReceiverConfig = NotifyConfig['receivers']['webhook'][number];
export type SlackReceiverConfig = NotifyConfig['receivers']['slack'][number];
export type PagerdutyReceiverConfig = NotifyConfig['receivers']['pagerduty'][number];
export type HeartbeatConfig = NonNullable<NotifyConfig['heartbeat']>;
