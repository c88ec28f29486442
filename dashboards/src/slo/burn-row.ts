/**
 * SLO dashboard: one panel per burn-rate pair of the policy, both windows against the
 * pair's threshold. The alert fires when both lines are above the dashed line.
 */
import type { BurnRatePair, SloDefinition } from '@lookout/alerts';
import { formatPercent, formatWindow, pairThreshold } from '@lookout/alerts';
import { promQuery, thresholdSteps, timeseriesPanel } from '../presets.ts';
import type { PanelSpec, Section } from '../presets.ts';
import { sloQueries } from '../slo-queries.ts';

function pairPanel(slo: SloDefinition, pair: BurnRatePair, width: number): PanelSpec {
  const q = sloQueries(slo);
  const long = formatWindow(pair.longWindowMinutes);
  const short = formatWindow(pair.shortWindowMinutes);
  const ratio = pairThreshold(pair, slo.objective);
  return timeseriesPanel({
    title: `${pair.severity}: burn rate ${long}/${short} against ${pair.factor}×`,
    description: `Fires a ${pair.severity} when the burn rate over ${long} and over ${short} both exceed ${pair.factor}× (error ratio above ${ratio >= 1 ? '100 %, never' : formatPercent(ratio)}).`,
    unit: 'x',
    thresholds: thresholdSteps([[null, 'green'], [pair.factor, 'red']]),
    showThresholds: true,
    min: 0,
    targets: [promQuery(q.burnRate(pair.longWindowMinutes), `${long} window`), promQuery(q.burnRate(pair.shortWindowMinutes), `${short} window`)],
    width,
  });
}

export function burnRow(slo: SloDefinition): Section {
  const pairs = slo.policy.pairs;
  // two per line, or one full-width panel when the policy has a single pair
  const width = pairs.length === 1 ? 24 : 12;
  return { title: 'Burn rate per window pair', panels: pairs.map((pair) => pairPanel(slo, pair, width)) };
}
