import { describe, expect, it } from 'vitest';
import { levelFromWord, pinoSeverityNumber, severityBucket, syslogSeverityNumber } from './severity.ts';

describe('severity', () => {
  it('buckets severity numbers by the OTel ranges', () => {
    const buckets = Array.from({ length: 26 }, (_, n) => severityBucket(n));
    expect(buckets).toEqual([
      'unspecified',
      ...Array(4).fill('trace'),
      ...Array(4).fill('debug'),
      ...Array(4).fill('info'),
      ...Array(4).fill('warn'),
      ...Array(4).fill('error'),
      ...Array(4).fill('fatal'),
      'unspecified',
    ]);
    expect([severityBucket(-1), severityBucket(9.5), severityBucket(Number.NaN)]).toEqual(['unspecified', 'unspecified', 'unspecified']);
  });

  it('maps pino levels, custom ones in between keeping their order', () => {
    expect([5, 10, 15, 20, 25, 30, 35, 39, 40, 50, 60, 100].map(pinoSeverityNumber)).toEqual([1, 1, 3, 5, 7, 9, 11, 12, 13, 17, 21, 24]);
    expect(pinoSeverityNumber(Number.POSITIVE_INFINITY)).toBe(0); // pino's `silent`
  });

  it('maps syslog severities per the OTel appendix', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(syslogSeverityNumber)).toEqual([21, 19, 18, 17, 13, 10, 9, 5]);
  });

  it('reads level words in any case, and nothing else', () => {
    expect(['TRACE', 'Debug', 'info', 'WARNING', 'Err', 'SEVERE', 'CRITICAL', 'fatal', 'EMERG', 'notice', 'FINE'].map(levelFromWord)).toEqual([
      1, 5, 9, 13, 17, 17, 18, 21, 21, 10, 5,
    ]);
    expect(['', 'in', 'information-ish', 'main', 'toString', '__proto__', 'constructor'].map(levelFromWord)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
