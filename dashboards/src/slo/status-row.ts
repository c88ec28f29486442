/** SLO dashboard, first row: where the SLO stands now. */
import type { SloDefinition } from '@lookout/alerts';
import { formatPercent, formatWindow } from '@lookout/alerts';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { fallingThresholds, promQuery, risingThresholds, statPanel, thresholdSteps } from '../presets.ts';
import type { Section } from '../presets.ts';
import { currentWindowMinutes, sloQueries } from '../slo-queries.ts';

const FIRING_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'OK', color: 'green', index: 0 }, '1': { text: 'FIRING', color: 'red', index: 1 } },
  },
];

export function statusRow(slo: SloDefinition): Section {
  const q = sloQueries(slo);
  const current = currentWindowMinutes(slo);
  // one state panel per severity the policy has (the first pair of each)
  const alertPairs = (['page', 'ticket'] as const)
    .map((severity) => slo.policy.pairs.find((p) => p.severity === severity))
    .filter((p) => p !== undefined);
  return {
    title: 'Now',
    panels: [
      statPanel({
        title: `SLI (last ${formatWindow(current)})`,
        description: `Share of good events over the last ${formatWindow(current)}; the objective is ${formatPercent(slo.objective, 6)}.`,
        unit: 'percentunit',
        decimals: 3,
        thresholds: fallingThresholds(slo.objective - (1 - slo.objective), slo.objective),
        targets: [promQuery(q.sli(current), 'SLI', { instant: true })],
        width: 5,
      }),
      statPanel({
        title: 'Objective',
        description: `${formatPercent(slo.objective, 6)} of events must be good over the period; the rest is the error budget.`,
        unit: 'percentunit',
        decimals: 3,
        targets: [promQuery(`vector(${slo.objective})`, 'objective', { instant: true })],
        width: 4,
      }),
      statPanel({
        title: 'Error budget left',
        description: 'Share of the period’s error budget not yet spent; below 0 the SLO is broken for this period.',
        unit: 'percentunit',
        decimals: 1,
        thresholds: fallingThresholds(0, 0.25),
        targets: [promQuery(q.budgetRemaining(), 'budget left', { instant: true })],
        width: 5,
      }),
      statPanel({
        title: 'Time to exhaustion',
        description: `At the burn rate of the last ${formatWindow(current)}, how long the budget left lasts (no value: nothing is burning).`,
        unit: 's',
        thresholds: thresholdSteps([[null, 'red'], [86_400, 'orange'], [7 * 86_400, 'green']]),
        noValue: 'not burning',
        targets: [promQuery(q.timeToExhaustion(), 'time to exhaustion', { instant: true })],
        width: 5,
      }),
      ...alertPairs.map((pair) =>
        statPanel({
          title: `Alert: ${pair.severity}`,
          description: `Whether the SLO's ${pair.severity} alert (${slo.alertName}) fires now.`,
          unit: 'none',
          background: true,
          mappings: FIRING_MAPPINGS,
          thresholds: risingThresholds(0.5, 1),
          targets: [promQuery(q.alertFiring(pair), pair.severity, { instant: true })],
          width: alertPairs.length === 1 ? 5 : pair.severity === 'page' ? 3 : 2,
        }),
      ),
    ],
  };
}
