/** Every Lookout dashboard from the SLO specs, as Grafana JSON models. Pure. */
import type { SloDefinition } from '@lookout/alerts';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { collectorHealthDashboard } from './collector-health.ts';
import { logsDashboard } from './logs.ts';
import { resourcesDashboard } from './resources.ts';
import { serviceOverviewDashboard } from './service-overview.ts';
import { sloDashboard } from './slo-dashboard.ts';
import { sloOverviewDashboard } from './slo-overview.ts';
import { tlsProbesDashboard } from './tls-probes.ts';

export interface BuiltDashboard {
  uid: string;
  title: string;
  /** `<uid>.json` */
  fileName: string;
  json: dashboard.Dashboard;
}

export interface BuildOptions {
  /** leave out the per-SLO dashboards (the overview still lists every SLO) */
  sloDashboards?: boolean;
}

export class DashboardBuildError extends Error {
  override name = 'DashboardBuildError';
}

export function buildAllDashboards(slos: readonly SloDefinition[], options: BuildOptions = {}): BuiltDashboard[] {
  const models = [
    serviceOverviewDashboard(),
    sloOverviewDashboard(slos),
    ...(options.sloDashboards === false ? [] : slos.map((slo) => sloDashboard(slo))),
    resourcesDashboard(),
    tlsProbesDashboard(),
    logsDashboard(),
    collectorHealthDashboard(),
  ];
  const byUid = new Map<string, string>();
  const built: BuiltDashboard[] = [];
  for (const json of models) {
    const uid = json.uid;
    if (!uid) throw new DashboardBuildError(`dashboard "${json.title}" has no uid`);
    const previous = byUid.get(uid);
    if (previous !== undefined) {
      throw new DashboardBuildError(
        `dashboards "${previous}" and "${json.title}" would both have uid ${uid} (fix: rename one of the SLOs; uids are derived from names)`,
      );
    }
    const title = json.title ?? uid;
    byUid.set(uid, title);
    built.push({ uid, title, fileName: `${uid}.json`, json });
  }
  return built;
}
