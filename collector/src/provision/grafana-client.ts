/**
 * A small client for the parts of Grafana's HTTP API the provisioner uses:
 *
 *   GET  /api/folders/:uid              POST /api/folders {uid, title}
 *   GET  /api/datasources/uid/:uid      POST /api/datasources {…}   PUT /api/datasources/uid/:uid {…}
 *   POST /api/dashboards/db {dashboard, folderUid, overwrite: true, message}
 *
 * Every request carries `Authorization: Bearer <service-account token>`. Errors say
 * whether a retry can help (network, timeout, 5xx, 429) or not (401/403, other 4xx).
 */
import type { DataSourceDefinition } from '@lookout/dashboards';

export type GrafanaErrorKind = 'network' | 'timeout' | 'server' | 'unauthorized' | 'rejected';

export class GrafanaError extends Error {
  override name = 'GrafanaError';
  constructor(
    readonly kind: GrafanaErrorKind,
    readonly method: string,
    readonly path: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** network trouble, timeouts, 5xx and 429 pass; a refused token or a rejected body does not */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.kind === 'server';
  }
}

export interface GrafanaClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
  /** aborts every request in flight (shutdown) */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

interface Answer {
  status: number;
  body: unknown;
}

const MAX_ERROR_TEXT = 300;

export class GrafanaClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: GrafanaClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /** One request; 2xx and the statuses in `accept` are answers, anything else a GrafanaError. */
  async request(method: string, path: string, body?: unknown, accept: readonly number[] = []): Promise<Answer> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      if (timeout.aborted) throw new GrafanaError('timeout', method, path, `${method} ${path}: no answer within ${this.options.timeoutMs} ms`);
      throw new GrafanaError('network', method, path, `${method} ${path}: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Grafana answers JSON; a proxy in front of it may not
    }
    if ((response.status >= 200 && response.status < 300) || accept.includes(response.status)) return { status: response.status, body: parsed };
    const detail = `${method} ${path}: HTTP ${response.status} ${text.slice(0, MAX_ERROR_TEXT)}`.trim();
    if (response.status === 401 || response.status === 403) throw new GrafanaError('unauthorized', method, path, detail, response.status);
    if (response.status >= 500 || response.status === 429 || response.status === 408) throw new GrafanaError('server', method, path, detail, response.status);
    throw new GrafanaError('rejected', method, path, detail, response.status);
  }

  /** The folder exists afterwards (created with this uid and title when missing). */
  async ensureFolder(uid: string, title: string): Promise<'exists' | 'created'> {
    const found = await this.request('GET', `/api/folders/${encodeURIComponent(uid)}`, undefined, [404]);
    if (found.status !== 404) return 'exists';
    // 409/412: created meanwhile (another collector of an HA pair), which is what we want
    const created = await this.request('POST', '/api/folders', { uid, title }, [409, 412]);
    return created.status === 200 ? 'created' : 'exists';
  }

  /** Creates the data source, or updates the one with its uid. */
  async upsertDataSource(definition: DataSourceDefinition): Promise<'created' | 'updated'> {
    const path = `/api/datasources/uid/${encodeURIComponent(definition.uid)}`;
    const found = await this.request('GET', path, undefined, [404]);
    if (found.status === 404) {
      await this.request('POST', '/api/datasources', definition);
      return 'created';
    }
    await this.request('PUT', path, definition);
    return 'updated';
  }

  /** Creates or replaces the dashboard with its uid, in the folder. */
  async upsertDashboard(dashboard: Record<string, unknown>, folderUid: string, message: string): Promise<void> {
    // id null: Grafana finds the dashboard by uid; overwrite replaces whatever version is there
    await this.request('POST', '/api/dashboards/db', { dashboard: { ...dashboard, id: null }, folderUid, overwrite: true, message });
  }
}
