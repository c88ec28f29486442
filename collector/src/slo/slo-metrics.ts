import { formatWindow } from '@lookout/alerts';
import { Gauge, type Registry } from 'prom-client';
import type { SloRuntime } from './runtime.ts';

/**
 * Per-SLO gauges on /metrics, rebuilt at scrape time from the runtime's last cycle
 * (so a removed SLO leaves no stale series). Documented in collector/src/slo/README.md.
 */
export function registerSloMetrics(registry: Registry, runtime: SloRuntime): void {
  const registers = [registry];
  const burnRate = new Gauge({
    name: 'lookout_slo_burn_rate',
    help: 'Burn rate (error ratio / (1 - objective)) of an SLO over a window at the last evaluation; absent without events in the window.',
    labelNames: ['slo', 'service', 'window'],
    registers,
    collect() {
      burnRate.reset();
      for (const e of runtime.evaluations())
        for (const w of e.windows)
          if (w.burnRate !== null) burnRate.set({ slo: e.slo.name, service: e.slo.service, window: formatWindow(w.windowMinutes) }, w.burnRate);
    },
  });
  const budget = new Gauge({
    name: 'lookout_slo_error_budget_remaining',
    help: 'Share of the period’s error budget left (1 = untouched, negative = overspent) at the last evaluation; absent when the period has no data.',
    labelNames: ['slo', 'service'],
    registers,
    collect() {
      budget.reset();
      for (const e of runtime.evaluations())
        if (e.budget.remaining !== null) budget.set({ slo: e.slo.name, service: e.slo.service }, e.budget.remaining);
    },
  });
  const firing = new Gauge({
    name: 'lookout_slo_alert_firing',
    help: 'Whether an alert of this severity of the SLO is firing (1) or not (0); inhibited tickets count as firing.',
    labelNames: ['slo', 'service', 'severity'],
    registers,
    collect() {
      firing.reset();
      for (const f of runtime.firing()) {
        firing.set({ slo: f.slo.name, service: f.slo.service, severity: 'page' }, f.page ? 1 : 0);
        firing.set({ slo: f.slo.name, service: f.slo.service, severity: 'ticket' }, f.ticket ? 1 : 0);
      }
    },
  });
  const cycle = new Gauge({
    name: 'lookout_slo_evaluation_duration_seconds',
    help: 'How long the last evaluation cycle of every SLO took.',
    registers,
    collect() {
      cycle.set(runtime.lastCycle.durationMs / 1000);
    },
  });
  const failed = new Gauge({
    name: 'lookout_slo_evaluation_failures',
    help: 'SLOs whose evaluation failed in the last cycle (SLI store unreadable).',
    registers,
    collect() {
      failed.set(runtime.lastCycle.failed);
    },
  });
  const unsent = new Gauge({
    name: 'lookout_slo_notifications_unsent',
    help: 'Alert notifications the outbox refused, waiting to be retried next cycle (0 normally).',
    registers,
    collect() {
      unsent.set(runtime.unsentCount);
    },
  });
}
