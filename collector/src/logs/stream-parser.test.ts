import { describe, expect, it } from 'vitest';
import { createFormatDetector } from './format-detector.ts';
import { createLogStream, MULTILINE_CONTINUED_ATTRIBUTE, MULTILINE_SPLIT_ATTRIBUTE } from './log-stream.ts';
import { createStreamParser } from './stream-parser.ts';
import { LogPatternError } from './pattern-parser.ts';

const NOW = Date.UTC(2026, 0, 1);

const samples = {
  json: (i: number) => `{"level":30,"time":${1700000000000 + i},"msg":"request ${i}","reqId":${i}}`,
  logfmt: (i: number) => `ts=2023-10-11T22:14:${String(i % 60).padStart(2, '0')}Z level=info msg="tick ${i}" n=${i}`,
  access: (i: number) => `10.0.0.${i % 255} - - [11/Oct/2023:22:14:15 +0000] "GET /items/${i} HTTP/1.1" 200 ${i} "-" "curl/8"`,
  'apache-error': (i: number) => `[Wed Oct 11 14:32:52.${String(i).padStart(6, '0')} 2023] [core:info] [pid ${i}] message ${i}`,
  syslog: (i: number) => `<13>1 2023-10-11T22:14:15Z host app ${i} - - message ${i}`,
  log4j: (i: number) => `2023-10-11 22:14:15,${String(i % 1000).padStart(3, '0')} [main] INFO  com.x.Y - message ${i}`,
} as const;

describe('format detection', () => {
  it.each(Object.keys(samples) as (keyof typeof samples)[])('detects %s after 5 lines', (format) => {
    const detector = createFormatDetector();
    for (let i = 0; i < 5; i++) expect(detector.observe(samples[format](i), NOW).parsed).toBe(true);
    expect(detector.detection).toEqual({ format, confidence: 1, linesSeen: 5, settled: true });
  });

  it('detects RFC 3164 lines with key=value messages as syslog, not logfmt', () => {
    const detector = createFormatDetector();
    for (let i = 0; i < 5; i++) detector.observe(`<13>Oct 11 22:14:1${i} host app: user=${i} action=login ok=true`, NOW);
    expect(detector.detection.format).toBe('syslog');
  });

  it('ignores blank lines and decides on the majority after maxLines, with the confidence', () => {
    const detector = createFormatDetector({ maxLines: 10 });
    const lines = [samples.json(0), '', 'garbage', samples.json(1), samples.json(2), 'more garbage', samples.json(3), samples.json(4), samples.json(5), samples.json(6), samples.json(7), '   '];
    for (const line of lines) detector.observe(line, NOW);
    expect(detector.detection).toEqual({ format: 'json', confidence: 0.8, linesSeen: 10, settled: true });
  });

  it('says plain when fewer than half the lines parse, with the share that parsed in no format', () => {
    const detector = createFormatDetector({ maxLines: 4 });
    for (const line of ['hello', 'world', samples.syslog(1), 'again']) detector.observe(line, NOW);
    expect(detector.detection).toEqual({ format: 'plain', confidence: 0.75, linesSeen: 4, settled: true });
  });

  it('takes the leading format, not plain, when most lines parse but in several formats (found by fuzzing a mixed tailed file)', () => {
    const detector = createFormatDetector({ maxLines: 10 });
    const lines = [samples.syslog(0), samples.json(1), samples.json(2), samples.json(3), samples.logfmt(4), samples.logfmt(5), samples.access(6), samples.access(7), samples.access(8), samples.access(9)];
    for (const line of lines) detector.observe(line, NOW);
    expect(detector.detection).toEqual({ format: 'access', confidence: 0.4, linesSeen: 10, settled: true });
    const stream = createStreamParser({ maxLines: 10 });
    const results = [...lines, samples.access(10), samples.json(11)].map((line) => stream.parse(line, NOW));
    expect(results.map((r) => r.parsed)).toEqual(results.map(() => true));
    expect(results.map((r) => r.format)).toEqual(['syslog', 'json', 'json', 'json', 'logfmt', 'logfmt', 'access', 'access', 'access', 'access', 'access', 'json']);
  });

  it('can be settled early on demand', () => {
    const detector = createFormatDetector();
    detector.observe(samples.access(1), NOW);
    expect(detector.detection.settled).toBe(false);
    expect(detector.settle()).toEqual({ format: 'access', confidence: 1, linesSeen: 1, settled: true });
  });
});

describe('stream parser', () => {
  it('parses while it detects, then uses the detected format alone, and counts unparsed lines', () => {
    const stream = createStreamParser();
    expect(stream.format).toBeUndefined();
    const results = [0, 1, 2, 3, 4, 5].map((i) => stream.parse(samples.log4j(i), NOW));
    expect(results.every((r) => r.parsed)).toBe(true);
    expect(results[0]!.record.body).toBe('message 0');
    expect(stream.format).toBe('log4j');
    const bad = stream.parse('not a log4j line', NOW);
    expect(bad).toMatchObject({ parsed: false, record: { body: 'not a log4j line' } });
    expect(stream.stats).toEqual({ lines: 7, unparsed: 1, redetections: 0 });
  });

  it('uses a configured format from the first line, with no detection', () => {
    const stream = createStreamParser({ format: 'logfmt' });
    expect(stream.format).toBe('logfmt');
    expect(stream.detection).toBeUndefined();
    expect(stream.parse(samples.json(1), NOW).parsed).toBe(false);
    expect(stream.parse(samples.logfmt(1), NOW).parsed).toBe(true);
  });

  it('uses a configured pattern, and throws LogPatternError for a bad one at construction', () => {
    const stream = createStreamParser({ pattern: '<ip> <status>' });
    expect(stream.format).toBe('pattern');
    expect(stream.parse('1.2.3.4 200', NOW).record.attributes['http.response.status_code']).toBe(200);
    expect(() => createStreamParser({ pattern: '<ip><status>' })).toThrow(LogPatternError);
  });

  it('switches to the format the service now logs after a run of its lines, losing none of them', () => {
    const stream = createStreamParser({ redetectAfter: 3 });
    for (let i = 0; i < 5; i++) stream.parse(samples.log4j(i), NOW);
    expect(stream.format).toBe('log4j');
    for (let i = 0; i < 4; i++) expect(stream.parse(samples.json(i), NOW)).toMatchObject({ parsed: true, format: 'json' });
    expect(stream.format).toBe('log4j');
    expect(stream.parse(samples.json(4), NOW)).toMatchObject({ parsed: true, format: 'json' });
    expect(stream.format).toBe('json');
    expect(stream.parse(samples.json(5), NOW)).toMatchObject({ parsed: true, format: 'json' });
    expect(stream.stats).toEqual({ lines: 11, unparsed: 0, redetections: 1 });
  });

  it('parses a stray line of another format in that format and stays with its own', () => {
    const stream = createStreamParser();
    for (let i = 0; i < 5; i++) stream.parse(samples.log4j(i), NOW);
    const access = stream.parse(samples.access(1), NOW);
    expect(access).toMatchObject({ parsed: true, format: 'access' });
    expect(access.record.attributes['http.response.status_code']).toBe(200);
    expect(stream.parse(samples.log4j(9), NOW)).toMatchObject({ parsed: true, format: 'log4j' });
    expect(stream.format).toBe('log4j');
  });

  it('detects again after a run of lines that parse in no format', () => {
    const stream = createStreamParser({ redetectAfter: 3, maxLines: 3 });
    for (let i = 0; i < 5; i++) stream.parse(samples.log4j(i), NOW);
    for (let i = 0; i < 3; i++) expect(stream.parse(`free text ${i}`, NOW).parsed).toBe(false);
    expect(stream.format).toBeUndefined();
    for (let i = 3; i < 6; i++) stream.parse(`free text ${i}`, NOW);
    expect(stream.format).toBe('plain');
    expect(stream.stats).toEqual({ lines: 11, unparsed: 6, redetections: 1 });
  });

  it('loses no line of a file with alternating blocks of pino JSON, logfmt, syslog and access lines', () => {
    const blockLines = 150; // longer than the run of failures (100) that starts detection again
    const kinds = ['json', 'logfmt', 'syslog', 'access'] as const;
    const stream = createLogStream();
    const out = [];
    let accessLines = 0;
    for (let block = 0; block < 12; block++) {
      const kind = kinds[block % kinds.length]!;
      for (let i = 0; i < blockLines; i++) {
        if (kind === 'access') accessLines++;
        out.push(...stream.push(samples[kind](block * blockLines + i), NOW));
      }
    }
    out.push(...stream.flush(NOW));
    expect(out).toHaveLength(12 * blockLines);
    expect(out.filter((r) => !r.parsed)).toEqual([]);
    const requests = out.filter((r) => r.format === 'access' && typeof r.record.attributes['http.response.status_code'] === 'number');
    expect(requests).toHaveLength(accessLines);
    expect(out.map((r) => r.format)).toEqual(Array.from({ length: 12 * blockLines }, (_, i) => kinds[Math.floor(i / blockLines) % kinds.length]));
  });

  it('counts every line of an auto-detected plain stream as unparsed', () => {
    const stream = createStreamParser({ maxLines: 3 });
    for (const line of ['a b c', 'd e f', 'g h i', 'j k l']) stream.parse(line, NOW);
    expect(stream.format).toBe('plain');
    expect(stream.stats.unparsed).toBe(4);
  });
});

describe('log stream (multiline joining + parsing)', () => {
  it('joins a stack trace into the log4j record it belongs to and parses the exception out', () => {
    const stream = createLogStream({ format: 'log4j' });
    const lines = [
      '2023-10-11 22:14:15,001 [main] ERROR com.x.Api - failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.x.Api.run(Api.java:1)',
      '2023-10-11 22:14:15,002 [main] INFO  com.x.Api - recovered',
    ];
    const out = lines.flatMap((line, i) => stream.push(line, NOW + i));
    expect(out).toHaveLength(1);
    expect(out[0]!.record.body).toBe('failed');
    expect(out[0]!.record.attributes['exception.type']).toBe('java.lang.IllegalStateException');
    expect(stream.poll(NOW + 100)).toEqual([]);
    const flushed = stream.poll(NOW + 5000);
    expect(flushed.map((r) => r.record.body)).toEqual(['recovered']);
  });

  it('marks records cut at a multiline bound', () => {
    const stream = createLogStream({ format: 'plain', multiline: { maxLines: 2 } });
    const out = ['head', '  a', '  b'].flatMap((line) => stream.push(line, NOW));
    out.push(...stream.flush(NOW));
    expect(out.map((r) => [r.record.body, r.record.attributes[MULTILINE_SPLIT_ATTRIBUTE], r.record.attributes[MULTILINE_CONTINUED_ATTRIBUTE]])).toEqual([
      ['head\n  a', 'max_lines', undefined],
      ['  b', undefined, true],
    ]);
  });

  it('returns each line at once without multiline joining', () => {
    const stream = createLogStream({ multiline: false });
    expect(stream.push(samples.syslog(1), NOW)).toHaveLength(1);
    expect(stream.push('  indented', NOW)).toHaveLength(1);
    expect(stream.flush(NOW)).toEqual([]);
  });
});
