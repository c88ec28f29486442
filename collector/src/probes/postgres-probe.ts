import type pg from 'pg';
import { ProbeAbortedError } from './probe-error.ts';

export interface PostgresProbeTarget {
  name: string;
  /** postgres://user:password@host:port/db?sslmode=…; secrets come from ${ENV} in config */
  url: string;
  /** largest databases reported per target; the rest are counted in `omitted` */
  maxDatabases?: number;
}

export interface DatabaseSize {
  database: string;
  /** undefined when the probe's role may not CONNECT to that database */
  bytes: number | undefined;
}

export interface PostgresProbeResult {
  /** server_version, e.g. '15.8' */
  serverVersion: string;
  databases: DatabaseSize[];
  /** databases left out by maxDatabases */
  omitted: number;
}

const DEFAULT_MAX_DATABASES = 100;

/** Where a URL points, without its password: safe for logs and error messages. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `${user}${parsed.host || 'localhost'}${parsed.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}

// pg_database_size needs CONNECT on the database; other rows report no size instead of
// failing the whole query.
const SIZE_QUERY = `
  SELECT datname AS database,
         CASE WHEN has_database_privilege(datname, 'CONNECT') THEN pg_database_size(datname) END AS bytes
    FROM pg_database
   WHERE NOT datistemplate AND datallowconn
   ORDER BY bytes DESC NULLS LAST, datname`;

/**
 * Connects, reads the server version and every connectable database's size, and
 * disconnects. Reachability is the probe's success; sizes feed threshold alerts.
 */
export async function probePostgres(target: PostgresProbeTarget, signal: AbortSignal, timeoutMs: number): Promise<PostgresProbeResult> {
  const where = `PostgreSQL probe '${target.name}' (${describePostgresUrl(target.url)})`;
  if (signal.aborted) throw new ProbeAbortedError(where);
  // pg is loaded by the first PostgreSQL probe, not by every collector
  const { default: Pg } = await import('pg');
  const client: pg.Client = new Pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'lookout-probe',
  });
  // pg emits 'error' for a connection lost while idle; without a listener it would crash
  client.on('error', () => {});
  // client.end() does not interrupt a connect in progress: close the socket itself
  const closeSocket = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(new ProbeAbortedError(where));
      closeSocket();
    };
  });
  signal.addEventListener('abort', onAbort, { once: true });
  const work = (async () => {
    await client.connect();
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const sizes = await client.query<{ database: string; bytes: string | null }>(SIZE_QUERY);
    const limit = target.maxDatabases ?? DEFAULT_MAX_DATABASES;
    const databases = sizes.rows.slice(0, limit).map((row) => ({
      database: row.database,
      // bigint arrives as text; database sizes are far below 2^53
      bytes: row.bytes === null ? undefined : Number(row.bytes),
    }));
    return { serverVersion: version.rows[0]?.server_version ?? 'unknown', databases, omitted: Math.max(0, sizes.rows.length - limit) };
  })();
  try {
    return await Promise.race([work, aborted]);
  } catch (error) {
    if (signal.aborted || error instanceof ProbeAbortedError) throw new ProbeAbortedError(where);
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  } finally {
    signal.removeEventListener('abort', onAbort);
    // the losing side of the race settles later; nobody waits for it
    work.catch(() => {});
    aborted.catch(() => {});
    await client.end().catch(() => {});
  }
}
