import { z } from 'zod';
import { durationSchema, portSchema, sizeSchema } from '../core/units.ts';
import { httpTimeoutsProblems } from './http-timeouts.ts';

/** `receivers.otlp` in lookout.yaml: the OTLP/HTTP and gRPC listeners, their TLS and auth. */

export const receiverTlsConfigSchema = z
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
  quota: z
    .strictObject({
      itemsPerSecond: z
        .number({ error: 'itemsPerSecond must be a number above 0, e.g. 5000' })
        .positive('itemsPerSecond must be above 0, e.g. 5000; leave it out for no item limit')
        .optional()
        .describe('spans, data points and log records per second this tenant may send; more get 429 (gRPC RESOURCE_EXHAUSTED) with Retry-After'),
      bytesPerSecond: sizeSchema
        .refine((n) => n > 0, 'bytesPerSecond must be above 0, e.g. 4MiB; leave it out for no byte limit')
        .optional()
        .describe('request bytes (decompressed) per second this tenant may send, e.g. 4MiB'),
      burstSeconds: z
        .number({ error: 'burstSeconds must be a number above 0, e.g. 2' })
        .positive('burstSeconds must be above 0, e.g. 2')
        .default(2)
        .describe('a quiet tenant may send this many seconds of its rate at once (the token bucket size)'),
    })
    .refine((q) => q.itemsPerSecond !== undefined || q.bytesPerSecond !== undefined, 'a quota needs itemsPerSecond, bytesPerSecond or both')
    .optional()
    .describe('per-tenant ingest quota (token buckets), so one noisy tenant cannot starve the others; none when absent'),
});

export const receiverAuthConfigSchema = z
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

export const otlpHttpConfigSchema = z
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

export const otlpGrpcConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: portSchema.default(4317),
    maxMessageBytes: sizeSchema.default(8 * 1024 * 1024).describe('largest gRPC message'),
  })
  .prefault({});

export const readAuthConfigSchema = z
  .strictObject({
    token: z
      .string()
      .min(16, 'a token must be at least 16 characters; generate one with `openssl rand -hex 32`')
      .describe('bearer token for /api/v1/*, the status page and (with protectMetrics) /metrics; it cannot send data'),
    protectMetrics: z.boolean().default(false).describe('/metrics needs the read token too (give Prometheus the token)'),
  })
  .describe('a read token for the APIs, separate from the ingest tokens; the read APIs are open when absent. /healthz and /readyz stay open');

export const otlpReceiversConfigSchema = z
  .strictObject({
    http: otlpHttpConfigSchema,
    grpc: otlpGrpcConfigSchema,
    tls: receiverTlsConfigSchema.optional(),
    auth: receiverAuthConfigSchema.optional(),
    readAuth: readAuthConfigSchema.optional(),
  })
  .superRefine((otlp, ctx) => {
    if (otlp.readAuth && otlp.auth?.tenants.some((tenant) => tenant.token === otlp.readAuth!.token)) {
      ctx.addIssue({ code: 'custom', path: ['readAuth', 'token'], message: 'the read token is also a tenant token; give reading its own token' });
    }
  })
  .prefault({});

export type OtlpReceiversConfig = z.output<typeof otlpReceiversConfigSchema>;
export type ReceiverTlsConfig = z.output<typeof receiverTlsConfigSchema>;
