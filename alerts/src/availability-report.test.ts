import { describe, expect, it } from 'vitest';
import { formatReportCsv, formatReportText, serviceReports, sloAvailabilityReport } from './availability-report.ts';
import { parseSpecText } from './spec-formats/load.ts';
import type { MinuteBucket } from './window-sums.ts';

// A recorded month of synthetic traffic: June 2026, 100 requests a minute, 99.9 % objective
// (Workbook policy, 30 days), with three incidents.
const [slo] = parseSpecText('service: shop\nname: shop-availability\nobjective: 99.9\nsli: availability\n');
const FROM = Date.UTC(2026, 5, 1) / 60_000;
const TO = FROM + 30 * 1440;
const A = FROM + 2 * 1440 + 600; // day 3, 10:00: 30 minutes of full outage (100 errors a minute)
const B = FROM + 11 * 1440 + 120; // day 12, 02:00: 20 minutes at 20 % (20 a minute)
const C = FROM + 24 * 1440 + 900; // day 25, 15:00: 60 minutes at 5 % (5 a minute)

function errorsAt(m: number): number {
  if (m >= A && m < A + 30) return 100;
  if (m >= B && m < B + 20) return 20;
  if (m >= C && m < C + 60) return 5;
  return 0;
}
const buckets: MinuteBucket[] = [];
for (let m = FROM - 3 * 1440; m < TO; m++) buckets.push({ minute: m, good: 100 - errorsAt(m), total: 100 });

describe('availability report on a month with three incidents (every figure by hand)', () => {
  const report = sloAvailabilityReport(slo, buckets, FROM, TO);

  it('achieved availability and budget spent', () => {
    // 43,200 minutes × 100 = 4,320,000 events; errors 30×100 + 20×20 + 60×5 = 3,000 + 400 + 300 = 3,700
    expect(report.total).toBe(4_320_000);
    expect(report.good).toBe(4_320_000 - 3_700);
    expect(report.achieved).toBeCloseTo(1 - 3_700 / 4_320_000, 12); // 99.91435 %
    expect(report.met).toBe(true);
    // the budget allows 0.1 % × 4,320,000 = 4,320 errors: 3,700 / 4,320 = 85.6 %
    expect(report.budgetSpent).toBeCloseTo(3_700 / 4_320, 12);
  });

  it('each incident: start, first page, resolve, time to detect and to recover, its share of the budget', () => {
    // A: the first bad minute A is complete at A+1: 100 of 6,000 in 1h = 1.67 % > 14.4 × 0.1 %, and 20 % over 5m: page.
    //    Last bad minute A+29; the 6h/30m page holds until its 30m window is clean: A+29+31 = A+60.
    // B: 20 errors a minute need k × 20 / 6,000 > 1.44 % over 1h: k = 5 minutes → A+5.
    //    Last bad minute B+19; 6h/30m (fires at k × 20 / 36,000 > 0.6 %: 11 min) resolves at B+19+31 = B+50.
    // C: 5 a minute: k × 5 / 6,000 > 1.44 % → k = 18. 6h/30m: k × 5 / 36,000 > 0.6 % → 44.
    //    The 30m window stays above 0.6 % while it holds 4 bad minutes (4 × 5 / 3,000 = 0.67 %);
    //    from C+87 it holds C+57…C+59 only (0.5 %): resolved at C+87.
    expect(report.incidents).toEqual([
      { startMinute: A, detectedMinute: A + 1, resolvedMinute: A + 60, timeToDetectMinutes: 1, timeToRecoverMinutes: 60, errors: 3000, budgetSpent: 3000 / 4320 },
      { startMinute: B, detectedMinute: B + 5, resolvedMinute: B + 50, timeToDetectMinutes: 5, timeToRecoverMinutes: 50, errors: 400, budgetSpent: 400 / 4320 },
      { startMinute: C, detectedMinute: C + 18, resolvedMinute: C + 87, timeToDetectMinutes: 18, timeToRecoverMinutes: 87, errors: 300, budgetSpent: 300 / 4320 },
    ]);
  });

  it('MTTF, MTTR and the availability they imply beside the measured one', () => {
    // MTTR = (60 + 50 + 87) / 3 = 65.67 min; MTTF = (43,200 − 197) / 3 = 14,334.3 min
    expect(report.mttrMinutes).toBeCloseTo(197 / 3, 12);
    expect(report.mttfMinutes).toBeCloseTo(43_003 / 3, 12);
    // 14,334.3 / (14,334.3 + 65.67) = 43,003 / 43,200 = 99.544 %, below the measured 99.914 %
    expect(report.impliedAvailability).toBeCloseTo(43_003 / 43_200, 12);
  });

  it('text, CSV and per service', () => {
    const text = formatReportText([report]);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'shop/shop-availability: 99.914 % achieved, objective 99.9 % — met',
      '  2026-06-01T00:00Z … 2026-07-01T00:00Z (30d): 3700 errors of 4320000 events, budget spent 85.6 %',
      '  incident 1: start 2026-06-03T10:00Z, paged 2026-06-03T10:01Z (detect 60 s), resolved 2026-06-03T11:00Z (recover 60 min), 3000 errors = 69.4 % of the budget',
    ]);
    expect(text).toContain('  MTTF 10 d, MTTR 66 min: implied availability 99.544 % (measured 99.914 %)');
    expect(text).toContain('  shop: 1/1 SLOs met, 3 incidents, worst 99.914 %');
    const csv = formatReportCsv([report]).trimEnd().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^service,slo,objective,from,to,good,total,achieved,met,budget_spent,/);
    expect(csv[2].split(',').slice(13, 20)).toEqual(['2', '2026-06-12T02:00Z', '2026-06-12T02:05Z', '2026-06-12T02:50Z', '5', '50', '400']);
    expect(serviceReports([report])).toEqual([{ service: 'shop', slos: 1, met: 1, incidents: 3, worstAchieved: report.achieved }]);
  });

  it('an SLO without traffic has no figures rather than 100 %', () => {
    const idle = sloAvailabilityReport(slo, [], FROM, FROM + 1440);
    expect(idle).toMatchObject({ achieved: null, met: null, budgetSpent: null, incidents: [], mttfMinutes: null, impliedAvailability: null });
    expect(formatReportText([idle])).toContain('n/a achieved, objective 99.9 % — no events');
    expect(formatReportCsv([idle]).trimEnd().split('\n')).toHaveLength(2);
  });
});
