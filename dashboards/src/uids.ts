/** Uids of the generated dashboards, derived from names (see stableUid). */
import type { SloDefinition } from '@lookout/alerts';
import { stableUid } from './presets.ts';

export const DASHBOARD_UIDS = {
  serviceOverview: stableUid('service-overview'),
  sloOverview: stableUid('slo-overview'),
  resources: stableUid('resources'),
  tlsProbes: stableUid('tls-probes'),
  logs: stableUid('logs'),
  collectorHealth: stableUid('collector-health'),
} as const;

/** `lookout-slo-<name>`: SLO names are unique across services (the SLI store is keyed by them). */
export function sloDashboardUid(slo: Pick<SloDefinition, 'name'>): string {
  return stableUid('slo', slo.name);
}
