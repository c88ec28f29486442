/** `grafana:` in lookout.yaml: provisioning dashboards and data sources over Grafana's HTTP API. */
import { z } from 'zod';
import { durationSchema } from '../core/units.ts';

const httpUrl = (what: string, example: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL, e.g. ${example}` });

export const grafanaConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('turn provisioning off without removing the section'),
    url: httpUrl('grafana.url', 'http://grafana:3000').describe('Grafana base URL'),
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'tokenEnv is the NAME of an environment variable, e.g. GRAFANA_TOKEN (the token itself never goes in the file)')
      .default('GRAFANA_TOKEN')
      .describe('environment variable holding a Grafana service-account token (needs dashboards:write, folders:create, datasources:write)'),
    folder: z.string().min(1).default('Lookout').describe('folder title the dashboards go to'),
    folderUid: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'folderUid: 1–40 letters, digits, "-" or "_"')
      .default('lookout')
      .describe('folder uid (stable, so the folder is found again)'),
    dataSources: z
      .strictObject({
        enabled: z.boolean().default(true).describe('also create or update the Prometheus, Loki, Tempo and Alertmanager data sources'),
        prometheus: httpUrl('grafana.dataSources.prometheus', 'http://prometheus:9090').default('http://prometheus:9090'),
        loki: httpUrl('grafana.dataSources.loki', 'http://loki:3100').default('http://loki:3100'),
        tempo: httpUrl('grafana.dataSources.tempo', 'http://tempo:3200').default('http://tempo:3200'),
        alertmanager: httpUrl('grafana.dataSources.alertmanager', 'http://alertmanager:9093').default('http://alertmanager:9093'),
      })
      .prefault({})
      .describe('URLs as Grafana (not the collector) reaches them'),
    timeout: durationSchema.default(10_000).describe('time limit of one HTTP request to Grafana'),
    initialBackoff: durationSchema.default(1_000).describe('first retry ceiling while Grafana is down (full jitter)'),
    maxBackoff: durationSchema.default(300_000).describe('longest wait between attempts'),
  })
  .refine((c) => c.initialBackoff > 0 && c.maxBackoff >= c.initialBackoff, {
    message: 'initialBackoff must be > 0 and maxBackoff at least initialBackoff',
    path: ['maxBackoff'],
  })
  .optional()
  .describe('provision the dashboards and data sources into Grafana over its HTTP API at start; off when absent');

export type GrafanaConfig = NonNullable<z.output<typeof grafanaConfigSchema>>;
