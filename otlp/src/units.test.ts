import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from './units.ts';

describe('parseSize', () => {
  it('reads bytes, decimal and binary units, any case, with or without a space', () => {
    expect(parseSize(1048576)).toBe(1048576);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseSize('512 kib')).toBe(524288);
    expect(parseSize('10MB')).toBe(10_000_000);
    expect(parseSize('1.5 KB')).toBe(1500);
  });

  it('refuses what is not a size', () => {
    expect(parseSize('12XB')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize(Number.NaN)).toBeUndefined();
    expect(parseSize('')).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it('reads single and compound durations and plain milliseconds', () => {
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
  });

  it('refuses what is not a duration', () => {
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration(-5)).toBeUndefined();
  });
});
