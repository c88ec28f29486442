/** Load averages from /proc/loadavg ('0.21 0.43 0.27 1/87 7507'). */
export interface LoadFigures {
  load1: number;
  load5: number;
  load15: number;
  runnableTasks: number;
  totalTasks: number;
}

export function parseLoadavg(text: string): LoadFigures {
  const match = /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)\/(\d+)/.exec(text);
  if (!match) throw new Error(`/proc/loadavg: unreadable '${text.trim().slice(0, 60)}' (expected e.g. '0.21 0.43 0.27 1/87 7507')`);
  return {
    load1: Number(match[1]),
    load5: Number(match[2]),
    load15: Number(match[3]),
    runnableTasks: Number(match[4]),
    totalTasks: Number(match[5]),
  };
}
