import type { Attributes, MetricsData, NumberDataPoint } from '@lookout/otlp';
import { IGNORE_REJECTIONS, isolateRecord, type RejectRecord } from '../pipeline/record-rejections.ts';
import type { HttpProbeResult } from '../probes/http-probe.ts';
import type { PostgresProbeResult } from '../probes/postgres-probe.ts';
import type { ProbeKind, ProbeMetrics } from '../probes/probe-metrics.ts';
import type { RunOutcome } from '../probes/scheduler.ts';
import type { TlsProbeResult } from '../probes/tls-probe.ts';
import type {
  DatabaseReading,
  DatabaseSizeSample,
  DiskReading,
  MemoryReading,
  ProbeFailureReading,
  ThresholdReadingsSnapshot,
  TlsReading,
} from './threshold-alerts.ts';

export interface ThresholdReadingsOptions {
  /** hosts tracked from OTLP host metrics; more are ignored */
  maxHosts?: number;
  /** filesystems per host */
  maxMountsPerHost?: number;
  /** database size samples are kept at most this often (ms) */
  databaseSampleEvery?: number;
}

const DAY_MS = 86_400_000;

function pointValue(point: NumberDataPoint): number {
  return typeof point.value === 'bigint' ? Number(point.value) : point.value;
}

function pointTime(point: NumberDataPoint, fallbackMs: number): number {
  const ms = Number(point.timeUnixNano / 1_000_000n);
  return ms > 0 ? ms : fallbackMs;
}

function stringAttr(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The latest readings threshold rules judge: probe outcomes (fed by teeing the
 * probe metrics recorder) and host resources from OTLP metrics
 * (system.filesystem.utilization, system.memory.*, as the host agent and the OTel
 * host-metrics package send them). Bounded: hosts, mounts per host, one database
 * size sample per `databaseSampleEvery` for a day.
 */
export class ThresholdReadings {
  private readonly tls = new Map<string, TlsReading>();
  private readonly failures = new Map<string, ProbeFailureReading>();
  /** probes whose latest run succeeded (a restored ProbeFailing resolves on it) */
  private readonly succeeded = new Set<string>();
  private readonly databases = new Map<string, { target: string; database: string; samples: DatabaseSizeSample[] }>();
  private readonly disks = new Map<string, Map<string, DiskReading>>();
  private readonly memory = new Map<string, MemoryReading>();
  private readonly maxHosts: number;
  private readonly maxMountsPerHost: number;
  private readonly databaseSampleEvery: number;

  constructor(options: ThresholdReadingsOptions = {}) {
    this.maxHosts = options.maxHosts ?? 1000;
    this.maxMountsPerHost = options.maxMountsPerHost ?? 64;
    this.databaseSampleEvery = options.databaseSampleEvery ?? 300_000;
  }

  /** Records one settled probe run (skipped runs are ignored). */
  probeOutcome(kind: ProbeKind, target: string, outcome: RunOutcome<unknown>): void {
    if (outcome.status === 'skipped') return;
    const key = `${kind}/${target}`;
    let failed: string | undefined;
    if (outcome.status === 'failure') failed = outcome.error.message;
    else if (outcome.status === 'timeout') failed = `no answer within the timeout (${outcome.durationMs} ms)`;
    else if (kind === 'http' && !(outcome.value as HttpProbeResult).success) failed = (outcome.value as HttpProbeResult).reason;
    if (failed !== undefined) {
      this.succeeded.delete(key);
      const previous = this.failures.get(key);
      this.failures.set(key, { kind, target, consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1, lastError: failed });
      return;
    }
    this.failures.delete(key);
    if (outcome.status !== 'success') return;
    this.succeeded.add(key);
    if (kind === 'tls') {
      const value = outcome.value as TlsProbeResult;
      this.tls.set(target, {
        target,
        notAfterMs: value.earliest.notAfter,
        subject: value.earliest.subject,
        verified: value.verification.verified,
        reason: value.verification.reason,
      });
    } else if (kind === 'postgres') {
      const value = outcome.value as PostgresProbeResult;
      const at = outcome.startedAt;
      for (const db of value.databases) {
        if (db.bytes === undefined) continue;
        const dbKey = `${target}\u0000${db.database}`;
        let entry = this.databases.get(dbKey);
        if (!entry) {
          entry = { target, database: db.database, samples: [] };
          this.databases.set(dbKey, entry);
        }
        const last = entry.samples[entry.samples.length - 1];
        // Keep the newest size always; thin older ones to one per databaseSampleEvery.
        // (the newest is provisional: it stays only once it is far enough from the one before)
        if (last && entry.samples.length >= 2 && last.atMs - entry.samples[entry.samples.length - 2]!.atMs < this.databaseSampleEvery) entry.samples.pop();
        entry.samples.push({ atMs: at, bytes: db.bytes });
        while (entry.samples.length > 0 && entry.samples[0]!.atMs < at - DAY_MS - this.databaseSampleEvery) entry.samples.shift();
      }
    }
  }

  /** A target left the config: its readings go. */
  forget(kind: ProbeKind, target: string): void {
    this.failures.delete(`${kind}/${target}`);
    this.succeeded.delete(`${kind}/${target}`);
    if (kind === 'tls') this.tls.delete(target);
    if (kind === 'postgres') for (const [key, entry] of this.databases) if (entry.target === target) this.databases.delete(key);
  }

  /** Wraps a probe metrics recorder so every outcome also lands here. */
  tee(metrics: ProbeMetrics): ProbeMetrics {
    return {
      tls: (target, outcome) => {
        metrics.tls(target, outcome);
        this.probeOutcome('tls', target, outcome);
      },
      http: (target, outcome) => {
        metrics.http(target, outcome);
        this.probeOutcome('http', target, outcome);
      },
      postgres: (target, outcome) => {
        metrics.postgres(target, outcome);
        this.probeOutcome('postgres', target, outcome);
      },
      forget: (kind, target) => {
        metrics.forget(kind, target);
        this.forget(kind, target);
      },
    };
  }

  private readonly hosts = new Set<string>();

  private hostAllowed(host: string): boolean {
    if (this.hosts.has(host)) return true;
    if (this.hosts.size >= this.maxHosts) return false;
    this.hosts.add(host);
    return true;
  }

  /**
   * Host resources from an OTLP metrics batch; other metrics are ignored. A resource
   * whose readings cannot be used is skipped and counted by `reject`, not the batch.
   */
  hostMetrics(data: MetricsData, nowMs: number, reject: RejectRecord = IGNORE_REJECTIONS): void {
    for (const resourceMetrics of data.resourceMetrics) {
      isolateRecord(() => this.hostResource(resourceMetrics, nowMs), reject);
    }
  }

  private hostResource(resourceMetrics: MetricsData['resourceMetrics'][number], nowMs: number): void {
    const attributes = resourceMetrics.resource.attributes;
    const host = stringAttr(attributes, 'host.name') ?? stringAttr(attributes, 'service.name');
    if (!host) return;
    let memLimit: number | undefined;
    let memAvailable: number | undefined;
    let memUsedRatio: number | undefined;
    let memAt = nowMs;
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) {
        const data = metric.data;
        if (data.type !== 'gauge' && data.type !== 'sum') continue;
        switch (metric.name) {
          case 'system.filesystem.utilization':
            for (const point of data.dataPoints) {
              const mount = stringAttr(point.attributes, 'system.filesystem.mountpoint') ?? stringAttr(point.attributes, 'mountpoint');
              const value = pointValue(point);
              if (!mount || !Number.isFinite(value) || !this.hostAllowed(host)) continue;
              let mounts = this.disks.get(host);
              if (!mounts) {
                mounts = new Map();
                this.disks.set(host, mounts);
              }
              if (!mounts.has(mount) && mounts.size >= this.maxMountsPerHost) continue;
              mounts.set(mount, { host, mountpoint: mount, utilization: value, atMs: pointTime(point, nowMs) });
            }
            break;
          case 'system.memory.limit':
            for (const point of data.dataPoints) {
              memLimit = pointValue(point);
              memAt = pointTime(point, nowMs);
            }
            break;
          case 'system.memory.linux.available':
            for (const point of data.dataPoints) memAvailable = pointValue(point);
            break;
          case 'system.memory.utilization':
            for (const point of data.dataPoints) {
              if (stringAttr(point.attributes, 'system.memory.state') === 'used' || stringAttr(point.attributes, 'state') === 'used') {
                memUsedRatio = pointValue(point);
                memAt = pointTime(point, nowMs);
              }
            }
            break;
        }
      }
    }
    // MemAvailable counts reclaimable cache; prefer it to the 'used' state when sent.
    const utilization = memLimit && memLimit > 0 && memAvailable !== undefined ? 1 - memAvailable / memLimit : memUsedRatio;
    if (utilization !== undefined && Number.isFinite(utilization) && this.hostAllowed(host)) {
      this.memory.set(host, { host, utilization, atMs: memAt });
    }
  }

  snapshot(): ThresholdReadingsSnapshot {
    return {
      tls: [...this.tls.values()],
      probes: [...this.failures.values()],
      databases: [...this.databases.values()] as DatabaseReading[],
      disks: [...this.disks.values()].flatMap((m) => [...m.values()]),
      memory: [...this.memory.values()],
      probesOk: [...this.succeeded],
    };
  }
}
