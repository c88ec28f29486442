import type { FastifyInstance } from 'fastify';
import { childLogger, type Logger } from '../core/logger.ts';
import type { Registry } from 'prom-client';
import type { NotifyConfig } from '../notify/config.ts';
import type { Notifier } from '../notify/notifier.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { SliPipeline } from '../processors/sli-pipeline.ts';
import type { RequestSli } from '../core/sli.ts';
import { AlertStateStore } from '../store/alert-state-store.ts';
import type { SlosConfig, ThresholdAlertsConfig } from './config.ts';
import { ErrorLogRing } from './error-log-ring.ts';
import { registerSloApi } from './http-api.ts';
import { SloRuntime } from './runtime.ts';
import { adaptSlos, type SliAdaptation } from './sli-adapter.ts';
import { scopeSlosToTenants } from './tenancy.ts';
import { ALL_TENANTS } from '../core/tenant.ts';
import { registerSloMetrics } from './slo-metrics.ts';
import { ServiceSightings } from './service-sightings.ts';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoSloManager, readAutoSloMemory, type AutoSloMemory } from './auto-slo-manager.ts';
import { adaptSli } from './sli-adapter.ts';
import { autoSettings, autoSlos, autoSpecYaml } from './auto-slos.ts';
import { newAttributes } from '@lookout/otlp';
import { loadSloFiles, SloFilesError } from './spec-files.ts';
import { ThresholdReadings } from './threshold-readings.ts';
import { registerThresholdMetrics, retireThresholdAlerts, ThresholdRuntime } from './threshold-runtime.ts';

/** The SLOs of the config, read and adapted before the SLI pipeline starts. */
export interface SloPlan {
  adaptations: SliAdaptation[];
  /** SLIs the pipeline must count for them */
  definitions: RequestSli[];
  files: string[];
  warnings: string[];
}

/**
 * Reads `slos.files` and adapts every SLO's SLI; throws SloFilesError (every missing
 * file and spec error with file:line, every name clash) so the collector does not
 * start on a bad spec.
 */
export function planSlos(slos: SlosConfig, configSliIds: readonly string[], tenants?: readonly string[]): SloPlan {
  const loaded = loadSloFiles(slos.files);
  // issue 12: each SLO counts its own tenant's traffic (or every tenant's with tenant: '*')
  const scoped = scopeSlosToTenants(loaded.slos, tenants);
  if (scoped.problems.length > 0) throw new SloFilesError(scoped.problems);
  const adapted = adaptSlos(scoped.slos, configSliIds);
  if (adapted.problems.length > 0) throw new SloFilesError(adapted.problems);
  if (slos.auto.enabled) checkAutoSlos(slos);
  return { adaptations: adapted.adaptations, definitions: adapted.definitions, files: loaded.files, warnings: loaded.warnings };
}

/** The tenant whose samples an SLO's alert shows: its own; the default tenant's for an SLO of every tenant. */
function tenantOfSamples(tenant: string | undefined): string | undefined {
  return tenant === ALL_TENANTS ? undefined : tenant;
}

export const AUTO_SLO_MEMORY_FILE = 'auto-slos.json';

/** What slos.auto learned in earlier runs; undefined (logged) when the file is unreadable. */
export function loadAutoSloMemory(dataDir: string, logger?: Logger): AutoSloMemory | undefined {
  const file = join(dataDir, AUTO_SLO_MEMORY_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const memory = readAutoSloMemory(JSON.parse(readFileSync(file, 'utf8')));
    if (typeof memory !== 'string') return memory;
    logger?.warn({ file }, `ignoring ${file}: ${memory}; auto SLOs learn their latency thresholds again (delete the file to silence this)`);
  } catch (error) {
    logger?.warn({ file, err: error }, `ignoring ${file}: ${(error as Error).message}; auto SLOs learn their latency thresholds again (delete the file to silence this)`);
  }
  return undefined;
}

/** Keeps what slos.auto learned for the next run (written whole, then renamed). */
export function saveAutoSloMemory(dataDir: string, memory: AutoSloMemory): void {
  const file = join(dataDir, AUTO_SLO_MEMORY_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(memory, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** how long alert state of the last run waits for an auto SLO whose service has not sent again */
const AUTO_ADOPTION_MS = 15 * 60_000;

/**
 * slos.auto's period and policy are spec text: a sample service's auto spec must parse,
 * or the collector does not start (the problem named as in a spec file).
 */
function checkAutoSlos(slos: SlosConfig): void {
  const problem = autoSlosProblem(slos);
  if (problem) throw new SloFilesError([problem]);
}

/** What is wrong with slos.auto's period or policy (as spec text), or undefined. */
export function autoSlosProblem(slos: SlosConfig): string | undefined {
  const settings = autoSettings('example', newAttributes(), slos.auto, [1]);
  try {
    autoSlos(autoSpecYaml({ settings, latency: { value: 1, from: 'default' }, config: slos.auto }), 'example');
    return undefined;
  } catch (error) {
    return `slos.auto (period, policy): ${(error as Error).message}`;
  }
}

export interface AlertingOptions {
  plan: SloPlan;
  slos: SlosConfig;
  thresholds: ThresholdAlertsConfig;
  notify: NotifyConfig;
  /** the notifier component (notify/); undefined when no receiver is configured */
  notifier: Notifier | undefined;
  sli: SliPipeline | undefined;
  registry: Registry;
  http: FastifyInstance;
  logger: Logger;
  now: () => number;
  /** where slos.auto keeps what it learned (auto-slos.json); nothing is kept without it */
  dataDir?: string;
  /** timers of the runtimes and the notifier; the system's (with `now`) by default */
  clock?: Clock;
  /**
   * A cluster member (storage.backend: postgres, issue 14): notifications go to
   * `publish` (written to PostgreSQL under the lease, then to the local outbox; dropped
   * on a follower, whose evaluation only serves the read APIs); the cluster calls lead()
   * when elected (the state of record restored first) and follow() when it steps down.
   */
  cluster?: { publish(notification: Parameters<Notifier['notify']>[0]): void };
}

export interface Alerting {
  slos: SloRuntime;
  thresholds: ThresholdRuntime | undefined;
  readings: ThresholdReadings;
  errorLogs: ErrorLogRing;
  /** when anything last arrived from each service (fed by the alerting's consume) */
  sightings: ServiceSightings;
  /** slos.auto: undefined when off (or without request series) */
  auto: AutoSloManager | undefined;
  /** undefined when no receiver is configured */
  notifier: Notifier | undefined;
  /**
   * firing alerts and open episodes kept across restarts, in the outbox's file; undefined
   * without receivers (nothing is sent, so there is no page to continue or resolve)
   */
  stateStore: AlertStateStore | undefined;
  /** starts the evaluation timers (the notifier, a component of its own, is started first) */
  start(): void;
  /** stops the timers; the notifier stops after (what is not sent stays in the outbox) */
  stop(): Promise<void>;
  /** a cluster member was elected: start over from the alert state in the state store */
  lead(): void;
  /** a cluster member stepped down: start over (its evaluation now only serves the read APIs) */
  follow(): void;
  /** whether the SLOs and threshold alerts are evaluated here now */
  readonly evaluating: boolean;
}

/**
 * Builds the SLO runtime and the threshold alerts, sending through the notifier, on the
 * collector's registry and HTTP server (routes must be added before it listens). Nothing runs
 * until start().
 */
export function createAlerting(options: AlertingOptions): Alerting {
  const { plan, logger } = options;
  const clock: Clock = options.clock ?? { ...systemClock, now: options.now };
  const log = childLogger(logger, { component: 'alerting' });

  for (const warning of plan.warnings) log.warn({}, `SLO spec: ${warning}`);
  for (const a of plan.adaptations) {
    if (!a.evaluable) {
      log.warn(
        { slo: `${a.slo.service}/${a.slo.name}`, source: `${a.slo.source.file}:${a.slo.source.line}` },
        `SLO ${a.slo.service}/${a.slo.name} is not evaluated by Lookout: ${a.reason}`,
      );
    }
  }
  const store = options.sli?.store;
  if (plan.adaptations.some((a) => a.evaluable) && !store) {
    log.warn({}, 'SLOs are defined but requestSeries.enabled is false: nothing counts their SLIs, so they are not evaluated');
  }

  const notifier = options.notifier;
  if (!notifier && (plan.adaptations.length > 0 || options.thresholds.enabled)) {
    log.info({}, 'no notify receivers configured: alerts are evaluated and shown at /api/v1/alerts but sent nowhere');
  }
  const cluster = options.cluster;
  const notify = cluster ? (n: Parameters<Notifier['notify']>[0]) => cluster.publish(n) : notifier ? (n: Parameters<Notifier['notify']>[0]) => void notifier.notify(n) : () => {};
  // Beside the outbox and on its connection: a state change and its notification commit together.
  const stateStore = notifier ? AlertStateStore.on(notifier.outbox.database, notifier.outbox.file) : undefined;

  const errorLogs = new ErrorLogRing({ perService: Math.max(1, options.slos.sampleErrorLines) });
  const sightings = new ServiceSightings();
  const pipeline = options.sli?.pipeline;
  const externalURL = options.notify.externalURL || undefined;
  const slos = new SloRuntime({
    adaptations: plan.adaptations,
    store,
    clock,
    intervalMs: options.slos.evaluationInterval,
    lateDataMinutes: Math.ceil(options.slos.lateData / 60_000),
    minEvents: options.slos.minEvents,
    beforeCycle: (nowMs) => auto?.tick(nowMs),
    // auto SLOs come back when their service sends again: their alerts of the last run wait for them
    ...(options.slos.auto.enabled && options.sli ? { adoptUnknownForMs: AUTO_ADOPTION_MS } : {}),
    notify,
    ...(stateStore ? { stateStore } : {}),
    samples: {
      // a tenant's SLO shows its own tenant's samples; an SLO for every tenant ('*') the default tenant's
      traceIds: (service, limit, tenant) => pipeline?.recentErrorTraceIds(service, limit, tenantOfSamples(tenant)) ?? [],
      errorLines: (service, limit, tenant) => errorLogs.recent(service, limit, tenantOfSamples(tenant)),
    },
    lastSeen: (service) => sightings.lastSeen(service),
    noDataAlertOn: options.slos.noData.alertOn,
    sampleTraceIds: options.slos.sampleTraceIds,
    sampleErrorLines: options.slos.sampleErrorLines,
    ...(options.slos.dashboardUrl ? { dashboardUrl: options.slos.dashboardUrl } : {}),
    ...(externalURL ? { externalURL } : {}),
    logger: log,
  });
  registerSloMetrics(options.registry, slos);

  // slos.auto: services seen on the queue get SLOs, counted by the request pipeline's matcher
  let auto: AutoSloManager | undefined;
  if (options.slos.auto.enabled && !pipeline) log.warn({}, 'slos.auto is on but requestSeries.enabled is false: nothing counts requests, so no auto SLOs');
  if (options.slos.auto.enabled && pipeline) {
    const bounds = pipeline.bounds;
    const dataDir = options.dataDir;
    const memory = dataDir ? loadAutoSloMemory(dataDir, log) : undefined;
    auto = new AutoSloManager({
      ...(memory ? { memory } : {}),
      ...(dataDir
        ? {
            onLearned: (learned: AutoSloMemory) => {
              try {
                saveAutoSloMemory(dataDir, learned);
              } catch (error) {
                log.warn({ err: error, dataDir }, 'cannot keep what auto SLOs learned; after a restart they learn again');
              }
            },
          }
        : {}),
      config: options.slos.auto,
      bounds,
      specServices: new Set(plan.adaptations.map((a) => a.slo.service)),
      takenNames: new Set([...plan.adaptations.map((a) => a.slo.name), ...pipeline.matcher.definitions.map((d) => d.id)]),
      hasRequests: (service) => pipeline.series.hasService(service),
      latencyCounts(service, keep) {
        const counts = new Float64Array(bounds.length + 1);
        pipeline.series.forEachSeries((s, route, cell) => {
          if (s !== service || !keep(route)) return;
          for (let i = 0; i < counts.length; i++) counts[i]! += cell.buckets[i] ?? 0;
        });
        return counts;
      },
      register({ slo, origin, learning }) {
        const adaptation = learning ? { slo, evaluable: false as const, reason: learning } : adaptSli(slo);
        if (adaptation.evaluable) pipeline.matcher.add(adaptation.sli);
        slos.upsertSlo(adaptation, origin);
      },
      logger: log,
    });
    const manager = auto;
    sightings.onResource((service, attributes, atMs) => manager.see(service, attributes, atMs));
  }

  const readings = new ThresholdReadings();
  const thresholds = options.thresholds.enabled
    ? new ThresholdRuntime({
        config: options.thresholds,
        readings,
        clock,
        notify,
        ...(stateStore ? { stateStore } : {}),
        ...(externalURL ? { externalURL } : {}),
        logger: log,
      })
    : undefined;
  if (thresholds) registerThresholdMetrics(options.registry, thresholds);
  registerSloApi(options.http, { slos, ...(thresholds ? { thresholds } : {}), ...(auto ? { autoSpec: () => auto.specYaml() } : {}), now: options.now });

  let started = false;
  const begin = () => {
      if (started) return;
      started = true;
      if (!thresholds && stateStore) {
        try {
          retireThresholdAlerts({
            store: stateStore,
            notify,
            nowMs: clock.now(),
            reason: 'threshold alerts are disabled (thresholdAlerts.enabled: false); resolved without judging the condition',
            ...(externalURL ? { externalURL } : {}),
            logger: log,
          });
        } catch (error) {
          log.error({ err: error }, 'cannot resolve the threshold alerts of the last run; trying again at the next start');
        }
      }
      if (slos.sloCount > 0 || auto) {
        slos.start();
        log.info(
          { slos: slos.sloCount, files: plan.files.length, interval: options.slos.evaluationInterval },
          `evaluating ${plan.adaptations.filter((a) => a.evaluable).length} of ${slos.sloCount} SLOs every ${options.slos.evaluationInterval} ms`,
        );
      } else {
        slos.restore(clock.now()); // resolves what SLOs of the last run left firing
      }
      thresholds?.start();
  };
  return {
    slos,
    thresholds,
    readings,
    errorLogs,
    sightings,
    auto,
    notifier,
    stateStore,
    start() {
      begin();
    },
    async stop() {
      started = false;
      slos.stop();
      thresholds?.stop();
    },
    lead() {
      slos.reset();
      thresholds?.reset();
      started = false;
      begin();
    },
    follow() {
      slos.reset();
      thresholds?.reset();
      started = false;
      begin();
    },
    get evaluating() {
      return started;
    },
  };
}
