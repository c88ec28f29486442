import type { SloDefinition } from '@lookout/alerts';
import type { Logger as PinoLogger } from 'pino';
import type { ComponentFactory } from '../component/component.ts';
import type { GrafanaConfig } from './config.ts';
import { grafanaConfigSchema } from './config.ts';
import type { GrafanaProvisioning } from './wiring.ts';

export interface GrafanaProvisionerLinks {
  slos: readonly SloDefinition[];
  /** where the token named by grafana.tokenEnv is read */
  env: NodeJS.ProcessEnv;
  logger: PinoLogger;
}

export interface GrafanaProvisionerComponent {
  /** set once started */
  provisioning: GrafanaProvisioning | undefined;
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Dashboards and data sources pushed to Grafana over its HTTP API at start (provision/):
 * in the background, never awaited, so a Grafana that is down delays nothing.
 */
export const grafanaProvisionerComponent: ComponentFactory<GrafanaConfig, GrafanaProvisionerLinks, GrafanaProvisionerComponent> = {
  type: 'grafana-provisioner',
  kind: 'exporter',
  consumes: [],
  produces: [],
  configSchema: grafanaConfigSchema as unknown as ComponentFactory<GrafanaConfig, GrafanaProvisionerLinks, GrafanaProvisionerComponent>['configSchema'],
  create(context, config, links) {
    const component: GrafanaProvisionerComponent = {
      provisioning: undefined,
      async start() {
        // the dashboard generator (and the Grafana SDK under it) is loaded only when provisioning is on: about 20 MiB of RSS otherwise idle
        const { startGrafanaProvisioning } = await import('./wiring.ts');
        component.provisioning = startGrafanaProvisioning({
          config,
          slos: links.slos,
          env: links.env,
          registry: context.registry,
          logger: links.logger,
          now: () => context.clock.now(),
        });
      },
      async shutdown() {
        await component.provisioning?.stop();
      },
    };
    return component;
  },
};
