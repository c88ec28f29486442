import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextAlertState, resolvedAnnotations } from './alert-state.ts';
import { budgetRemainingText, exhaustionText, formatBurnRate, formatShare, windowHealth } from './alert-words.ts';
import { errorBudget } from './burn-math.ts';
import { evaluateSlo } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { WindowSum } from './window-sums.ts';

const [base] = parseSpecText('service: shop\nname: shop-availability\nobjective: 99.9\nsli: availability\nrunbook: https://runbooks.example.com/shop\n');
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

/** A window: no data, no traffic, or events with any share of errors (often the extremes). */
const windowSum: fc.Arbitrary<WindowSum> = fc.oneof(
  fc.constant({ good: 0, total: 0, minutesWithData: 0 }),
  fc.constant({ good: 0, total: 0, minutesWithData: 3 }),
  fc.record({ total: fc.integer({ min: 1, max: 10_000_000 }), share: fc.oneof(fc.constant(1), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })) }).map(({ total, share }) => ({
    good: total - Math.round(total * share),
    total,
    minutesWithData: 5,
  })),
);
const objectivePercent = fc.integer({ min: 1, max: 999_999 }).map((k) => Number(`${k}e-4`));

/** Texts that read wrong whatever the state. */
const NONSENSE = [/NaN/, /Infinity/, /undefined/, /null/, /-\d/, /e[+-]\d/, /exhausted in exhausted/, /in never/];

function expectSensible(text: string, where: string): void {
  for (const bad of NONSENSE) expect(text, `${where}: ${text}`).not.toMatch(bad);
}

describe('words that stay true at the extremes', () => {
  it('every annotation of every firing alert and every resolve, over random states', () => {
    fc.assert(
      fc.property(objectivePercent, fc.dictionary(fc.constantFrom('5', '30', '60', '120', '360', '1440', '4320', '10', '43200'), windowSum), windowSum, (percent, byWindow, fallback) => {
        const slo = { ...base, objective: Number((percent / 100).toPrecision(15)) };
        const evaluation = evaluateSlo(slo, (w) => byWindow[String(w)] ?? fallback, NOW);
        const step = nextAlertState(undefined, evaluation, NOW);
        const remaining = evaluation.budget.remaining;
        for (const alert of step.active) {
          for (const [key, text] of Object.entries(alert.annotations)) expectSensible(text, key);
          const a = alert.annotations;
          if (remaining !== null && remaining <= 0) {
            expect(a.budget_remaining).toMatch(/^none \(exhausted/);
            expect(a.time_to_exhaustion).toBe('already exhausted');
          }
          if (remaining !== null && remaining > 0) {
            expect(a.budget_remaining).toMatch(/^(> )?[\d.]+ %$/);
            expect(Number(a.budget_remaining.replace(/[> %]/g, ''))).toBeGreaterThan(0);
          }
          if (alert.kind === 'burn-rate') {
            const long = evaluation.windows.find((w) => alert.labels.long_window === formatW(w.windowMinutes));
            if (long?.errorRatio === 1) expect(a.summary).toContain('every event failed');
            else expect(a.summary).toContain('error budget burning');
          }
        }
        for (const alert of step.active) {
          const resolved = resolvedAnnotations(evaluation, alert.labels);
          for (const [key, text] of Object.entries(resolved)) expectSensible(text, `resolved ${key}`);
          expect(resolved.summary).toMatch(/: resolved/);
          expect(resolved.description).toMatch(/^Resolved/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a window's API status is 'ok' only at or below 1×, and never for an error ratio of 1", () => {
    fc.assert(
      fc.property(objectivePercent, windowSum, (percent, sum) => {
        const objective = Number((percent / 100).toPrecision(15));
        const evaluation = evaluateSlo({ ...base, objective }, () => sum, NOW);
        for (const w of evaluation.windows) {
          const health = windowHealth(w, objective);
          if (w.status === 'no-data') expect(health).toBe('no-data');
          else if (w.total === 0) expect(health).toBe('no-traffic');
          else if (w.good === 0) expect(health).toBe('all-failing');
          else if ((w.total - w.good) / w.total > errorBudget(objective)) expect(health).toBe('burning');
          else expect(health).toBe('ok');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('budget, exhaustion and burn texts at the edges', () => {
    expect(budgetRemainingText(-999)).toBe('none (exhausted: 1000× the budget spent)');
    expect(budgetRemainingText(0)).toBe('none (exhausted)');
    expect(budgetRemainingText(null)).toBe('unknown (no data in the period)');
    expect(budgetRemainingText(0.999999)).toBe('> 99.9 %');
    expect(budgetRemainingText(1)).toBe('100 %');
    expect(budgetRemainingText(1e-9)).toBe('< 0.001 %');
    expect(exhaustionText(0, -3)).toBe('already exhausted');
    expect(exhaustionText(Number.POSITIVE_INFINITY, 0.5)).toBe('never at the current burn rate');
    expect(exhaustionText(null, null)).toBe('unknown');
    expect(formatShare(0.4)).toBe('40 %');
    expect(formatBurnRate(1_234_567)).toBe('1230000');
    expect(formatBurnRate(1e6)).toBe('1000000');
    expect(formatBurnRate(15.234)).toBe('15.2');
    expect(formatBurnRate(0)).toBe('0');
  });

  it('burn rates print without exponent and within 0.5 % of the value', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (value) => {
        const text = formatBurnRate(value);
        expect(text).toMatch(/^\d+(\.\d+)?$/);
        expect(Math.abs(Number(text) - value) / value).toBeLessThanOrEqual(0.005);
      }),
    );
  });
});

function formatW(minutes: number): string {
  return minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}
