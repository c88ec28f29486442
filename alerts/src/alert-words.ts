/**
 * The words of alerts and status fields, written to stay true at the extremes: a
 * budget overspent a thousand times, a window without traffic, a burn far above
 * every threshold, a window where every event failed. One place, so the evaluator's
 * annotations, the runtime's resolves and the API say the same thing; property-tested
 * over random states (alert-words.test.ts).
 */
import { ratioAboveThreshold } from './burn-math.ts';
import { formatHumanMinutes } from './duration.ts';

/** 0.4 → '40 %', 0.99999 → '> 99.9 %' (not '100 %' while something was spent), 0 → '0 %'. */
export function formatShare(fraction: number): string {
  if (fraction >= 1) return '100 %';
  if (fraction <= 0) return '0 %';
  const percent = Number((fraction * 100).toPrecision(3));
  if (percent >= 100) return '> 99.9 %';
  if (percent < 0.001) return '< 0.001 %';
  return `${percent} %`;
}

/** 15.234 → '15.2', 1000 → '1000', 1234567 → '1230000' (never exponent notation). */
export function formatBurnRate(value: number): string {
  const rounded = Number(value.toPrecision(3));
  return Math.abs(rounded) >= 1e21 ? rounded.toExponential(2) : rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/**
 * `budget_remaining`: the share of the period's budget left, or how far it is
 * overspent — never a negative percent.
 */
export function budgetRemainingText(remaining: number | null): string {
  if (remaining === null) return 'unknown (no data in the period)';
  if (remaining <= 0) {
    const spent = 1 - remaining;
    return spent > 1.0005 ? `none (exhausted: ${formatBurnRate(spent)}× the budget spent)` : 'none (exhausted)';
  }
  return formatShare(remaining);
}

/** `time_to_exhaustion`: when the budget runs out at the current burn rate. */
export function exhaustionText(minutes: number | null, remaining: number | null): string {
  if (remaining !== null && remaining <= 0) return 'already exhausted';
  if (minutes === null) return 'unknown';
  if (minutes === Number.POSITIVE_INFINITY) return 'never at the current burn rate';
  return formatHumanMinutes(minutes);
}

/** The budget clause of a description: one sentence that reads right in every state. */
export function budgetSentence(remaining: number | null, exhaustionMinutes: number | null): string {
  if (remaining === null) return 'The budget is unknown: no data in the period.';
  if (remaining <= 0) {
    const spent = 1 - remaining;
    return spent > 1.0005 ? `The period's error budget is exhausted: ${formatBurnRate(spent)}× of it spent.` : "The period's error budget is exhausted.";
  }
  if (exhaustionMinutes === null) return `Budget left ${formatShare(remaining)}; the current burn rate is unknown.`;
  if (exhaustionMinutes === Number.POSITIVE_INFINITY) return `Budget left ${formatShare(remaining)}; nothing is being spent at the current burn rate.`;
  return `Budget left ${formatShare(remaining)}, gone in ${formatHumanMinutes(exhaustionMinutes)} at the current burn rate.`;
}

/**
 * What a window's figures mean, for the API: 'no-data' (nothing observed), 'no-traffic'
 * (observed, no events), 'ok' (burning at most 1×: the budget lasts the period),
 * 'burning' (above 1×), 'all-failing' (every event in the window failed).
 */
export type WindowHealth = 'no-data' | 'no-traffic' | 'ok' | 'burning' | 'all-failing';

export function windowHealth(w: { status: string; errorRatio: number | null }, objective: number): WindowHealth {
  if (w.status === 'no-data') return 'no-data';
  if (w.errorRatio === null) return 'no-traffic';
  if (w.errorRatio >= 1) return 'all-failing';
  // exactly 1× is within budget, as for a 1× pair
  return ratioAboveThreshold(w.errorRatio, { factor: 1 }, objective) ? 'burning' : 'ok';
}
