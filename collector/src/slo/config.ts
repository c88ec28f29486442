import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

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
export type SlosConfigInput = z.input<typeof slosConfigSchema>;
export type ThresholdAlertsConfig = z.output<typeof thresholdAlertsConfigSchema>;
export type ThresholdAlertsConfigInput = z.input<typeof thresholdAlertsConfigSchema>;
