import { z } from 'zod';
import { globProblem } from '../tail/glob.ts';
import { parseDuration, parseSize } from './units.ts';

/**
 * lookout-agent.yaml. The schema is the reference: defaults, limits and messages live
 * here, and README.md documents the same keys.
 */

const size = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what}: '${value}' is not a size; write bytes or e.g. 64KiB, 8MiB` });
      return z.NEVER;
    }
    return bytes;
  });

const duration = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what}: '${value}' is not a duration; write e.g. 250ms, 5s, 1m` });
      return z.NEVER;
    }
    return ms;
  });

const between = (schema: z.ZodType<number>, min: number, max: number, what: string) =>
  schema.refine((v) => v >= min && v <= max, { message: `${what} must be between ${min} and ${max}` });

const globSchema = z
  .string()
  .min(1, 'glob is empty; write a file pattern such as /var/log/app/*.log')
  .superRefine((glob, ctx) => {
    const problem = globProblem(glob);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const labelsSchema = z.record(z.string().min(1, 'label names must not be empty'), z.string(), {
  error: 'labels must be a mapping of name: text value, e.g. {service: checkout}',
});

const fileSchema = z.strictObject({
  glob: globSchema.describe('files to tail; *, ?, [..], {a,b} and ** work; rotated names must not match'),
  exclude: z.array(globSchema).default([]).describe('globs (or file-name patterns) to leave out, e.g. "*.gz"'),
  labels: labelsSchema.default({}).describe('stream labels added to every line as attributes, e.g. service: checkout'),
  startAt: z
    .enum(['beginning', 'end'], { error: "startAt must be 'beginning' or 'end'" })
    .default('beginning')
    .describe('on the very first run only: read existing files from the start or only new lines'),
});

export const agentConfigSchema = z.strictObject({
  collector: z.strictObject({
    endpoint: z
      .url({ protocol: /^https?$/, error: 'endpoint must be an http:// or https:// URL of the collector, e.g. http://127.0.0.1:4318' })
      .describe('base URL of the collector OTLP/HTTP receiver; /v1/logs and /v1/metrics are appended'),
    fallbackEndpoints: z
      .array(z.url({ protocol: /^https?$/, error: 'each fallback endpoint must be an http:// or https:// URL of a collector, e.g. http://10.0.0.2:4318' }))
      .min(1, 'fallbackEndpoints is empty; remove it or list other collectors, e.g. [http://10.0.0.2:4318]')
      .optional()
      .describe('other collectors, tried in order when endpoint is unreachable or answers 502/503/504; the agent stays on whichever answers'),
    failoverCoolDown: between(duration('collector.failoverCoolDown'), 100, 3_600_000, 'collector.failoverCoolDown (ms)')
      .optional()
      .describe('how long an endpoint that failed is set aside before it is tried again (default 30s)'),
    token: z.string().min(1, 'token is empty; remove it or set the tenant token').optional().describe('bearer token of the tenant'),
    caFile: z.string().min(1).optional().describe("PEM CA bundle that signed the collector's certificate (https)"),
    timeout: between(duration('collector.timeout'), 100, 300_000, 'collector.timeout (ms)').default(10_000),
    compression: z.enum(['gzip', 'none'], { error: "compression must be 'gzip' or 'none'" }).default('gzip'),
  }),
  dataDir: z.string().min(1, 'dataDir is empty; give a directory the agent may write its checkpoint to').describe('where the checkpoint lives'),
  files: z.array(fileSchema).default([]),
  tail: z
    .strictObject({
      pollInterval: between(duration('tail.pollInterval'), 10, 60_000, 'tail.pollInterval (ms)').default(250),
      maxLineBytes: between(size('tail.maxLineBytes'), 256, 16 * 1024 * 1024, 'tail.maxLineBytes').default(64 * 1024),
      fingerprintBytes: between(size('tail.fingerprintBytes'), 16, 4096, 'tail.fingerprintBytes').default(256),
      rotateWait: between(duration('tail.rotateWait'), 0, 600_000, 'tail.rotateWait (ms)').default(5_000),
      readChunkBytes: between(size('tail.readChunkBytes'), 4096, 16 * 1024 * 1024, 'tail.readChunkBytes').default(64 * 1024),
    })
    .prefault({}),
  buffer: z
    .strictObject({
      maxLines: between(z.number().int(), 1, 10_000_000, 'buffer.maxLines').default(20_000),
      maxBytes: between(size('buffer.maxBytes'), 64 * 1024, 4 * 1024 ** 3, 'buffer.maxBytes').default(16 * 1024 * 1024),
    })
    .prefault({}),
  batch: z
    .strictObject({
      maxRecords: between(z.number().int(), 1, 100_000, 'batch.maxRecords').default(1000),
      maxBytes: between(size('batch.maxBytes'), 1024, 64 * 1024 * 1024, 'batch.maxBytes').default(1024 * 1024),
    })
    .prefault({}),
  retry: z
    .strictObject({
      initialBackoff: between(duration('retry.initialBackoff'), 1, 60_000, 'retry.initialBackoff (ms)').default(250),
      maxBackoff: between(duration('retry.maxBackoff'), 1, 600_000, 'retry.maxBackoff (ms)').default(30_000),
    })
    .prefault({}),
  resources: z
    .strictObject({
      enabled: z.boolean().default(true),
      interval: between(duration('resources.interval'), 1000, 3_600_000, 'resources.interval (ms)').default(30_000),
      procRoot: z.string().default('/proc'),
      rootfs: z.string().default('/'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      port: between(z.number().int(), 0, 65535, 'metrics.port').optional().describe('serve /metrics here; off when absent; 0 picks a free port'),
      host: z.string().default('127.0.0.1'),
    })
    .prefault({}),
  resource: z.record(z.string(), z.string()).default({}).describe('resource attributes on everything sent, e.g. deployment.environment'),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error'], { error: 'log.level must be debug, info, warn or error' }).default('info') }).prefault({}),
  shutdownTimeout: between(duration('shutdownTimeout'), 0, 600_000, 'shutdownTimeout (ms)').default(5_000),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type FileConfig = AgentConfig['files'][number];
