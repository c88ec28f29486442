/**
 * One evaluation of one SLO: pure, from window sums and the evaluation time.
 * Missing data is never read as good data: a window without buckets has no
 * error ratio (status 'no-data'), cannot make a pair fire — as in Prometheus,
 * where the ratio is absent — and raises the SLO's no-data condition instead.
 */
import { budgetRemaining, burnRate, errorRatio, ratioAboveThreshold, timeToExhaustionMinutes } from './burn-math.ts';
import { formatBurnRate } from './alert-words.ts';
import { formatWindow } from './duration.ts';
import { policyWindows } from './policy.ts';
import type { BudgetExhaustionRule, BurnRatePair, NoDataRule, SloDefinition, SloPeriod } from './types.ts';
import { formatHumanMinutes } from './duration.ts';
import { MINUTE_MS, extrapolatedEvents, lastCompleteMinute } from './window-sums.ts';
import type { WindowSum, WindowSumsFn } from './window-sums.ts';

/** Is there something to judge? 'events' (a ratio exists), 'no-traffic' (observed, no events), 'no-data'. See alert-words.ts windowHealth for how it burns. */
export type WindowStatus = 'events' | 'no-data' | 'no-traffic';

export interface WindowEvaluation extends WindowSum {
  windowMinutes: number;
  /** (total − good) / total; null without events */
  errorRatio: number | null;
  /** error ratio / (1 − objective); null without events */
  burnRate: number | null;
  status: WindowStatus;
  /**
   * Events the low-traffic guard compares with minEvents: the total, extrapolated to
   * the window's edges as Prometheus' increase() does when the sums know where their
   * samples lie (replayed counters with a missed scrape or a late first sample).
   */
  events: number;
  /**
   * No SLI minute in the window, yet the service was seen in it (its logs, metrics or
   * spans still arrive): it is idle — status 'no-traffic' — not missing.
   */
  idle?: true;
}

/**
 * What the collector knows of the service besides its SLI buckets: when any of its
 * signals last arrived. Tells "no traffic" (idle, still reporting) from "no data".
 */
export interface ServiceLiveness {
  /** ms since the epoch the collector last received anything carrying the service's name; undefined: never */
  lastSeenMs: number | undefined;
  /**
   * 'no-data' (default): the no-data alert fires only when nothing at all arrives from
   * the service; 'no-traffic-or-data': also when it still reports but has no requests.
   */
  alertOn: NoDataAlertOn;
}

export type NoDataAlertOn = 'no-data' | 'no-traffic-or-data';

export interface BurnRateCondition {
  kind: 'burn-rate';
  pair: BurnRatePair;
  long: WindowEvaluation;
  short: WindowEvaluation;
  /** both windows above the factor (and above minEvents): Prometheus' expression has a result */
  met: boolean;
  reason: string;
}

export interface NoDataCondition {
  kind: 'no-data';
  rule: NoDataRule;
  window: WindowEvaluation;
  met: boolean;
  reason: string;
}

export interface BudgetExhaustionCondition {
  kind: 'budget-exhaustion';
  rule: BudgetExhaustionRule;
  /** seconds until the budget is gone at the current burn rate; null when unknown or not burning */
  secondsToExhaustion: number | null;
  met: boolean;
  reason: string;
}

export type AlertCondition = BurnRateCondition | NoDataCondition | BudgetExhaustionCondition;

export interface BudgetEvaluation extends WindowEvaluation {
  /** the period's full length (a calendar month's days), for time to exhaustion */
  periodMinutes: number;
  /** share of the budget left (negative when overspent); null without events */
  remaining: number | null;
  /** minutes with data / minutes in the budget window so far */
  coverage: number;
}

export interface SloEvaluation {
  slo: SloDefinition;
  atMs: number;
  /** last complete minute the windows end with */
  endMinute: number;
  windows: WindowEvaluation[];
  budget: BudgetEvaluation;
  /** burn rate over the policy's shortest long window (1h for the Workbook) */
  currentBurnRate: number | null;
  currentWindowMinutes: number;
  /** minutes until the budget is gone at the current burn rate; +Infinity = never, null = unknown */
  timeToExhaustionMinutes: number | null;
  conditions: AlertCondition[];
}

export interface BudgetWindow {
  /** minutes summed for the budget: the rolling period, or the month so far */
  windowMinutes: number;
  /** the period's whole length */
  periodMinutes: number;
}

/** The budget window at `nowMs`: the rolling period, or the calendar month up to the last complete minute. */
export function budgetWindow(period: SloPeriod, nowMs: number): BudgetWindow {
  if (period.kind === 'rolling') return { windowMinutes: period.minutes, periodMinutes: period.minutes };
  const now = new Date(nowMs);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const nextMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return {
    windowMinutes: Math.floor(nowMs / MINUTE_MS) - monthStart / MINUTE_MS,
    periodMinutes: (nextMonthStart - monthStart) / MINUTE_MS,
  };
}

/** Every window evaluateSlo will ask for at `nowMs` (so an index can sum them in one pass). */
const windowsByPolicy = new WeakMap<object, readonly number[]>();

export function evaluationWindows(slo: SloDefinition, nowMs: number): number[] {
  let windows = windowsByPolicy.get(slo.policy);
  if (!windows) {
    windows = policyWindows(slo.policy);
    windowsByPolicy.set(slo.policy, windows);
  }
  const budget = budgetWindow(slo.period, nowMs).windowMinutes;
  if (budget <= 0 || windows.includes(budget)) return [...windows];
  return [...windows, budget].sort((a, b) => a - b);
}

/** Was the service seen in the `windowMinutes` ending with `endMinute` (or since, in the running minute)? */
export function seenInWindow(lastSeenMs: number | undefined, endMinute: number, windowMinutes: number): boolean {
  return lastSeenMs !== undefined && windowMinutes > 0 && lastSeenMs >= (endMinute - windowMinutes + 1) * MINUTE_MS;
}

function evaluateWindow(sum: WindowSum, windowMinutes: number, objective: number, endMinute: number, lastSeenMs?: number): WindowEvaluation {
  const ratio = errorRatio(sum.good, sum.total);
  const idle = sum.minutesWithData === 0 && seenInWindow(lastSeenMs, endMinute, windowMinutes);
  const status: WindowStatus = sum.minutesWithData === 0 && !idle ? 'no-data' : sum.total > 0 ? 'events' : 'no-traffic';
  return {
    ...(idle ? { idle: true as const } : {}),
    windowMinutes,
    good: sum.good,
    total: sum.total,
    minutesWithData: sum.minutesWithData,
    errorRatio: status === 'events' ? ratio : null,
    burnRate: status === 'events' ? burnRate(ratio, objective) : null,
    status,
    events: extrapolatedEvents(sum, endMinute, windowMinutes),
  };
}

/** 12 → '12', 12.5 → 'about 12.5' (an extrapolated count). */
function formatEvents(events: number): string {
  return Number.isInteger(events) ? String(events) : `about ${Number(events.toPrecision(4))}`;
}

function windowProblem(w: WindowEvaluation, minEvents: number): string | undefined {
  const name = formatWindow(w.windowMinutes);
  if (w.status === 'no-data') return `no data in the ${name} window`;
  if (w.status === 'no-traffic') return `no events in the ${name} window`;
  if (w.events < minEvents) return `only ${formatEvents(w.events)} events in the ${name} window (minEvents ${minEvents})`;
  return undefined;
}

function burnCondition(pair: BurnRatePair, long: WindowEvaluation, short: WindowEvaluation, minEvents: number, objective: number): BurnRateCondition {
  const problem = windowProblem(long, minEvents) ?? windowProblem(short, minEvents);
  if (problem) return { kind: 'burn-rate', pair, long, short, met: false, reason: problem };
  const longRate = long.burnRate as number;
  const shortRate = short.burnRate as number;
  // Compared as ratios against the exact threshold, as the exported rule does.
  const longAbove = ratioAboveThreshold(long.errorRatio, pair, objective);
  const met = longAbove && ratioAboveThreshold(short.errorRatio, pair, objective);
  // The reason is built when read: most evaluations never show it.
  return {
    kind: 'burn-rate',
    pair,
    long,
    short,
    met,
    get reason(): string {
      if (met) {
        return (
          `burn rate ${formatBurnRate(longRate)}× over ${formatWindow(long.windowMinutes)} and ` +
          `${formatBurnRate(shortRate)}× over ${formatWindow(short.windowMinutes)} exceed ${pair.factor}×`
        );
      }
      const [w, rate] = longAbove ? [short, shortRate] : [long, longRate];
      return `burn rate ${formatBurnRate(rate)}× over ${formatWindow(w.windowMinutes)} is not above ${pair.factor}×`;
    },
  };
}

/**
 * Fires on a window without SLI data. With the service's liveness, a window without
 * SLI data whose service still reports is idle: it fires only when alertOn is
 * 'no-traffic-or-data'. Without liveness (replays, the exported rule's absent()) no
 * SLI data is no data.
 */
export function noDataCondition(rule: NoDataRule, window: WindowEvaluation, alertOn: NoDataAlertOn = 'no-data'): NoDataCondition {
  const name = formatWindow(rule.windowMinutes);
  if (window.idle) {
    const met = alertOn === 'no-traffic-or-data';
    return {
      kind: 'no-data',
      rule,
      window,
      met,
      reason: met
        ? `no requests in the last ${name} although the service still reports (alerting on no traffic too)`
        : `no requests in the last ${name}, but the service still reports: idle, not missing`,
    };
  }
  const met = window.status === 'no-data';
  return {
    kind: 'no-data',
    rule,
    window,
    met,
    reason: met ? `no SLI data in the last ${name}` : `data in ${window.minutesWithData} of the last ${rule.windowMinutes} minutes`,
  };
}

/**
 * The budget runs out within the rule's horizon at the current burn rate — computed
 * as the exported rule does (`clamp_min(remaining, 0) * period / current burn <
 * within`, in seconds), so both fire in the same minute. A budget already gone
 * fires while it keeps burning; nothing burning (or nothing known) never fires.
 */
function exhaustionCondition(rule: BudgetExhaustionRule, remaining: number | null, currentBurn: number | null, periodMinutes: number): BudgetExhaustionCondition {
  const within = formatHumanMinutes(rule.withinMinutes);
  if (remaining === null || currentBurn === null || !(currentBurn > 0)) {
    const why = remaining === null ? 'no data in the period' : currentBurn === null ? 'no data in the current window' : 'nothing is being spent';
    return { kind: 'budget-exhaustion', rule, secondsToExhaustion: null, met: false, reason: `budget not running out: ${why}` };
  }
  const seconds = (Math.max(remaining, 0) * (periodMinutes * 60)) / currentBurn;
  const met = seconds < rule.withinMinutes * 60;
  const when = seconds === 0 ? 'the budget is already exhausted and still burning' : `the budget runs out in ${formatHumanMinutes(seconds / 60)} at the current burn rate`;
  return { kind: 'budget-exhaustion', rule, secondsToExhaustion: seconds, met, reason: `${when} (${met ? 'within' : 'not within'} ${within})` };
}

/**
 * Evaluates an SLO at `nowMs`. `sums(w)` must return the sums of the W minutes
 * ending with lastCompleteMinute(nowMs) — SliWindowIndex.sums does. `liveness`: when
 * the service was last seen at all (the collector's runtime knows; replays do not).
 */
export function evaluateSlo(slo: SloDefinition, sums: WindowSumsFn, nowMs: number, liveness?: ServiceLiveness): SloEvaluation {
  const { objective, policy } = slo;
  const endMinute = lastCompleteMinute(nowMs);
  const lastSeenMs = liveness?.lastSeenMs;
  const windows = new Map<number, WindowEvaluation>();
  const windowFor = (minutes: number): WindowEvaluation => {
    let w = windows.get(minutes);
    if (!w) {
      w = evaluateWindow(sums(minutes), minutes, objective, endMinute, lastSeenMs);
      windows.set(minutes, w);
    }
    return w;
  };

  const conditions: AlertCondition[] = policy.pairs.map((pair) =>
    burnCondition(pair, windowFor(pair.longWindowMinutes), windowFor(pair.shortWindowMinutes), policy.minEvents, objective),
  );
  if (policy.noData) conditions.push(noDataCondition(policy.noData, windowFor(policy.noData.windowMinutes), liveness?.alertOn));

  const bw = budgetWindow(slo.period, nowMs);
  const budgetSum: WindowSum = bw.windowMinutes > 0 ? sums(bw.windowMinutes) : { good: 0, total: 0, minutesWithData: 0 };
  const budgetEval = evaluateWindow(budgetSum, bw.windowMinutes, objective, endMinute, lastSeenMs);
  // A calendar month that has just begun, or a period without events, has spent nothing.
  const remaining =
    bw.windowMinutes === 0 || budgetEval.status === 'no-traffic'
      ? 1
      : budgetEval.status === 'no-data'
        ? null
        : budgetRemaining(budgetSum.good, budgetSum.total, objective);
  const budget: BudgetEvaluation = {
    ...budgetEval,
    periodMinutes: bw.periodMinutes,
    remaining,
    coverage: bw.windowMinutes > 0 ? budgetSum.minutesWithData / bw.windowMinutes : 1,
  };

  const longWindows = policy.pairs.map((p) => p.longWindowMinutes);
  const currentWindowMinutes = longWindows.length > 0 ? Math.min(...longWindows) : 60;
  const current = windowFor(currentWindowMinutes);
  const currentBurnRate = current.status === 'no-traffic' ? 0 : current.burnRate;
  for (const rule of policy.budgetExhaustion ?? []) {
    conditions.push(exhaustionCondition(rule, budget.remaining, currentBurnRate, bw.periodMinutes));
  }

  return {
    slo,
    atMs: nowMs,
    endMinute,
    windows: [...windows.values()].sort((a, b) => a.windowMinutes - b.windowMinutes),
    budget,
    currentBurnRate,
    currentWindowMinutes,
    timeToExhaustionMinutes: timeToExhaustionMinutes(budget.remaining, currentBurnRate, bw.periodMinutes),
    conditions,
  };
}
