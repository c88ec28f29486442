// @lookout/dashboards: Grafana dashboards as code (grafana-foundation-sdk), generated
// from the SLO specs and the collector's series, and Grafana's provisioning files.

export { DashboardBuildError, buildAllDashboards } from './build.ts';
export type { BuildOptions, BuiltDashboard } from './build.ts';
export { COMPOSE_DATASOURCE_URLS, dataSourceDefinitions } from './datasources.ts';
export type { DataSourceDefinition, DataSourceUrls } from './datasources.ts';
export { COLLECTOR_JOB, COLLECTOR_JOB_MATCHER, DATASOURCE_UIDS, LOOKOUT_TAG, SLO_TAG, stableUid } from './presets.ts';
export {
  DEFAULT_DASHBOARDS_PATH,
  DEFAULT_FOLDER,
  DEFAULT_FOLDER_UID,
  dashboardProviderYaml,
  dataSourcesYaml,
} from './provisioning.ts';
export type { ProvisioningOptions } from './provisioning.ts';
export { dashboardQueries, substituteVariables } from './queries.ts';
export type { PanelQuery } from './queries.ts';
export { currentWindowMinutes, sloQueries, sloSource } from './slo-queries.ts';
export type { SloQueries, SloSource } from './slo-queries.ts';
export { detectionMarkdown } from './slo/detection-text.ts';
export { DASHBOARD_UIDS, sloDashboardUid } from './uids.ts';
export { dashboardFileText, writeProvisioning } from './write.ts';
export type { WrittenFiles } from './write.ts';
