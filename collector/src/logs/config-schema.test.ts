import { describe, expect, it } from 'vitest';
import { logParsingSchema, parseUtcOffset, toLogStreamOptions } from './config-schema.ts';

function issues(input: unknown): string[] {
  const result = logParsingSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('log parsing config', () => {
  it('defaults to auto-detection in UTC with multiline joining by shape', () => {
    const config = logParsingSchema.parse(undefined);
    expect(config).toEqual({ format: 'auto', utcOffset: 'UTC', detectLines: 20, json: { messageKey: 'msg', errorKey: 'err' } });
    expect(toLogStreamOptions(config)).toEqual({ format: 'auto', utcOffsetMinutes: 0, maxLines: 20, messageKey: 'msg', errorKey: 'err' });
  });

  it('accepts aliases, offsets, a pattern, multiline bounds with units and pino custom levels', () => {
    const config = logParsingSchema.parse({
      format: 'nginx',
      pattern: '<ip> <status>',
      utcOffset: '+05:30',
      multiline: { startPattern: '^\\d{4}-', maxLines: 50, maxBytes: '32KiB', timeout: '2s' },
      json: { customLevels: { audit: 35 } },
    });
    expect(toLogStreamOptions(config)).toEqual({
      format: 'access',
      pattern: '<ip> <status>',
      utcOffsetMinutes: 330,
      maxLines: 20,
      messageKey: 'msg',
      errorKey: 'err',
      customLevels: { audit: 35 },
      multiline: { startPattern: '^\\d{4}-', maxLines: 50, maxBytes: 32 * 1024, timeoutMs: 2000 },
    });
    expect(toLogStreamOptions(logParsingSchema.parse({ multiline: false })).multiline).toBe(false);
  });

  it('names the valid formats when the format is unknown', () => {
    expect(issues({ format: 'xml' })).toEqual([
      "format: unknown log format 'xml'; use auto or one of json, logfmt, access, apache-error, syslog, log4j, plain (or set pattern for a custom layout)",
    ]);
  });

  it('reports where a pattern is broken and how to fix it', () => {
    expect(issues({ pattern: '<ip><status>' })).toEqual([
      'pattern: invalid log pattern "<ip><status>" at column 5: placeholders <ip> and <status> touch, so where one ends is ambiguous; put literal text (e.g. a space) between them',
    ]);
  });

  it('rejects a bad offset, a bad start regex, and an unknown key', () => {
    expect(issues({ utcOffset: 'Europe/Paris' })).toEqual(["utcOffset: 'Europe/Paris' is not a UTC offset; write UTC, +02:00 or -0530"]);
    expect(issues({ multiline: { startPattern: '([' } })[0]).toMatch(/^multiline\.startPattern: startPattern is not a valid regular expression: /);
    expect(issues({ multiline: { maxBytes: 'lots' } })).toEqual([
      "multiline.maxBytes: 'lots' is not a size; write a number of bytes or a number with a unit, e.g. 4MiB, 512KiB, 10MB",
    ]);
    expect(issues({ fromat: 'json' })[0]).toMatch(/fromat/);
  });

  it('reads UTC offsets', () => {
    expect([parseUtcOffset('UTC'), parseUtcOffset('Z'), parseUtcOffset('+02:00'), parseUtcOffset('-0530'), parseUtcOffset('UTC+01:00')]).toEqual([0, 0, 120, -330, 60]);
    expect([parseUtcOffset('+25:00'), parseUtcOffset('2'), parseUtcOffset('')]).toEqual([undefined, undefined, undefined]);
  });
});
