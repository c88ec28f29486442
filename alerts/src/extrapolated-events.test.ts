import { describe, expect, it } from 'vitest';
import { evaluateSlo } from './evaluate.ts';
import type { BurnRateCondition } from './evaluate.ts';
import { parseSpecText } from './spec-formats/load.ts';
import { extrapolatedEvents, sampleEdges } from './window-sums.ts';
import type { MinuteBucket, WindowSum } from './window-sums.ts';

// Evaluating at t = 104 min (last complete minute 103), a 5m window is [99 min, 104 min].
const END = 103;
const sum = (total: number, edges?: WindowSum['edges']): WindowSum => ({ good: 0, total, minutesWithData: edges ? edges.samples - 1 : 0, ...(edges ? { edges } : {}) });

describe('extrapolatedEvents (Prometheus 2.42 increase(), figures by hand)', () => {
  it('samples on both edges: the observed count', () => {
    expect(extrapolatedEvents(sum(30, { firstSampleMinute: 99, lastSampleMinute: 104, samples: 6 }), END, 5)).toBe(30);
  });

  it('a missed scrape at the start edge: extrapolated by the whole gap (1 min < 1.1 intervals): 24 × 300 s / 240 s', () => {
    expect(extrapolatedEvents(sum(24, { firstSampleMinute: 100, lastSampleMinute: 104, samples: 5 }), END, 5)).toBe(30);
  });

  it('a first sample 2 min inside the window (over 1.1 intervals): half an interval only: 18 × 210 s / 180 s', () => {
    expect(extrapolatedEvents(sum(18, { firstSampleMinute: 101, lastSampleMinute: 104, samples: 4, firstTotal: 1_000_000 }), END, 5)).toBe(21);
  });

  it('never back past the counter’s zero: a series starting at 0 is not extrapolated at its start', () => {
    expect(extrapolatedEvents(sum(18, { firstSampleMinute: 101, lastSampleMinute: 104, samples: 4, firstTotal: 0 }), END, 5)).toBe(18);
    // firstTotal 3 with 18 events over 180 s: zero lies 30 s before the first sample, under the 30 s half interval
    expect(extrapolatedEvents(sum(18, { firstSampleMinute: 101, lastSampleMinute: 104, samples: 4, firstTotal: 3 }), END, 5)).toBe(21);
    expect(extrapolatedEvents(sum(18, { firstSampleMinute: 101, lastSampleMinute: 104, samples: 4, firstTotal: 1.5 }), END, 5)).toBe(19.5);
  });

  it('a missed scrape at the end edge and a gap inside count alike: 24 over 4 intervals of 240 s, + 60 s', () => {
    expect(extrapolatedEvents(sum(24, { firstSampleMinute: 99, lastSampleMinute: 103, samples: 5 }), END, 5)).toBe(30);
    // 99 → 101 is one bucket spanning a missed scrape: 4 samples over 240 s, 80 s apart on average
    expect(extrapolatedEvents(sum(24, { firstSampleMinute: 99, lastSampleMinute: 103, samples: 4 }), END, 5)).toBe(30);
  });

  it('without edges (the collector’s own buckets) or data: the observed total', () => {
    expect(extrapolatedEvents(sum(24), END, 5)).toBe(24);
    expect(extrapolatedEvents(sum(0), END, 5)).toBe(0);
  });

  it('sampleEdges reads them from buckets, a bucket spanning a gap from its earlier sample', () => {
    const buckets: MinuteBucket[] = [
      { minute: 98, good: 6, total: 6 },
      { minute: 100, good: 12, total: 12, coversFromMinute: 99 },
      { minute: 101, good: 6, total: 6 },
      { minute: 103, good: 12, total: 12, coversFromMinute: 102 },
    ];
    expect(sampleEdges(buckets, END, 5)).toEqual({ firstSampleMinute: 99, lastSampleMinute: 104, samples: 4 });
    expect(sampleEdges(buckets, END, 1)).toBeUndefined(); // the last bucket spans 102–104, longer than 1m
  });

  it('the guard of the evaluator compares the extrapolated count', () => {
    const [slo] = parseSpecText('service: s\nname: guarded\nobjective: 99.9\nsli: availability\nminEvents: 30\nnoData: false\n');
    const nowMs = 104 * 60_000;
    const half = (w: number): WindowSum => ({
      good: w === 5 ? 12 : 6 * w - 3 * w,
      total: w === 5 ? 24 : 6 * w,
      minutesWithData: w === 5 ? 4 : w,
      edges: w === 5 ? { firstSampleMinute: 100, lastSampleMinute: 104, samples: 5 } : { firstSampleMinute: 104 - w, lastSampleMinute: 104, samples: w + 1 },
    });
    const page = evaluateSlo(slo, half, nowMs).conditions[0] as BurnRateCondition;
    expect(page.short.events).toBe(30);
    expect(page.met).toBe(true);
    const observedOnly = evaluateSlo(slo, (w) => ({ ...half(w), edges: undefined }), nowMs).conditions[0] as BurnRateCondition;
    expect(observedOnly.met).toBe(false);
    expect(observedOnly.reason).toBe('only 24 events in the 5m window (minEvents 30)');
  });
});
