import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

/**
 * The `probes:` section of lookout.yaml. Strings go through the loader's ${ENV}
 * interpolation first, so database passwords stay out of the file.
 */

const targetNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a probe name is 1-64 letters, digits, dot, colon, dash or underscore')
  .describe('the `target` label of every series this probe reports');

const targetPortSchema = z
  .number({ error: 'a port must be a whole number from 1 to 65535' })
  .int('a port must be a whole number from 1 to 65535')
  .min(1, 'a port must be from 1 to 65535')
  .max(65535, 'a port must be from 1 to 65535');

const timing = {
  interval: durationSchema.default(60_000).describe('time between two runs, e.g. 60s or 5m'),
  timeout: durationSchema.default(10_000).describe('a run still going after this long counts as failed; at most the interval'),
};

const tlsTargetSchema = z
  .strictObject({
    name: targetNameSchema,
    host: z.string().min(1, 'host is empty; write a DNS name or an IP address').describe('DNS name or IP address to connect to'),
    port: targetPortSchema.default(443),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe('name sent as SNI and checked against the certificate; defaults to host'),
    caFile: z.string().min(1).optional().describe("PEM bundle of trusted CAs; Node's bundled Mozilla roots when absent"),
    ...timing,
  })
  .describe('a TLS endpoint whose certificate chain, expiry and verification are reported');

const httpUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    ctx.addIssue({ code: 'custom', message: `'${value}' is not an http(s) URL; write e.g. https://example.com/healthz` });
});

const httpTargetSchema = z
  .strictObject({
    name: targetNameSchema,
    url: httpUrlSchema.describe('http:// or https:// URL to request; redirects are not followed'),
    method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).default('GET'),
    headers: z.record(z.string(), z.string()).optional().describe('request headers, e.g. an Authorization: ${TOKEN}'),
    expectStatus: z
      .array(z.number().int().min(100, 'an HTTP status is from 100 to 599').max(599, 'an HTTP status is from 100 to 599'))
      .default([])
      .describe('statuses that count as success; any 2xx when empty'),
    expectBody: z
      .string()
      .superRefine((value, ctx) => {
        try {
          new RegExp(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
        }
      })
      .optional()
      .describe('regular expression the response body (first 1 MiB) must match'),
    caFile: z.string().min(1).optional().describe('PEM bundle of trusted CAs for https URLs'),
    insecureSkipVerify: z.boolean().default(false).describe('accept any certificate (leave certificates to a tls probe)'),
    ...timing,
  })
  .describe('an HTTP(S) endpoint: status, latency, success');

const postgresTargetSchema = z
  .strictObject({
    name: targetNameSchema,
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL starts with postgres:// or postgresql://, e.g. postgres://lookout:${PGPASSWORD}@db:5432/postgres')
      .describe('connection URL; put the password in an environment variable: postgres://user:${PGPASSWORD}@host:5432/postgres'),
    maxDatabases: z.number().int().positive().default(100).describe('largest databases reported; bounds the series count'),
    ...timing,
  })
  .describe('a PostgreSQL server: reachability and pg_database_size of each database');

type Timed = { name: string; interval: number; timeout: number };

/** Unique names within a kind, timeout no longer than interval. */
function checkTargets(kind: string, targets: Timed[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  targets.forEach((target, i) => {
    if (seen.has(target.name))
      ctx.addIssue({ code: 'custom', path: [kind, i, 'name'], message: `${kind} probe '${target.name}' is listed twice; names must be unique within ${kind}` });
    seen.add(target.name);
    if (target.timeout > target.interval)
      ctx.addIssue({
        code: 'custom',
        path: [kind, i, 'timeout'],
        message: `timeout (${target.timeout} ms) is longer than interval (${target.interval} ms); make the timeout at most the interval`,
      });
  });
}

export const probesConfigSchema = z
  .strictObject({
    jitter: z
      .number()
      .min(0, 'jitter is a fraction of the interval from 0 to 1')
      .max(1, 'jitter is a fraction of the interval from 0 to 1')
      .default(0.1)
      .describe('how far each run may move off its beat, as a fraction of the interval; spreads probes apart'),
    tls: z.array(tlsTargetSchema).default([]),
    http: z.array(httpTargetSchema).default([]),
    postgres: z.array(postgresTargetSchema).default([]),
  })
  .superRefine((probes, ctx) => {
    checkTargets('tls', probes.tls, ctx);
    checkTargets('http', probes.http, ctx);
    checkTargets('postgres', probes.postgres, ctx);
  })
  .prefault({})
  .describe('synthetic probes: TLS certificates, HTTP endpoints, PostgreSQL database sizes');

export type ProbesConfig = z.output<typeof probesConfigSchema>;
export type ProbesConfigInput = z.input<typeof probesConfigSchema>;
export type TlsTargetConfig = ProbesConfig['tls'][number];
export type HttpTargetConfig = ProbesConfig['http'][number];
export type PostgresTargetConfig = ProbesConfig['postgres'][number];
