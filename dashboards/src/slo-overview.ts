/**
 * SLO overview: every SLO with its budget left, burn rates and alert state, least
 * budget left first. Each expression reads the collector's gauges for the SLOs it
 * evaluates and, with `or`, the recorded series of the exported rules for PromQL SLOs.
 */
import { RECORDED_SERIES, formatWindow } from '@lookout/alerts';
import type { SloDefinition } from '@lookout/alerts';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  SLO_TAG,
  baseDashboard,
  dashboardLink,
  fallingThresholds,
  layoutDashboard,
  promQuery,
  prometheusVariable,
  risingThresholds,
  sloDashboardsLink,
  stableUid,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

const BY = 'max by (slo, service)';

export const BUDGET_LEFT_EXPR = `${BY} (lookout_slo_error_budget_remaining) or ${BY} (${RECORDED_SERIES.budgetRemaining})`;

export function burnRateExpr(windowMinutes: number): string {
  const w = formatWindow(windowMinutes);
  return `${BY} (lookout_slo_burn_rate{window="${w}"}) or ${BY} (${RECORDED_SERIES.errorRatio(windowMinutes)} / on (slo, service) ${RECORDED_SERIES.errorBudget})`;
}

/** 1 when any alert of the SLO fires, 0 when none does. */
export const ALERT_STATE_EXPR = `${BY} (lookout_slo_alert_firing) or ${BY} (ALERTS{alertstate="firing",slo!=""}) or 0 * ${BY} (${RECORDED_SERIES.objective})`;

/** The long windows of the policies' page pairs (at most three columns), fastest first. */
export function overviewWindows(slos: readonly SloDefinition[]): number[] {
  const windows = new Set<number>();
  for (const slo of slos) for (const pair of slo.policy.pairs) if (pair.severity === 'page') windows.add(pair.longWindowMinutes);
  const sorted = [...windows].sort((a, b) => a - b).slice(0, 3);
  return sorted.length > 0 ? sorted : [60, 360];
}

const STATE_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'OK', color: 'green', index: 0 }, '1': { text: 'FIRING', color: 'red', index: 1 } },
  },
];

export function sloOverviewDashboard(slos: readonly SloDefinition[]): dashboard.Dashboard {
  const windows = overviewWindows(slos);
  // the page threshold of the fastest window, drawn on the burn-rate line
  const fastFactors = slos.flatMap((slo) => slo.policy.pairs.filter((p) => p.severity === 'page' && p.longWindowMinutes === windows[0]).map((p) => p.factor));
  const fastFactor = fastFactors.length > 0 ? Math.min(...fastFactors) : 14.4;
  const refIds = windows.map((_, i) => String.fromCharCode('C'.charCodeAt(0) + i));
  const builder = baseDashboard(
    'SLO overview',
    DASHBOARD_UIDS.sloOverview,
    'Every SLO with its error budget left, burn rates and alert state, least budget left first.',
    [SLO_TAG],
  )
    .withVariable(prometheusVariable())
    .link(dashboardLink('Service overview', DASHBOARD_UIDS.serviceOverview))
    .link(sloDashboardsLink());

  const sloLink = {
    id: 'links',
    value: [{ title: 'SLO dashboard of ${__data.fields.slo}', url: `/d/${stableUid('slo')}-\${__data.fields.slo}?\${__url_time_range}` }],
  };
  const renames: Record<string, string> = { 'Value #A': 'budget left', 'Value #B': 'alert' };
  windows.forEach((w, i) => (renames[`Value #${refIds[i]}`] = `burn ${formatWindow(w)}`));

  return layoutDashboard(builder, [
    {
      panels: [
        statPanel({
          title: 'SLOs',
          description: 'SLOs with data: evaluated by Lookout, or recorded by the exported rules in Prometheus.',
          unit: 'short',
          targets: [promQuery(`count(${BUDGET_LEFT_EXPR})`, 'SLOs', { instant: true })],
          width: 6,
        }),
        statPanel({
          title: 'SLOs alerting',
          description: 'SLOs with at least one burn-rate alert firing.',
          unit: 'short',
          thresholds: risingThresholds(1, 1),
          targets: [promQuery(`sum(${ALERT_STATE_EXPR})`, 'alerting', { instant: true })],
          width: 6,
        }),
        statPanel({
          title: 'Least budget left',
          description: 'The error budget left of the SLO closest to breaking.',
          unit: 'percentunit',
          decimals: 1,
          thresholds: fallingThresholds(0, 0.25),
          targets: [promQuery(`min(${BUDGET_LEFT_EXPR})`, 'least budget left', { instant: true })],
          width: 6,
        }),
        statPanel({
          title: 'SLOs over budget',
          description: 'SLOs that spent more than their error budget in the period.',
          unit: 'short',
          thresholds: risingThresholds(1, 1),
          targets: [promQuery(`count((${BUDGET_LEFT_EXPR}) < 0) or vector(0)`, 'over budget', { instant: true })],
          width: 6,
        }),
      ],
    },
    {
      title: 'By risk',
      panels: [
        tablePanel({
          title: 'SLOs by budget left',
          description: 'One line per SLO, least budget left first; click an SLO for its dashboard.',
          unit: 'none',
          targets: [
            promQuery(BUDGET_LEFT_EXPR, '', { instant: true, table: true }).refId('A'),
            promQuery(ALERT_STATE_EXPR, '', { instant: true, table: true }).refId('B'),
            ...windows.map((w, i) => promQuery(burnRateExpr(w), '', { instant: true, table: true }).refId(refIds[i]!)),
          ],
          transformations: [
            { id: 'merge', options: {} },
            { id: 'organize', options: { excludeByName: { Time: true }, renameByName: renames } },
          ],
          sortBy: { column: 'budget left', desc: false },
          columns: [
            { column: 'slo', properties: [sloLink] },
            {
              column: 'budget left',
              properties: [
                { id: 'unit', value: 'percentunit' },
                { id: 'custom.cellOptions', value: { type: 'color-background' } },
                { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'red' }, { value: 0, color: 'orange' }, { value: 0.25, color: 'green' }] } },
              ],
            },
            { column: 'alert', properties: [{ id: 'mappings', value: STATE_MAPPINGS }, { id: 'custom.cellOptions', value: { type: 'color-text' } }] },
            ...windows.map((w) => ({ column: `burn ${formatWindow(w)}`, properties: [{ id: 'unit', value: 'x' }, { id: 'decimals', value: 2 }] })),
          ],
          width: 24,
          height: Math.min(20, 4 + slos.length),
        }),
      ],
    },
    {
      title: 'Over time',
      panels: [
        timeseriesPanel({
          title: 'Error budget left per SLO',
          description: 'Budget left of every SLO over time; lines heading for 0 are the next incidents.',
          unit: 'percentunit',
          thresholds: fallingThresholds(0, 0.25),
          showThresholds: true,
          targets: [promQuery(BUDGET_LEFT_EXPR, '{{service}}/{{slo}}')],
        }),
        timeseriesPanel({
          title: `Burn rate per SLO (${formatWindow(windows[0]!)})`,
          description: `Burn rate over ${formatWindow(windows[0]!)}: 1× spends the budget exactly over the period.`,
          unit: 'x',
          thresholds: risingThresholds(1, fastFactor),
          showThresholds: true,
          targets: [promQuery(burnRateExpr(windows[0]!), '{{service}}/{{slo}}')],
        }),
      ],
    },
  ]);
}
