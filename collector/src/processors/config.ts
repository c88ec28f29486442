import { z } from 'zod';
import { DEFAULT_DURATION_BUCKETS_SECONDS } from '@lookout/alerts';
import { durationSchema } from '../core/units.ts';

/**
 * The `requestSeries:` section of lookout.yaml: how spans and OTLP duration metrics
 * become lookout_requests_total / _errors_total / _duration_seconds.
 */

const sourceSchema = z
  .enum(['auto', 'spans', 'metrics'])
  .describe(
    'where request counts come from: spans, http.server.request.duration metric points, or auto ' +
      '(spans when the service sent server spans recently, else its metrics), so a service that sends both is counted once',
  );

const bucketSchema = z
  .number({ error: 'a bucket bound is a number of seconds, e.g. 0.25' })
  .positive('a bucket bound is a positive number of seconds, e.g. 0.25')
  .refine(Number.isFinite, 'a bucket bound must be finite; +Inf is always added');

export const requestSeriesConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('derive the request series (and SLIs) from spans and duration metrics'),
    durationBuckets: z
      .array(bucketSchema)
      .min(1, 'list at least one bucket bound, e.g. [0.1, 0.5, 1]')
      .default([...DEFAULT_DURATION_BUCKETS_SECONDS])
      .describe('histogram bounds in seconds; every SLI latency threshold is added to them'),
    maxRoutesPerService: z
      .number()
      .int()
      .min(1, 'maxRoutesPerService must be at least 1')
      .default(200)
      .describe('distinct routes kept per service; further routes are counted under route="other"'),
    routeIdleTimeout: durationSchema
      .default(10 * 60_000)
      .describe('a route that saw no request for this long gives its slot back (its series disappear)'),
    maxServices: z
      .number()
      .int()
      .min(1, 'maxServices must be at least 1')
      .default(1000)
      .describe('distinct services kept; further services are counted under service="other"'),
    source: sourceSchema.default('auto'),
    sources: z
      .record(z.string(), sourceSchema)
      .default({})
      .describe('per-service override of `source`, e.g. { checkout: metrics } for a service whose traces are sampled'),
    autoSourceWindow: durationSchema
      .default(10 * 60_000)
      .describe('with source auto, how long after its last server span a service still counts from spans'),
  })
  .prefault({});

export type RequestSeriesConfig = z.output<typeof requestSeriesConfigSchema>;
export type RequestSeriesConfigInput = z.input<typeof requestSeriesConfigSchema>;
export type RequestSource = z.output<typeof sourceSchema>;

/** `logs.metrics` in lookout.yaml: log records → lookout_log_records_total, access logs → request series. */
export const logMetricsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('lookout_log_records_total{service, severity, source}'),
    requests: z
      .boolean()
      .default(true)
      .describe('access-log records feed lookout_requests_total / _errors_total / _duration_seconds like spans do'),
    maxServices: z.number().int().positive().default(1000).describe('services counted by name; more go under service="other"'),
  })
  .prefault({});

export type LogMetricsConfig = z.output<typeof logMetricsConfigSchema>;
