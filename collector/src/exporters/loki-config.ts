import { z } from 'zod';
import { durationSchema } from '../core/units.ts';
import { otlpExporterConfigSchema } from './otlp-exporter-config.ts';
import { receivedMetricsConfigSchema } from './received-metrics-config.ts';
import { remoteWriteConfigSchema } from './remote-write-config.ts';

/** `exporters.loki` in lookout.yaml: push every log record to a Loki the user runs. */
export const lokiExporterConfigSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'url must be an http(s) URL of Loki, e.g. http://loki:3100' })
      .describe('Loki base URL (http://loki:3100) or its push endpoint; /loki/api/v1/push is added when the URL has no path'),
    tenant: z.string().optional().describe('sent as X-Scope-OrgID (multi-tenant Loki)'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('extra request headers, e.g. Authorization: "Bearer ${LOKI_TOKEN}"'),
    batchRecords: z.number().int().positive().default(1000).describe('records per push'),
    batchWait: durationSchema.default(1000).describe('a partial batch is pushed after this long'),
    maxBufferRecords: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('records waiting while Loki is slow or down; more are dropped and counted, ingest is never blocked'),
    timeout: durationSchema.default(10_000).describe('one push attempt'),
    minBackoff: durationSchema.default(500).describe('first retry waits up to this long (full jitter)'),
    maxBackoff: durationSchema.default(30_000).describe('longest wait between retries'),
    maxRetries: z.number().int().min(0).default(10).describe('retries of one batch before it is dropped and counted. Not used under pipeline.durability disk: the batch waits in the log, bounded by pipeline.wal.exporterMaxLagBytes'),
  })
  .describe('push log records to Loki with labels {service, severity, source}; off when absent');

export type LokiExporterConfig = z.output<typeof lokiExporterConfigSchema>;

export const exportersConfigSchema = z
  .strictObject({
    loki: lokiExporterConfigSchema.optional(),
    // issue 13: received OTLP metrics on /metrics (received-metrics-config.ts)
    prometheus: receivedMetricsConfigSchema,
    otlp: otlpExporterConfigSchema.optional(),
    remoteWrite: remoteWriteConfigSchema.optional(),
  })
  .prefault({});

export type ExportersConfig = z.output<typeof exportersConfigSchema>;
