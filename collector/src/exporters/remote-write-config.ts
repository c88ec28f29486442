import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

/** The collector's own series remote write sends by default: the request series and the SLO counters. */
export const DEFAULT_REMOTE_WRITE_SELF_SERIES = [
  'lookout_requests_total',
  'lookout_request_errors_total',
  'lookout_request_duration_seconds',
  'lookout_slo_events_total',
  'lookout_slo_good_events_total',
];

/** `exporters.remoteWrite` in lookout.yaml: Prometheus remote write 1.0 to Prometheus, Mimir, Thanos, VictoriaMetrics… */
export const remoteWriteConfigSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'url must be the http(s) remote-write endpoint, e.g. http://prometheus:9090/api/v1/write' })
      .describe('the receiver endpoint, e.g. http://prometheus:9090/api/v1/write (Prometheus needs --web.enable-remote-write-receiver)'),
    headers: z.record(z.string(), z.string()).default({}).describe('extra request headers, e.g. X-Scope-OrgID: "${TENANT}"'),
    bearerToken: z.string().optional().describe('sent as Authorization: Bearer …; write it as ${RW_TOKEN} to read it from the environment'),
    tls: z.strictObject({ caFile: z.string().describe('PEM file of the CA that signed the endpoint certificate') }).optional(),
    externalLabels: z
      .record(z.string(), z.string().min(1, 'an external label value must not be empty'))
      .superRefine((labels, ctx) => {
        for (const name of Object.keys(labels)) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) {
            ctx.addIssue({ code: 'custom', path: [name], message: `an external label name must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __; rename '${name}'` });
          }
        }
      })
      .default({})
      .describe('added to every series that does not have the label, e.g. { cluster: eu-1 }'),
    selfSeries: z
      .array(z.string())
      .default(DEFAULT_REMOTE_WRITE_SELF_SERIES)
      .describe('names of the collector\'s own /metrics families to send (the request series and SLO counters by default)'),
    selfInterval: durationSchema.default(15_000).describe('how often the collector\'s own series are sampled and sent'),
    job: z.string().min(1).default('lookout').describe('job label of the collector\'s own series (instance is the host name)'),
    receivedMetrics: z.boolean().default(true).describe('send the received OTLP metrics, converted as on /metrics'),
    shards: z.number().int().min(1).max(64).default(4).describe('parallel senders; a series always goes through the same one, so its samples stay in order'),
    batchSamples: z.number().int().positive().default(2000).describe('samples per request'),
    batchWait: durationSchema.default(1000).describe('a partial batch is sent after this long'),
    maxBufferSamples: z
      .number()
      .int()
      .positive()
      .default(500_000)
      .describe('samples waiting in all shards while the receiver is slow or down; more are dropped and counted'),
    timeout: durationSchema.default(30_000).describe('one request'),
    minBackoff: durationSchema.default(30).describe('first retry waits up to this long (full jitter)'),
    maxBackoff: durationSchema.default(5_000).describe('longest wait between retries'),
    maxElapsed: durationSchema.default(0).describe('a batch still failing after this long is dropped; 0 (the default) retries while the buffer has room, as Prometheus does'),
    breaker: z
      .strictObject({
        failureThreshold: z.number().int().positive().default(5),
        coolDown: durationSchema.default(5_000),
      })
      .prefault({}),
  })
  .describe('Prometheus remote write 1.0 (protobuf, snappy); off when absent');

export type RemoteWriteConfig = z.output<typeof remoteWriteConfigSchema>;
