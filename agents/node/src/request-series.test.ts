import { describe, expect, it } from 'vitest';
import * as original from '../../../alerts/src/sli-series.ts';
import { DEFAULT_DURATION_BUCKETS_SECONDS, REQUEST_DURATION_SECONDS, REQUEST_LABELS, statusClass } from './request-series.ts';

describe('request series constants', () => {
  it('equal the collector request series in alerts/src/sli-series.ts', () => {
    expect(REQUEST_DURATION_SECONDS).toBe(original.REQUEST_DURATION_SECONDS);
    expect([...REQUEST_LABELS]).toEqual([...original.REQUEST_LABELS]);
    expect([...DEFAULT_DURATION_BUCKETS_SECONDS]).toEqual([...original.DEFAULT_DURATION_BUCKETS_SECONDS]);
  });
});

describe('statusClass', () => {
  it('maps codes to their class and out-of-range codes to error', () => {
    expect(statusClass(101)).toBe('1xx');
    expect(statusClass(200)).toBe('2xx');
    expect(statusClass(304)).toBe('3xx');
    expect(statusClass(404)).toBe('4xx');
    expect(statusClass(599)).toBe('5xx');
    expect(statusClass(0)).toBe('error');
    expect(statusClass(600)).toBe('error');
  });
});
