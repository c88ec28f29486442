import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { ComponentFactory } from '../component/component.ts';
import { createPool, postgresStorageConfigSchema, replicaName, SharedSliStore, type PostgresStorageConfig } from '../store/postgres/index.ts';
import { ClusterCoordinator } from './coordinator.ts';
import { registerClusterMetrics } from './metrics.ts';

// ../../package.json from both src/cluster/ and dist/cluster/
const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface ClusterComponent {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  readonly coordinator: ClusterCoordinator;
  /** opens the shared SLI store (the request series' store on this backend) */
  openSliStore(retentionMinutes: number): SharedSliStore;
  readonly pool: pg.Pool;
}

/**
 * storage.backend: postgres (issue 14). Builds the pool (no connection until start),
 * the shared SLI store the request series write to, and the coordinator that migrates
 * the schema, elects one evaluator and fences its writes; adds GET /api/v1/cluster and
 * the lookout_cluster_* self-metrics. Stops last: the request series' final push and the
 * leader's last write go through its pool.
 */
export const clusterComponent: ComponentFactory<PostgresStorageConfig, object, ClusterComponent> = {
  type: 'cluster',
  kind: 'alerting',
  consumes: [],
  produces: [],
  configSchema: postgresStorageConfigSchema,
  create(context, config) {
    const logger = context.logger;
    let poolErrorLogged = false;
    const pool = createPool(config, (error) => {
      // an idle connection dropped (database restarted): the next query reconnects
      if (!poolErrorLogged) logger.warn({ err: error.message }, 'a PostgreSQL connection was lost; reconnecting on next use');
      poolErrorLogged = true;
    });
    const replica = replicaName(config);
    const coordinator = new ClusterCoordinator({
      pool,
      replica,
      leaseName: config.leaseName,
      leaseTtlMs: config.leaseTtl,
      version,
      clock: context.clock,
      logger,
    });
    registerClusterMetrics(context.registry, coordinator);
    registerClusterApi(context.http, coordinator);
    let sli: SharedSliStore | undefined;
    return {
      coordinator,
      pool,
      openSliStore(retentionMinutes) {
        sli = new SharedSliStore({ pool, replica, retentionMinutes, maxPendingBuckets: config.maxPendingBuckets, now: () => context.clock.now() });
        coordinator.attach({ sli });
        return sli;
      },
      start: () => coordinator.start(),
      async shutdown() {
        await coordinator.stop();
        await sli?.drain();
        await pool.end().catch(() => {});
      },
    };
  },
};

function registerClusterApi(http: FastifyInstance, coordinator: ClusterCoordinator): void {
  http.get('/api/v1/cluster', async () => coordinator.status());
}
