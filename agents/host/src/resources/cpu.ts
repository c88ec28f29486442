/**
 * CPU time from /proc/stat. The kernel reports jiffies in USER_HZ, which is 100 on every
 * Linux ABI (what node_exporter assumes too), so seconds = jiffies / 100.
 */

export const USER_HZ = 100;

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/** Seconds spent in each mode since boot. `user` and `nice` include guest time, as in the kernel. */
export type CpuTimes = Record<CpuMode, number>;

export interface CpuStat {
  /** all CPUs together (the `cpu` line) */
  total: CpuTimes;
  /** per CPU, by its number (`cpu0`, `cpu1`…) */
  perCpu: Map<number, CpuTimes>;
}

function times(fields: string[], where: string): CpuTimes {
  if (fields.length < 4) throw new Error(`/proc/stat: '${where}' has ${fields.length} fields, expected at least 4 (user nice system idle)`);
  const result = {} as CpuTimes;
  CPU_MODES.forEach((mode, i) => {
    const raw = fields[i];
    const jiffies = raw === undefined ? 0 : Number(raw);
    if (!Number.isFinite(jiffies)) throw new Error(`/proc/stat: '${where}' field ${i + 1} (${mode}) is '${raw}', not a number`);
    result[mode] = jiffies / USER_HZ;
  });
  return result;
}

/** Parses the cpu lines of /proc/stat; other lines are ignored. */
export function parseProcStat(text: string): CpuStat {
  let total: CpuTimes | undefined;
  const perCpu = new Map<number, CpuTimes>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [label, ...fields] = line.trim().split(/\s+/);
    if (label === 'cpu') total = times(fields, line);
    else if (/^cpu\d+$/.test(label!)) perCpu.set(Number(label!.slice(3)), times(fields, line));
  }
  if (!total) throw new Error("/proc/stat: no 'cpu' line; is this /proc/stat?");
  return { total, perCpu };
}

export function sumCpuTimes(t: CpuTimes): number {
  return CPU_MODES.reduce((sum, mode) => sum + t[mode], 0);
}

export interface CpuUtilisation {
  /** share of time busy (not idle, not iowait), 0..1, over all CPUs */
  busyRatio: number;
  /** share of time per mode, 0..1; the modes add up to 1 */
  modeRatio: CpuTimes;
  /** seconds of CPU time elapsed across all CPUs between the readings */
  elapsedCpuSeconds: number;
}

/**
 * Utilisation between two readings of the `cpu` line. Undefined when no time passed
 * (readings within one tick) or the counters went backwards (a reboot in between).
 */
export function cpuUtilisation(before: CpuTimes, after: CpuTimes): CpuUtilisation | undefined {
  const delta = {} as CpuTimes;
  for (const mode of CPU_MODES) {
    delta[mode] = after[mode] - before[mode];
    if (delta[mode] < 0) return undefined;
  }
  const elapsed = sumCpuTimes(delta);
  if (elapsed <= 0) return undefined;
  const modeRatio = {} as CpuTimes;
  for (const mode of CPU_MODES) modeRatio[mode] = delta[mode] / elapsed;
  return { busyRatio: 1 - (delta.idle + delta.iowait) / elapsed, modeRatio, elapsedCpuSeconds: elapsed };
}
