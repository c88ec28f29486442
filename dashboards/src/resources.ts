/**
 * Resources: hosts (the host agent's OTLP system.* metrics as the collector's /metrics
 * exposes them, collector/src/exporters/prom-conversion.ts: dots to underscores, unit
 * words and `_total`, attributes as labels — cpu_mode, system_memory_state,
 * system_filesystem_mountpoint, network_io_direction —, `job` from service.name and
 * `instance` from service.instance.id), Node.js services (prom-client's default
 * process metrics, sent by the Node agent under the service's job, and the collector's
 * own with a `lookout_` prefix under the scrape job) and database size from the
 * PostgreSQL probe.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  baseDashboard,
  dashboardLink,
  labelVariable,
  layoutDashboard,
  promQuery,
  prometheusVariable,
  risingThresholds,
  tablePanel,
  timeseriesPanel,
  varMatcher,
} from './presets.ts';
import { DASHBOARD_UIDS } from './uids.ts';

const RATE = '$__rate_interval';
const HOST = varMatcher('instance', 'host');
const JOB = varMatcher('job', 'job');
/** prom-client's default metric, with or without the collector's `lookout_` prefix, of the selected jobs */
const nodeMetric = (name: string, selectedJobs = true) => `{__name__=~"(lookout_)?${name}"${selectedJobs ? `,${JOB}` : ''}}`;

export function resourcesDashboard(): dashboard.Dashboard {
  const builder = baseDashboard(
    'Resources',
    DASHBOARD_UIDS.resources,
    'CPU, memory, load, filesystems and network per host; memory, event-loop lag and GC per Node.js service; database size.',
    ['resources'],
  )
    .withVariable(prometheusVariable())
    .withVariable(labelVariable('host', 'instance', 'system_memory_limit_bytes', 'Host'))
    // the collector's own process metrics carry the lookout_ prefix: list its job too
    .withVariable(labelVariable('job', 'job', nodeMetric('process_start_time_seconds', false), 'Service (job)'))
    .link(dashboardLink('Service overview', DASHBOARD_UIDS.serviceOverview))
    .link(dashboardLink('Collector health', DASHBOARD_UIDS.collectorHealth));

  return layoutDashboard(builder, [
    {
      title: 'Hosts',
      panels: [
        timeseriesPanel({
          title: 'CPU busy',
          description: 'Share of CPU time not idle, per host (system.cpu.time).',
          unit: 'percentunit',
          thresholds: risingThresholds(0.8, 0.95),
          showThresholds: true,
          min: 0,
          max: 1,
          targets: [
            promQuery(
              `1 - sum by (instance) (rate(system_cpu_time_seconds_total{cpu_mode="idle",${HOST}}[${RATE}])) / sum by (instance) (rate(system_cpu_time_seconds_total{${HOST}}[${RATE}]))`,
              '{{instance}}',
            ),
          ],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Memory used',
          description:
            'Memory in use per host as the HostMemoryHigh alert compares it (1 − MemAvailable/MemTotal; the used state where no available figure is sent); it tickets at 90 %.',
          unit: 'percentunit',
          thresholds: risingThresholds(0.9, 0.97),
          showThresholds: true,
          min: 0,
          max: 1,
          targets: [
            promQuery(
              // the same figure as the alert: MemAvailable counts reclaimable cache, the used state does not
              `(1 - sum by (instance) (system_memory_linux_available_bytes{${HOST}}) / sum by (instance) (system_memory_limit_bytes{${HOST}}))` +
                ` or (sum by (instance) (system_memory_usage_bytes{system_memory_state="used",${HOST}}) / sum by (instance) (system_memory_limit_bytes{${HOST}}))`,
              '{{instance}}',
            ),
          ],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Load average (1m)',
          description: 'Runnable and waiting threads averaged over a minute, per host; compare with the CPU count.',
          unit: 'short',
          targets: [
            promQuery(`system_cpu_load_average_1m{${HOST}}`, '{{instance}} load'),
            promQuery(`sum by (instance) (system_cpu_logical_count{${HOST}})`, '{{instance}} CPUs'),
          ],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Filesystem used',
          description: 'Share of each filesystem in use, per host and mount point; the Lookout disk alert tickets at 90 %.',
          unit: 'percentunit',
          thresholds: risingThresholds(0.9, 0.97),
          showThresholds: true,
          min: 0,
          max: 1,
          targets: [promQuery(`system_filesystem_utilization_ratio{${HOST}}`, '{{instance}} {{system_filesystem_mountpoint}}')],
          width: 8,
        }),
        tablePanel({
          title: 'Filesystems',
          description: 'Bytes used per filesystem now, largest first.',
          unit: 'bytes',
          targets: [
            promQuery(`sort_desc(sum by (instance, system_filesystem_mountpoint, system_device) (system_filesystem_usage_bytes{system_filesystem_state="used",${HOST}}))`, '', {
              instant: true,
              table: true,
            }),
          ],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'used' } } }],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Network traffic',
          description: 'Bytes per second received and transmitted over the network interfaces (loopback left out), per host and direction (system.network.io).',
          unit: 'Bps',
          targets: [
            promQuery(
              `sum by (instance, network_io_direction) (rate(system_network_io_bytes_total{network_interface_name!="lo",${HOST}}[${RATE}]))`,
              '{{instance}} {{network_io_direction}}',
            ),
          ],
          width: 8,
        }),
      ],
    },
    {
      title: 'Node.js services',
      panels: [
        timeseriesPanel({
          title: 'Process memory (RSS)',
          description: 'Resident memory per service process (prom-client process_resident_memory_bytes).',
          unit: 'bytes',
          targets: [promQuery(`sum by (job, instance) (${nodeMetric('process_resident_memory_bytes')})`, '{{job}} {{instance}}')],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Event-loop lag (p99)',
          description: 'How late timers ran, 99th percentile per process: above 100 ms requests queue up.',
          unit: 's',
          thresholds: risingThresholds(0.1, 0.5),
          showThresholds: true,
          targets: [promQuery(`max by (job, instance) (${nodeMetric('nodejs_eventloop_lag_p99_seconds')})`, '{{job}} {{instance}}')],
          width: 8,
        }),
        timeseriesPanel({
          title: 'Time in GC',
          description: 'Share of wall time spent in garbage collection, per process and GC kind.',
          unit: 'percentunit',
          thresholds: risingThresholds(0.05, 0.2),
          targets: [promQuery(`sum by (job, kind) (rate(${nodeMetric('nodejs_gc_duration_seconds_sum')}[${RATE}]))`, '{{job}} {{kind}}')],
          width: 8,
        }),
      ],
    },
    {
      title: 'Databases',
      panels: [
        timeseriesPanel({
          title: 'Database size',
          description: 'Size of each PostgreSQL database, from the collector’s database-size probe.',
          unit: 'bytes',
          targets: [promQuery('lookout_postgres_database_size_bytes', '{{target}} {{database}}')],
        }),
        timeseriesPanel({
          title: 'Database growth per day',
          description: 'Growth rate extrapolated to a day from the last hour, per database.',
          unit: 'bytes',
          targets: [promQuery('deriv(lookout_postgres_database_size_bytes[1h]) * 86400', '{{target}} {{database}}')],
        }),
      ],
    },
  ]);
}
