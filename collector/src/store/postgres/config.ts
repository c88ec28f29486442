import { hostname } from 'node:os';
import { z } from 'zod';
import { durationSchema } from '../../core/units.ts';

/**
 * `storage.backend` and `storage.postgres` of lookout.yaml (issue 14). SQLite under
 * storage.dataDir is the embedded default; with `postgres` the SLI minute buckets, the
 * alert state, the episodes and the notification outbox live in one PostgreSQL that
 * several collectors share, and one of them (the lease holder) evaluates and notifies.
 */

export const postgresStorageConfigSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'url must be a postgres:// URL, e.g. postgres://lookout:${PGPASSWORD}@db:5432/lookout (write secrets as ${ENV})')
      .describe('connection URL, e.g. postgres://lookout:${LOOKOUT_PG_PASSWORD}@db:5432/lookout; ${ENV} is interpolated'),
    poolSize: z.number().int().min(2, 'poolSize must be at least 2 (ingest and the lease each need a connection)').max(100).default(5).describe('connections per collector'),
    connectTimeout: durationSchema.default(3000).describe('a connection attempt that takes longer fails (the database counts as unreachable)'),
    statementTimeout: durationSchema.default(5000).describe('a query that takes longer fails, so a half-open connection cannot hold the lease loop; the server ends a transaction left idle this long (a collector frozen inside it), so its locks cannot hold up the others'),
    tls: z
      .strictObject({
        enabled: z.boolean().default(false).describe('connect with TLS'),
        ca: z.string().optional().describe('PEM file of the CA that signed the server certificate; the system CAs when absent'),
        cert: z.string().optional().describe('PEM client certificate (mutual TLS)'),
        key: z.string().optional().describe('PEM private key of the client certificate'),
        rejectUnauthorized: z.boolean().default(true).describe('refuse a server certificate that does not verify; turn off only for a test database'),
      })
      .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { message: 'tls.cert and tls.key go together: set both or neither' })
      .prefault({})
      .describe('TLS to the database'),
    replica: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'replica is 1-128 letters, digits, dot, colon, dash or underscore, e.g. lookout-a')
      .optional()
      .describe('this collector\'s name in the cluster (lease holder, members, its push cursor); unique among running collectors (two with one name would both lead); <hostname>-<pid> when absent'),
    leaseName: z.string().min(1).default('lookout-evaluator').describe('the lease row the collectors of one cluster share'),
    leaseTtl: durationSchema
      .refine((ms) => ms >= 300, 'leaseTtl must be at least 300ms')
      .default(15_000)
      .describe('how long a lease holds without renewal; renewed every third of it. A dead leader is replaced within about this'),
    maxPendingBuckets: z.number().int().positive().default(200_000).describe('(SLI, minute) buckets buffered while the database is unreachable; beyond, increments are dropped and counted'),
  })
  .describe('the PostgreSQL shared by the collectors of a cluster (storage.backend: postgres)');

export type PostgresStorageConfig = z.output<typeof postgresStorageConfigSchema>;

export const storageConfigSchema = z
  .strictObject({
    dataDir: z.string().default('.lookout-data').describe('SQLite stores and checkpoints live here'),
    backend: z
      .enum(['sqlite', 'postgres'])
      .default('sqlite')
      .describe('sqlite: one collector, state under dataDir; postgres: several collectors share SLI buckets, alert state and outbox in storage.postgres, one evaluates'),
    postgres: postgresStorageConfigSchema.optional(),
  })
  .superRefine((storage, ctx) => {
    if (storage.backend === 'postgres' && !storage.postgres)
      ctx.addIssue({ code: 'custom', path: ['postgres'], message: 'storage.backend is postgres but storage.postgres is missing; add storage.postgres.url' });
    if (storage.backend === 'sqlite' && storage.postgres)
      ctx.addIssue({ code: 'custom', path: ['backend'], message: 'storage.postgres is set but storage.backend is sqlite; set backend: postgres or remove storage.postgres' });
  })
  .prefault({});

export type StorageConfig = z.output<typeof storageConfigSchema>;

/** This collector's name in the cluster. */
export function replicaName(config: PostgresStorageConfig): string {
  return config.replica ?? `${hostname()}-${process.pid}`;
}
