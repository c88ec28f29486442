import { describe, expect, it } from 'vitest';
import { parseSeriesValues } from './promtool-series.ts';
import { countersToBuckets, formatEvalTime, formatReplay, parseReplayFile, replaySlo } from './replay.ts';
import { formatIssue } from './spec-formats/issues.ts';
import { parseSpecText } from './spec-formats/load.ts';

const [slo] = parseSpecText('service: shop\nname: shop-availability\nobjective: 99.9\nsli: availability\n');

describe('countersToBuckets', () => {
  it('puts the increase between samples m−1 and m in the bucket of minute m−1', () => {
    expect(countersToBuckets({ total: [0, 100, 250], good: [0, 99, 248] })).toEqual([
      { minute: 0, good: 99, total: 100 },
      { minute: 1, good: 149, total: 150 },
    ]);
  });

  it('spans a gap from the sample before it, and counts a drop as a reset from zero', () => {
    expect(countersToBuckets({ total: [0, 100, null, null, 400, 50], good: [0, 100, null, null, 390, 50] })).toEqual([
      { minute: 0, good: 100, total: 100 },
      { minute: 3, good: 290, total: 300, coversFromMinute: 1 },
      { minute: 4, good: 50, total: 50 },
    ]);
  });

  it('refuses series that do not line up, or are not counters', () => {
    expect(() => countersToBuckets({ total: [0, 1], good: [0] })).toThrow('good has 1 samples and total 2');
    expect(() => countersToBuckets({ total: [0, 1], good: [0, null] })).toThrow('minute 1: good has no sample but total has');
    expect(() => countersToBuckets({ total: [0, -1], good: [0, 0] })).toThrow('minute 1: total is -1; counters are finite and not negative');
    expect(() => countersToBuckets({ total: [0, 10, 20], good: [0, 5, 30] })).toThrow('minute 2: good grew by 25 but total only by 10');
  });
});

describe('replaySlo', () => {
  it('fires the pages of a full outage one minute in, and resolves them as the windows clear', () => {
    const total = parseSeriesValues('0+1000x360');
    const errors = parseSeriesValues('0x120 1000+1000x9 10000x229');
    const result = replaySlo(slo, { total, good: total.map((t, i) => (t as number) - (errors[i] as number)) });
    const page = result.events.filter((e) => e.labels.long_window === '1h');
    expect(page.map((e) => [e.minute, e.kind])).toEqual([
      [121, 'firing'],
      [135, 'resolved'],
    ]);
    expect(result.notifications.filter((n) => n.severity === 'page').map((n) => [n.minute, n.status])).toEqual([
      [121, 'firing'],
      [160, 'resolved'], // the 6h/30m page keeps the incident open until its 30m window clears
    ]);
    expect(result.activeByMinute).toHaveLength(361);
  });

  it('prints when each alert fires and resolves', () => {
    const total = parseSeriesValues('0+1000x360');
    const errors = parseSeriesValues('0x120 1000+1000x9 10000x229');
    const text = formatReplay(replaySlo(slo, { total, good: total.map((t, i) => (t as number) - (errors[i] as number)) }));
    expect(text).toContain('shop/shop-availability: objective 99.9 % over 30d, evaluated each minute from 0s to 6h');
    expect(text).toMatch(/2h1m {2}FIRING {4}SLOErrorBudgetBurn page 1h\/5m {2}burn \d+(\.\d+)?×/);
    expect(text).toContain('SLOErrorBudgetBurn page 1h/5m: fired 2h1m, resolved 2h15m');
    expect(text).toContain('notifications: 1 page, 1 ticket');
  });

  it('formats evaluation times like promtool', () => {
    expect([0, 5, 60, 65, 1441].map(formatEvalTime)).toEqual(['0s', '5m', '1h', '1h5m', '24h1m']);
  });
});

describe('parseReplayFile', () => {
  it('reads total with errors (or good), until and slo', () => {
    const { replay, issues } = parseReplayFile("total: 0+10x3\nerrors: 0+1x3\nuntil: 1h\nslo: shop-availability\n", 's.yaml');
    expect(issues).toEqual([]);
    expect(replay).toEqual({ series: { total: [0, 10, 20, 30], good: [0, 9, 18, 27] }, untilMinute: 60, slo: 'shop-availability' });
  });

  const BAD: { name: string; text: string; line: number; key: string; message: string; fix: string }[] = [
    { name: 'bad notation', text: 'total: 0+10x3\nerrors: 0+1y3\n', line: 2, key: 'errors', message: "cannot read '0+1y3'", fix: "use promtool's notation" },
    { name: 'no errors or good', text: 'total: 0+10x3\n', line: 1, key: '', message: 'missing the good or errors series', fix: "errors: '0+1x60'" },
    { name: 'both errors and good', text: 'total: 0+10x3\nerrors: 0x3\ngood: 0x3\n', line: 1, key: '', message: 'give good or errors, not both', fix: "errors: '0+1x60'" },
    { name: 'lengths differ', text: 'total: 0+10x3\nerrors: 0+1x2\n', line: 2, key: 'errors', message: 'has 3 samples but total has 4', fix: 'same number of samples' },
    { name: 'errors above total', text: 'total: 0+10x3\nerrors: 0+11x3\n', line: 2, key: 'errors', message: 'at minute 1 errors (11) exceed total (10)', fix: 'keep errors ≤ total' },
    { name: 'interval other than a minute', text: 'interval: 15s\ntotal: 0+10x3\nerrors: 0x3\n', line: 1, key: 'interval', message: 'sampled every minute', fix: 'interval: 1m' },
    { name: 'bad until', text: 'total: 0+10x3\nerrors: 0x3\nuntil: soon\n', line: 3, key: 'until', message: 'until must be a duration like 8h or 90m', fix: 'until: 8h' },
    { name: 'good outgrowing total', text: 'total: 0+10x3\ngood: 0+12x3\n', line: 2, key: 'good', message: 'minute 1: good grew by 12 but total only by 10', fix: 'cumulative counters' },
    { name: 'typo', text: 'totl: 0+10x3\nerrors: 0x3\n', line: 1, key: 'totl', message: "unknown key 'totl' in a series file", fix: "did you mean 'total'?" },
  ];
  for (const c of BAD) {
    it(`says where and how to fix: ${c.name}`, () => {
      const { replay, issues } = parseReplayFile(c.text, 's.yaml');
      expect(replay).toBeUndefined();
      const issue = issues.find((i) => i.message.includes(c.message));
      expect(issue, issues.map(formatIssue).join('\n')).toBeDefined();
      expect({ file: issue?.file, line: issue?.line, key: issue?.key }).toEqual({ file: 's.yaml', line: c.line, key: c.key });
      expect(issue?.fix).toContain(c.fix);
    });
  }
});
