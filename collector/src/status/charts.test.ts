import { describe, expect, it } from 'vitest';
import { lineChart, meter } from './charts.ts';

describe('lineChart', () => {
  it('draws one polyline per run of data, breaks at missing points, labels the range and guides', () => {
    const svg = lineChart(
      [
        { atMs: 0, value: 1 },
        { atMs: 10, value: 0.5 },
        { atMs: 20, value: null },
        { atMs: 30, value: -0.2 },
        { atMs: 40, value: 0.1 },
      ],
      { title: 'budget <left>', guides: [{ value: 0, label: 'exhausted' }], width: 100, height: 50, format: (v) => `${Math.round(v * 100)}%` },
    ).value;
    expect(svg.match(/<polyline /g)?.length).toBe(2);
    expect(svg).toContain('aria-label="budget &lt;left&gt;"');
    expect(svg).toContain('>100%<');
    expect(svg).toContain('>-20%<');
    expect(svg).toContain('>exhausted<');
    expect(svg).not.toContain('no data yet');
    expect(svg).toContain('<circle'); // the newest point
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('says there is no data instead of drawing nothing', () => {
    const svg = lineChart([{ atMs: 0, value: null }], { title: 't' }).value;
    expect(svg).toContain('no data yet');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('meter: width from the share, colour from the alarm level', () => {
    expect(meter(0.5).value).toContain('width="50"');
    expect(meter(0.95).value).toContain('#c01c28');
    expect(meter(2).value).toContain('width="100"');
  });
});
