import { performance } from 'node:perf_hooks';
import type { ProbesConfig } from './config.ts';
import { probeHttp, type HttpProbeResult } from './http-probe.ts';
import type { ProbeMetrics } from './probe-metrics.ts';
import { probePostgres, type PostgresProbeResult } from './postgres-probe.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { createScheduler, type RunOutcome } from './scheduler.ts';
import { probeTls, type TlsProbeResult } from './tls-probe.ts';

type AnyResult = TlsProbeResult | HttpProbeResult | PostgresProbeResult;


export interface ProbeRunnerOptions {
  clock?: Clock;
  /** monotonic ms for HTTP latency; performance.now by default */
  monotonicNow?: () => number;
  log?: Logger;
}

export interface ProbeRunner {
  /** job ids, `<kind>/<name>` */
  jobs(): string[];
  /** stops scheduling, aborts running probes (waiting graceMs at most) and drops their series */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Schedules every configured probe and records each outcome in the probe metrics.
 * Failures are logged once per change of state (not every run) and stay in the metrics.
 */
export function startProbes(config: ProbesConfig, metrics: ProbeMetrics, options: ProbeRunnerOptions = {}): ProbeRunner {
  const clock = options.clock ?? systemClock;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  const recorders = new Map<string, (outcome: RunOutcome<AnyResult>) => void>();
  const failing = new Set<string>();

  const scheduler = createScheduler<AnyResult>(clock, (outcome) => {
    recorders.get(outcome.id)?.(outcome);
    if (!options.log || outcome.status === 'skipped') return;
    const ok = outcome.status === 'success' && !('success' in outcome.value && outcome.value.success === false);
    if (ok) {
      failing.delete(outcome.id);
      return;
    }
    if (failing.has(outcome.id)) return;
    failing.add(outcome.id);
    const reason =
      outcome.status === 'failure'
        ? outcome.error.message
        : outcome.status === 'timeout'
          ? `no answer within the timeout (${outcome.durationMs} ms)`
          : (outcome.value as HttpProbeResult).reason;
    options.log.warn({ probe: outcome.id }, `probe ${outcome.id} failing: ${reason}`);
  });

  const jitter = config.jitter;
  for (const target of config.tls) {
    const id = `tls/${target.name}`;
    recorders.set(id, (outcome) => metrics.tls(target.name, outcome as RunOutcome<TlsProbeResult>));
    scheduler.add({ id, intervalMs: target.interval, timeoutMs: target.timeout, jitter, run: (signal) => probeTls(target, signal) });
  }
  for (const target of config.http) {
    const id = `http/${target.name}`;
    recorders.set(id, (outcome) => metrics.http(target.name, outcome as RunOutcome<HttpProbeResult>));
    scheduler.add({ id, intervalMs: target.interval, timeoutMs: target.timeout, jitter, run: (signal) => probeHttp(target, signal, monotonicNow) });
  }
  for (const target of config.postgres) {
    const id = `postgres/${target.name}`;
    recorders.set(id, (outcome) => metrics.postgres(target.name, outcome as RunOutcome<PostgresProbeResult>));
    scheduler.add({
      id,
      intervalMs: target.interval,
      timeoutMs: target.timeout,
      jitter,
      run: (signal) => probePostgres(target, signal, target.timeout),
    });
  }

  return {
    jobs: () => scheduler.ids(),
    async stop(graceMs) {
      await scheduler.stop(graceMs);
      for (const id of recorders.keys()) {
        const [kind, name] = [id.slice(0, id.indexOf('/')), id.slice(id.indexOf('/') + 1)];
        metrics.forget(kind as 'tls' | 'http' | 'postgres', name);
      }
    },
  };
}
