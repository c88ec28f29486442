/** Memory figures from /proc/meminfo, in bytes. */
export interface MemoryFigures {
  totalBytes: number;
  /** MemAvailable: what can be allocated without swapping (kernel's estimate) */
  availableBytes: number;
  freeBytes: number;
  buffersBytes: number;
  cachedBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
  /** 1 − available/total: the figure memory alerts use */
  usedRatio: number;
  /** every field, in bytes where the kernel gives kB, as a count otherwise */
  fields: Map<string, number>;
}

/** Parses /proc/meminfo ('MemTotal:  24684092 kB'); kB there means KiB. */
export function parseMeminfo(text: string): MemoryFigures {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!match) continue;
    fields.set(match[1]!, Number(match[2]) * (match[3] ? 1024 : 1));
  }
  const need = (name: string): number => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`/proc/meminfo: no ${name} line; a Linux 3.14+ kernel reports it`);
    return value;
  };
  const totalBytes = need('MemTotal');
  const availableBytes = need('MemAvailable');
  return {
    totalBytes,
    availableBytes,
    freeBytes: need('MemFree'),
    buffersBytes: fields.get('Buffers') ?? 0,
    cachedBytes: fields.get('Cached') ?? 0,
    swapTotalBytes: fields.get('SwapTotal') ?? 0,
    swapFreeBytes: fields.get('SwapFree') ?? 0,
    usedRatio: totalBytes > 0 ? 1 - availableBytes / totalBytes : 0,
    fields,
  };
}
