/**
 * The formulas of DESIGN.md §4, with the operations in the same order as the
 * exported PromQL so Lookout and Prometheus compare bit-identical numbers:
 *   error ratio = (total − good) / total
 *   burn rate   = error ratio / budget            budget = 1 − objective
 *   budget remaining = 1 − error ratio / budget   (over the period)
 *   time to exhaustion = remaining × period / burn rate
 *   a pair fires when error ratio > factor × budget in both windows
 *   detection time of a pair = factor × budget × long window / e,
 *     never when e ≤ factor × budget
 *
 * The budget and each threshold are computed exactly in decimal (exact-decimal.ts)
 * and rounded once to the nearest double — the number Prometheus reads from the
 * same decimal in the exported rules. A ratio computed from counts rounds
 * monotonically, so a ratio exactly at a threshold is never above it, and any
 * double above the threshold's double is.
 */
import { decimalOf, decimalToNumber, formatDecimal, multiplyDecimal, parseDecimal, subtractDecimal } from './exact-decimal.ts';
import type { Decimal } from './exact-decimal.ts';
import type { AlertPolicy, BurnRatePair, SeverityClass } from './types.ts';

const ONE = parseDecimal('1');

/** Exact constants, memoized: few distinct objectives and factors exist, and a cycle asks often. */
const exactCache = new Map<string, { decimal: Decimal; value: number; text: string }>();

function exact(key: string, compute: () => Decimal): { decimal: Decimal; value: number; text: string } {
  let entry = exactCache.get(key);
  if (!entry) {
    if (exactCache.size >= 10_000) exactCache.clear();
    const decimal = compute();
    entry = { decimal, value: decimalToNumber(decimal), text: formatDecimal(decimal) };
    exactCache.set(key, entry);
  }
  return entry;
}

/** 1 − objective, exact: 0.9995 → 0.0005. */
export function errorBudgetDecimal(objective: number): Decimal {
  return exact(`b${objective}`, () => subtractDecimal(ONE, decimalOf(objective))).decimal;
}

/** 1 − objective as the double nearest the exact decimal (0.0005, not 0.0004999999999999449). */
export function errorBudget(objective: number): number {
  return exact(`b${objective}`, () => subtractDecimal(ONE, decimalOf(objective))).value;
}

/** 1 − objective as decimal text for PromQL: '0.0005'. */
export function errorBudgetText(objective: number): string {
  return exact(`b${objective}`, () => subtractDecimal(ONE, decimalOf(objective))).text;
}

function thresholdEntry(factor: number, objective: number) {
  return exact(`t${factor}|${objective}`, () => multiplyDecimal(decimalOf(factor), errorBudgetDecimal(objective)));
}

/** factor × (1 − objective) as decimal text for PromQL: 14.4 × 0.001 → '0.0144'. */
export function pairThresholdText(pair: Pick<BurnRatePair, 'factor'>, objective: number): string {
  return thresholdEntry(pair.factor, objective).text;
}

/** Is an error ratio above a pair's threshold? null (no events) never is. */
export function ratioAboveThreshold(ratio: number | null, pair: Pick<BurnRatePair, 'factor'>, objective: number): boolean {
  return ratio !== null && ratio > thresholdEntry(pair.factor, objective).value;
}

/** null when there were no events: no traffic says nothing about errors. */
export function errorRatio(good: number, total: number): number | null {
  return total > 0 ? (total - good) / total : null;
}

export function burnRate(ratio: number | null, objective: number): number | null {
  return ratio === null ? null : ratio / errorBudget(objective);
}

/**
 * Share of the period's error budget left: 1 when nothing was spent, 0 when all of
 * it was, negative when overspent. null without events in the period.
 * Written as 1 − ratio / (1 − objective), the same as the exported rule.
 */
export function budgetRemaining(good: number, total: number, objective: number): number | null {
  const ratio = errorRatio(good, total);
  return ratio === null ? null : 1 - ratio / errorBudget(objective);
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

/** Error ratio a pair needs to exceed in both windows (the double nearest factor × budget). */
export function pairThreshold(pair: Pick<BurnRatePair, 'factor'>, objective: number): number {
  return thresholdEntry(pair.factor, objective).value;
}

/**
 * Minutes from the start of a steady error ratio until the pair fires (its `for`
 * included), assuming the long window held no errors before. +Infinity when the
 * ratio never exceeds the threshold — e.g. any 14.4× pair on a 90 % SLO, whose
 * threshold is 144 %.
 */
export function detectionMinutes(pair: BurnRatePair, objective: number, ratio: number): number {
  if (!ratioAboveThreshold(ratio, pair, objective)) return Number.POSITIVE_INFINITY;
  const threshold = pairThreshold(pair, objective);
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
