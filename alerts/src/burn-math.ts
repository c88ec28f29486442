/**
 * The formulas of DESIGN.md §4, with the operations in the same order as the
 * exported PromQL so Lookout and Prometheus compare bit-identical numbers:
 *   error ratio = (total − good) / total
 *   burn rate   = error ratio / (1 − objective)
 *   budget remaining = 1 − errors / ((1 − objective) × total)   (over the period)
 *   time to exhaustion = remaining × period / burn rate
 *   detection time of a pair = factor × (1 − objective) × long window / e,
 *     never when e ≤ factor × (1 − objective)
 */
import type { AlertPolicy, BurnRatePair, SeverityClass } from './types.ts';

/** null when there were no events: no traffic says nothing about errors. */
export function errorRatio(good: number, total: number): number | null {
  return total > 0 ? (total - good) / total : null;
}

export function burnRate(ratio: number | null, objective: number): number | null {
  return ratio === null ? null : ratio / (1 - objective);
}

/**
 * Share of the period's error budget left: 1 when nothing was spent, 0 when all of
 * it was, negative when overspent. null without events in the period.
 * Written as 1 − ratio / (1 − objective), the same as the exported rule.
 */
export function budgetRemaining(good: number, total: number, objective: number): number | null {
  const ratio = errorRatio(good, total);
  return ratio === null ? null : 1 - ratio / (1 - objective);
}

/**
 * Minutes until the budget is gone at the current burn rate: 0 when it already
 * is, +Infinity when nothing burns, null when either input is unknown.
 */
export function timeToExhaustionMinutes(
  remaining: number | null,
  currentBurnRate: number | null,
  periodMinutes: number,
): number | null {
  if (remaining === null || currentBurnRate === null) return null;
  if (remaining <= 0) return 0;
  if (currentBurnRate <= 0) return Number.POSITIVE_INFINITY;
  return (remaining * periodMinutes) / currentBurnRate;
}

/** Error ratio a pair needs to exceed in both windows. */
export function pairThreshold(pair: Pick<BurnRatePair, 'factor'>, objective: number): number {
  return pair.factor * (1 - objective);
}

/**
 * Minutes from the start of a steady error ratio until the pair fires (its `for`
 * included), assuming the long window held no errors before. +Infinity when the
 * ratio never exceeds the threshold — e.g. any 14.4× pair on a 90 % SLO, whose
 * threshold is 144 %.
 */
export function detectionMinutes(pair: BurnRatePair, objective: number, ratio: number): number {
  const threshold = pairThreshold(pair, objective);
  // A ratio exactly at the threshold is not above it, whatever the float noise of
  // 1 − objective says (1 − 0.9 is 0.09999999999999998).
  if (!(ratio > threshold * (1 + 1e-12))) return Number.POSITIVE_INFINITY;
  return (threshold * pair.longWindowMinutes) / ratio + pair.forMinutes;
}

export interface SeverityDetection {
  severity: SeverityClass;
  minutes: number;
  /** the pair that fires first; undefined when none ever does */
  pair?: BurnRatePair;
}

/** The earliest pair of each severity for an error ratio. */
export function detectionBySeverity(policy: AlertPolicy, objective: number, ratio: number): SeverityDetection[] {
  const result: SeverityDetection[] = [];
  for (const severity of ['page', 'ticket'] as const) {
    const pairs = policy.pairs.filter((p) => p.severity === severity);
    if (pairs.length === 0) continue;
    let best: SeverityDetection = { severity, minutes: Number.POSITIVE_INFINITY };
    for (const pair of pairs) {
      const minutes = detectionMinutes(pair, objective, ratio);
      if (minutes < best.minutes) best = { severity, minutes, pair };
    }
    result.push(best);
  }
  return result;
}
