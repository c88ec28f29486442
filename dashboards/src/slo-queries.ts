/**
 * The PromQL an SLO dashboard reads, from one of two sources:
 *
 * - `lookout`: SLOs the collector evaluates itself (availability and latency SLIs over
 *   the request series) read the collector's own gauges and counters
 *   (lookout_slo_burn_rate, lookout_slo_error_budget_remaining, lookout_slo_alert_firing,
 *   lookout_slo_events_total / lookout_slo_good_events_total): no Prometheus rules needed,
 *   and the numbers are exactly the ones that page.
 * - `rules`: SLOs whose SLI is PromQL (Sloth, OpenSLO with a Prometheus source) cannot be
 *   counted by the collector; their dashboards read the series recorded by the rules
 *   `lookout slo rules` exports (RECORDED_SERIES) and Prometheus's ALERTS series.
 */
import {
  RECORDED_SERIES,
  SLO_EVENTS_TOTAL,
  SLO_GOOD_EVENTS_TOTAL,
  factorPeriodMinutes,
  formatWindow,
  promString,
  sloSeriesLabels,
} from '@lookout/alerts';
import type { BurnRatePair, SloDefinition } from '@lookout/alerts';
import { COLLECTOR_JOB } from './presets.ts';

export type SloSource = 'lookout' | 'rules';

export interface SloQueries {
  source: SloSource;
  /** good / total over the window (1 = every event good) */
  sli(windowMinutes: number): string;
  /** good / total over Grafana's rate interval, for the line over time */
  sliOverTime(): string;
  /** share of the period's error budget left */
  budgetRemaining(): string;
  burnRate(windowMinutes: number): string;
  /** 1 while an alert of the pair's severity fires, 0 otherwise */
  alertFiring(pair: BurnRatePair): string;
  /** seconds until the budget is gone at the current burn rate */
  timeToExhaustion(): string;
}

/** Lookout evaluates availability and latency SLIs; PromQL SLIs only Prometheus can. */
export function sloSource(slo: SloDefinition): SloSource {
  return slo.sli.kind === 'availability' || slo.sli.kind === 'latency' ? 'lookout' : 'rules';
}

/** `{slo="…",service="…"}` plus extra matchers. */
export function sloMatchers(slo: SloDefinition, extra: Record<string, string> = {}): string {
  const labels = { ...sloSeriesLabels(slo), ...extra };
  return `{${Object.entries(labels)
    .map(([label, value]) => `${label}=${promString(value)}`)
    .join(',')}}`;
}

/**
 * The window the "current" burn rate and time to exhaustion use: the shortest long
 * window of the policy, as in the exported rules (slo:current_burn_rate:ratio).
 */
export function currentWindowMinutes(slo: SloDefinition): number {
  const longs = slo.policy.pairs.map((p) => p.longWindowMinutes);
  return longs.length > 0 ? Math.min(...longs) : 60;
}

export function sloQueries(slo: SloDefinition): SloQueries {
  const sel = sloMatchers(slo);
  const budget = `(1 - ${slo.objective})`;
  const periodSeconds = factorPeriodMinutes(slo.period) * 60;
  const current = currentWindowMinutes(slo);
  if (sloSource(slo) === 'lookout') {
    // remote write may send these counters too: sum the scraped copy only (see COLLECTOR_JOB)
    const counters = sloMatchers(slo, { job: COLLECTOR_JOB });
    const ratio = (range: string) =>
      `sum(increase(${SLO_GOOD_EVENTS_TOTAL}${counters}[${range}])) / sum(increase(${SLO_EVENTS_TOTAL}${counters}[${range}]))`;
    const burn = (w: number) => `lookout_slo_burn_rate${sloMatchers(slo, { window: formatWindow(w) })}`;
    return {
      source: 'lookout',
      sli: (w) => ratio(formatWindow(w)),
      sliOverTime: () => ratio('$__rate_interval'),
      budgetRemaining: () => `lookout_slo_error_budget_remaining${sel}`,
      burnRate: burn,
      alertFiring: (pair) => `max(lookout_slo_alert_firing${sloMatchers(slo, { severity: pair.severity })}) or vector(0)`,
      // the burn-rate gauge has a window label the budget gauge lacks
      timeToExhaustion: () => `clamp_min(lookout_slo_error_budget_remaining${sel}, 0) * ${periodSeconds} / ignoring (window) ${burn(current)}`,
    };
  }
  return {
    source: 'rules',
    sli: (w) => `1 - ${RECORDED_SERIES.errorRatio(w)}${sel}`,
    sliOverTime: () => `1 - ${RECORDED_SERIES.errorRatio(current)}${sel}`,
    budgetRemaining: () => `${RECORDED_SERIES.budgetRemaining}${sel}`,
    burnRate: (w) => `${RECORDED_SERIES.errorRatio(w)}${sel} / ${budget}`,
    alertFiring: (pair) =>
      `max(ALERTS${sloMatchers(slo, { alertname: slo.alertName, alertstate: 'firing', severity: pair.severityLabel })}) or vector(0)`,
    timeToExhaustion: () => `${RECORDED_SERIES.timeToExhaustion}${sel}`,
  };
}
