import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

const percentSchema = (what: string) =>
  z
    .number({ error: `${what} is a percent, e.g. 99.5` })
    .gt(0, `${what} is a percent above 0, e.g. 99.5`)
    .lt(100, `${what} is a percent below 100, e.g. 99.5 (100 leaves no error budget)`);

const routePatternsSchema = z
  .array(
    z.string().superRefine((pattern, ctx) => {
      try {
        new RegExp(`^(?:${pattern})$`);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `route pattern ${JSON.stringify(pattern)} is not a regular expression (${(error as Error).message}); it is anchored at both ends, e.g. .*/stream.*` });
      }
    }),
  )
  .describe('route templates matching one of these regular expressions (anchored at both ends, PromQL style) are left out of the auto SLOs');

const autoServiceSchema = z.strictObject({
  disabled: z.boolean().optional().describe('no auto SLOs for this service'),
  objective: percentSchema('objective').optional().describe('availability objective in percent'),
  latencyObjective: percentSchema('latencyObjective').optional().describe('latency objective in percent'),
  latencyThreshold: durationSchema.optional().describe('latency threshold instead of the learned one, e.g. 300ms (rounded up to a histogram bucket bound)'),
  excludeRoutes: routePatternsSchema.optional().describe('route patterns left out for this service, replacing slos.auto.excludeRoutes'),
  routes: z
    .record(
      z.string().min(1, 'a route is a route template such as /api/checkout'),
      z.strictObject({
        exclude: z.boolean().optional().describe('leave this route out of the service’s auto SLOs'),
        objective: percentSchema('objective').optional().describe('the route gets its own availability SLO with this objective'),
        latencyObjective: percentSchema('latencyObjective').optional().describe('the route’s own latency objective'),
        latencyThreshold: durationSchema.optional().describe('the route’s own latency threshold (rounded up to a bucket bound)'),
      }),
    )
    .optional()
    .describe('per route template (exact): exclude it, or give it its own SLOs (it then leaves the service-wide ones)'),
});

const policyPairSchema = z.strictObject({
  severity: z.enum(['page', 'ticket'], { error: "severity is 'page' or 'ticket'" }),
  long: z.string().min(1).describe('long window, e.g. 1h'),
  short: z.string().min(1).describe('short window, e.g. 5m'),
  factor: z.number().positive('factor is a burn rate above 0, e.g. 14.4'),
});

/** Automatic SLOs for every service the collector sees (issue 15 item 7); off by default. */
export const autoSlosConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('give every service the collector sees an availability and a latency SLO'),
    objective: percentSchema('objective').default(99.5).describe('availability objective in percent: requests that are not errors (5xx, span error)'),
    latencyObjective: percentSchema('latencyObjective').default(99).describe('latency objective in percent: requests at or under the threshold'),
    latencyThreshold: durationSchema
      .optional()
      .describe('one latency threshold for every service (rounded up to a bucket bound); when absent each service’s threshold is learned'),
    learnFor: durationSchema
      .default(86_400_000)
      .describe('how long a new service’s latency is watched before its threshold is set: the bucket bound at or under which latencyObjective of its requests fell'),
    learnMinRequests: z.number().int().min(1).default(100).describe('requests needed before a threshold is learned; until then the latency SLO keeps learning'),
    period: z.string().default('30d').describe('SLO period of the auto SLOs, e.g. 30d or 28d'),
    policy: z
      .array(policyPairSchema)
      .min(1, 'give at least one pair, or leave policy out for the Workbook')
      .optional()
      .describe('alert policy: a list of { severity, long, short, factor }; absent: the Workbook (1h/5m 14.4×, 6h/30m 6×, 1d/2h 3×, 3d/6h 1×)'),
    excludeRoutes: routePatternsSchema.default([
      '.*(poll|Poll|stream|Stream|sse|SSE|websocket|WebSocket|socket\\.io|subscribe|Subscribe).*',
      '(.*/)?(ws|events|watch|live)(/.*)?',
    ]),
    services: z
      .record(z.string(), autoServiceSchema)
      .default({})
      .describe('per service overrides (by service.name); resource attributes lookout.slo.* set in the agent override the defaults too, the config wins over them'),
    maxServices: z.number().int().min(1).default(200).describe('services given auto SLOs at most; later ones are logged and skipped'),
  })
  .prefault({})
  .describe('automatic SLOs: off by default; enabled: true gives every service an availability and a latency SLO');

/**
 * The `slos:` and `thresholdAlerts:` sections of lookout.yaml. SLO specs themselves
 * live in their own files (alerts/ formats: native, OpenSLO v1, Sloth); the config
 * only says where they are and how often the runtime evaluates them.
 */

export const slosConfigSchema = z
  .strictObject({
    files: z
      .array(z.string().min(1, 'an SLO file entry is empty; write a path, a directory or a glob such as slos/*.yaml'))
      .default([])
      .describe('SLO spec files: paths, directories (their *.yaml / *.yml) or globs (*, ?, **), relative to the working directory'),
    evaluationInterval: durationSchema
      .default(30_000)
      .describe('how often every SLO is evaluated and its alerts stepped, e.g. 30s'),
    dashboardUrl: z
      .string()
      .optional()
      .describe(
        'link put in each alert as dashboard_url when its spec has none; {service} and {slo} are replaced (URL-encoded), e.g. https://grafana.example.com/d/lookout-slo?var-service={service}&var-slo={slo}',
      ),
    minEvents: z
      .number({ error: 'minEvents must be a whole number, e.g. 20' })
      .int('minEvents must be a whole number, e.g. 20')
      .min(0, 'minEvents cannot be negative')
      .default(0)
      .describe('lower bound for every SLO’s minEvents: a window with fewer events never counts as burning'),
    lateData: durationSchema
      .default(300_000)
      .describe(
        'events may arrive this long after their minute ended and still count in the running evaluation (minutes older than this are settled into the in-memory index); e.g. 5m',
      ),
    noData: z
      .strictObject({
        alertOn: z
          .enum(['no-data', 'no-traffic-or-data'], {
            error: "noData.alertOn is 'no-data' (alert only when nothing arrives from the service) or 'no-traffic-or-data' (also when it still reports but has no requests)",
          })
          .default('no-data')
          .describe(
            "when an SLO's no-data alert (SLODataMissing) fires: 'no-data' only when nothing at all (spans, metrics, logs) arrives from the service, so an idle service that still reports does not alert; 'no-traffic-or-data' also when it reports but receives no requests",
          ),
      })
      .prefault({})
      .describe('no traffic (the service reports, receives no requests) versus no data (nothing arrives from it)'),
    auto: autoSlosConfigSchema,
    sampleTraceIds: z.number().int().min(0).max(20).default(5).describe('recent error trace ids put in each alert'),
    sampleErrorLines: z.number().int().min(0).max(20).default(3).describe('recent error log lines of the service put in each alert'),
  })
  .superRefine((slos, ctx) => {
    if (slos.evaluationInterval < 100)
      ctx.addIssue({ code: 'custom', path: ['evaluationInterval'], message: 'evaluationInterval must be at least 100ms; 30s is the usual value' });
    if (slos.lateData > 3_600_000)
      ctx.addIssue({ code: 'custom', path: ['lateData'], message: 'lateData is at most 1h; late data older than that is read at the next start' });
  })
  .prefault({})
  .describe('SLO specs evaluated by the collector: multiwindow burn-rate alerts sent through notify:');

const tlsThresholdSchema = z
  .strictObject({
    ticketDays: z.number().positive().default(14).describe('ticket when the earliest certificate of the chain expires in fewer days'),
    pageDays: z.number().positive().default(3).describe('page when it expires in fewer days'),
    pageWhenUnverified: z.boolean().default(true).describe('page when the chain is not trusted or does not name the host'),
  })
  .superRefine((tls, ctx) => {
    if (tls.pageDays >= tls.ticketDays)
      ctx.addIssue({ code: 'custom', path: ['pageDays'], message: `pageDays (${tls.pageDays}) must be less than ticketDays (${tls.ticketDays})` });
  })
  .prefault({});

const ratioSchema = (what: string) =>
  z
    .number({ error: `${what} is a fraction from 0 to 1, e.g. 0.9` })
    .gt(0, `${what} is a fraction from 0 to 1, e.g. 0.9`)
    .max(1, `${what} is a fraction from 0 to 1 (0.9 = 90 %), not a percent`);

export const thresholdAlertsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    evaluationInterval: durationSchema.default(30_000).describe('how often the threshold rules are checked'),
    tls: tlsThresholdSchema,
    probeFailures: z
      .number()
      .int()
      .min(1, 'probeFailures must be at least 1')
      .default(3)
      .describe('page when a probe failed (or timed out) this many runs in a row'),
    databaseGrowth: z
      .strictObject({
        perDay: z.number().positive().default(0.2).describe('ticket when a database grew by more than this fraction per day (0.2 = 20 %)'),
        minObservation: durationSchema.default(3_600_000).describe('sizes must span at least this long before growth is judged'),
      })
      .prefault({}),
    disk: z
      .strictObject({
        ticket: ratioSchema('disk.ticket').default(0.9).describe('ticket when a filesystem is fuller than this (system.filesystem.utilization)'),
        page: ratioSchema('disk.page').default(0.97).describe('page when fuller than this'),
      })
      .prefault({}),
    memory: z
      .strictObject({
        ticket: ratioSchema('memory.ticket').default(0.9).describe('ticket when memory use (1 − available/total) is above this'),
        page: ratioSchema('memory.page').optional().describe('page when above this; no page when absent'),
      })
      .prefault({}),
    hostStaleAfter: durationSchema.default(300_000).describe('host readings older than this are dropped (their alerts resolve)'),
    for: durationSchema.default(0).describe('a rule must hold this long before its alert fires'),
  })
  .prefault({})
  .describe('alerts that are not SLOs: TLS expiry and verification, failing probes, database growth, host disk and memory');

export type SlosConfig = z.output<typeof slosConfigSchema>;
export type AutoSlosConfig = z.output<typeof autoSlosConfigSchema>;
export type SlosConfigInput = z.input<typeof slosConfigSchema>;
export type ThresholdAlertsConfig = z.output<typeof thresholdAlertsConfigSchema>;
export type ThresholdAlertsConfigInput = z.input<typeof thresholdAlertsConfigSchema>;
