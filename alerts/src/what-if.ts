/**
 * What-if: the same SLO with another objective and/or period, without touching the
 * spec — for `lookout slo explain --objective 99.95 --period 28d` and
 * `GET /api/v1/slos/{name}?objective=99.95&period=28d`. Pairs derived from a budget
 * share (the Workbook's) get their factors recomputed for the new period, as a spec
 * with that period would; fixed factors stay.
 */
import { errorBudget } from './burn-math.ts';
import { formatPercent, formatWindow, parseMinutes } from './duration.ts';
import { factorPeriodMinutes, policyWindows, resolvePair } from './policy.ts';
import { percentToFraction } from './spec-formats/fields.ts';
import type { SloDefinition, SloPeriod } from './types.ts';

export interface WhatIf {
  /** fraction, e.g. 0.9995 */
  objective?: number;
  period?: SloPeriod;
}

export interface WhatIfText {
  objective?: string | undefined;
  period?: string | undefined;
}

/** Reads `--objective 99.95` (or '99.95%') and `--period 28d | calendar-month`; errors say what and how to fix. */
export function parseWhatIf(text: WhatIfText): { whatIf: WhatIf } | { error: string } {
  const whatIf: WhatIf = {};
  if (text.objective !== undefined) {
    const raw = text.objective.trim().replace(/\s*%$/, '');
    const percent = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(percent > 0 && percent < 100)) {
      return { error: `objective ${JSON.stringify(text.objective)} is not a percent between 0 and 100 (exclusive): write e.g. 99.95` };
    }
    if (percent <= 1) return { error: `objective ${text.objective} looks like a fraction: write it as a percent, e.g. ${Number((percent * 100).toPrecision(12))}` };
    whatIf.objective = percentToFraction(percent);
  }
  if (text.period !== undefined) {
    const raw = text.period.trim();
    if (['calendar-month', 'calendar month', 'month', '1M'].includes(raw)) whatIf.period = { kind: 'calendar-month' };
    else {
      const minutes = parseMinutes(raw);
      if (minutes === undefined || minutes % 1440 !== 0 || minutes > 366 * 1440) {
        return { error: `period ${JSON.stringify(text.period)} must be whole days up to 366d (7d, 28d, 30d, 90d) or calendar-month` };
      }
      whatIf.period = { kind: 'rolling', minutes };
    }
  }
  return { whatIf };
}

/** The SLO with the what-if applied, or why it cannot be (a window longer than the new period). */
export function applyWhatIf(slo: SloDefinition, whatIf: WhatIf): SloDefinition | string {
  const period = whatIf.period ?? slo.period;
  const objective = whatIf.objective ?? slo.objective;
  const periodMinutes = factorPeriodMinutes(period);
  const pairs = slo.policy.pairs.map((pair) =>
    pair.budgetConsumed === undefined
      ? pair
      : resolvePair(
          {
            severity: pair.severity,
            severityLabel: pair.severityLabel,
            longWindowMinutes: pair.longWindowMinutes,
            shortWindowMinutes: pair.shortWindowMinutes,
            budgetConsumed: pair.budgetConsumed,
            forMinutes: pair.forMinutes,
          },
          periodMinutes,
        ),
  );
  const policy = { ...slo.policy, pairs };
  if (period.kind === 'rolling') {
    const longest = Math.max(0, ...policyWindows(policy));
    if (longest > period.minutes) return `the policy's ${formatWindow(longest)} window is longer than a ${formatWindow(period.minutes)} period`;
  }
  return { ...slo, objective, period, policy };
}

function periodText(period: SloPeriod): string {
  return period.kind === 'rolling' ? formatWindow(period.minutes) : 'calendar-month';
}

/** "what-if: objective 99.95 % (spec 99.9 %), period 28d (spec 30d), error budget 0.05 %" */
export function whatIfHeader(original: SloDefinition, changed: SloDefinition): string {
  const parts: string[] = [];
  parts.push(
    changed.objective === original.objective
      ? `objective ${formatPercent(changed.objective, 6)} (as in the spec)`
      : `objective ${formatPercent(changed.objective, 6)} (spec ${formatPercent(original.objective, 6)})`,
  );
  const same = periodText(changed.period) === periodText(original.period);
  parts.push(same ? `period ${periodText(changed.period)} (as in the spec)` : `period ${periodText(changed.period)} (spec ${periodText(original.period)})`);
  parts.push(`error budget ${formatPercent(errorBudget(changed.objective), 6)}`);
  return `what-if, the spec unchanged: ${parts.join(', ')}`;
}
