/** SLO dashboard: the error budget and the SLI over time. */
import type { SloDefinition } from '@lookout/alerts';
import { factorPeriodMinutes, formatPercent, formatWindow } from '@lookout/alerts';
import { fallingThresholds, promQuery, timeseriesPanel } from '../presets.ts';
import type { Section } from '../presets.ts';
import { sloQueries } from '../slo-queries.ts';

export function budgetRow(slo: SloDefinition): Section {
  const q = sloQueries(slo);
  const period = slo.period.kind === 'rolling' ? formatWindow(slo.period.minutes) : `calendar month (${formatWindow(factorPeriodMinutes(slo.period))})`;
  return {
    title: 'Error budget',
    panels: [
      timeseriesPanel({
        title: 'Error budget left over time',
        description: `Share of the ${period} error budget left at each evaluation; a steady slope down is a slow burn.`,
        unit: 'percentunit',
        thresholds: fallingThresholds(0, 0.25),
        showThresholds: true,
        targets: [promQuery(q.budgetRemaining(), 'budget left')],
      }),
      timeseriesPanel({
        title: 'SLI against the objective',
        description: `Share of good events per interval; the dashed line is the objective (${formatPercent(slo.objective, 6)}).`,
        unit: 'percentunit',
        thresholds: fallingThresholds(slo.objective - (1 - slo.objective), slo.objective),
        showThresholds: true,
        targets: [promQuery(q.sliOverTime(), 'SLI')],
      }),
    ],
  };
}
