import { z } from 'zod';
import { probesConfigSchema } from '../probes/config.ts';
import { durationSchema } from '../core/units.ts';
import { pipelineConfigSchema } from '../pipeline/config.ts';
import { otlpReceiversConfigSchema } from '../receivers/otlp-config.ts';
import { requestSeriesConfigSchema } from '../processors/config.ts';
import { sliConfigSchema } from '../store/config.ts';
import { logsConfigSchema } from '../receivers/logs-config.ts';
import { exportersConfigSchema } from '../exporters/loki-config.ts';
import { slosConfigSchema, thresholdAlertsConfigSchema } from '../slo/config.ts';
import { notifyConfigSchema } from '../notify/config.ts';
import { grafanaConfigSchema } from '../provision/config.ts';
import { storageConfigSchema } from '../store/postgres/config.ts';

/**
 * The one schema of lookout.yaml: validation, defaults and the documented reference
 * (`lookout config schema`) all come from here.
 */

export const configSchema = z
  .strictObject({
    receivers: z
      .strictObject({
        otlp: otlpReceiversConfigSchema,
      })
      .prefault({}),
    pipeline: pipelineConfigSchema,
    requestSeries: requestSeriesConfigSchema.describe('request series from spans and http.server.request.duration metrics'),
    sli: sliConfigSchema.describe('SLI store (per-minute good/total in SQLite under storage.dataDir) and SLI definitions'),
    logs: logsConfigSchema.describe('log receivers besides OTLP (raw lines, Loki push, syslog) and log → metrics'),
    exporters: exportersConfigSchema.describe('where data goes besides the stores: received OTLP metrics on /metrics, OTLP forwarding, Prometheus remote write, Loki push'),
    storage: storageConfigSchema,
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .prefault({}),
    probes: probesConfigSchema,
    slos: slosConfigSchema,
    thresholdAlerts: thresholdAlertsConfigSchema,
    notify: notifyConfigSchema,
    grafana: grafanaConfigSchema,
    shutdownTimeout: durationSchema.default(10_000).describe('how long shutdown may take to flush'),
  })
  .prefault({});

export type LookoutConfig = z.output<typeof configSchema>;
export type LookoutConfigInput = z.input<typeof configSchema>;
