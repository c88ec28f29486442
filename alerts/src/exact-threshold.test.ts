import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { burnRate, detectionMinutes, errorBudget, errorBudgetText, pairThreshold, pairThresholdText, ratioAboveThreshold } from './burn-math.ts';
import { evaluateSlo } from './evaluate.ts';
import { decimalOf, formatDecimal, multiplyDecimal, parseDecimal, subtractDecimal } from './exact-decimal.ts';
import { explainSlo } from './explain.ts';
import { resolvePolicy } from './policy.ts';
import { sloRuleGroup } from './prometheus-rules.ts';
import { percentToFraction } from './spec-formats/fields.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { BurnRateCondition } from './evaluate.ts';
import type { SloDefinition } from './types.ts';

/** The next double above a positive finite x. */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An objective as the spec parser makes it from a percent with four decimals: k / 10^4 %. */
const objectiveOf = (k: number) => percentToFraction(Number(`${k}e-4`));

/**
 * Reference threshold, independent of exact-decimal.ts: factor m/10^4 times budget
 * (10^6 − k)/10^6 is the integer m·(10^6 − k) over 10^10, and JavaScript reads
 * "<integer>e-10" as the nearest double.
 */
const referenceThreshold = (k: number, m: number) => Number(`${BigInt(m) * (1_000_000n - BigInt(k))}e-10`);

function sloWith(objective: number, factor: number): SloDefinition {
  const [base] = parseSpecText('service: s\nname: exact\nobjective: 99.9\nsli: availability\n');
  const policy = resolvePolicy({ kind: 'rolling', minutes: 30 * 1440 }, {
    pairs: [{ severity: 'ticket', longWindowMinutes: 60, shortWindowMinutes: 5, factor }],
    noData: null,
  });
  return { ...base, objective, policy };
}

const objectiveK = fc.integer({ min: 1, max: 999_999 }); // 0.0001 % … 99.9999 %
const factorM = fc.integer({ min: 1, max: 1_000_000 }); // 0.0001× … 100×

describe('exact decimals', () => {
  it('parses, subtracts, multiplies and prints without rounding', () => {
    expect(formatDecimal(subtractDecimal(parseDecimal('1'), decimalOf(0.9995)))).toBe('0.0005');
    expect(formatDecimal(multiplyDecimal(decimalOf(14.4), subtractDecimal(parseDecimal('1'), decimalOf(0.999))))).toBe('0.0144');
    expect(formatDecimal(decimalOf(5e-7))).toBe('0.0000005');
    expect(formatDecimal(decimalOf(1e21))).toBe('1000000000000000000000');
    expect(formatDecimal(parseDecimal('-0.50'))).toBe('-0.5');
  });

  it('refuses text that is not a decimal', () => {
    expect(() => parseDecimal('0x10')).toThrow(/not a decimal number: "0x10"/);
    expect(() => decimalOf(Number.NaN)).toThrow(/not a finite number/);
  });

  it('1 − 0.9995 is exactly 0.0005, where floating point says 0.0004999999999999449', () => {
    expect(1 - 0.9995).not.toBe(0.0005);
    expect(errorBudget(0.9995)).toBe(0.0005);
    expect(errorBudgetText(0.9995)).toBe('0.0005');
    expect(burnRate(5 / 10_000, 0.9995)).toBe(1);
  });
});

describe('thresholds for every objective written with up to four decimals', () => {
  it('the threshold is the double nearest factor × (1 − objective), and its rule text reads back as the same double', () => {
    fc.assert(
      fc.property(objectiveK, factorM, (k, m) => {
        const objective = objectiveOf(k);
        const factor = Number(`${m}e-4`);
        const expected = referenceThreshold(k, m);
        expect(pairThreshold({ factor }, objective)).toBe(expected);
        const text = pairThresholdText({ factor }, objective);
        expect(text).toMatch(/^\d+(\.\d+)?$/);
        expect(Number(text)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('a ratio exactly at the threshold never fires; one ulp above does (all 99.xxxx % objectives × the Workbook factors)', () => {
    for (let k = 990_000; k <= 999_999; k++) {
      const objective = objectiveOf(k);
      for (const m of [144_000, 60_000, 30_000, 10_000]) {
        const t = referenceThreshold(k, m);
        const factor = m / 1e4;
        if (ratioAboveThreshold(t, { factor }, objective)) throw new Error(`${k / 1e4} % × ${factor}: exactly ${t} fires`);
        if (!ratioAboveThreshold(nextUp(t), { factor }, objective)) throw new Error(`${k / 1e4} % × ${factor}: ${nextUp(t)} does not fire`);
      }
    }
  });

  it('the evaluator, fed counts whose ratio is exactly the threshold, does not fire, and fires with one error more', () => {
    fc.assert(
      fc.property(objectiveK, factorM, (k, m) => {
        const num = BigInt(m) * (1_000_000n - BigInt(k));
        const den = 10_000_000_000n;
        fc.pre(num < den); // thresholds of 100 % or more can never be exceeded
        const g = gcd(num, den);
        const errors = Number(num / g);
        const total = Number(den / g);
        const slo = sloWith(objectiveOf(k), m / 1e4);
        const at = (e: number) => {
          const evaluation = evaluateSlo(slo, () => ({ good: total - e, total, minutesWithData: 5 }), Date.UTC(2026, 0, 1));
          return (evaluation.conditions[0] as BurnRateCondition).met;
        };
        expect(at(errors)).toBe(false);
        expect(at(errors + 1)).toBe(true);
        expect(detectionMinutes(slo.policy.pairs[0], slo.objective, errors / total)).toBe(Number.POSITIVE_INFINITY);
      }),
      { numRuns: 2000 },
    );
  });

  it('the exported alert compares the ratio with the exact decimal and its value is the burn rate', () => {
    fc.assert(
      fc.property(objectiveK, factorM, (k, m) => {
        const slo = sloWith(objectiveOf(k), m / 1e4);
        const alert = sloRuleGroup(slo).rules.find((r) => 'alert' in r);
        const threshold = pairThresholdText(slo.policy.pairs[0], slo.objective);
        const budget = errorBudgetText(slo.objective);
        expect(alert?.expr).toBe(
          `(slo:sli_error:ratio_rate1h{slo="exact",service="s"} > ${threshold}) / ${budget}\nand\n(slo:sli_error:ratio_rate5m{slo="exact",service="s"} > ${threshold})`,
        );
        expect(Number(budget)).toBe(Number(`${1_000_000 - k}e-6`));
      }),
      { numRuns: 500 },
    );
  });

  it('explain says the 1× burn never alerts on a 1× pair, and the evaluator agrees (issue: 99.95 % at exactly 0.05 %)', () => {
    const slo = sloWith(0.9995, 1);
    const text = explainSlo(slo);
    expect(text).toMatch(/0\.05 % \(1× burn\)\s+1× +never/);
    expect(text).toContain('at or below 1× never');
    const evaluation = evaluateSlo(slo, () => ({ good: 9995, total: 10_000, minutesWithData: 5 }), Date.UTC(2026, 0, 1));
    expect((evaluation.conditions[0] as BurnRateCondition).met).toBe(false);
    expect(evaluation.windows[0].burnRate).toBe(1);
  });
});
