import { z } from 'zod';
import { probesConfigSchema } from '../probes/config.ts';
import { durationSchema, portSchema, sizeSchema } from './units.ts';
import { requestSeriesConfigSchema } from '../processors/config.ts';
import { sliConfigSchema } from '../store/config.ts';
import { logsConfigSchema } from '../receivers/logs-config.ts';
import { exportersConfigSchema } from '../exporters/loki-config.ts';
import { slosConfigSchema, thresholdAlertsConfigSchema } from '../slo/config.ts';
import { notifyConfigSchema } from '../notify/config.ts';
import { httpTimeoutsProblems } from '../receivers/http-timeouts.ts';

/**
 * The one schema of lookout.yaml: validation, defaults and the documented reference
 * (`lookout config schema`) all come from here.
 */

const tlsSchema = z
  .strictObject({
    certFile: z.string().describe('PEM certificate chain served by the receivers'),
    keyFile: z.string().describe('PEM private key of certFile'),
    clientCaFile: z
      .string()
      .optional()
      .describe('when set, clients must present a certificate signed by this CA (mutual TLS)'),
  })
  .describe('TLS for the OTLP receivers; plain text when absent');

const tenantSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tenant name is 1-64 letters, digits, dot, dash or underscore')
    .describe('tenant recorded on every record sent with this token'),
  token: z
    .string()
    .min(16, 'a token must be at least 16 characters; generate one with `openssl rand -hex 32`')
    .describe('bearer token; use ${ENV_VAR} rather than writing it in the file'),
});

const authSchema = z
  .strictObject({
    tenants: z.array(tenantSchema).min(1, 'list at least one tenant, or remove `auth` to turn auth off'),
  })
  .superRefine((auth, ctx) => {
    const names = new Set<string>();
    const tokens = new Set<string>();
    auth.tenants.forEach((tenant, i) => {
      if (names.has(tenant.name))
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'name'], message: `tenant '${tenant.name}' is listed twice; names must be unique` });
      if (tokens.has(tenant.token))
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'token'], message: 'two tenants share a token; give each tenant its own token' });
      names.add(tenant.name);
      tokens.add(tenant.token);
    });
  })
  .describe('bearer-token auth on the receivers, one token per tenant; off when absent');

const readAuthSchema = z
  .strictObject({
    token: z
      .string()
      .min(16, 'a token must be at least 16 characters; generate one with `openssl rand -hex 32`')
      .describe('bearer token for /api/v1/*, the status page and (with protectMetrics) /metrics; it cannot send data'),
    protectMetrics: z.boolean().default(false).describe('/metrics needs the read token too (give Prometheus the token)'),
  })
  .describe('a read token for the APIs, separate from the ingest tokens; the read APIs are open when absent. /healthz and /readyz stay open');

const otlpHttpSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1').describe('listen address; 0.0.0.0 to accept remote senders'),
    port: portSchema.default(4318),
    maxBodyBytes: sizeSchema.default(8 * 1024 * 1024).describe('largest request body on the wire'),
    maxDecompressedBytes: sizeSchema
      .default(32 * 1024 * 1024)
      .describe('largest body after gzip decompression (guards against gzip bombs)'),
    headersTimeout: durationSchema.default(10_000).describe('a client must send its request headers within this, else 408 and closed'),
    requestTimeout: durationSchema
      .default(30_000)
      .describe('a client must send its whole request, body included, within this, else 408 and closed (also the slowest body rate: maxBodyBytes / requestTimeout)'),
    idleTimeout: durationSchema.default(60_000).describe('a connection with no bytes moving for this long is closed'),
    minBodyBytesPerSecond: sizeSchema
      .default(1024)
      .describe('a body slower than this on average, measured once headersTimeout has passed, gets 408 and its connection closed; 0 turns it off'),
    maxConnections: z
      .number({ error: 'maxConnections must be a whole number, e.g. 2048' })
      .int('maxConnections must be a whole number, e.g. 2048')
      .min(1, 'maxConnections must be at least 1')
      .default(2048)
      .describe('open connections on the HTTP listener at most; more are closed as they arrive'),
  })
  .superRefine((http, ctx) => {
    for (const problem of httpTimeoutsProblems(http)) ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
  })
  .prefault({});

const otlpGrpcSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: portSchema.default(4317),
    maxMessageBytes: sizeSchema.default(8 * 1024 * 1024).describe('largest gRPC message'),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    receivers: z
      .strictObject({
        otlp: z
          .strictObject({
            http: otlpHttpSchema,
            grpc: otlpGrpcSchema,
            tls: tlsSchema.optional(),
            auth: authSchema.optional(),
            readAuth: readAuthSchema.optional(),
          })
          .superRefine((otlp, ctx) => {
            // One token, one power: the read token must not also be a tenant's ingest token.
            if (otlp.readAuth && otlp.auth?.tenants.some((tenant) => tenant.token === otlp.readAuth!.token)) {
              ctx.addIssue({ code: 'custom', path: ['readAuth', 'token'], message: 'the read token is also a tenant token; give reading its own token' });
            }
          })
          .prefault({}),
      })
      .prefault({}),
    pipeline: z
      .strictObject({
        queue: z
          .strictObject({
            maxItems: z.number().int().positive().default(500_000).describe('spans + data points + log records waiting'),
            maxBytes: sizeSchema.default(256 * 1024 * 1024).describe('encoded bytes waiting'),
          })
          .prefault({}),
        admission: z
          .strictObject({
            maxInFlightBytes: sizeSchema
              .default(128 * 1024 * 1024)
              .describe('declared body bytes of HTTP ingest requests being read or decoded at once; over it, 429 before the body is read'),
          })
          .prefault({})
          .describe('admission before work: requests are refused from their headers when the queue or the in-flight budget is full'),
        dedupLogRecordIds: z
          .number()
          .int()
          .min(0)
          .default(200_000)
          .describe(
            'how many recent log.record.uid values to remember per collector, so a batch a sender repeats after a crash is delivered once; 0 turns dedup off',
          ),
      })
      .prefault({}),
    requestSeries: requestSeriesConfigSchema.describe('request series from spans and http.server.request.duration metrics'),
    sli: sliConfigSchema.describe('SLI store (per-minute good/total in SQLite under storage.dataDir) and SLI definitions'),
    logs: logsConfigSchema.describe('log receivers besides OTLP (raw lines, Loki push, syslog) and log → metrics'),
    exporters: exportersConfigSchema.describe('where records go besides /metrics: Loki push'),
    storage: z
      .strictObject({
        dataDir: z.string().default('.lookout-data').describe('SQLite stores and checkpoints live here'),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .prefault({}),
    probes: probesConfigSchema,
    slos: slosConfigSchema,
    thresholdAlerts: thresholdAlertsConfigSchema,
    notify: notifyConfigSchema,
    shutdownTimeout: durationSchema.default(10_000).describe('how long shutdown may take to flush'),
  })
  .prefault({});

export type LookoutConfig = z.output<typeof configSchema>;
export type LookoutConfigInput = z.input<typeof configSchema>;
