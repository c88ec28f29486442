import { describe, expect, it } from 'vitest';
import {
  budgetRemaining,
  burnRate,
  detectionBySeverity,
  detectionMinutes,
  errorRatio,
  pairThreshold,
  timeToExhaustionMinutes,
} from './burn-math.ts';
import { budgetConsumedAtFiring, factorForBudget, resolvePolicy, THIRTY_DAYS_MINUTES } from './policy.ts';

const DAY = 1440;
const workbook30d = resolvePolicy({ kind: 'rolling', minutes: 30 * DAY });

describe('SRE Workbook table (30 days)', () => {
  it('has factors 14.4 / 6 / 3 / 1 over 1h/5m, 6h/30m (page) and 1d/2h, 3d/6h (ticket)', () => {
    expect(workbook30d.pairs.map((p) => [p.severity, p.factor, p.longWindowMinutes, p.shortWindowMinutes])).toEqual([
      ['page', 14.4, 60, 5],
      ['page', 6, 360, 30],
      ['ticket', 3, 1440, 120],
      ['ticket', 1, 4320, 360],
    ]);
  });

  it('spends 2 %, 5 %, 10 % and 10 % of the budget by the time each pair fires', () => {
    const consumed = workbook30d.pairs.map((p) => budgetConsumedAtFiring(p, THIRTY_DAYS_MINUTES));
    expect(consumed.map((c) => Number(c.toFixed(12)))).toEqual([0.02, 0.05, 0.1, 0.1]);
  });

  it('at 99.9 % pages on a full outage after 0.864 min through the 1h pair', () => {
    const [fast, slow] = workbook30d.pairs;
    expect(detectionMinutes(fast, 0.999, 1)).toBeCloseTo(0.864, 12);
    expect(detectionMinutes(slow, 0.999, 1)).toBeCloseTo(2.16, 12);
    const page = detectionBySeverity(workbook30d, 0.999, 1).find((d) => d.severity === 'page');
    expect(page?.pair?.longWindowMinutes).toBe(60);
    expect(page?.minutes).toBeCloseTo(0.864, 12);
  });

  it('pages on 10 % errors after 8.64 min and opens a ticket on a 2× burn after 36 h', () => {
    expect(detectionMinutes(workbook30d.pairs[0], 0.999, 0.1)).toBeCloseTo(8.64, 10);
    const twoX = detectionBySeverity(workbook30d, 0.999, 0.002);
    expect(twoX.find((d) => d.severity === 'page')?.minutes).toBe(Number.POSITIVE_INFINITY);
    const ticket = twoX.find((d) => d.severity === 'ticket');
    expect(ticket?.pair?.longWindowMinutes).toBe(3 * DAY);
    expect(ticket?.minutes).toBeCloseTo(36 * 60, 8);
  });

  it('never fires at or below the threshold', () => {
    const [fast] = workbook30d.pairs;
    expect(detectionMinutes(fast, 0.999, pairThreshold(fast, 0.999))).toBe(Number.POSITIVE_INFINITY);
    expect(detectionMinutes(fast, 0.999, 0.01)).toBe(Number.POSITIVE_INFINITY);
    expect(detectionBySeverity(workbook30d, 0.999, 0.001).every((d) => d.minutes === Number.POSITIVE_INFINITY)).toBe(true);
    // 1 − 0.9 is 0.09999999999999998 in floating point: a 10 % error ratio is still exactly 1×
    expect(detectionMinutes(workbook30d.pairs[3], 0.9, 0.1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('never fires the 14.4× pair of a 90 % SLO, even on a full outage', () => {
    const [fast, slow] = workbook30d.pairs;
    expect(pairThreshold(fast, 0.9)).toBeCloseTo(1.44, 12);
    expect(detectionMinutes(fast, 0.9, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(detectionMinutes(slow, 0.9, 1)).toBeCloseTo(0.6 * 360, 8);
  });

  it('adds the pair’s `for` to its detection time', () => {
    const withFor = { ...workbook30d.pairs[0], forMinutes: 2 };
    expect(detectionMinutes(withFor, 0.999, 1)).toBeCloseTo(2.864, 12);
  });
});

describe('factors for other periods', () => {
  const factors = (days: number) => resolvePolicy({ kind: 'rolling', minutes: days * DAY }).pairs.map((p) => p.factor);

  it('keeps the budget shares and recomputes the factors', () => {
    expect(factors(28)).toEqual([13.44, 5.6, 2.8, 1]); // 3d pair: 0.9333 clamps to 1
    expect(factors(90)).toEqual([43.2, 18, 9, 3]);
    expect(factors(7)).toEqual([3.36, 1.4, 1, 1]);
  });

  it('uses the nominal 30 days for a calendar month, so rules do not change each month', () => {
    expect(resolvePolicy({ kind: 'calendar-month' }).pairs.map((p) => p.factor)).toEqual([14.4, 6, 3, 1]);
  });

  it('never recomputes a factor below 1 (at 1× the budget lasts the period)', () => {
    expect(factorForBudget(0.1, 7 * DAY, 3 * DAY)).toBe(1);
    expect(factorForBudget(0.02, 30 * DAY, 60)).toBe(14.4);
  });

  it('keeps fixed factors of a custom policy as written', () => {
    const policy = resolvePolicy({ kind: 'rolling', minutes: 7 * DAY }, {
      pairs: [{ severity: 'page', longWindowMinutes: 60, shortWindowMinutes: 5, factor: 20 }],
    });
    expect(policy.name).toBe('custom');
    expect(policy.pairs[0]).toMatchObject({ factor: 20, severityLabel: 'page', forMinutes: 0 });
    expect(policy.pairs[0].budgetConsumed).toBeUndefined();
  });
});

describe('burn rate, budget and time to exhaustion', () => {
  it('computes the error ratio and burn rate, with no ratio without events', () => {
    expect(errorRatio(990, 1000)).toBeCloseTo(0.01, 15);
    expect(burnRate(errorRatio(990, 1000), 0.999)).toBeCloseTo(10, 10);
    expect(errorRatio(0, 0)).toBeNull();
    expect(burnRate(null, 0.999)).toBeNull();
  });

  it('computes the budget left over the period, negative when overspent', () => {
    expect(budgetRemaining(1000, 1000, 0.999)).toBe(1);
    expect(budgetRemaining(999_500, 1_000_000, 0.999)).toBeCloseTo(0.5, 10);
    expect(budgetRemaining(998_000, 1_000_000, 0.999)).toBeCloseTo(-1, 10);
    expect(budgetRemaining(0, 0, 0.999)).toBeNull();
  });

  it('computes time to exhaustion as remaining × period / burn rate', () => {
    expect(timeToExhaustionMinutes(0.5, 10, 30 * DAY)).toBeCloseTo(1.5 * DAY, 8);
    expect(timeToExhaustionMinutes(1, 1, 30 * DAY)).toBe(30 * DAY);
    expect(timeToExhaustionMinutes(-0.2, 10, 30 * DAY)).toBe(0);
    expect(timeToExhaustionMinutes(0.5, 0, 30 * DAY)).toBe(Number.POSITIVE_INFINITY);
    expect(timeToExhaustionMinutes(null, 3, 30 * DAY)).toBeNull();
    expect(timeToExhaustionMinutes(0.5, null, 30 * DAY)).toBeNull();
  });
});
