/**
 * Writes the dashboards and Grafana's provisioning files to a directory:
 *
 *   <dir>/dashboards/<uid>.json                 mount at ProvisioningOptions.dashboardsPath
 *   <dir>/provisioning/dashboards/lookout.yaml  mount under /etc/grafana/provisioning/dashboards/
 *   <dir>/provisioning/datasources/lookout.yaml mount under /etc/grafana/provisioning/datasources/
 *
 * Dashboard files of earlier builds that are no longer generated (a deleted SLO) are
 * removed, so Grafana drops them too; files not written by Lookout are left alone.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltDashboard } from './build.ts';
import { LOOKOUT_TAG } from './presets.ts';
import { dashboardProviderYaml, dataSourcesYaml } from './provisioning.ts';
import type { ProvisioningOptions } from './provisioning.ts';

export interface WrittenFiles {
  dashboards: string[];
  provisioning: string[];
  removed: string[];
}

export function dashboardFileText(built: BuiltDashboard): string {
  return `${JSON.stringify(built.json, null, 2)}\n`;
}

export function writeProvisioning(dir: string, dashboards: readonly BuiltDashboard[], options: ProvisioningOptions): WrittenFiles {
  const dashboardsDir = join(dir, 'dashboards');
  const providerDir = join(dir, 'provisioning', 'dashboards');
  const dataSourcesDir = join(dir, 'provisioning', 'datasources');
  for (const d of [dashboardsDir, providerDir, dataSourcesDir]) mkdirSync(d, { recursive: true });

  const wanted = new Set(dashboards.map((d) => d.fileName));
  const removed: string[] = [];
  for (const name of readdirSync(dashboardsDir)) {
    if (name.startsWith(`${LOOKOUT_TAG}-`) && name.endsWith('.json') && !wanted.has(name)) {
      rmSync(join(dashboardsDir, name));
      removed.push(join(dashboardsDir, name));
    }
  }
  const written: string[] = [];
  for (const built of dashboards) {
    const path = join(dashboardsDir, built.fileName);
    writeFileSync(path, dashboardFileText(built));
    written.push(path);
  }
  const provider = join(providerDir, 'lookout.yaml');
  writeFileSync(provider, dashboardProviderYaml(options));
  const dataSources = join(dataSourcesDir, 'lookout.yaml');
  writeFileSync(dataSources, dataSourcesYaml(options));
  return { dashboards: written, provisioning: [provider, dataSources], removed };
}
