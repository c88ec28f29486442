/**
 * Prometheus recording and alerting rules per SLO, for teams that evaluate in
 * Prometheus, Mimir or Thanos — and the oracle that Lookout's evaluator is tested
 * against (`promtool test rules`).
 *
 * By default the rules read the collector's per-SLO counters
 * (lookout_slo_events_total / lookout_slo_good_events_total), so Prometheus sees
 * exactly the (good, total) Lookout evaluates. With `source: 'requests'` they read
 * the raw request series with the spec's filters as matchers instead, for teams
 * without Lookout's evaluator. Sloth and OpenSLO-Prometheus SLIs keep their PromQL.
 *
 * Ratios use increase() rather than rate(): the ratio is the same, and without
 * extrapolation increase() is the exact counter difference, so Prometheus and
 * Lookout compare bit-identical numbers against the thresholds.
 */
import { Document } from 'yaml';
import { sloSeriesName, BUDGET_EXHAUSTION_ALERT_NAME, burnRuleLabels, exhaustionRuleLabels, noDataRuleLabels, sloSeriesLabels } from './alert-labels.ts';
import { errorBudgetText, pairThresholdText } from './burn-math.ts';
import { budgetConsumedAtFiring, factorPeriodMinutes } from './policy.ts';
import { formatPercent, formatWindow } from './duration.ts';
import {
  REQUESTS_TOTAL,
  REQUEST_DURATION_SECONDS,
  REQUEST_ERRORS_TOTAL,
  SLO_EVENTS_TOTAL,
  SLO_GOOD_EVENTS_TOTAL,
} from './sli-series.ts';
import type { BurnRatePair, LabelMatcher, SloDefinition } from './types.ts';

export type RuleSource = 'slo-counters' | 'requests';

export interface RuleExportOptions {
  /** which series native and OpenSLO-Lookout SLIs are computed from (default 'slo-counters') */
  source?: RuleSource;
  /** first line of the file's comment, e.g. the spec files it came from */
  generatedFrom?: string;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/** Names of the recorded series (the dashboards read them too). */
export const RECORDED_SERIES = {
  errorRatio: (windowMinutes: number) => `slo:sli_error:ratio_rate${formatWindow(windowMinutes)}`,
  events: (windowMinutes: number) => `slo:sli_events:increase${formatWindow(windowMinutes)}`,
  objective: 'slo:objective:ratio',
  errorBudget: 'slo:error_budget:ratio',
  currentBurnRate: 'slo:current_burn_rate:ratio',
  periodBurnRate: 'slo:period_burn_rate:ratio',
  budgetRemaining: 'slo:period_error_budget_remaining:ratio',
  timeToExhaustion: 'slo:time_to_exhaustion:seconds',
} as const;

/** A PromQL string literal (Go escaping, which JSON's is a subset of). */
export function promString(value: string): string {
  return JSON.stringify(value);
}

export function selector(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.label}${m.op}${promString(m.value)}`).join(',')}}`;
}

function sloSelector(slo: SloDefinition): string {
  const labels = sloSeriesLabels(slo);
  return selector(Object.entries(labels).map(([label, value]) => ({ label, op: '=', value })));
}

/** Static text inside an annotation: `{{` must not start a template action. */
function templateText(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

/** PromQL for the error ratio and event count of one window. */
interface WindowQueries {
  ratio: string;
  events?: string;
}

function windowQueries(slo: SloDefinition, windowMinutes: number, source: RuleSource): WindowQueries {
  const w = formatWindow(windowMinutes);
  const inc = (series: string, sel: string) => `sum(increase(${series}${sel}[${w}]))`;
  const sli = slo.sli;
  if (sli.kind === 'promql-events') {
    const sub = (q: string) => q.replace(/\{\{\s*\.window\s*\}\}/g, w);
    return {
      ratio: `(${sub(sli.errorQuery)})\n/\n(${sub(sli.totalQuery)})`,
      events: `(${sub(sli.totalQuery)}) * ${windowMinutes * 60}`,
    };
  }
  if (sli.kind === 'promql-ratio') {
    return { ratio: sli.errorRatioQuery.replace(/\{\{\s*\.window\s*\}\}/g, w) };
  }
  if (source === 'slo-counters') {
    const sel = sloSelector(slo);
    const total = inc(SLO_EVENTS_TOTAL, sel);
    return { ratio: `(${total} - ${inc(SLO_GOOD_EVENTS_TOTAL, sel)})\n/\n${total}`, events: total };
  }
  // a tenant's SLO reads its tenant's request series only (the collector labels them with `tenant`)
  const tenant: LabelMatcher[] = slo.tenant !== undefined && slo.tenant !== '*' ? [{ label: 'tenant', op: '=', value: slo.tenant }] : [];
  const matchers: LabelMatcher[] = [...tenant, { label: 'service', op: '=', value: slo.service }, ...sli.matchers];
  if (sli.kind === 'availability') {
    const total = inc(REQUESTS_TOTAL, selector(matchers));
    return { ratio: `${inc(REQUEST_ERRORS_TOTAL, selector(matchers))}\n/\n${total}`, events: total };
  }
  const count = inc(`${REQUEST_DURATION_SECONDS}_count`, selector(matchers));
  const le: LabelMatcher = { label: 'le', op: '=', value: String(sli.thresholdSeconds) };
  const good = inc(`${REQUEST_DURATION_SECONDS}_bucket`, selector([...matchers, le]));
  return { ratio: `(${count} - ${good})\n/\n${count}`, events: count };
}

function pairExpr(slo: SloDefinition, pair: BurnRatePair): string {
  const sel = sloSelector(slo);
  // The ratio is compared with the exact decimal factor × (1 − objective), as Lookout
  // does; the long window's ratio divided by the budget is the alert's value (its burn rate).
  const threshold = pairThresholdText(pair, slo.objective);
  const over = (w: number) => `(${RECORDED_SERIES.errorRatio(w)}${sel} > ${threshold})`;
  const parts = [`${over(pair.longWindowMinutes)} / ${errorBudgetText(slo.objective)}`, over(pair.shortWindowMinutes)];
  if (slo.policy.minEvents > 0) {
    for (const w of [pair.longWindowMinutes, pair.shortWindowMinutes]) {
      parts.push(`(${RECORDED_SERIES.events(w)}${sel} >= ${slo.policy.minEvents})`);
    }
  }
  return parts.join('\nand\n');
}

function burnAnnotations(slo: SloDefinition, pair: BurnRatePair): Record<string, string> {
  const sel = sloSelector(slo);
  const long = formatWindow(pair.longWindowMinutes);
  const short = formatWindow(pair.shortWindowMinutes);
  const periodMinutes = factorPeriodMinutes(slo.period);
  const consumed = formatPercent(budgetConsumedAtFiring(pair, periodMinutes));
  const annotations: Record<string, string> = {
    ...slo.annotations,
    ...slo.severityAnnotations[pair.severity],
    summary: templateText(`${slo.service}/${slo.name}: error budget burning above ${pair.factor}× over ${long} and ${short} (${pair.severity})`),
    description:
      templateText(`${slo.description ? `${slo.description}. ` : ''}Burn rate over ${long}: `) +
      '{{ $value | humanize }}' +
      templateText(`× (threshold ${pair.factor}×; at that rate ${consumed} of the ${formatWindow(periodMinutes)} budget is spent when this fires).`),
    burn_rate: '{{ $value | humanize }}',
    // An overspent budget reads "none (exhausted)", never a negative percent, as in Lookout.
    budget_remaining:
      `{{ with query ${promString(RECORDED_SERIES.budgetRemaining + sel)} }}{{ $left := . | first | value }}` +
      '{{ if le $left 0.0 }}none (exhausted){{ else }}{{ $left | humanizePercentage }}{{ end }}{{ else }}unknown (no data in the period){{ end }}',
    time_to_exhaustion:
      `{{ with query ${promString(RECORDED_SERIES.timeToExhaustion + sel)} }}{{ $t := . | first | value }}` +
      '{{ if le $t 0.0 }}already exhausted{{ else if not (lt $t 1e15) }}never at the current burn rate{{ else }}{{ $t | humanizeDuration }}{{ end }}{{ else }}unknown{{ end }}',
  };
  if (slo.runbookUrl) annotations.runbook_url = slo.runbookUrl;
  if (slo.dashboardUrl) annotations.dashboard_url = slo.dashboardUrl;
  return annotations;
}

/** The rule group of one SLO: recorded ratios per window, budget series, alerts. */
export function sloRuleGroup(slo: SloDefinition, options: RuleExportOptions = {}): RuleGroup {
  const source = options.source ?? 'slo-counters';
  const labels = sloSeriesLabels(slo);
  const sel = sloSelector(slo);
  const rules: (RecordingRule | AlertingRule)[] = [];
  const { policy } = slo;

  const alertWindows = new Set<number>();
  const eventWindows = new Set<number>();
  for (const pair of policy.pairs) {
    for (const w of [pair.longWindowMinutes, pair.shortWindowMinutes]) {
      alertWindows.add(w);
      if (policy.minEvents > 0) eventWindows.add(w);
    }
  }
  if (policy.noData) alertWindows.add(policy.noData.windowMinutes);
  // A calendar month is recorded as a rolling 30 days: PromQL has no month-to-date range.
  const periodMinutes = factorPeriodMinutes(slo.period);
  const currentWindow = policy.pairs.length > 0 ? Math.min(...policy.pairs.map((p) => p.longWindowMinutes)) : 60;
  const ratioWindows = [...new Set([...alertWindows, periodMinutes, currentWindow])].sort((a, b) => a - b);

  for (const w of ratioWindows) {
    rules.push({ record: RECORDED_SERIES.errorRatio(w), expr: windowQueries(slo, w, source).ratio, labels });
  }
  for (const w of [...eventWindows].sort((a, b) => a - b)) {
    const events = windowQueries(slo, w, source).events;
    if (events) rules.push({ record: RECORDED_SERIES.events(w), expr: events, labels });
  }
  const budget = errorBudgetText(slo.objective);
  rules.push(
    { record: RECORDED_SERIES.objective, expr: `vector(${slo.objective})`, labels },
    { record: RECORDED_SERIES.errorBudget, expr: `vector(${budget})`, labels },
    { record: RECORDED_SERIES.currentBurnRate, expr: `${RECORDED_SERIES.errorRatio(currentWindow)}${sel} / ${budget}`, labels },
    { record: RECORDED_SERIES.periodBurnRate, expr: `${RECORDED_SERIES.errorRatio(periodMinutes)}${sel} / ${budget}`, labels },
    { record: RECORDED_SERIES.budgetRemaining, expr: `1 - ${RECORDED_SERIES.periodBurnRate}${sel}`, labels },
    {
      record: RECORDED_SERIES.timeToExhaustion,
      expr: `clamp_min(${RECORDED_SERIES.budgetRemaining}${sel}, 0) * ${periodMinutes * 60} / ${RECORDED_SERIES.currentBurnRate}${sel}`,
      labels,
    },
  );

  for (const pair of policy.pairs) {
    const rule: AlertingRule = {
      alert: slo.alertName,
      expr: pairExpr(slo, pair),
      labels: burnRuleLabels(slo, pair),
      annotations: burnAnnotations(slo, pair),
    };
    if (pair.forMinutes > 0) rule.for = formatWindow(pair.forMinutes);
    rules.push(rule);
  }
  if (policy.noData) {
    const rule: AlertingRule = {
      alert: slo.noDataAlertName,
      expr: `absent(${RECORDED_SERIES.errorRatio(policy.noData.windowMinutes)}${sel})`,
      labels: noDataRuleLabels(slo, policy.noData),
      annotations: {
        ...slo.annotations,
        ...slo.severityAnnotations[policy.noData.severity],
        summary: templateText(`${slo.service}/${slo.name}: no SLI data for ${formatWindow(policy.noData.windowMinutes + policy.noData.forMinutes)}; the SLO cannot be judged`),
        description: templateText('No data is not good data: check the collector, the scrape and the SLI query.'),
        ...(slo.runbookUrl ? { runbook_url: slo.runbookUrl } : {}),
      },
    };
    if (policy.noData.forMinutes > 0) rule.for = formatWindow(policy.noData.forMinutes);
    rules.push(rule);
  }
  for (const exhaustion of policy.budgetExhaustion ?? []) {
    const within = formatWindow(exhaustion.withinMinutes);
    // time_to_exhaustion is clamp_min(remaining, 0) * period / current burn: 0 once the
    // budget is gone, +Inf while nothing burns, NaN without traffic — only a burning
    // budget fires, as in Lookout.
    const rule: AlertingRule = {
      alert: BUDGET_EXHAUSTION_ALERT_NAME,
      expr: `${RECORDED_SERIES.timeToExhaustion}${sel} < ${exhaustion.withinMinutes * 60}`,
      labels: exhaustionRuleLabels(slo, exhaustion),
      annotations: {
        ...slo.annotations,
        ...slo.severityAnnotations[exhaustion.severity],
        summary:
          templateText(`${slo.service}/${slo.name}: error budget `) +
          '{{ if le $value 0.0 }}exhausted and still burning{{ else }}runs out in {{ $value | humanizeDuration }} at the current burn rate{{ end }}' +
          templateText(` (${exhaustion.severity} within ${within})`),
        description: templateText(`The ${formatWindow(periodMinutes)} error budget runs out within ${within} if the current burn rate goes on.`),
        time_to_exhaustion: '{{ $value | humanizeDuration }}',
        ...(slo.runbookUrl ? { runbook_url: slo.runbookUrl } : {}),
        ...(slo.dashboardUrl ? { dashboard_url: slo.dashboardUrl } : {}),
      },
    };
    if (exhaustion.forMinutes > 0) rule.for = formatWindow(exhaustion.forMinutes);
    rules.push(rule);
  }
  return { name: `slo:${slo.service}:${sloSeriesName(slo)}`, rules };
}

export function buildRuleGroups(slos: readonly SloDefinition[], options: RuleExportOptions = {}): RuleGroup[] {
  return slos.map((slo) => sloRuleGroup(slo, options));
}

/** A Prometheus rule file (YAML) with one group per SLO. */
export function renderRules(slos: readonly SloDefinition[], options: RuleExportOptions = {}): string {
  const doc = new Document({ groups: buildRuleGroups(slos, options) }, { aliasDuplicateObjects: false });
  const source = options.source ?? 'slo-counters';
  doc.commentBefore = [
    ` Generated by Lookout (lookout slo rules)${options.generatedFrom ? ` from ${options.generatedFrom}` : ''}; edit the SLO specs, not this file.`,
    ` Native SLIs read ${source === 'slo-counters' ? `${SLO_EVENTS_TOTAL} / ${SLO_GOOD_EVENTS_TOTAL} (the collector's per-SLO counters)` : `the request series ${REQUESTS_TOTAL} / ${REQUEST_ERRORS_TOTAL} / ${REQUEST_DURATION_SECONDS}`}.`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
