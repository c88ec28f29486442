import { describe, expect, it } from 'vitest';
import { parseMeminfo } from './memory.ts';

const MEMINFO = `MemTotal:       24684092 kB
MemFree:        24026596 kB
MemAvailable:   24216720 kB
Buffers:            3668 kB
Cached:           346428 kB
SwapTotal:        102396 kB
SwapFree:          51198 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

describe('parseMeminfo', () => {
  it('converts kB (KiB) to bytes and derives the used ratio from MemAvailable', () => {
    const m = parseMeminfo(MEMINFO);
    expect(m.totalBytes).toBe(24684092 * 1024);
    expect(m.availableBytes).toBe(24216720 * 1024);
    expect(m.swapFreeBytes).toBe(51198 * 1024);
    expect(m.usedRatio).toBeCloseTo(1 - 24216720 / 24684092, 12);
    // counts without a unit stay counts
    expect(m.fields.get('HugePages_Total')).toBe(0);
    expect(m.fields.get('Hugepagesize')).toBe(2048 * 1024);
  });
  it('names the missing line and the kernel that has it', () => {
    expect(() => parseMeminfo('MemTotal: 1 kB\nMemFree: 1 kB\n')).toThrow('/proc/meminfo: no MemAvailable line; a Linux 3.14+ kernel reports it');
  });
});
