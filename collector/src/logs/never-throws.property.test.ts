import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFormatDetector } from './format-detector.ts';
import { createFormatParser, LOG_FORMATS } from './formats.ts';
import { createLogStream } from './log-stream.ts';
import { createMultilineJoiner } from './multiline.ts';
import { compileLogPattern, LogPatternError } from './pattern-parser.ts';
import type { LineParser } from './record.ts';
import { requestFromLogRecord } from './request-observation.ts';
import { templateRoute } from './route-template.ts';
import { createStreamParser } from './stream-parser.ts';
import { createSyslogFrameDecoder } from './syslog-framing.ts';
import { parseAnyTimestamp } from './timestamp.ts';

// Property tests: no parser, nor the detector, joiner or framing decoder, may throw on any input.

/** Any UTF-16 code unit, lone surrogates and controls included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Pieces of real lines, so that inputs reach deep into each parser rather than failing at byte 0. */
const fragment = fc.constantFrom(
  '<', '>', '<13>', '<165>1 ', '<999>', '1 ', '[', ']', '"', '\\', '\\"', '=', ' ', '  ', '\t', '\n', '\r', '-', ' - ', ':', ': ', '{', '}', ',',
  '@', '.', '/', '?', '#', '0', '9', '12', '2023-10-11T22:14:15.123456789+02:00', '2015-07-29 17:41:44,747', '10/Oct/2000:13:55:36 -0700',
  'Oct 11 22:14:15', 'Feb 29 00:00:00', 'Sun Dec 04 04:47:44 2005', 'Wed Oct 11 14:32:52.123456 2023', '23:59:59.999', 'INFO', 'ERROR', 'warn',
  '[error]', '[core:error]', '[pid 1:tid 2]', '[client ::1:80]', 'GET /a?b HTTP/1.1', '"GET / HTTP/1.0" 200 12', 'host', 'app[12]:', 'su:',
  'msg=', 'level=', '"a b"', '{"level":30,"time":1,"msg":"x","err":{"type":"E","message":"m","stack":"s"}}', '"level":', '"time":"',
  '"trace_id":"0af7651916cd43dd8448eb211c80319c"', '"req":{"method":"GET","url":"/x"}', '"res":{"statusCode":500}', '[exampleSDID@32473 iut="3"]',
  '\uFEFF', '\uD800', '\u0000', 'é', '🚀', 'Traceback (most recent call last):', '\tat x.Y(Z.java:1)', 'Caused by: a.B: c', '... 3 more',
  'java.lang.Error: x', '  File "x.py", line 1', '0.123', '1234567', '--- ', '[main]', 'com.x.Y', 'Foo:42', '__proto__', 'constructor',
);

const line = fc.oneof(
  { weight: 3, arbitrary: fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

const NOWS = fc.oneof(
  fc.constant(Date.UTC(2026, 0, 1)),
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY, 1.5),
);

const PATTERNS = ['<ip> - - [<_>] "<method> <path> <_>" <status>', '<time> <level> <msg>', '[<ts>] <pid>:<status> <duration_ms>', '<trace_id>|<span_id>|<x.y>'];

const parsers: [string, LineParser][] = [
  ...LOG_FORMATS.map((format): [string, LineParser] => [format, createFormatParser(format)]),
  ...LOG_FORMATS.map((format): [string, LineParser] => [`${format} +05:30`, createFormatParser(format, { utcOffsetMinutes: 330 })]),
  ...PATTERNS.map((pattern): [string, LineParser] => [`pattern ${pattern}`, compileLogPattern(pattern)]),
];

function checkRecord(parse: LineParser, input: string, nowMs: number): void {
  const { record, parsed } = parse(input, nowMs);
  expect(typeof parsed).toBe('boolean');
  if (!parsed) expect(record.body).toBe(input);
  expect(record.severityNumber).toBeGreaterThanOrEqual(0);
  expect(record.severityNumber).toBeLessThanOrEqual(24);
  expect(typeof record.timeUnixNano).toBe('bigint');
  expect(record.timeUnixNano).toBeGreaterThanOrEqual(0n);
  expect(record.traceId).toMatch(/^(|[0-9a-f]{32})$/);
  expect(record.spanId).toMatch(/^(|[0-9a-f]{16})$/);
  expect(Object.getPrototypeOf(record.attributes)).toBeNull();
  requestFromLogRecord(record, { service: 's' });
}

describe('never throws', () => {
  it.each(parsers)('%s parser, on arbitrary lines', (_name, parse) => {
    fc.assert(fc.property(line, NOWS, (input, nowMs) => checkRecord(parse, input, nowMs)), { numRuns: 400 });
  });

  it('format detector and stream parser, on arbitrary streams', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), NOWS, fc.integer({ min: 1, max: 25 }), (lines, nowMs, maxLines) => {
        const detector = createFormatDetector({ maxLines });
        const stream = createStreamParser({ maxLines, redetectAfter: 2 });
        for (const input of lines) {
          checkRecord((l, n) => detector.observe(l, n), input, nowMs);
          checkRecord((l, n) => stream.parse(l, n), input, nowMs);
        }
        expect(detector.detection.confidence).toBeGreaterThanOrEqual(0);
        expect(detector.detection.confidence).toBeLessThanOrEqual(1);
        expect(stream.stats.lines).toBe(lines.length);
      }),
      { numRuns: 200 },
    );
  });

  it('multiline joiner, keeping its bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.integer({ min: 0, max: 3000 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 16, max: 400 }),
        fc.option(fc.constantFrom('^\\d', '^[A-Z]', '(a|b)+'), { nil: undefined }),
        (steps, maxLines, maxBytes, startPattern) => {
          const joiner = createMultilineJoiner({ maxLines, maxBytes, timeoutMs: 1000, ...(startPattern ? { startPattern } : {}) });
          const entries = [];
          let now = 0;
          for (const [input, gap] of steps) {
            now += gap;
            entries.push(...joiner.poll(now), ...joiner.push(input, now));
          }
          entries.push(...joiner.flush());
          for (const entry of entries) {
            expect(entry.lines).toBeGreaterThanOrEqual(1);
            expect(entry.lines).toBeLessThanOrEqual(maxLines);
            expect(Buffer.byteLength(entry.text)).toBeLessThanOrEqual(maxBytes);
          }
          expect(joiner.hasPending).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('log stream, end to end', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const stream = createLogStream({ multiline: { maxLines: 3, maxBytes: 64 } });
        let now = 0;
        for (const input of lines) {
          stream.push(input, now);
          stream.poll((now += 700));
        }
        stream.flush(now);
      }),
      { numRuns: 200 },
    );
  });

  it('syslog framing decoder, on arbitrary bytes in arbitrary chunks', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.constantFrom('12 ', '5 ', '0 ', '<13>1 - - - - - - x', '\n', '\r\n', '99999999999 ', 'abc', '7 <13>abc'), { maxLength: 20 }).map((parts) =>
        new TextEncoder().encode(parts.join('')),
      ),
    );
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 64 }), (input, chunk, maxMessageBytes) => {
        const decoder = createSyslogFrameDecoder({ maxMessageBytes });
        for (let i = 0; i < input.length; i += chunk) {
          const result = decoder.push(input.subarray(i, i + chunk));
          for (const error of result.errors) expect(error.message.length).toBeGreaterThan(20);
        }
        decoder.end();
      }),
      { numRuns: 400 },
    );
  });

  it('octet-counted framing round-trips any messages, in any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { maxLength: 10 }), fc.integer({ min: 1, max: 17 }), (messages, chunk) => {
        const encoded = new TextEncoder().encode(messages.map((m) => `${new TextEncoder().encode(m).length} ${m}`).join(''));
        const decoder = createSyslogFrameDecoder();
        const out: string[] = [];
        for (let i = 0; i < encoded.length; i += chunk) out.push(...decoder.push(encoded.subarray(i, i + chunk)).messages);
        expect(out).toEqual(messages);
      }),
      { numRuns: 200 },
    );
  });

  it('templateRoute and parseAnyTimestamp', () => {
    fc.assert(
      fc.property(line, NOWS, (input, nowMs) => {
        const route = templateRoute(input);
        expect(typeof route).toBe('string');
        expect(route === '*' || route.startsWith('/')).toBe(true);
        parseAnyTimestamp(input, nowMs, 0);
      }),
      { numRuns: 500 },
    );
  });

  it('compileLogPattern throws only LogPatternError, and its parsers never throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('<a>', '<b.c>', '<_>', '<', '>', '\\<', '\\', ' ', '-', '[', ']', 'x', '<status>', '<time>', '<msg>', '<9>', '<>'), { maxLength: 10 }),
        line,
        (parts, input) => {
          let parse: LineParser | undefined;
          try {
            parse = compileLogPattern(parts.join(''));
          } catch (error) {
            expect(error).toBeInstanceOf(LogPatternError);
          }
          if (parse) checkRecord(parse, input, 0);
        },
      ),
      { numRuns: 400 },
    );
  });
});
