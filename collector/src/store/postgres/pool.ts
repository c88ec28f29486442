import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { PostgresStorageConfig } from './config.ts';

/**
 * The connection pool of a collector on the shared database. Creating it opens no
 * connection (pg connects on first use). Connection and statement timeouts bound every
 * call, so a database that hangs (blackholed, half-open) reads as unreachable within
 * seconds instead of holding the lease loop; pool errors on idle clients are reported,
 * not thrown (a database restart must not crash the collector). A transaction left idle
 * for the statement timeout (its collector frozen) is ended by the server.
 */
export function createPool(config: PostgresStorageConfig, onError: (error: Error) => void): pg.Pool {
  const tls = config.tls;
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read storage.postgres.tls.${what} ${file}: ${(error as Error).message}; point it at a readable PEM file`);
    }
  };
  // pg is required here, on first use, so a collector on SQLite never loads it (test/module-footprint.test.ts)
  const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
  const pool = new Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeout,
    statement_timeout: config.statementTimeout,
    query_timeout: config.statementTimeout + 1000,
    // A collector frozen inside a transaction (SIGSTOP, a VM pause, a long GC) would hold
    // its locks until it wakes: a fenced write's share lock on the lease row keeps every
    // other collector from taking the lease, a push's row locks hold up theirs. The server
    // ends a session idle in a transaction this long, so the locks go and failover goes on.
    idle_in_transaction_session_timeout: config.statementTimeout,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'lookout',
    ...(tls.enabled
      ? {
          ssl: {
            rejectUnauthorized: tls.rejectUnauthorized,
            ...(tls.ca ? { ca: read(tls.ca, 'ca') } : {}),
            ...(tls.cert ? { cert: read(tls.cert, 'cert') } : {}),
            ...(tls.key ? { key: read(tls.key, 'key') } : {}),
          },
        }
      : {}),
  });
  pool.on('error', onError);
  // a client checked out between two queries when the server goes away emits 'error' too;
  // without a listener that would crash the process (the query in progress, if any, fails on its own)
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
