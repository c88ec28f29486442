import { Gauge, type Registry } from 'prom-client';
import type { AlertNotification } from '../notify/types.ts';
import type { ThresholdAlertsConfig } from './config.ts';
import type { RuntimeClock, RuntimeLogger } from './runtime.ts';
import { nextThresholdState, thresholdConditions, type ThresholdAlert, type ThresholdAlertState } from './threshold-alerts.ts';
import type { ThresholdReadings } from './threshold-readings.ts';

export interface ThresholdRuntimeOptions {
  config: ThresholdAlertsConfig;
  readings: ThresholdReadings;
  clock: RuntimeClock;
  notify: (notification: AlertNotification) => void;
  externalURL?: string;
  logger?: RuntimeLogger;
}

const MAX_UNSENT = 10_000;

/** Every interval: rules over the latest readings → state machine → outbox. */
export class ThresholdRuntime {
  private state: ThresholdAlertState | undefined;
  private timer: unknown;
  private running = false;
  private unsent: AlertNotification[] = [];

  constructor(private readonly options: ThresholdRuntimeOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
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

  evaluate(nowMs: number): AlertNotification[] {
    const { config, readings } = this.options;
    const conditions = thresholdConditions(readings.snapshot(), config, nowMs);
    const generatorURL = this.generatorURL();
    const step = nextThresholdState(this.state, conditions, nowMs, config.for, generatorURL);
    this.state = step.state;
    const retry = this.unsent;
    this.unsent = [];
    const sent: AlertNotification[] = [];
    for (const notification of [...retry, ...step.notifications]) {
      try {
        this.options.notify(notification);
        sent.push(notification);
      } catch (error) {
        if (this.unsent.length < MAX_UNSENT) this.unsent.push(notification);
        this.options.logger?.error(
          { err: error, alertname: notification.labels.alertname, status: notification.status },
          'cannot enqueue a threshold alert notification; retrying next cycle',
        );
      }
    }
    return sent;
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
