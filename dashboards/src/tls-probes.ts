/**
 * TLS certificates and probes: days left per endpoint (soonest first, thresholds at
 * 14 and 3 days as the threshold alerts use), verification errors, probe success and
 * latency, from the collector's probes.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  baseDashboard,
  dashboardLink,
  fallingThresholds,
  layoutDashboard,
  promQuery,
  prometheusVariable,
  risingThresholds,
  statPanel,
  tablePanel,
  thresholdSteps,
  timeseriesPanel,
} from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

/** Ticket below 14 days, page below 3 (the defaults of thresholdAlerts.tls). */
const DAYS_LEFT_THRESHOLDS = () => thresholdSteps([[null, 'red'], [3, 'orange'], [14, 'green']]);

export function tlsProbesDashboard(): dashboard.Dashboard {
  const builder = baseDashboard(
    'TLS certificates and probes',
    DASHBOARD_UIDS.tlsProbes,
    'Certificate expiry and verification per endpoint, probe success and latency.',
    ['probes', 'tls'],
  )
    .withVariable(prometheusVariable())
    .link(dashboardLink('Service overview', DASHBOARD_UIDS.serviceOverview))
    .link(dashboardLink('Collector health', DASHBOARD_UIDS.collectorHealth));

  return layoutDashboard(builder, [
    {
      title: 'Certificates',
      panels: [
        statPanel({
          title: 'Soonest expiry',
          description: 'Days until the first certificate of any probed endpoint expires: a ticket under 14, a page under 3.',
          unit: 'd',
          decimals: 1,
          thresholds: DAYS_LEFT_THRESHOLDS(),
          targets: [promQuery('min(lookout_tls_cert_days_left)', 'days left', { instant: true })],
          width: 6,
        }),
        statPanel({
          title: 'Endpoints failing verification',
          description: 'Endpoints whose chain is not trusted or does not match the host name.',
          unit: 'short',
          thresholds: risingThresholds(1, 1),
          targets: [promQuery('count(lookout_tls_cert_verified == 0) or vector(0)', 'unverified', { instant: true })],
          width: 6,
        }),
        tablePanel({
          title: 'Days left per endpoint',
          description: 'Every presented certificate by days left, soonest first.',
          unit: 'd',
          decimals: 1,
          thresholds: DAYS_LEFT_THRESHOLDS(),
          targets: [promQuery('sort(min by (target, subject, issuer) (lookout_tls_cert_days_left))', '', { instant: true, table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'days left' } } }],
          sortBy: { column: 'days left', desc: false },
          columns: [{ column: 'days left', properties: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }] }],
          width: 12,
        }),
        tablePanel({
          title: 'Verification',
          description: 'Whether each endpoint’s chain verifies; the reason is the TLS error code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID…).',
          unit: 'none',
          thresholds: fallingThresholds(1, 1),
          targets: [promQuery('sort(lookout_tls_cert_verified)', '', { instant: true, table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true, __name__: true, job: true, instance: true }, renameByName: { Value: 'verified' } } }],
          width: 12,
        }),
        timeseriesPanel({
          title: 'Days left over time',
          description: 'Days left of the earliest certificate per endpoint; a jump up is a renewal.',
          unit: 'd',
          thresholds: DAYS_LEFT_THRESHOLDS(),
          showThresholds: true,
          targets: [promQuery('(lookout_tls_earliest_cert_expiry_seconds - time()) / 86400', '{{target}}')],
        }),
      ],
    },
    {
      title: 'Probes',
      panels: [
        timeseriesPanel({
          title: 'Probe success',
          description: '1 when the last run of each probe succeeded, 0 when it failed.',
          unit: 'none',
          thresholds: fallingThresholds(1, 1),
          min: 0,
          max: 1,
          targets: [promQuery('lookout_probe_success', '{{kind}} {{target}}')],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Probe duration',
          description: 'How long the last run of each probe took.',
          unit: 's',
          thresholds: risingThresholds(1, 5),
          targets: [promQuery('lookout_probe_duration_seconds', '{{kind}} {{target}}')],
          width: 8,
        }),
        tablePanel({
          title: 'Probe runs that did not succeed',
          description: 'Failed, timed-out and skipped runs per probe over the time range.',
          unit: 'short',
          thresholds: risingThresholds(1, 3),
          targets: [
            promQuery('sum by (kind, target, outcome) (increase(lookout_probe_runs_total{outcome!="success"}[$__range])) > 0', '', { instant: true, table: true }),
          ],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'runs' } } }],
          width: 8,
        }),
        timeseriesPanel({
          title: 'HTTP probe status',
          description: 'Status code of the last answer per HTTP probe.',
          unit: 'none',
          thresholds: risingThresholds(400, 500),
          targets: [promQuery('lookout_http_probe_status_code', '{{target}}')],
          width: 24,
        }),
      ],
    },
  ]);
}
