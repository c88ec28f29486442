/**
 * Pure figures of an SLO's past for the status page: its error budget over time from
 * the per-minute SLI buckets, and availability, MTTF and MTTR from its alert episodes.
 */

export interface MinuteCounts {
  minute: number;
  good: number;
  total: number;
}

export interface BudgetPoint {
  atMs: number;
  /** share of the budget left over the window ending here; null without events */
  remaining: number | null;
}

const MINUTE_MS = 60_000;

/**
 * Budget left at `points` evenly spaced minutes over the last `spanMinutes` up to
 * `endMinute`, each over the rolling `windowMinutes` ending at that minute:
 * 1 − errors / ((1 − objective) × events). `buckets` must cover
 * (endMinute − spanMinutes − windowMinutes, endMinute]; sparse is fine.
 */
export function budgetSeries(
  buckets: readonly MinuteCounts[],
  options: { objective: number; windowMinutes: number; spanMinutes: number; endMinute: number; points?: number },
): BudgetPoint[] {
  const points = Math.max(2, options.points ?? 60);
  const sorted = [...buckets].sort((a, b) => a.minute - b.minute);
  // prefix sums: good/total of sorted[0..i)
  const goodBefore = [0];
  const totalBefore = [0];
  for (const b of sorted) {
    goodBefore.push(goodBefore.at(-1)! + b.good);
    totalBefore.push(totalBefore.at(-1)! + b.total);
  }
  /** index of the first bucket with minute > m */
  const after = (m: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.minute <= m) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const allowed = 1 - options.objective;
  const out: BudgetPoint[] = [];
  for (let i = 0; i < points; i++) {
    const minute = Math.round(options.endMinute - options.spanMinutes + (i * options.spanMinutes) / (points - 1));
    const hi = after(minute);
    const lo = after(minute - options.windowMinutes);
    const total = totalBefore[hi]! - totalBefore[lo]!;
    const errors = total - (goodBefore[hi]! - goodBefore[lo]!);
    out.push({ atMs: (minute + 1) * MINUTE_MS, remaining: total > 0 && allowed > 0 ? 1 - errors / (allowed * total) : null });
  }
  return out;
}

export interface EpisodeSpan {
  startMs: number;
  /** null while it is still open */
  resolvedMs: number | null;
}

export interface EpisodeStats {
  episodes: number;
  /** time spent inside episodes within [fromMs, nowMs] */
  downMs: number;
  /** 1 − downMs / (nowMs − fromMs) */
  timeAvailability: number;
  /** mean time from the start to the resolve of closed episodes; null without any */
  mttrMs: number | null;
  /** time outside episodes / episodes; null without any */
  mttfMs: number | null;
}

/** Availability, MTTR and MTTF of the episodes that overlap [fromMs, nowMs]. */
export function episodeStats(episodes: readonly EpisodeSpan[], fromMs: number, nowMs: number): EpisodeStats {
  const span = Math.max(1, nowMs - fromMs);
  const inside = episodes.filter((e) => (e.resolvedMs ?? nowMs) >= fromMs && e.startMs <= nowMs);
  // Merge overlaps so two alerts of one outage do not count its time twice.
  const intervals = inside
    .map((e) => [Math.max(fromMs, e.startMs), Math.min(nowMs, e.resolvedMs ?? nowMs)] as const)
    .sort((a, b) => a[0] - b[0]);
  let downMs = 0;
  let current: [number, number] | undefined;
  for (const [a, b] of intervals) {
    if (current && a <= current[1]) current[1] = Math.max(current[1], b);
    else {
      if (current) downMs += current[1] - current[0];
      current = [a, b];
    }
  }
  if (current) downMs += current[1] - current[0];
  const closed = inside.filter((e) => e.resolvedMs !== null);
  return {
    episodes: inside.length,
    downMs,
    timeAvailability: 1 - downMs / span,
    mttrMs: closed.length > 0 ? closed.reduce((sum, e) => sum + (e.resolvedMs! - e.startMs), 0) / closed.length : null,
    mttfMs: inside.length > 0 ? (span - downMs) / inside.length : null,
  };
}
