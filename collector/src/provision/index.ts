export { grafanaConfigSchema } from './config.ts';
export type { GrafanaConfig } from './config.ts';
export { GrafanaClient, GrafanaError } from './grafana-client.ts';
export type { GrafanaClientOptions, GrafanaErrorKind } from './grafana-client.ts';
export { GrafanaProvisioner, REQUIRED_PERMISSIONS } from './grafana-provisioner.ts';
export type { GrafanaProvisionerOptions, ProvisionLogger, ProvisionOutcome, ProvisionState, ProvisioningPlan, Timers } from './grafana-provisioner.ts';
export { provisioningPlan, startGrafanaProvisioning } from './wiring.ts';
export type { GrafanaProvisioning } from './wiring.ts';

