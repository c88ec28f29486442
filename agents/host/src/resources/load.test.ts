import { describe, expect, it } from 'vitest';
import { parseLoadavg } from './load.ts';

describe('parseLoadavg', () => {
  it('reads the three averages and the task counts', () => {
    expect(parseLoadavg('0.21 0.43 0.27 1/87 7507\n')).toEqual({ load1: 0.21, load5: 0.43, load15: 0.27, runnableTasks: 1, totalTasks: 87 });
  });
  it('quotes an unreadable file', () => {
    expect(() => parseLoadavg('garbage')).toThrow("/proc/loadavg: unreadable 'garbage' (expected e.g. '0.21 0.43 0.27 1/87 7507')");
  });
});
