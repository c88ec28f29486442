import type { AlertPolicy, BudgetExhaustionRule, BurnRatePair, NoDataRule, SeverityClass, SloPeriod } from './types.ts';

/** A pair as written in a policy: either a fixed factor or a share of the period's budget. */
export interface PolicyPairTemplate {
  severity: SeverityClass;
  severityLabel?: string;
  longWindowMinutes: number;
  shortWindowMinutes: number;
  factor?: number;
  budgetConsumed?: number;
  forMinutes?: number;
}

export const THIRTY_DAYS_MINUTES = 30 * 1440;

/**
 * The SRE Workbook's multiwindow multi-burn-rate table, as budget shares so the
 * factors can be recomputed for any period: for 30 days this is 14.4× over 1h/5m
 * and 6× over 6h/30m (page), 3× over 1d/2h and 1× over 3d/6h (ticket).
 */
export const WORKBOOK_POLICY: readonly PolicyPairTemplate[] = [
  { severity: 'page', longWindowMinutes: 60, shortWindowMinutes: 5, budgetConsumed: 0.02 },
  { severity: 'page', longWindowMinutes: 360, shortWindowMinutes: 30, budgetConsumed: 0.05 },
  { severity: 'ticket', longWindowMinutes: 1440, shortWindowMinutes: 120, budgetConsumed: 0.1 },
  { severity: 'ticket', longWindowMinutes: 4320, shortWindowMinutes: 360, budgetConsumed: 0.1 },
];

export const DEFAULT_NO_DATA: NoDataRule = {
  windowMinutes: 10,
  forMinutes: 5,
  severity: 'ticket',
  severityLabel: 'ticket',
};

/**
 * Minutes the burn-rate factors are computed for. A calendar month uses the
 * nominal 30 days so the factors (and the exported rules) do not change from
 * February to March.
 */
export function factorPeriodMinutes(period: SloPeriod): number {
  return period.kind === 'rolling' ? period.minutes : THIRTY_DAYS_MINUTES;
}

/**
 * Burn rate that spends `budgetConsumed` of the period's budget within the long
 * window: consumed × period / long window. Never below 1: at or below 1× the
 * budget lasts the whole period, so alerting there is noise (28 d: 0.93 → 1).
 * Rounded to 4 decimals so rules and labels stay readable.
 */
export function factorForBudget(budgetConsumed: number, periodMinutes: number, longWindowMinutes: number): number {
  const raw = (budgetConsumed * periodMinutes) / longWindowMinutes;
  return Math.max(1, Math.round(raw * 1e4) / 1e4);
}

/** Share of the period's budget spent by the time a pair fires at exactly its factor. */
export function budgetConsumedAtFiring(pair: Pick<BurnRatePair, 'factor' | 'longWindowMinutes'>, periodMinutes: number): number {
  return (pair.factor * pair.longWindowMinutes) / periodMinutes;
}

export function resolvePair(template: PolicyPairTemplate, periodMinutes: number): BurnRatePair {
  const factor =
    template.factor ?? factorForBudget(template.budgetConsumed ?? 0, periodMinutes, template.longWindowMinutes);
  const pair: BurnRatePair = {
    severity: template.severity,
    severityLabel: template.severityLabel ?? template.severity,
    longWindowMinutes: template.longWindowMinutes,
    shortWindowMinutes: template.shortWindowMinutes,
    factor,
    forMinutes: template.forMinutes ?? 0,
  };
  if (template.factor === undefined && template.budgetConsumed !== undefined) pair.budgetConsumed = template.budgetConsumed;
  return pair;
}

export interface PolicyOptions {
  name?: string;
  pairs?: readonly PolicyPairTemplate[];
  minEvents?: number;
  noData?: NoDataRule | null;
  budgetExhaustion?: readonly BudgetExhaustionRule[];
}

/** A policy with factors for the SLO's period; the Workbook table unless pairs are given. */
export function resolvePolicy(period: SloPeriod, options: PolicyOptions = {}): AlertPolicy {
  const periodMinutes = factorPeriodMinutes(period);
  const pairs = (options.pairs ?? WORKBOOK_POLICY).map((t) => resolvePair(t, periodMinutes));
  return {
    name: options.name ?? (options.pairs ? 'custom' : 'workbook'),
    pairs,
    minEvents: options.minEvents ?? 0,
    noData: options.noData === undefined ? { ...DEFAULT_NO_DATA } : options.noData,
    ...(options.budgetExhaustion && options.budgetExhaustion.length > 0 ? { budgetExhaustion: [...options.budgetExhaustion] } : {}),
  };
}

/** Every window a policy reads, ascending and without duplicates. */
export function policyWindows(policy: AlertPolicy): number[] {
  const windows = new Set<number>();
  for (const pair of policy.pairs) {
    windows.add(pair.longWindowMinutes);
    windows.add(pair.shortWindowMinutes);
  }
  if (policy.noData) windows.add(policy.noData.windowMinutes);
  return [...windows].sort((a, b) => a - b);
}
