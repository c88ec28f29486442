import { Counter, Gauge, type Registry } from 'prom-client';
import type { HttpProbeResult } from './http-probe.ts';
import type { PostgresProbeResult } from './postgres-probe.ts';
import type { RunOutcome } from './scheduler.ts';
import { daysLeft } from './tls-chain.ts';
import type { TlsProbeResult } from './tls-probe.ts';

export type ProbeKind = 'tls' | 'http' | 'postgres';

/**
 * Records probe outcomes as metrics. Every gauge is rebuilt at scrape time from the last
 * outcome per target, so a target that fails or is removed leaves no stale series, and
 * days-left is exact at the moment of the scrape. Names are documented in
 * collector/src/probes/README.md.
 */
export interface ProbeMetrics {
  tls(target: string, outcome: RunOutcome<TlsProbeResult>): void;
  http(target: string, outcome: RunOutcome<HttpProbeResult>): void;
  postgres(target: string, outcome: RunOutcome<PostgresProbeResult>): void;
  /** drops a target's series (it left the config) */
  forget(kind: ProbeKind, target: string): void;
}

export interface ProbeMetricsOptions {
  /** ms since the epoch; days-left is computed with it at scrape time */
  now?: () => number;
}

type Settled<T> = Exclude<RunOutcome<T>, { status: 'skipped' }>;

interface LastRun<T> {
  outcome: Settled<T>;
}

export function registerProbeMetrics(registry: Registry, options: ProbeMetricsOptions = {}): ProbeMetrics {
  const now = options.now ?? Date.now;
  const registers = [registry];
  const last: Record<ProbeKind, Map<string, LastRun<unknown>>> = { tls: new Map(), http: new Map(), postgres: new Map() };
  const lastOf = <T>(kind: ProbeKind) => last[kind] as Map<string, LastRun<T>>;

  /** success value of a settled outcome: the probe ran and its own checks passed */
  function succeeded(kind: ProbeKind, outcome: Settled<unknown>): boolean {
    if (outcome.status !== 'success') return false;
    if (kind === 'http') return (outcome.value as HttpProbeResult).success;
    return true;
  }

  const success = new Gauge({
    name: 'lookout_probe_success',
    help: 'Whether the last run of a probe succeeded (1) or not (0). TLS: handshake done and chain read, whatever its verification; HTTP: response met expectStatus/expectBody; PostgreSQL: connected and queried.',
    labelNames: ['kind', 'target'],
    registers,
    collect() {
      success.reset();
      for (const kind of Object.keys(last) as ProbeKind[])
        for (const [target, run] of last[kind]) success.set({ kind, target }, succeeded(kind, run.outcome) ? 1 : 0);
    },
  });
  const duration = new Gauge({
    name: 'lookout_probe_duration_seconds',
    help: 'How long the last run of a probe took, including connection set-up (TLS: both handshakes).',
    labelNames: ['kind', 'target'],
    registers,
    collect() {
      duration.reset();
      for (const kind of Object.keys(last) as ProbeKind[])
        for (const [target, run] of last[kind]) duration.set({ kind, target }, run.outcome.durationMs / 1000);
    },
  });
  const lastRun = new Gauge({
    name: 'lookout_probe_last_run_timestamp_seconds',
    help: 'When the last run of a probe started, seconds since the epoch.',
    labelNames: ['kind', 'target'],
    registers,
    collect() {
      lastRun.reset();
      for (const kind of Object.keys(last) as ProbeKind[])
        for (const [target, run] of last[kind]) lastRun.set({ kind, target }, run.outcome.startedAt / 1000);
    },
  });
  const runs = new Counter({
    name: 'lookout_probe_runs_total',
    help: 'Probe runs by outcome: success, failure, timeout, or skipped (the previous run had not finished).',
    labelNames: ['kind', 'target', 'outcome'],
    registers,
  });

  const tlsState = () => {
    const entries: Array<[string, TlsProbeResult]> = [];
    for (const [target, run] of lastOf<TlsProbeResult>('tls')) if (run.outcome.status === 'success') entries.push([target, run.outcome.value]);
    return entries;
  };
  const earliestExpiry = new Gauge({
    name: 'lookout_tls_earliest_cert_expiry_seconds',
    help: "Earliest notAfter among the certificates the server presented, seconds since the epoch (blackbox_exporter's probe_ssl_earliest_cert_expiry).",
    labelNames: ['target'],
    registers,
    collect() {
      earliestExpiry.reset();
      for (const [target, result] of tlsState()) earliestExpiry.set({ target }, result.earliest.notAfter / 1000);
    },
  });
  const certDaysLeft = new Gauge({
    name: 'lookout_tls_cert_days_left',
    help: 'Days until the first presented certificate expires, at scrape time; negative once expired. subject/issuer name that certificate.',
    labelNames: ['target', 'subject', 'issuer'],
    registers,
    collect() {
      certDaysLeft.reset();
      const at = now();
      for (const [target, result] of tlsState())
        certDaysLeft.set({ target, subject: result.earliest.subject, issuer: result.earliest.issuer }, daysLeft(result.earliest.notAfter, at));
    },
  });
  const certNotAfter = new Gauge({
    name: 'lookout_tls_cert_not_after_seconds',
    help: 'notAfter of each presented certificate, seconds since the epoch; position 0 is the leaf.',
    labelNames: ['target', 'position', 'subject', 'issuer'],
    registers,
    collect() {
      certNotAfter.reset();
      for (const [target, result] of tlsState())
        result.chain.forEach((certificate, position) =>
          certNotAfter.set(
            { target, position: String(position), subject: certificate.subject, issuer: certificate.issuer },
            certificate.notAfter / 1000,
          ),
        );
    },
  });
  const verified = new Gauge({
    name: 'lookout_tls_cert_verified',
    help: "Whether the certificate verified (1) against the trust store and the host name, else 0; reason is 'ok' or the OpenSSL/Node error code (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID...).",
    labelNames: ['target', 'reason'],
    registers,
    collect() {
      verified.reset();
      for (const [target, result] of tlsState())
        verified.set({ target, reason: result.verification.reason }, result.verification.verified ? 1 : 0);
    },
  });

  const httpStatus = new Gauge({
    name: 'lookout_http_probe_status_code',
    help: 'HTTP status of the last response; absent when no response came.',
    labelNames: ['target'],
    registers,
    collect() {
      httpStatus.reset();
      for (const [target, run] of lastOf<HttpProbeResult>('http'))
        if (run.outcome.status === 'success') httpStatus.set({ target }, run.outcome.value.statusCode);
    },
  });

  const databaseSize = new Gauge({
    name: 'lookout_postgres_database_size_bytes',
    help: 'pg_database_size of each database the probe may connect to.',
    labelNames: ['target', 'database'],
    registers,
    collect() {
      databaseSize.reset();
      for (const [target, run] of lastOf<PostgresProbeResult>('postgres')) {
        if (run.outcome.status !== 'success') continue;
        for (const { database, bytes } of run.outcome.value.databases)
          if (bytes !== undefined) databaseSize.set({ target, database }, bytes);
      }
    },
  });
  const databasesOmitted = new Gauge({
    name: 'lookout_postgres_databases_omitted',
    help: 'Databases left out of lookout_postgres_database_size_bytes by maxDatabases.',
    labelNames: ['target'],
    registers,
    collect() {
      databasesOmitted.reset();
      for (const [target, run] of lastOf<PostgresProbeResult>('postgres'))
        if (run.outcome.status === 'success') databasesOmitted.set({ target }, run.outcome.value.omitted);
    },
  });

  function record<T>(kind: ProbeKind, target: string, outcome: RunOutcome<T>): void {
    if (outcome.status === 'skipped') {
      runs.inc({ kind, target, outcome: 'skipped' });
      return;
    }
    const settled = outcome as Settled<unknown>;
    // an HTTP response that missed its expectations is a failure, though the run completed
    const label = settled.status === 'success' && !succeeded(kind, settled) ? 'failure' : settled.status;
    runs.inc({ kind, target, outcome: label });
    last[kind].set(target, { outcome: settled });
  }

  return {
    tls: (target, outcome) => record('tls', target, outcome),
    http: (target, outcome) => record('http', target, outcome),
    postgres: (target, outcome) => record('postgres', target, outcome),
    forget(kind, target) {
      last[kind].delete(target);
      for (const outcome of ['success', 'failure', 'timeout', 'skipped']) runs.remove({ kind, target, outcome });
    },
  };
}
