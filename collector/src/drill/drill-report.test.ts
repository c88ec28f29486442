import { describe, expect, it } from 'vitest';
import { loadSpecs } from '@lookout/alerts';
import { drillVerdict, formatDrillReport, predictFullOutagePage, type DrillTimeline } from './drill-report.ts';

function slo(objective: string, extra = '') {
  const { slos, issues } = loadSpecs([{ path: 'drill.yaml', text: `service: lookout-drill\nslos:\n  - name: drill\n    objective: ${objective}\n    sli: availability\n${extra}` }]);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return slos[0]!;
}

const base: DrillTimeline = {
  slo: 'drill',
  service: 'lookout-drill',
  burnStartedMs: 1_000_000,
  pageDeliveries: [],
  resolveDeliveries: [],
  errorSpans: 120,
  goodSpans: 0,
  notes: [],
};

describe('drill predictions and verdicts', () => {
  it('predicts the first page of a full outage from the policy: 99.9 % pages after 14.4 × 0.1 % of 1 h', () => {
    const prediction = predictFullOutagePage(slo('99.9%'));
    expect(prediction.pair).toBe('1h/5m');
    expect(prediction.pageMinutes! * 60).toBeCloseTo(14.4 * 0.001 * 3600, 6);
  });

  it('says so when no page pair can fire on a full outage', () => {
    expect(predictFullOutagePage(slo('80%')).pageMinutes).toBeNull(); // 6 × 20 % budget > 100 % errors
  });

  it('passes a drill that paged, delivered to every receiver and resolved, with the ratio to the prediction', () => {
    const timeline: DrillTimeline = {
      ...base,
      pageSeenMs: 1_060_000,
      alertname: 'SLOErrorBudgetBurn',
      pageDeliveries: [{ receiver: 'webhook/hook', state: 'delivered', attempts: 1, seenAtMs: 1_061_000 }],
      burnEndedMs: 1_061_000,
      resolvedSeenMs: 1_400_000,
      resolveDeliveries: [{ receiver: 'webhook/hook', state: 'delivered', attempts: 1 }],
    };
    const verdict = drillVerdict(timeline, { pageMinutes: 1, pair: '1h/5m' }, true);
    expect(verdict).toMatchObject({ ok: true, problems: [], timeToPageMs: 60_000, timeToResolveMs: 339_000, pageVsPrediction: 1 });
    const text = formatDrillReport(timeline, { pageMinutes: 1, pair: '1h/5m' }, verdict);
    expect(text).toContain('drill of SLO drill (service lookout-drill): PASSED');
    expect(text).toContain('time to page     60.0 s');
    expect(text).toContain('→ webhook/hook: delivered 61.0 s after the burn started');
    expect(text).toContain('time to resolve  339.0 s');
  });

  it('fails a drill whose page never fired, naming why it stopped', () => {
    const verdict = drillVerdict({ ...base, gaveUp: 'gave up waiting for the page after 900 s (--timeout)' }, undefined, true);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual(['no page fired for drill (gave up waiting for the page after 900 s (--timeout))']);
  });

  it('fails a page that reached no receiver, or one a receiver never took', () => {
    const nowhere = drillVerdict({ ...base, pageSeenMs: 1_050_000, notes: ['the collector has no notify receiver configured: the page goes nowhere'] }, undefined, false);
    expect(nowhere.problems).toEqual(['the page reached no receiver: no notification was enqueued (is a notify receiver configured?)']);
    const refused = drillVerdict(
      { ...base, pageSeenMs: 1_050_000, pageDeliveries: [{ receiver: 'pagerduty/oncall', state: 'given_up', attempts: 8, lastError: '401 Unauthorized' }] },
      undefined,
      false,
    );
    expect(refused.problems).toEqual(['the page was not delivered to pagerduty/oncall: given_up (401 Unauthorized) after 8 attempt(s)']);
  });

  it('fails a page that did not resolve when resolving was asked for', () => {
    const verdict = drillVerdict(
      { ...base, pageSeenMs: 1_050_000, pageDeliveries: [{ receiver: 'webhook/hook', state: 'delivered', attempts: 1 }], burnEndedMs: 1_051_000 },
      undefined,
      true,
    );
    expect(verdict.problems).toEqual(['the page did not resolve']);
  });
});
