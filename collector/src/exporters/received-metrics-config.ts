import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

/** `exporters.prometheus` in lookout.yaml: the received OTLP metrics on /metrics. */
export const receivedMetricsConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('expose every received OTLP metric on /metrics (OpenTelemetry → Prometheus names); maxSeries and staleAfter also bound what remote write sends'),
    maxSeries: z
      .number()
      .int()
      .positive()
      .default(20_000)
      .describe('series kept at most; points of new series over it are dropped and counted (reason series_limit)'),
    staleAfter: durationSchema.default(300_000).describe('a series not updated for this long leaves /metrics'),
    scopeLabels: z.boolean().default(true).describe('otel_scope_name / otel_scope_version labels on every series'),
  })
  .prefault({})
  .describe('received OTLP metrics on /metrics and for remote write; scrape with honor_labels: true so job/instance stay the senders\'');

export type ReceivedMetricsConfig = z.output<typeof receivedMetricsConfigSchema>;
