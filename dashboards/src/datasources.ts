/**
 * The data sources the dashboards use, with the uids they reference, shared by the
 * provisioning YAML and the Grafana HTTP API provisioner. The links between them make
 * the trace ids clickable: Prometheus exemplars and Loki's trace_id field open Tempo,
 * and Tempo spans open their logs in Loki.
 */
import { DATASOURCE_UIDS } from './presets.ts';

export interface DataSourceUrls {
  prometheus: string;
  loki: string;
  tempo: string;
  alertmanager: string;
}

/** Where the services of docker-compose.yml answer, from inside the compose network. */
export const COMPOSE_DATASOURCE_URLS: DataSourceUrls = {
  prometheus: 'http://prometheus:9090',
  loki: 'http://loki:3100',
  tempo: 'http://tempo:3200',
  alertmanager: 'http://alertmanager:9093',
};

/** A data source as the Grafana HTTP API takes it (POST /api/datasources). */
export interface DataSourceDefinition {
  uid: string;
  name: string;
  type: string;
  url: string;
  access: 'proxy';
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

export function dataSourceDefinitions(urls: DataSourceUrls): DataSourceDefinition[] {
  return [
    {
      uid: DATASOURCE_UIDS.prometheus,
      name: 'Prometheus',
      type: 'prometheus',
      url: urls.prometheus,
      access: 'proxy',
      isDefault: true,
      jsonData: {
        httpMethod: 'POST',
        exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: DATASOURCE_UIDS.tempo }],
      },
    },
    {
      uid: DATASOURCE_UIDS.loki,
      name: 'Loki',
      type: 'loki',
      url: urls.loki,
      access: 'proxy',
      isDefault: false,
      jsonData: {
        maxLines: 1000,
        derivedFields: [
          { name: 'TraceID', matcherType: 'label', matcherRegex: 'trace_id', datasourceUid: DATASOURCE_UIDS.tempo, url: '${__value.raw}' },
        ],
      },
    },
    {
      uid: DATASOURCE_UIDS.tempo,
      name: 'Tempo',
      type: 'tempo',
      url: urls.tempo,
      access: 'proxy',
      isDefault: false,
      jsonData: {
        tracesToLogsV2: { datasourceUid: DATASOURCE_UIDS.loki, filterByTraceID: true, spanStartTimeShift: '-5m', spanEndTimeShift: '5m' },
        serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
      },
    },
    {
      uid: DATASOURCE_UIDS.alertmanager,
      name: 'Alertmanager',
      type: 'alertmanager',
      url: urls.alertmanager,
      access: 'proxy',
      isDefault: false,
      jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
    },
  ];
}
