import { describe, expect, it } from 'vitest';
import { AlertHistory, type ObservedAlert } from './alert-history.ts';
import { budgetSeries, episodeStats } from './slo-history.ts';

describe('budgetSeries', () => {
  it('computes the budget left over the rolling window ending at each sample minute', () => {
    // objective 99 % → 1 % allowed; minute 10: 100 events, 1 error; minute 20: 100 events, 3 errors
    const buckets = [
      { minute: 10, good: 99, total: 100 },
      { minute: 20, good: 97, total: 100 },
    ];
    const series = budgetSeries(buckets, { objective: 0.99, windowMinutes: 15, spanMinutes: 20, endMinute: 30, points: 3 });
    expect(series.map((p) => p.atMs / 60_000)).toEqual([11, 21, 31]);
    // minute 10: window (-5,10] → 1 error / 1 allowed → 0 left; minute 20: (5,20] → 4 errors / 2 allowed → -1; minute 30: (15,30] → 3/1 → -2
    expect(series.map((p) => Number(p.remaining!.toFixed(9)))).toEqual([0, -1, -2]);
  });

  it('is null where the window has no events', () => {
    const series = budgetSeries([{ minute: 100, good: 10, total: 10 }], { objective: 0.999, windowMinutes: 5, spanMinutes: 10, endMinute: 110, points: 2 });
    expect(series.map((p) => p.remaining)).toEqual([1, null]);
  });
});

describe('episodeStats', () => {
  it('merges overlapping episodes, and gives MTTR over closed ones and MTTF over up time', () => {
    const stats = episodeStats(
      [
        { startMs: 100, resolvedMs: 200 },
        { startMs: 150, resolvedMs: 250 },
        { startMs: 800, resolvedMs: null },
      ],
      0,
      1000,
    );
    expect(stats.downMs).toBe(150 + 200);
    expect(stats.timeAvailability).toBeCloseTo(0.65);
    expect(stats.mttrMs).toBe(100);
    expect(stats.mttfMs).toBeCloseTo(650 / 3);
    expect(episodeStats([], 0, 1000)).toMatchObject({ episodes: 0, mttrMs: null, mttfMs: null, timeAvailability: 1 });
  });
});

describe('AlertHistory', () => {
  const page = (state: string, firedAtMs: number | null): ObservedAlert => ({
    source: 'slo',
    labels: { alertname: 'SLOErrorBudgetBurn', slo: 's', service: 'api', severity: 'page' },
    annotations: { summary: `burn ${state}` },
    severity: 'page',
    state,
    activeAtMs: 50,
    firedAtMs,
  });

  it('opens an episode when an alert fires, closes it when it stops, with the budget at both ends', () => {
    const history = new AlertHistory();
    let budget = 0.9;
    const budgetOf = () => budget;
    history.observe([page('pending', null)], 60, budgetOf);
    expect(history.episodes()).toEqual([]);
    history.observe([page('firing', 70)], 70, budgetOf);
    budget = 0.5;
    history.observe([page('firing', 70)], 80, budgetOf);
    expect(history.episodes()[0]).toMatchObject({ startMs: 50, detectedMs: 70, resolvedMs: null, budgetAtStart: 0.9 });
    history.observe([], 90, budgetOf);
    expect(history.episodes({ service: 'api' })[0]).toMatchObject({ resolvedMs: 90, budgetAtEnd: 0.5, annotations: { summary: 'burn firing' } });
    expect(history.episodes({ service: 'other' })).toEqual([]);
  });

  it('keeps at most maxEpisodes closed episodes', () => {
    const history = new AlertHistory({ maxEpisodes: 2 });
    for (let i = 0; i < 5; i++) {
      history.observe([page('firing', i * 10)], i * 10);
      history.observe([], i * 10 + 5);
    }
    expect(history.episodes().map((e) => e.resolvedMs)).toEqual([45, 35]);
  });
});
