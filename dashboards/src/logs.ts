/**
 * Logs (Loki, as the collector's Loki exporter writes them: stream labels service,
 * severity, source; trace_id and span_id as structured metadata): volume by service
 * and severity, error lines, and lines with a trace id, which the Loki data source's
 * derived field links to the trace in Tempo. One Prometheus panel shows what the
 * collector received, so the volume is visible even without Loki.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  LOKI_REF,
  baseDashboard,
  dashboardLink,
  labelVariable,
  layoutDashboard,
  lokiQuery,
  lokiVariable,
  logsPanel,
  promQuery,
  prometheusVariable,
  risingThresholds,
  sloDashboardsLink,
  timeseriesPanel,
} from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

/** Loki refuses selectors that match the empty string only, so `All` is `.+`. */
const STREAM = '{service=~"$service"}';
const ERROR_STREAM = '{service=~"$service", severity=~"error|fatal"}';

export function logsDashboard(): dashboard.Dashboard {
  const builder = baseDashboard('Logs', DASHBOARD_UIDS.logs, 'Log volume by service and severity, error lines and trace links, from Loki.', ['logs'])
    .withVariable(prometheusVariable())
    .withVariable(lokiVariable())
    .withVariable(labelVariable('service', 'service', 'lookout_log_records_total', 'Service', '.+'))
    .link(dashboardLink('Service overview', DASHBOARD_UIDS.serviceOverview))
    .link(dashboardLink('SLO overview', DASHBOARD_UIDS.sloOverview))
    .link(sloDashboardsLink());

  return layoutDashboard(builder, [
    {
      title: 'Volume',
      panels: [
        timeseriesPanel({
          datasource: LOKI_REF,
          title: 'Log lines by service and severity (Loki)',
          description: 'Lines per interval in Loki, per service and severity.',
          unit: 'short',
          stacked: true,
          targets: [lokiQuery(`sum by (service, severity) (count_over_time(${STREAM} [$__interval]))`, '{{service}} {{severity}}')],
        }),
        timeseriesPanel({
          title: 'Log records received (collector)',
          description: 'Records per second the collector received, per service and severity, whatever their destination.',
          unit: 'short',
          stacked: true,
          targets: [promQuery('sum by (service, severity) (rate(lookout_log_records_total{service=~"$service"}[$__rate_interval]))', '{{service}} {{severity}}')],
        }),
        timeseriesPanel({
          datasource: LOKI_REF,
          title: 'Error lines per service',
          description: 'ERROR and FATAL lines per interval and service; a step up usually starts an incident.',
          unit: 'short',
          thresholds: risingThresholds(1, 100),
          targets: [lokiQuery(`sum by (service) (count_over_time(${ERROR_STREAM} [$__interval]))`, '{{service}}')],
          width: 24,
        }),
      ],
    },
    {
      title: 'Lines',
      panels: [
        logsPanel({
          title: 'Error lines',
          description: 'The newest ERROR and FATAL lines of the selected services.',
          unit: 'none',
          targets: [lokiQuery(ERROR_STREAM)],
          width: 24,
        }),
        logsPanel({
          title: 'Lines with a trace id',
          description: 'Lines logged inside a traced request; the trace_id field opens the trace in Tempo.',
          unit: 'none',
          targets: [lokiQuery(`${STREAM} | trace_id != ""`)],
          width: 24,
        }),
      ],
    },
  ]);
}
