/**
 * Collector health: ingest per signal and receiver, refusals, queue depth against
 * capacity, dropped items, outbox backlog, notifier failures and breaker state,
 * exporter buffers and retries, probe errors, SLI store and SLO evaluation.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { deliveryRow } from './collector-health/delivery-row.ts';
import { ingestRow } from './collector-health/ingest-row.ts';
import { runtimeRow } from './collector-health/runtime-row.ts';
import { baseDashboard, dashboardLink, layoutDashboard, prometheusVariable } from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

export function collectorHealthDashboard(): dashboard.Dashboard {
  const builder = baseDashboard(
    'Collector health',
    DASHBOARD_UIDS.collectorHealth,
    'Is Lookout itself healthy: ingest, refusals, queue, notifications, exporters, probes and the SLO runtime.',
    ['self-monitoring'],
  )
    .withVariable(prometheusVariable())
    .link(dashboardLink('Resources', DASHBOARD_UIDS.resources))
    .link(dashboardLink('TLS certificates and probes', DASHBOARD_UIDS.tlsProbes));
  return layoutDashboard(builder, [ingestRow(), deliveryRow(), runtimeRow()]);
}
