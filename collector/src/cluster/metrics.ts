import type { Registry } from 'prom-client';
import { registerComputedMetric } from '../core/computed-metric.ts';
import type { ClusterCoordinator } from './coordinator.ts';

/** Self-metrics of a cluster member (storage.backend: postgres), computed at scrape time. */
export function registerClusterMetrics(registry: Registry, cluster: ClusterCoordinator): void {
  const status = () => cluster.status();
  registerComputedMetric(registry, 'lookout_cluster_leader', '1 when this collector holds the lease and evaluates, else 0.', 'gauge', () => [{ value: cluster.leading ? 1 : 0 }]);
  registerComputedMetric(registry, 'lookout_cluster_epoch', 'Epoch of the lease as last seen (grows on every change of hands).', 'gauge', () => [{ value: status().epoch ?? 0 }]);
  registerComputedMetric(registry, 'lookout_cluster_lease_age_seconds', 'Seconds since the current lease holder took the lease.', 'gauge', () => [{ value: status().lease?.ageSeconds ?? 0 }]);
  registerComputedMetric(registry, 'lookout_cluster_members', 'Collectors of the cluster seen alive within two lease TTLs.', 'gauge', () => [{ value: status().members.length }]);
  registerComputedMetric(registry, 'lookout_cluster_failovers_total', 'Changes of hands of the lease this collector saw.', 'counter', () => [{ value: cluster.failovers }]);
  registerComputedMetric(registry, 'lookout_cluster_fenced_writes_refused_total', 'Leader writes refused because another collector took the lease (stale epoch).', 'counter', () => [{ value: cluster.refusedWrites }]);
  registerComputedMetric(registry, 'lookout_cluster_leader_writes_total', 'Fenced writes of alert state and notifications, by outcome.', 'counter', () => [
    { labels: { outcome: 'ok' }, value: cluster.leaderWrites.ok },
    { labels: { outcome: 'error' }, value: cluster.leaderWrites.error },
  ]);
  registerComputedMetric(registry, 'lookout_cluster_sli_pushes_total', 'Rounds pushing the buffered SLI buckets to PostgreSQL, by outcome; failed ones are retried with capped exponential backoff.', 'counter', () => {
    const pushes = cluster.sliPushes();
    return [
      { labels: { outcome: 'ok' }, value: pushes.ok },
      { labels: { outcome: 'error' }, value: pushes.error },
    ];
  });
  registerComputedMetric(registry, 'lookout_cluster_database_up', '1 when the last round trip to PostgreSQL succeeded.', 'gauge', () => [{ value: status().database.reachable ? 1 : 0 }]);
}
