import { describe, expect, it } from 'vitest';
import { rssBoundBytes } from './memory-bound.ts';

const MIB = 1024 * 1024;

describe('rssBoundBytes', () => {
  it('adds each configured limit times its factor to the idle RSS (the README figures)', () => {
    const defaults = { maxConnections: 2048, maxInFlightBytes: 128 * MIB, maxDecompressedBytes: 32 * MIB, queueMaxBytes: 256 * MIB };
    expect(rssBoundBytes(defaults, 100 * MIB) / MIB).toBe(100 + 64 + 64 + 512 + 64 + 4096);
    const small = { maxConnections: 2048, maxInFlightBytes: 64 * MIB, maxDecompressedBytes: 32 * MIB, queueMaxBytes: 32 * MIB };
    expect(rssBoundBytes(small, 0) / MIB).toBe(64 + 64 + 256 + 64 + 512);
  });
});
