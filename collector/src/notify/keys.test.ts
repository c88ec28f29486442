import { describe, expect, it } from 'vitest';
import { dedupKeyOf, deliveryKeyOf, labelsFingerprint } from './keys.ts';

describe('keys', () => {
  it('fingerprints an empty label set as the FNV-1a 64 offset basis, as Alertmanager does', () => {
    expect(labelsFingerprint({})).toBe('cbf29ce484222325');
  });
  it('fingerprints independently of label order', () => {
    expect(labelsFingerprint({ a: '1', b: '2' })).toBe(labelsFingerprint({ b: '2', a: '1' }));
    expect(labelsFingerprint({ a: '1', b: '2' })).not.toBe(labelsFingerprint({ a: '12' }));
  });
  it('derives a stable dedup key from all labels or the named ones', () => {
    const labels = { alertname: 'SLOBurnRate', slo: 'x', severity: 'page', long_window: '1h' };
    expect(dedupKeyOf(labels)).toBe(dedupKeyOf({ ...labels }));
    expect(dedupKeyOf(labels)).toMatch(/^lookout-[0-9a-f]{32}$/);
    expect(dedupKeyOf(labels, ['alertname', 'slo', 'severity'])).toBe(dedupKeyOf({ ...labels, long_window: '6h' }, ['alertname', 'slo', 'severity']));
    expect(dedupKeyOf(labels)).not.toBe(dedupKeyOf({ ...labels, long_window: '6h' }));
  });
  it('gives one delivery key per receiver, alert, status and episode', () => {
    const keys = new Set([
      deliveryKeyOf('r', 'k', 'firing', 'e'),
      deliveryKeyOf('r2', 'k', 'firing', 'e'),
      deliveryKeyOf('r', 'k2', 'firing', 'e'),
      deliveryKeyOf('r', 'k', 'resolved', 'e'),
      deliveryKeyOf('r', 'k', 'firing', 'e2'),
    ]);
    expect(keys.size).toBe(5);
    expect(deliveryKeyOf('r', 'k', 'firing', 'e')).toBe(deliveryKeyOf('r', 'k', 'firing', 'e'));
  });
});
