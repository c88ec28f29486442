/**
 * The collector's Grafana provisioning: builds the dashboards from the SLO definitions
 * and hands them to a GrafanaProvisioner. The collector calls this once at start (there
 * is no reload path yet; restart the collector after changing the SLO specs) and may
 * call `update(slos)` again when one exists.
 */
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { SloDefinition } from '@lookout/alerts';
import { buildAllDashboards, dataSourceDefinitions } from '@lookout/dashboards';
import type { GrafanaConfig } from './config.ts';
import { GrafanaProvisioner } from './grafana-provisioner.ts';
import type { ProvisioningPlan, Timers } from './grafana-provisioner.ts';

export interface GrafanaProvisioning {
  provisioner: GrafanaProvisioner;
  /** re-provision after the SLO specs changed */
  update(slos: readonly SloDefinition[]): void;
  stop(): Promise<void>;
}

export function provisioningPlan(config: GrafanaConfig, slos: readonly SloDefinition[]): ProvisioningPlan {
  return {
    folder: config.folder,
    folderUid: config.folderUid,
    dashboards: buildAllDashboards(slos),
    dataSources: config.dataSources.enabled ? dataSourceDefinitions(config.dataSources) : [],
  };
}

export function startGrafanaProvisioning(options: {
  config: GrafanaConfig;
  slos: readonly SloDefinition[];
  env: NodeJS.ProcessEnv;
  registry: Registry;
  logger: Logger;
  now: () => number;
  timers?: Timers;
  fetch?: typeof fetch;
}): GrafanaProvisioning {
  const { config } = options;
  const provisioner = new GrafanaProvisioner({
    url: config.url,
    token: options.env[config.tokenEnv],
    tokenEnv: config.tokenEnv,
    timeoutMs: config.timeout,
    initialBackoffMs: config.initialBackoff,
    maxBackoffMs: config.maxBackoff,
    registry: options.registry,
    logger: options.logger.child({ component: 'grafana' }),
    now: options.now,
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const update = (slos: readonly SloDefinition[]) => provisioner.provision(provisioningPlan(config, slos));
  update(options.slos);
  return { provisioner, update, stop: () => provisioner.stop() };
}
