import { describe, expect, it } from 'vitest';
import { detectionTable, explainSlo } from './explain.ts';
import { parseSpecText } from './spec-formats/load.ts';

const [checkout] = parseSpecText('service: checkout\nname: checkout-availability\nobjective: 99.9\nsli: availability\n');

describe('explainSlo', () => {
  it('sums the policy up as the issue asks', () => {
    expect(explainSlo(checkout)).toContain(
      'In short: a full outage pages after 52 s; 10 % errors page after 8.6 min; a 2× burn opens a ticket after 36 h; at or below 1× never.',
    );
  });

  it('shows each pair with its threshold and the budget spent when it fires', () => {
    const text = explainSlo(checkout);
    expect(text).toContain('error budget 0.1 % of events: 43 min of full outage per 30d');
    expect(text).toMatch(/page +1h\/5m +> 14\.4× +> 1\.44 % +2 %/);
    expect(text).toMatch(/page +6h\/30m +> 6× +> 0\.6 % +5 %/);
    expect(text).toMatch(/ticket +1d\/2h +> 3× +> 0\.3 % +10 %/);
    expect(text).toMatch(/ticket +3d\/6h +> 1× +> 0\.1 % +10 %/);
    expect(text).toMatch(/100 % \(full outage\) +1000× +52 s \(1h\/5m\) +4\.3 min \(1d\/2h\)/);
    expect(text).toContain('No data: a ticket after 15m without SLI data');
  });

  it('says "never" where a pair cannot fire (90 % SLO, 14.4× pair)', () => {
    const [loose] = parseSpecText('service: s\nname: loose\nobjective: 90\nsli: availability\n');
    const text = explainSlo(loose);
    expect(text).toMatch(/page +1h\/5m +> 14\.4× +never \(> 100 %\)/);
    expect(text).toContain('a full outage pages after 3.6 h'); // through the 6× pair: 0.6 × 6 h
    expect(text).toMatch(/10 % \(10 % errors\) +1× +never +never/);
    const outage = detectionTable(loose)[0];
    expect(outage.bySeverity.find((d) => d.severity === 'page')?.pair?.longWindowMinutes).toBe(360);
  });

  it('lists full outage, 10 %, 1 % and burn multiples without duplicates', () => {
    expect(detectionTable(checkout).map((r) => r.label)).toEqual([
      'full outage',
      '10 % errors',
      '20× burn',
      '1 % errors',
      '5× burn',
      '2× burn',
      '1× burn',
    ]);
  });
});
