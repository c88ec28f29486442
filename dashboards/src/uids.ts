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

const GRAFANA_UID = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * `lookout-slo-<name>`, verbatim whenever that is a valid Grafana uid, so the SLO
 * overview can link each row to `/d/lookout-slo-<slo label>`; names with dots or too
 * long for 40 characters get a slug and a hash instead. SLO names are unique across
 * services (the SLI store is keyed by them).
 */
export function sloDashboardUid(slo: Pick<SloDefinition, 'name'>): string {
  const direct = `${stableUid('slo')}-${slo.name}`;
  return GRAFANA_UID.test(direct) ? direct : stableUid('slo', slo.name);
}
