import { policyWindows } from './policy.ts';
import type { SloDefinition } from './types.ts';
import { SliWindowIndex } from './window-index.ts';

/**
 * A window index sized for one SLO: exact and O(1) for every window its policy
 * reads, hourly beyond them up to the period (31 days for a calendar month).
 */
export function createSloWindowIndex(slo: SloDefinition): SliWindowIndex {
  const windows = policyWindows(slo.policy);
  return new SliWindowIndex({
    exactMinutes: Math.max(1, ...windows),
    periodMinutes: slo.period.kind === 'rolling' ? slo.period.minutes : 31 * 1440,
    windows,
  });
}
