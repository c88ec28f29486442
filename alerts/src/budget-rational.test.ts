import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSlo } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { WindowSum } from './window-sums.ts';

/**
 * Budget remaining and time to exhaustion against a reference computed with exact
 * rationals (BigInt numerator / denominator) on random series: the objective k / 10^6
 * (a percent with four decimals), the period's and the current hour's counts random.
 */
const [base] = parseSpecText('service: s\nname: budget\nobjective: 99.9\nsli: availability\n');
const PERIOD = 30 * 1440;
const NOW = Date.UTC(2026, 0, 31);

/** a/b as a double, correctly enough for a 1e-12 comparison (BigInt scaled by 10^30). */
function toNumber(n: bigint, d: bigint): number {
  const negative = (n < 0n) !== (d < 0n);
  const [an, ad] = [n < 0n ? -n : n, d < 0n ? -d : d];
  const scaled = (an * 10n ** 30n) / ad;
  return (negative ? -1 : 1) * Number(scaled) / 1e30;
}

const series = fc.record({
  k: fc.integer({ min: 1, max: 999_999 }),
  total: fc.integer({ min: 1, max: 1_000_000_000 }),
  errorShare: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  hourTotal: fc.integer({ min: 1, max: 10_000_000 }),
  hourShare: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
});

describe('budget remaining and time to exhaustion against exact rationals', () => {
  it('agree to 1e-12 and on the sign (exhausted or not) exactly', () => {
    fc.assert(
      fc.property(series, ({ k, total, errorShare, hourTotal, hourShare }) => {
        const errors = Math.round(total * errorShare);
        const hourErrors = Math.min(Math.round(hourTotal * hourShare), errors);
        const slo = { ...base, objective: Number((k / 1e6).toPrecision(15)) };
        const sums = (w: number): WindowSum =>
          w === PERIOD ? { good: total - errors, total, minutesWithData: w } : { good: hourTotal - hourErrors, total: hourTotal, minutesWithData: w };
        const evaluation = evaluateSlo(slo, sums, NOW);

        // budget b = (10^6 − k) / 10^6; remaining = 1 − (errors / total) / b = (total·(10^6 − k) − errors·10^6) / (total·(10^6 − k))
        const b = 1_000_000n - BigInt(k);
        const remN = BigInt(total) * b - BigInt(errors) * 1_000_000n;
        const remD = BigInt(total) * b;
        const remaining = evaluation.budget.remaining as number;
        expect(Math.abs(remaining - toNumber(remN, remD))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(toNumber(remN, remD))));
        if (remN === 0n) expect(remaining).toBe(0);
        else expect(Math.sign(remaining)).toBe(remN > 0n ? 1 : -1);

        // current burn = (hourErrors / hourTotal) / b; time to exhaustion = max(remaining, 0) × period / burn
        const tte = evaluation.timeToExhaustionMinutes;
        if (remN <= 0n) expect(tte).toBe(0);
        else if (hourErrors === 0) expect(tte).toBe(Number.POSITIVE_INFINITY);
        else {
          // remaining × PERIOD × hourTotal × b / (hourErrors × 10^6)
          const n = remN * BigInt(PERIOD) * BigInt(hourTotal) * b;
          const d = remD * BigInt(hourErrors) * 1_000_000n;
          const exact = toNumber(n, d);
          expect(Math.abs((tte as number) - exact)).toBeLessThanOrEqual(1e-12 * exact);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
