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
import { registerSloMetrics } from './slo-metrics.ts';
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
export function planSlos(slos: SlosConfig, configSliIds: readonly string[]): SloPlan {
  const loaded = loadSloFiles(slos.files);
  const adapted = adaptSlos(loaded.slos, configSliIds);
  if (adapted.problems.length > 0) throw new SloFilesError(adapted.problems);
  return { adaptations: adapted.adaptations, definitions: adapted.definitions, files: loaded.files, warnings: loaded.warnings };
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
  /** timers of the runtimes and the notifier; the system's (with `now`) by default */
  clock?: Clock;
}

export interface Alerting {
  slos: SloRuntime;
  thresholds: ThresholdRuntime | undefined;
  readings: ThresholdReadings;
  errorLogs: ErrorLogRing;
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
  const notify = notifier ? (n: Parameters<Notifier['notify']>[0]) => void notifier.notify(n) : () => {};
  // Beside the outbox and on its connection: a state change and its notification commit together.
  const stateStore = notifier ? AlertStateStore.on(notifier.outbox.database, notifier.outbox.file) : undefined;

  const errorLogs = new ErrorLogRing({ perService: Math.max(1, options.slos.sampleErrorLines) });
  const pipeline = options.sli?.pipeline;
  const externalURL = options.notify.externalURL || undefined;
  const slos = new SloRuntime({
    adaptations: plan.adaptations,
    store,
    clock,
    intervalMs: options.slos.evaluationInterval,
    lateDataMinutes: Math.ceil(options.slos.lateData / 60_000),
    minEvents: options.slos.minEvents,
    notify,
    ...(stateStore ? { stateStore } : {}),
    samples: {
      traceIds: (service, limit) => pipeline?.recentErrorTraceIds(service, limit) ?? [],
      errorLines: (service, limit) => errorLogs.recent(service, limit),
    },
    sampleTraceIds: options.slos.sampleTraceIds,
    sampleErrorLines: options.slos.sampleErrorLines,
    ...(options.slos.dashboardUrl ? { dashboardUrl: options.slos.dashboardUrl } : {}),
    ...(externalURL ? { externalURL } : {}),
    logger: log,
  });
  registerSloMetrics(options.registry, slos);

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
  registerSloApi(options.http, { slos, ...(thresholds ? { thresholds } : {}), now: options.now });

  let started = false;
  return {
    slos,
    thresholds,
    readings,
    errorLogs,
    notifier,
    stateStore,
    start() {
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
      if (slos.sloCount > 0) {
        slos.start();
        log.info(
          { slos: slos.sloCount, files: plan.files.length, interval: options.slos.evaluationInterval },
          `evaluating ${plan.adaptations.filter((a) => a.evaluable).length} of ${slos.sloCount} SLOs every ${options.slos.evaluationInterval} ms`,
        );
      } else {
        slos.restore(clock.now()); // resolves what SLOs of the last run left firing
      }
      thresholds?.start();
    },
    async stop() {
      slos.stop();
      thresholds?.stop();
    },
  };
}
