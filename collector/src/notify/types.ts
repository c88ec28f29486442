import { z } from 'zod';

/**
 * One alert notification as the SLO runtime hands it over. `dedupKey` is stable for
 * one alert (same labels → same key) across firing and resolved and across restarts;
 * `startsAt` identifies one firing episode of that alert.
 */
export interface AlertNotification {
  /** stable per alert, e.g. dedupKeyOf(labels) */
  dedupKey: string;
  status: 'firing' | 'resolved';
  /** alertname, slo, service, severity, long_window, short_window */
  labels: Record<string, string>;
  /**
   * summary, description, burn_rate, budget_remaining, time_to_exhaustion,
   * runbook_url, dashboard_url, sample_errors, sample_trace_ids
   */
  annotations: Record<string, string>;
  /** RFC 3339 time the episode started firing */
  startsAt: string;
  /** RFC 3339 time it resolved; required when status is 'resolved' */
  endsAt?: string;
  /** link back to the source of the alert */
  generatorURL?: string;
}

export type ReceiverKind = 'alertmanager' | 'webhook' | 'slack' | 'pagerduty';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const timeSchema = (field: string) =>
  z.string().regex(RFC3339, `${field} must be an RFC 3339 time such as 2024-05-01T12:00:00Z (use Date.toISOString())`);

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Validates what enqueue() accepts; the messages say which field and how to fix it. */
export const alertNotificationSchema = z
  .strictObject({
    dedupKey: z
      .string()
      .min(1, 'dedupKey is empty; use dedupKeyOf(labels) for a stable key')
      .max(255, 'dedupKey is longer than 255 characters (PagerDuty limit); use dedupKeyOf(labels)'),
    status: z.enum(['firing', 'resolved'], { error: "status must be 'firing' or 'resolved'" }),
    labels: z.record(z.string(), z.string()).superRefine((labels, ctx) => {
      if (!labels.alertname) ctx.addIssue({ code: 'custom', message: 'labels.alertname is missing; every alert needs a name' });
      for (const name of Object.keys(labels))
        if (!labelName.test(name))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `label name '${name}' is not valid for Alertmanager; use letters, digits and underscores, not starting with a digit`,
          });
    }),
    annotations: z.record(z.string(), z.string()).default({}),
    startsAt: timeSchema('startsAt'),
    endsAt: timeSchema('endsAt').optional(),
    generatorURL: z.url({ error: 'generatorURL must be an absolute URL such as https://lookout.example/slo/checkout' }).optional(),
  })
  .superRefine((n, ctx) => {
    if (n.status === 'resolved' && !n.endsAt)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'a resolved notification needs endsAt (the time it resolved)' });
  });

/** Throws an Error naming each bad field when `value` is not an AlertNotification. */
export function parseAlertNotification(value: unknown): AlertNotification {
  const result = alertNotificationSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(notification)'}: ${issue.message}`);
  throw new Error(`invalid alert notification: ${problems.join('; ')}`);
}

/** What a receiver module turns a notification into: one HTTP POST. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}
