/**
 * Service overview: RED per service and route from the collector's request series
 * (rate, error ratio, p50/p90/p99 from the histogram), top routes by traffic and by
 * errors, status classes. Latency panels ask for exemplars, which link to the trace.
 */
import { REQUEST_DURATION_SECONDS, REQUEST_ERRORS_TOTAL, REQUESTS_TOTAL } from '@lookout/alerts';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  COLLECTOR_JOB_MATCHER,
  baseDashboard,
  dashboardLink,
  dataLink,
  labelVariable,
  layoutDashboard,
  promQuery,
  prometheusVariable,
  risingThresholds,
  sloDashboardsLink,
  statPanel,
  tablePanel,
  timeseriesPanel,
  varMatcher,
} from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

/** the scraped copy of the request series only (see COLLECTOR_JOB) */
const SEL = `{${COLLECTOR_JOB_MATCHER},${varMatcher('service', 'service')},${varMatcher('route', 'route')}}`;
const RATE = '$__rate_interval';

const requests = (by: string) => `sum by (${by}) (rate(${REQUESTS_TOTAL}${SEL}[${RATE}]))`;
const errors = (by: string) => `sum by (${by}) (rate(${REQUEST_ERRORS_TOTAL}${SEL}[${RATE}]))`;
const quantile = (q: number, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${REQUEST_DURATION_SECONDS}_bucket${SEL}[${RATE}])))`;

/** 1 % errors is worth a look, 5 % is an incident for most services. */
const ERROR_RATIO_THRESHOLDS = () => risingThresholds(0.01, 0.05);
/** Latency colours: amber above 300 ms, red above 1 s (the example SLO thresholds). */
const LATENCY_THRESHOLDS = () => risingThresholds(0.3, 1);

const logsOf = (label: string) => dataLink('Logs of ${__field.labels.service}', `/d/${DASHBOARD_UIDS.logs}?var-service=\${__field.labels.${label}}&\${__url_time_range}`);
const serviceOf = () =>
  dataLink('Overview of ${__field.labels.service}', `/d/${DASHBOARD_UIDS.serviceOverview}?var-service=\${__field.labels.service}&\${__url_time_range}`);

export function serviceOverviewDashboard(): dashboard.Dashboard {
  const builder = baseDashboard(
    'Service overview',
    DASHBOARD_UIDS.serviceOverview,
    'Requests, errors and duration per service and route, from the request series Lookout derives from spans, metrics and access logs.',
    ['red'],
  )
    .withVariable(prometheusVariable())
    .withVariable(labelVariable('service', 'service', REQUESTS_TOTAL, 'Service'))
    .withVariable(labelVariable('route', 'route', `${REQUESTS_TOTAL}{${varMatcher('service', 'service')}}`, 'Route'))
    .link(dashboardLink('SLO overview', DASHBOARD_UIDS.sloOverview))
    .link(sloDashboardsLink())
    .link(dashboardLink('Logs', DASHBOARD_UIDS.logs))
    .link(dashboardLink('Resources', DASHBOARD_UIDS.resources));

  return layoutDashboard(builder, [
    {
      panels: [
        statPanel({
          title: 'Requests per second',
          description: 'All requests of the selected services and routes.',
          unit: 'reqps',
          targets: [promQuery(`sum(rate(${REQUESTS_TOTAL}${SEL}[${RATE}]))`, 'requests/s', { instant: true })],
        }),
        statPanel({
          title: 'Error ratio',
          description: 'Requests that failed (status ≥ 500 or span status ERROR) over all requests.',
          unit: 'percentunit',
          decimals: 2,
          thresholds: ERROR_RATIO_THRESHOLDS(),
          targets: [promQuery(`sum(rate(${REQUEST_ERRORS_TOTAL}${SEL}[${RATE}])) / sum(rate(${REQUESTS_TOTAL}${SEL}[${RATE}]))`, 'error ratio', { instant: true })],
        }),
        statPanel({
          title: 'p99 duration',
          description: '99th percentile of request duration, interpolated within histogram buckets.',
          unit: 's',
          thresholds: LATENCY_THRESHOLDS(),
          targets: [promQuery(`histogram_quantile(0.99, sum by (le) (rate(${REQUEST_DURATION_SECONDS}_bucket${SEL}[${RATE}])))`, 'p99', { instant: true })],
        }),
        statPanel({
          title: 'Services reporting',
          description: 'Services with at least one request in the interval.',
          unit: 'short',
          targets: [promQuery(`count(count by (service) (rate(${REQUESTS_TOTAL}${SEL}[${RATE}]) > 0))`, 'services', { instant: true })],
        }),
      ],
    },
    {
      title: 'Rate, errors, duration per route',
      panels: [
        timeseriesPanel({
          title: 'Requests per second by route',
          description: 'Request rate per service and route.',
          unit: 'reqps',
          links: [logsOf('service'), serviceOf()],
          targets: [promQuery(requests('service, route'), '{{service}} {{route}}')],
        }),
        timeseriesPanel({
          title: 'Error ratio by route',
          description: 'Failed requests over all requests, per service and route; the dashed lines are 1 % and 5 %.',
          unit: 'percentunit',
          thresholds: ERROR_RATIO_THRESHOLDS(),
          showThresholds: true,
          min: 0,
          links: [logsOf('service')],
          targets: [promQuery(`${errors('service, route')} / ${requests('service, route')}`, '{{service}} {{route}}')],
        }),
        ...([
          [0.5, 'p50'],
          [0.9, 'p90'],
          [0.99, 'p99'],
        ] as const).map(([q, name]) =>
          timeseriesPanel({
            title: `${name} duration by route`,
            description: `${name} request duration per service and route from the histogram; exemplar dots link to a trace.`,
            unit: 's',
            thresholds: LATENCY_THRESHOLDS(),
            showThresholds: true,
            targets: [promQuery(quantile(q, 'service, route'), '{{service}} {{route}}', { exemplar: true })],
            width: 8,
          }),
        ),
      ],
    },
    {
      title: 'Top routes and status classes',
      panels: [
        tablePanel({
          title: 'Top routes by traffic',
          description: 'The ten busiest routes over the dashboard’s time range.',
          unit: 'short',
          links: [logsOf('service')],
          targets: [promQuery(`topk(10, sum by (service, route) (increase(${REQUESTS_TOTAL}${SEL}[$__range])))`, '', { instant: true, table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'requests' } } }],
          sortBy: { column: 'requests', desc: true },
          width: 8,
        }),
        tablePanel({
          title: 'Top routes by errors',
          description: 'The ten routes with the most failed requests over the time range.',
          unit: 'short',
          thresholds: risingThresholds(1, 100),
          links: [logsOf('service')],
          targets: [promQuery(`topk(10, sum by (service, route) (increase(${REQUEST_ERRORS_TOTAL}${SEL}[$__range])) > 0)`, '', { instant: true, table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'errors' } } }],
          sortBy: { column: 'errors', desc: true },
          width: 8,
        }),
        timeseriesPanel({
          title: 'Requests by status class',
          description: 'Request rate split by status class (1xx–5xx, or ok/error for non-HTTP spans).',
          unit: 'reqps',
          stacked: true,
          targets: [promQuery(requests('status_class'), '{{status_class}}')],
          width: 8,
        }),
      ],
    },
  ]);
}
