/**
 * Alert labels, defined once: the evaluator's alerts and the exported Prometheus
 * alerting rules carry exactly these, so an alert from either side has the same
 * identity in Alertmanager (and the oracle test compares them label for label).
 */
import { formatWindow } from './duration.ts';
import type { BudgetExhaustionRule, BurnRatePair, NoDataRule, SloDefinition } from './types.ts';

export const DEFAULT_BURN_ALERT_NAME = 'SLOErrorBudgetBurn';
export const DEFAULT_NO_DATA_ALERT_NAME = 'SLODataMissing';
export const BUDGET_EXHAUSTION_ALERT_NAME = 'SLOErrorBudgetExhaustion';

/** Labels Lookout sets itself; a spec's extra labels may not use them. */
export const RESERVED_ALERT_LABELS = [
  'alertname',
  'alertstate',
  'slo',
  'service',
  'severity',
  'long_window',
  'short_window',
  'exhaustion_within',
  '__name__',
] as const;

/**
 * Labels the exported rule sets under `labels:`. slo and service also come from
 * the expression; repeating them keeps rules of different SLOs distinct for
 * `promtool check rules`' duplicate-rule lint.
 */
export function burnRuleLabels(slo: SloDefinition, pair: BurnRatePair): Record<string, string> {
  return {
    ...sloSeriesLabels(slo),
    severity: pair.severityLabel,
    long_window: formatWindow(pair.longWindowMinutes),
    short_window: formatWindow(pair.shortWindowMinutes),
    ...slo.labels,
    ...slo.severityLabels[pair.severity],
  };
}

export function noDataRuleLabels(slo: SloDefinition, rule: NoDataRule): Record<string, string> {
  return { ...sloSeriesLabels(slo), severity: rule.severityLabel, ...slo.labels, ...slo.severityLabels[rule.severity] };
}

export function exhaustionRuleLabels(slo: SloDefinition, rule: BudgetExhaustionRule): Record<string, string> {
  return {
    ...sloSeriesLabels(slo),
    severity: rule.severityLabel,
    exhaustion_within: formatWindow(rule.withinMinutes),
    ...slo.labels,
    ...slo.severityLabels[rule.severity],
  };
}

export function exhaustionAlertLabels(slo: SloDefinition, rule: BudgetExhaustionRule): Record<string, string> {
  return { alertname: BUDGET_EXHAUSTION_ALERT_NAME, ...exhaustionRuleLabels(slo, rule) };
}

/** The series labels every recorded SLO series and every alert expression carries. */
/**
 * The name an SLO is known by in the collector's series and alerts: a tenant's SLO is
 * `<tenant>/<name>` (two tenants may each have `availability`); `*` and no tenant keep the
 * spec's name. Idempotent: a name already qualified stays as it is.
 */
export function sloSeriesName(slo: Pick<SloDefinition, 'name' | 'tenant'>): string {
  const tenant = slo.tenant;
  if (tenant === undefined || tenant === '*' || slo.name.startsWith(`${tenant}/`)) return slo.name;
  return `${tenant}/${slo.name}`;
}

export function sloSeriesLabels(slo: SloDefinition): Record<string, string> {
  return { slo: sloSeriesName(slo), service: slo.service };
}

export function burnAlertLabels(slo: SloDefinition, pair: BurnRatePair): Record<string, string> {
  return { alertname: slo.alertName, ...burnRuleLabels(slo, pair) };
}

export function noDataAlertLabels(slo: SloDefinition, rule: NoDataRule): Record<string, string> {
  return { alertname: slo.noDataAlertName, ...noDataRuleLabels(slo, rule) };
}

/** Stable identity of a label set: `{a="1",b="2"}` with sorted names. */
export function labelsKey(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(',')}}`;
}
