import { describe, expect, it } from 'vitest';
import { budgetWindow, evaluateSlo, evaluationWindows } from './evaluate.ts';
import type { BurnRateCondition, NoDataCondition } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { WindowSum, WindowSumsFn } from './window-sums.ts';

const [slo] = parseSpecText(`
service: checkout
name: checkout-availability
objective: 99.9
sli: availability
`);
const [guarded] = parseSpecText(`
service: checkout
name: guarded
objective: 99.9
sli: availability
minEvents: 10
`);

const NOW = Date.UTC(2024, 2, 15, 12, 0, 0);

/** Steady traffic: `perMinute` events a minute, a share `ratio` of them errors, in every window. */
function steady(perMinute: number, ratio: number, overrides: Record<number, WindowSum> = {}): WindowSumsFn {
  return (w) =>
    overrides[w] ?? { good: perMinute * w * (1 - ratio), total: perMinute * w, minutesWithData: w };
}

const burn = (e: ReturnType<typeof evaluateSlo>) => e.conditions.filter((c): c is BurnRateCondition => c.kind === 'burn-rate');
const noData = (e: ReturnType<typeof evaluateSlo>) => e.conditions.find((c): c is NoDataCondition => c.kind === 'no-data');

describe('evaluateSlo', () => {
  it('meets the pairs whose two windows burn above their factor', () => {
    const e = evaluateSlo(slo, steady(1000, 0.02), NOW); // 20× burn
    expect(burn(e).map((c) => c.met)).toEqual([true, true, true, true]);
    expect(burn(e)[0].reason).toBe('burn rate 20× over 1h and 20× over 5m exceed 14.4×');
    const slow = evaluateSlo(slo, steady(1000, 0.004), NOW); // 4× burn
    expect(burn(slow).map((c) => c.met)).toEqual([false, false, true, true]);
    expect(burn(slow)[0].reason).toBe('burn rate 4× over 1h is not above 14.4×');
  });

  it('needs the short window too: a burst that has ended does not page', () => {
    const e = evaluateSlo(slo, steady(1000, 0.02, { 5: { good: 5000, total: 5000, minutesWithData: 5 } }), NOW);
    expect(burn(e)[0].met).toBe(false);
    expect(burn(e)[0].reason).toBe('burn rate 0× over 5m is not above 14.4×');
  });

  it('treats a window without data as unknown, never as good, and raises no-data', () => {
    const e = evaluateSlo(slo, steady(1000, 0.02, { 5: { good: 0, total: 0, minutesWithData: 0 }, 10: { good: 0, total: 0, minutesWithData: 0 } }), NOW);
    const w5 = e.windows.find((w) => w.windowMinutes === 5);
    expect(w5).toMatchObject({ status: 'no-data', errorRatio: null, burnRate: null });
    expect(burn(e)[0]).toMatchObject({ met: false, reason: 'no data in the 5m window' });
    expect(noData(e)).toMatchObject({ met: true, reason: 'no SLI data in the last 10m' });
  });

  it('tells no traffic (data, zero events) from no data', () => {
    const e = evaluateSlo(slo, () => ({ good: 0, total: 0, minutesWithData: 10 }), NOW);
    expect(e.windows.every((w) => w.status === 'no-traffic')).toBe(true);
    expect(burn(e)[0].reason).toBe('no events in the 1h window');
    expect(noData(e)?.met).toBe(false);
    expect(e.currentBurnRate).toBe(0);
    expect(e.budget.remaining).toBe(1);
    expect(e.timeToExhaustionMinutes).toBe(Number.POSITIVE_INFINITY);
  });

  it('does not judge a window with fewer than minEvents events (low traffic)', () => {
    const lowTraffic: WindowSumsFn = (w) => ({ good: 0, total: Math.min(w, 3), minutesWithData: w }); // 100 % errors, ≤ 3 events
    const e = evaluateSlo(guarded, lowTraffic, NOW);
    expect(burn(e).every((c) => !c.met)).toBe(true);
    expect(burn(e)[0].reason).toBe('only 3 events in the 1h window (minEvents 10)');
    const unguarded = evaluateSlo(slo, lowTraffic, NOW);
    expect(burn(unguarded)[0].met).toBe(true);
  });

  it('reports budget left and time to exhaustion from the period and the 1h burn rate', () => {
    // period: 0.05 % errors → half the budget left; last hour: 10× burn
    const sums: WindowSumsFn = (w) =>
      w === 43_200
        ? { good: 43_200_000 * 0.9995, total: 43_200_000, minutesWithData: w }
        : { good: 1000 * w * 0.99, total: 1000 * w, minutesWithData: w };
    const e = evaluateSlo(slo, sums, NOW);
    expect(e.budget.remaining).toBeCloseTo(0.5, 9);
    expect(e.budget.coverage).toBe(1);
    expect(e.currentWindowMinutes).toBe(60);
    expect(e.currentBurnRate).toBeCloseTo(10, 9);
    expect(e.timeToExhaustionMinutes).toBeCloseTo((0.5 * 43_200) / 10, 6); // 36 h
  });

  it('leaves the budget unknown when the whole period has no data', () => {
    const e = evaluateSlo(slo, () => ({ good: 0, total: 0, minutesWithData: 0 }), NOW);
    expect(e.budget.remaining).toBeNull();
    expect(e.timeToExhaustionMinutes).toBeNull();
  });

  it('asks for every window it needs, including the period', () => {
    expect(evaluationWindows(slo, NOW)).toEqual([5, 10, 30, 60, 120, 360, 1440, 4320, 43_200]);
    const asked = new Set<number>();
    evaluateSlo(slo, (w) => (asked.add(w), { good: 1, total: 1, minutesWithData: 1 }), NOW);
    expect([...asked].sort((a, b) => a - b)).toEqual(evaluationWindows(slo, NOW));
  });
});

describe('calendar-month budget window', () => {
  it('covers the month so far (complete minutes) and uses the month length for exhaustion', () => {
    expect(budgetWindow({ kind: 'calendar-month' }, NOW)).toEqual({ windowMinutes: 14 * 1440 + 12 * 60, periodMinutes: 31 * 1440 });
    expect(budgetWindow({ kind: 'calendar-month' }, Date.UTC(2024, 1, 10))).toEqual({ windowMinutes: 9 * 1440, periodMinutes: 29 * 1440 });
  });

  it('starts each month with the whole budget', () => {
    const [monthly] = parseSpecText('service: s\nname: m\nobjective: 99\nperiod: calendar-month\nsli: availability\n');
    const start = Date.UTC(2024, 3, 1, 0, 0, 30);
    expect(budgetWindow(monthly.period, start).windowMinutes).toBe(0);
    const e = evaluateSlo(monthly, steady(10, 0.5), start);
    expect(e.budget.remaining).toBe(1);
    expect(e.budget.periodMinutes).toBe(30 * 1440);
  });
});
