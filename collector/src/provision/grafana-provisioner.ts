/**
 * Pushes the dashboards (and data sources) into Grafana over its HTTP API, in the
 * background: start() returns at once, so Grafana being down never delays start-up or
 * ingest. A failed attempt that a retry can fix (network, timeout, 5xx) is retried with
 * exponential backoff and full jitter; a refused token (401/403) or a rejected request
 * stops the attempts with one clear error. Each outcome counts in
 * lookout_grafana_provisioning_total{outcome} and writes one log line.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BuiltDashboard, DataSourceDefinition } from '@lookout/dashboards';
import { fullJitterDelay } from '../core/backoff.ts';
import { GrafanaClient, GrafanaError } from './grafana-client.ts';

export interface ProvisioningPlan {
  folder: string;
  folderUid: string;
  dashboards: readonly BuiltDashboard[];
  dataSources: readonly DataSourceDefinition[];
}

/** The log calls the provisioner makes (pino's Logger has them). */
export interface ProvisionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface GrafanaProvisionerOptions {
  url: string;
  /** the token, read by the caller from `tokenEnv` */
  token: string | undefined;
  /** the environment variable the token comes from, named in errors */
  tokenEnv: string;
  timeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  registry: Registry;
  logger: ProvisionLogger;
  now: () => number;
  /** uniform in [0, 1) */
  random?: () => number;
  timers?: Timers;
  fetch?: typeof fetch;
}

export type ProvisionOutcome = 'success' | 'retry' | 'unauthorized' | 'rejected' | 'no_token';

export interface ProvisionState {
  outcome?: ProvisionOutcome;
  /** failed attempts since the last success */
  failures: number;
  lastError?: string;
}

const NODE_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const REQUIRED_PERMISSIONS = 'dashboards:write, folders:create and datasources:write (a service account with the Editor role for dashboards and folders, Admin for data sources)';

export class GrafanaProvisioner {
  readonly state: ProvisionState = { failures: 0 };
  private plan: ProvisioningPlan | undefined;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly outcomes: Counter<'outcome'>;
  private readonly lastSuccess: Gauge;
  private readonly timers: Timers;
  private readonly random: () => number;
  /** a resolve per attempt, for callers (tests, reload) that wait for the next outcome */
  private waiters: Array<(outcome: ProvisionOutcome) => void> = [];

  constructor(private readonly options: GrafanaProvisionerOptions) {
    this.timers = options.timers ?? NODE_TIMERS;
    this.random = options.random ?? Math.random;
    this.outcomes = new Counter({
      name: 'lookout_grafana_provisioning_total',
      help: 'Attempts to provision Grafana over its HTTP API, by outcome: success, retry (Grafana down or failing; retried with backoff), unauthorized (401/403), rejected (another 4xx), no_token.',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
    for (const outcome of ['success', 'retry', 'unauthorized', 'rejected', 'no_token'] as const) this.outcomes.inc({ outcome }, 0);
    this.lastSuccess = new Gauge({
      name: 'lookout_grafana_provisioning_last_success_timestamp_seconds',
      help: 'When Grafana last accepted every dashboard and data source (0 = not yet).',
      registers: [options.registry],
    });
    this.lastSuccess.set(0);
  }

  /**
   * Provisions `plan` from now on: the first attempt runs on the next tick, a plan given
   * while an attempt runs replaces it for the next one (SLO specs changed).
   */
  provision(plan: ProvisioningPlan): void {
    if (this.stopped) return;
    this.plan = plan;
    this.state.failures = 0;
    this.schedule(0);
  }

  /** Resolves with the outcome of the next attempt that finishes. */
  nextOutcome(): Promise<ProvisionOutcome> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      // one attempt at a time: a plan that arrives mid-attempt waits for the next slot
      if (this.running) {
        void this.running.then(() => this.schedule(0));
        return;
      }
      this.running = this.attempt().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private finish(outcome: ProvisionOutcome): void {
    this.state.outcome = outcome;
    this.outcomes.inc({ outcome });
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(outcome);
  }

  private async attempt(): Promise<void> {
    const plan = this.plan;
    if (!plan || this.stopped) return;
    const { logger, tokenEnv, url } = this.options;
    if (!this.options.token) {
      this.state.lastError = `no Grafana token: set the environment variable ${tokenEnv} to a service-account token with ${REQUIRED_PERMISSIONS}`;
      logger.error({ component: 'grafana', grafana: url }, `grafana: not provisioning: ${this.state.lastError}`);
      this.finish('no_token');
      return;
    }
    const client = new GrafanaClient({
      url,
      token: this.options.token,
      timeoutMs: this.options.timeoutMs,
      signal: this.abort.signal,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    try {
      const folder = await client.ensureFolder(plan.folderUid, plan.folder);
      let created = 0;
      for (const dataSource of plan.dataSources) if ((await client.upsertDataSource(dataSource)) === 'created') created++;
      for (const dashboard of plan.dashboards) {
        await client.upsertDashboard({ ...dashboard.json }, plan.folderUid, 'Provisioned by Lookout from the SLO specs');
      }
      if (this.stopped) return;
      this.state.failures = 0;
      delete this.state.lastError;
      this.lastSuccess.set(this.options.now() / 1000);
      logger.info(
        { component: 'grafana', grafana: url, folder: plan.folder, folderCreated: folder === 'created', dashboards: plan.dashboards.length, dataSources: plan.dataSources.length, dataSourcesCreated: created },
        `grafana: provisioned ${plan.dashboards.length} dashboards and ${plan.dataSources.length} data sources in folder "${plan.folder}"`,
      );
      this.finish('success');
    } catch (error) {
      if (this.stopped) return;
      if (!(error instanceof GrafanaError)) throw error;
      this.state.lastError = error.message;
      if (error.kind === 'unauthorized') {
        logger.error(
          { component: 'grafana', grafana: url, status: error.status },
          `grafana: the token in ${tokenEnv} was refused (HTTP ${error.status} on ${error.method} ${error.path}); give the service account ${REQUIRED_PERMISSIONS}, or set ${tokenEnv} to a valid token, then restart. Not retrying.`,
        );
        this.finish('unauthorized');
        return;
      }
      if (!error.retryable) {
        logger.error({ component: 'grafana', grafana: url, status: error.status }, `grafana: Grafana rejected a request: ${error.message}. Not retrying.`);
        this.finish('rejected');
        return;
      }
      const delay = fullJitterDelay(this.state.failures, this.options.initialBackoffMs, this.options.maxBackoffMs, this.random());
      this.state.failures++;
      logger.warn(
        { component: 'grafana', grafana: url, attempt: this.state.failures, retryInMs: delay },
        `grafana: provisioning failed (${error.message}); retrying in ${Math.round(delay / 100) / 10} s`,
      );
      this.finish('retry');
      this.schedule(delay);
    }
  }
}
