import { labelsKey } from '@lookout/alerts';
import { Gauge, type Registry } from 'prom-client';
import type { AlertNotification } from '../notify/types.ts';
import type { AlertStateStore } from '../store/alert-state-store.ts';
import { AlertStateCommitter, resolveWithoutRule } from './alert-state-commit.ts';
import type { ThresholdAlertsConfig } from './config.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { nextThresholdState, thresholdConditions, type ThresholdAlert, type ThresholdAlertState } from './threshold-alerts.ts';
import type { ThresholdReadings } from './threshold-readings.ts';
import {
  THRESHOLD_ALERTNAMES,
  carriedCondition,
  judgeRestored,
  readThresholdRow,
  thresholdIdentity,
  thresholdStateRow,
} from './threshold-state-rows.ts';

export interface ThresholdRuntimeOptions {
  config: ThresholdAlertsConfig;
  readings: ThresholdReadings;
  clock: Clock;
  notify: (notification: AlertNotification) => void;
  /** firing alerts kept across restarts, written with their notifications in one transaction */
  stateStore?: AlertStateStore;
  externalURL?: string;
  logger?: Logger;
}

/** Every interval: rules over the latest readings → state machine → outbox. */
export class ThresholdRuntime {
  private state: ThresholdAlertState | undefined;
  private timer: unknown;
  private running = false;
  private restored = false;
  private restoredAtMs = 0;
  /** restored alerts not seen holding since the start (carried until a reading decides) */
  private readonly awaiting = new Set<string>();
  private commits: AlertStateCommitter;

  constructor(private readonly options: ThresholdRuntimeOptions) {
    this.commits = new AlertStateCommitter({
      source: 'threshold',
      store: options.stateStore,
      notify: options.notify,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  get unsentCount(): number {
    return this.commits.unsentCount;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.restore(this.options.clock.now());
    const tick = () => {
      if (!this.running) return;
      this.evaluate(this.options.clock.now());
      this.timer = this.options.clock.setTimer(tick, this.options.config.evaluationInterval);
    };
    tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Stops and forgets the alert state (a cluster leader stepping down); start() restores it again. */
  reset(): void {
    this.stop();
    this.state = undefined;
    this.restored = false;
    this.awaiting.clear();
    this.commits = new AlertStateCommitter({
      source: 'threshold',
      store: this.options.stateStore,
      notify: this.options.notify,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }

  evaluate(nowMs: number): AlertNotification[] {
    this.restore(nowMs);
    const { config, readings } = this.options;
    const snapshot = readings.snapshot();
    const conditions = thresholdConditions(snapshot, config, nowMs);
    let prev = this.state;
    if (this.awaiting.size > 0) {
      const holding = new Set(conditions.map((c) => labelsKey(c.labels)));
      for (const id of [...this.awaiting]) {
        const alert = prev?.alerts[id];
        if (!alert || holding.has(id)) {
          this.awaiting.delete(id); // confirmed (continues its episode) or gone
          continue;
        }
        const verdict = judgeRestored(alert, snapshot, config, nowMs, this.restoredAtMs);
        if (verdict.carry) {
          conditions.push(carriedCondition(alert));
          continue;
        }
        this.awaiting.delete(id);
        if (verdict.reason && prev) {
          const annotations = { ...alert.annotations, resolved_reason: verdict.reason };
          prev = { alerts: { ...prev.alerts, [id]: { ...alert, annotations } } };
        }
      }
    }
    const generatorURL = this.generatorURL();
    const step = nextThresholdState(prev, conditions, nowMs, config.for, generatorURL);
    this.state = step.state;
    return this.commit(nowMs, step.notifications);
  }

  /** Per alert: its row (when it changed) and its notifications in one transaction. */
  private commit(nowMs: number, notifications: AlertNotification[]): AlertNotification[] {
    const byId = new Map<string, AlertNotification[]>();
    for (const n of notifications) {
      const id = labelsKey(n.labels);
      byId.set(id, [...(byId.get(id) ?? []), n]);
    }
    const alerts = this.state?.alerts ?? {};
    const ids = new Set([
      ...byId.keys(),
      ...this.commits.unitsWithUnsent(),
      ...this.commits.writtenUnits(),
      ...Object.keys(alerts).filter((id) => alerts[id]!.state === 'firing'),
    ]);
    const sent: AlertNotification[] = [];
    for (const id of ids) {
      const alert = alerts[id];
      const identity = thresholdIdentity(alert);
      sent.push(...this.commits.commit(id, identity, () => (identity === '' ? [] : [thresholdStateRow(alert!, nowMs)]), byId.get(id) ?? []));
    }
    return sent;
  }

  /**
   * Once, before the first evaluation: firing alerts of the last run continue (their
   * episodes are not notified again); each is carried until a reading of its subject
   * can judge it. Rows of rules this Lookout no longer has are resolved and deleted.
   */
  private restore(nowMs: number): void {
    if (this.restored) return;
    this.restored = true;
    this.restoredAtMs = nowMs;
    const store = this.options.stateStore;
    if (!store) return;
    const logger = this.options.logger;
    let loaded: ReturnType<AlertStateStore['load']>;
    try {
      loaded = store.load('threshold');
    } catch (error) {
      logger?.error({ err: error, file: store.file }, 'cannot read the threshold alert state of the last run; alerts start from inactive');
      return;
    }
    const alerts: Record<string, ThresholdAlert> = {};
    const known = new Set<string>(THRESHOLD_ALERTNAMES);
    const unreadable = loaded.unreadable.map((bad) => ({ unit: bad.unit, error: bad.error }));
    for (const row of loaded.rows) {
      if (!known.has(row.rule)) {
        const reason = `the threshold rule ${row.rule} no longer exists in this Lookout; resolved without judging its condition`;
        this.commits.markWritten(row.unit, '\u0000stale');
        this.commits.commit(row.unit, '', () => [], row.episode ? [resolveWithoutRule(row.episode, reason, nowMs, this.generatorURL())] : []);
        logger?.info({ unit: row.unit }, reason);
        continue;
      }
      try {
        const alert = readThresholdRow(row);
        alerts[alert.id] = alert;
        this.awaiting.add(alert.id);
        this.commits.markWritten(alert.id, thresholdIdentity(alert));
      } catch (error) {
        unreadable.push({ unit: row.unit, error: (error as Error).message });
      }
    }
    for (const bad of unreadable) {
      logger?.warn({ file: store.file, unit: bad.unit }, `dropping an unreadable threshold alert state row: ${bad.error}`);
      this.commits.markWritten(bad.unit, '\u0000stale'); // deleted at its next commit
    }
    if (Object.keys(alerts).length > 0) {
      this.state = { alerts };
      logger?.info({ alerts: Object.keys(alerts).length }, `continuing ${Object.keys(alerts).length} firing threshold alert(s) of the last run`);
    }
  }

  private generatorURL(): string | undefined {
    if (!this.options.externalURL) return undefined;
    try {
      return new URL('/api/v1/alerts', this.options.externalURL).toString();
    } catch {
      return undefined;
    }
  }

  active(): ThresholdAlert[] {
    return this.state ? Object.values(this.state.alerts) : [];
  }
}

/** lookout_threshold_alert_firing{alertname, severity, subject}: 1 per firing threshold alert. */
export function registerThresholdMetrics(registry: Registry, runtime: ThresholdRuntime): void {
  const firing = new Gauge({
    name: 'lookout_threshold_alert_firing',
    help: 'Threshold alerts (TLS, probes, database growth, host disk/memory) firing now, 1 per alert; inhibited tickets included.',
    labelNames: ['alertname', 'severity', 'subject'],
    registers: [registry],
    collect() {
      firing.reset();
      for (const alert of runtime.active())
        if (alert.state === 'firing') firing.set({ alertname: alert.labels.alertname ?? '', severity: alert.severity, subject: alert.subject }, 1);
    },
  });
}

/**
 * With threshold alerts disabled, the firing ones a previous run left in the store are
 * resolved (saying why) and their rows deleted, so no page stays open forever.
 */
export function retireThresholdAlerts(options: {
  store: AlertStateStore;
  notify: (notification: AlertNotification) => void;
  nowMs: number;
  reason: string;
  externalURL?: string;
  logger?: Logger;
}): number {
  const { store, logger } = options;
  const commits = new AlertStateCommitter({ source: 'threshold', store, notify: options.notify, ...(logger ? { logger } : {}) });
  let generatorURL: string | undefined;
  try {
    if (options.externalURL) generatorURL = new URL('/api/v1/alerts', options.externalURL).toString();
  } catch {
    generatorURL = undefined;
  }
  const loaded = store.load('threshold');
  let resolved = 0;
  for (const bad of loaded.unreadable) store.deleteRow(bad.source, bad.unit, bad.key);
  for (const row of loaded.rows) {
    commits.markWritten(row.unit, '\u0000stale');
    const sent = commits.commit(row.unit, '', () => [], row.episode ? [resolveWithoutRule(row.episode, options.reason, options.nowMs, generatorURL)] : []);
    resolved += sent.length;
  }
  if (loaded.rows.length > 0) logger?.info({ alerts: loaded.rows.length, resolved }, options.reason);
  return resolved;
}
