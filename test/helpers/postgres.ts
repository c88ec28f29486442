import { afterAll, beforeAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findBinary } from './binaries.ts';
import { freePort } from './server-process.ts';

export const POSTGRES_PACKAGE = 'postgresql';

export interface RunningPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, loopback only) */
  url: string;
  /** true when LOOKOUT_TEST_PG_URL pointed at a server this helper did not start */
  external: boolean;
  output(): string;
  stop(): Promise<void>;
  /** stops the server keeping its data (the database is down: connections refused); not for an external server */
  halt?(): Promise<void>;
  /** starts it again on the same port and data after halt() */
  restart?(): Promise<void>;
}

/**
 * Directory holding initdb and postgres: PATH first, else Debian's
 * /usr/lib/postgresql/<newest version>/bin. Undefined when PostgreSQL is not installed.
 */
export function findPostgresBin(): string | undefined {
  const onPath = findBinary('initdb');
  // resolve symlinks so initdb and postgres come from one installation
  if (onPath && findBinary('postgres')) return dirname(realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : undefined;
}

/**
 * Whether a PostgreSQL can be had: LOOKOUT_TEST_PG_URL, or the Debian binaries. Under CI
 * a missing server fails; elsewhere the caller skips with the printed reason.
 */
export function postgresAvailable(): boolean {
  if (process.env.LOOKOUT_TEST_PG_URL) return true;
  if (findPostgresBin()) return true;
  const reason = `PostgreSQL not found (no initdb on PATH or in /usr/lib/postgresql/*/bin, no LOOKOUT_TEST_PG_URL): install it with 'apt-get install -y --no-install-recommends ${POSTGRES_PACKAGE}'`;
  if (process.env.CI) throw new Error(`CI run without a required server: ${reason}`);
  console.warn(`SKIP: ${reason}`);
  return false;
}

function run(argv: string[], what: string): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`${what} failed (${argv.join(' ')}): ${e.message}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

async function waitUntilAccepting(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited before it was ready (code ${child.exitCode}):\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`postgres was not ready within ${timeoutMs} ms (${lastError}):\n${output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * A PostgreSQL for one suite. Uses LOOKOUT_TEST_PG_URL when set; otherwise runs initdb
 * and postgres from the Debian package in a fresh temp dir, listening on 127.0.0.1 at a
 * random port with its socket in that dir. PostgreSQL refuses to run as root, so as
 * root both run as the `postgres` user (runuser) in a directory chowned to it.
 */
export async function startPostgres(options: { timeoutMs?: number } = {}): Promise<RunningPostgres> {
  const external = process.env.LOOKOUT_TEST_PG_URL;
  if (external) return { url: external, external: true, output: () => '', stop: async () => {} };

  const bin = findPostgresBin();
  if (!bin) throw new Error(`PostgreSQL binaries not found; apt-get install -y --no-install-recommends ${POSTGRES_PACKAGE}`);
  const asRoot = process.getuid?.() === 0;
  const wrapper = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  const dir = mkdtempSync(join(tmpdir(), 'lookout-postgres-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  try {
    run([...wrapper, join(bin, 'initdb'), '--pgdata', data, '--username', 'postgres', '--auth', 'trust', '--encoding', 'UTF8', '--no-sync'], 'initdb');
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const port = await freePort();
  const argv = [
    ...wrapper,
    join(bin, 'postgres'),
    '-D', data,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${socketDir}`,
    // a throwaway cluster: durability off, small footprint
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', 'shared_buffers=16MB',
    '-c', 'max_connections=20',
  ];
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  let child!: ChildProcess;
  let exited!: Promise<void>;
  const launch = () => {
    child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  };
  launch();

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  async function halt(): Promise<void> {
    if (child.exitCode === null) {
      // signal the postmaster itself: runuser need not pass signals on. SIGINT = fast shutdown.
      const pidFile = join(data, 'postmaster.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      try {
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
        else child.kill('SIGINT');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        child.kill('SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
  }

  async function stop(): Promise<void> {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  }

  async function restart(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) return;
    launch();
    await waitUntilAccepting(url, child, () => output, options.timeoutMs ?? 30_000);
  }

  try {
    await waitUntilAccepting(url, child, () => output, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, external: false, output: () => output, stop, halt, restart };
}

/** One PostgreSQL server for a test file, with an admin connection that hands out fresh databases. */
export interface PostgresPerFile {
  /** false when PostgreSQL is not installed (the file's suites skip) */
  available: boolean;
  server(): RunningPostgres;
  /** drops and creates database `name`; returns its URL, so a test starts from an empty schema */
  freshDatabase(name: string): Promise<string>;
  /** drops database `name` (after its connections ended) */
  dropDatabase(name: string): Promise<void>;
}

/**
 * Registers the file's beforeAll/afterAll: starts PostgreSQL once (when installed) and
 * connects an admin client; both end with the file.
 */
export function postgresPerFile(): PostgresPerFile {
  const available = postgresAvailable();
  let server: RunningPostgres | undefined;
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    if (!available) return;
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  return {
    available,
    server: () => server!,
    async freshDatabase(name) {
      await admin!.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin!.query(`CREATE DATABASE ${name}`);
      const url = new URL(server!.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropDatabase(name) {
      await admin!.query(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}
