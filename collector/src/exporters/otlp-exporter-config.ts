import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

/** `exporters.otlp` in lookout.yaml: forward traces, metrics and logs to any OTLP/HTTP endpoint. */
export const otlpExporterConfigSchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL of an OTLP receiver, e.g. http://tempo:4318 (or http://tempo:4317 with protocol: grpc)' })
      .describe('http/protobuf: base URL, /v1/traces, /v1/metrics, /v1/logs are appended (Prometheus 3: http://prom:9090/api/v1/otlp, Loki: http://loki:3100/otlp); grpc: http://host:4317 (plaintext) or https://host:4317 (TLS)'),
    protocol: z.enum(['http/protobuf', 'grpc']).default('http/protobuf').describe('OTLP/HTTP with protobuf bodies, or OTLP/gRPC'),
    signals: z
      .array(z.enum(['traces', 'metrics', 'logs']))
      .min(1, 'signals must name at least one of traces, metrics, logs (or leave it out for all three)')
      .default(['traces', 'metrics', 'logs'])
      .describe('which signals to forward'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('extra request headers; values may read the environment, e.g. X-Scope-OrgID: "${TENANT}"'),
    bearerToken: z.string().optional().describe('sent as Authorization: Bearer …; write it as ${OTLP_TOKEN} to read it from the environment'),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    tls: z
      .strictObject({ caFile: z.string().describe('PEM file of the CA that signed the endpoint certificate') })
      .optional()
      .describe('for https endpoints signed by a private CA'),
    batchItems: z.number().int().positive().default(2000).describe('spans, data points or log records per request'),
    batchWait: durationSchema.default(1000).describe('a partial batch is sent after this long'),
    maxBufferItems: z
      .number()
      .int()
      .positive()
      .default(200_000)
      .describe('items waiting per signal while the endpoint is slow or down; more are dropped and counted, ingest is never blocked'),
    timeout: durationSchema.default(10_000).describe('one request'),
    minBackoff: durationSchema.default(500).describe('first retry waits up to this long (full jitter)'),
    maxBackoff: durationSchema.default(30_000).describe('longest wait between retries'),
    maxElapsed: durationSchema.default(300_000).describe('a batch still failing after this long is dropped and counted; 0 retries while there is room. Not used under pipeline.durability disk: the batch waits in the log, bounded by pipeline.wal.exporterMaxLagBytes'),
    breaker: z
      .strictObject({
        failureThreshold: z.number().int().positive().default(5).describe('consecutive failed requests that open the breaker'),
        coolDown: durationSchema.default(5_000).describe('how long it stays open before one probe request'),
      })
      .prefault({}),
  })
  .describe('forward traces, metrics and logs over OTLP (HTTP protobuf or gRPC) to Tempo, Jaeger, another Lookout, Prometheus 3, Loki…; off when absent');

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;
