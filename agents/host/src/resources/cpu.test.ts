import { describe, expect, it } from 'vitest';
import { cpuUtilisation, parseProcStat, sumCpuTimes } from './cpu.ts';

const STAT = `cpu  47736 0 10136 127701 614 0 487 16712 0 0
cpu0 21175 0 4971 66658 222 0 149 8526 0 0
cpu1 26560 0 5164 61042 392 0 338 8185 0 0
intr 1234 0 0
ctxt 99999
btime 1700000000
`;

describe('parseProcStat', () => {
  it('reads the total and per-CPU lines in seconds (USER_HZ 100)', () => {
    const stat = parseProcStat(STAT);
    expect(stat.total).toEqual({ user: 477.36, nice: 0, system: 101.36, idle: 1277.01, iowait: 6.14, irq: 0, softirq: 4.87, steal: 167.12 });
    expect([...stat.perCpu.keys()]).toEqual([0, 1]);
    expect(stat.perCpu.get(1)!.user).toBe(265.6);
  });
  it('accepts old kernels with only four fields, the missing modes at 0', () => {
    expect(parseProcStat('cpu 1 2 3 4\n').total).toEqual({ user: 0.01, nice: 0.02, system: 0.03, idle: 0.04, iowait: 0, irq: 0, softirq: 0, steal: 0 });
  });
  it('says what is wrong with a bad file', () => {
    expect(() => parseProcStat('intr 1\n')).toThrow("/proc/stat: no 'cpu' line; is this /proc/stat?");
    expect(() => parseProcStat('cpu 1 2\n')).toThrow("/proc/stat: 'cpu 1 2' has 2 fields, expected at least 4 (user nice system idle)");
    expect(() => parseProcStat('cpu 1 2 x 4\n')).toThrow("/proc/stat: 'cpu 1 2 x 4' field 3 (system) is 'x', not a number");
  });
});

describe('cpuUtilisation', () => {
  const before = parseProcStat('cpu 100 0 100 700 100 0 0 0\n').total;
  it('busy share excludes idle and iowait; modes add up to 1', () => {
    const after = parseProcStat('cpu 160 0 120 800 120 0 0 0\n').total;
    const u = cpuUtilisation(before, after)!;
    expect(u.elapsedCpuSeconds).toBeCloseTo(2, 10);
    expect(u.busyRatio).toBeCloseTo(0.4, 10);
    expect(u.modeRatio.user).toBeCloseTo(0.3, 10);
    expect(sumCpuTimes(u.modeRatio)).toBeCloseTo(1, 10);
  });
  it('is undefined when no tick passed or the counters went back (reboot)', () => {
    expect(cpuUtilisation(before, before)).toBeUndefined();
    expect(cpuUtilisation(before, parseProcStat('cpu 1 0 1 7 1 0 0 0\n').total)).toBeUndefined();
  });
});
