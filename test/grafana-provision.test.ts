/**
 * Grafana provisioning over the HTTP API, against a local server that checks every
 * request against the documented API (test/helpers/grafana-api-server.ts) and injects
 * 500s, a held request (client timeout), 401/403 and 400. The retry delays come from an
 * injected timer and random source, so they are asserted exactly without waiting.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpecs } from '../alerts/src/index.ts';
import { startCollector } from '../collector/src/collector.ts';
import { ConfigError, parseConfig } from '../collector/src/config/load.ts';
import { GrafanaProvisioner, provisioningPlan, type ProvisioningPlan, type Timers } from '../collector/src/provision/index.ts';
import { startGrafanaApiServer, type GrafanaApiServer } from './helpers/grafana-api-server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'glsa_test_token_0123456789';

const slos = (() => {
  const dir = join(ROOT, 'alerts', 'slos');
  return loadSpecs(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }))).slos;
})();

function grafanaConfig(url: string, extra: Record<string, unknown> = {}) {
  const config = parseConfig(JSON.stringify({ grafana: { url, ...extra } }), 'grafana.yaml', {});
  return config.grafana!;
}

interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Timers that run at once (on the next macrotask) and remember the delay asked for. */
function recordingTimers(): Timers & { delays: number[]; pending: number } {
  const timers = {
    delays: [] as number[],
    pending: 0,
    setTimeout(callback: () => void, ms: number) {
      timers.delays.push(ms);
      timers.pending++;
      return setTimeout(() => {
        timers.pending--;
        callback();
      }, 0);
    },
    clearTimeout(handle: unknown) {
      timers.pending--;
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
  return timers;
}

describe('Grafana provisioning over the HTTP API', () => {
  let grafana: GrafanaApiServer;
  let registry: Registry;
  let logs: LogLine[];
  let timers: ReturnType<typeof recordingTimers>;
  let plan: ProvisioningPlan;
  const provisioners: GrafanaProvisioner[] = [];

  const logger = {
    info: (_obj: object, message: string) => void logs.push({ level: 'info', message }),
    warn: (_obj: object, message: string) => void logs.push({ level: 'warn', message }),
    error: (_obj: object, message: string) => void logs.push({ level: 'error', message }),
  };

  function provisioner(options: { token?: string | undefined; timeoutMs?: number } = {}): GrafanaProvisioner {
    const p = new GrafanaProvisioner({
      url: grafana.url,
      token: 'token' in options ? options.token : TOKEN,
      tokenEnv: 'GRAFANA_TOKEN',
      timeoutMs: options.timeoutMs ?? 5_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 8_000,
      registry,
      logger,
      now: () => 1_700_000_000_000,
      random: () => 0.5,
      timers,
    });
    provisioners.push(p);
    return p;
  }

  const outcomeCount = async (outcome: string) =>
    (await registry.getSingleMetric('lookout_grafana_provisioning_total')!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  beforeEach(async () => {
    grafana = await startGrafanaApiServer(TOKEN);
    registry = new Registry();
    logs = [];
    timers = recordingTimers();
    plan = provisioningPlan(grafanaConfig(grafana.url), slos);
  });
  afterEach(async () => {
    for (const p of provisioners.splice(0)) await p.stop();
    await grafana.close();
  });

  it('creates the folder, the four data sources and every dashboard, then updates them in place', async () => {
    const p = provisioner();
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('success');
    expect(grafana.violations).toEqual([]);
    expect([...grafana.folders.values()]).toEqual([{ uid: 'lookout', title: 'Lookout' }]);
    expect([...grafana.dataSources.keys()].sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
    expect(grafana.dataSources.get('prometheus')).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', access: 'proxy', isDefault: true });
    expect(grafana.dashboards.size).toBe(plan.dashboards.length);
    for (const d of grafana.dashboards.values()) expect(d).toMatchObject({ folderUid: 'lookout', version: 1 });
    for (const r of grafana.requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    const posts = grafana.requests.filter((r) => r.path === '/api/dashboards/db');
    for (const r of posts) expect(r.body).toMatchObject({ overwrite: true, folderUid: 'lookout', dashboard: { id: null } });
    expect(await outcomeCount('success')).toBe(1);
    expect(logs).toEqual([{ level: 'info', message: `grafana: provisioned ${plan.dashboards.length} dashboards and 4 data sources in folder "Lookout"` }]);
    expect((await registry.getSingleMetric('lookout_grafana_provisioning_last_success_timestamp_seconds')!.get()).values[0]!.value).toBe(1_700_000_000);

    // Again (the SLO specs changed): the folder is found, data sources are PUT by uid, dashboards replaced.
    grafana.requests.length = 0;
    const second = p.nextOutcome();
    p.provision(plan);
    expect(await second).toBe('success');
    expect(grafana.violations).toEqual([]);
    expect(grafana.requests.filter((r) => r.method === 'POST' && r.path !== '/api/dashboards/db')).toEqual([]);
    expect(grafana.requests.filter((r) => r.method === 'PUT').map((r) => r.path).sort()).toEqual([
      '/api/datasources/uid/alertmanager',
      '/api/datasources/uid/loki',
      '/api/datasources/uid/prometheus',
      '/api/datasources/uid/tempo',
    ]);
    expect(grafana.dashboards.size).toBe(plan.dashboards.length);
    for (const d of grafana.dashboards.values()) expect(d.version).toBe(2);
  });

  it('retries 500s with exponential backoff and full jitter, then succeeds', async () => {
    grafana.inject({ method: 'POST', path: '/api/dashboards/db', kind: 500, times: 3 });
    const p = provisioner();
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const next = p.nextOutcome();
      if (i === 0) p.provision(plan);
      outcomes.push(await next);
    }
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'success']);
    // first attempt at once, then random 0.5 × min(8 s, 1 s · 2^n)
    expect(timers.delays).toEqual([0, 500, 1_000, 2_000]);
    expect(await outcomeCount('retry')).toBe(3);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(/^grafana: provisioning failed \(POST \/api\/dashboards\/db: HTTP 500 .*\); retrying in 0\.5 s$/),
      expect.stringMatching(/retrying in 1 s$/),
      expect.stringMatching(/retrying in 2 s$/),
    ]);
    expect(grafana.dashboards.size).toBe(plan.dashboards.length);
    expect(grafana.violations).toEqual([]);
  });

  it('keeps retrying a Grafana that stays down, never waiting more than maxBackoff', async () => {
    grafana.inject({ method: 'GET', path: '/api/folders/', kind: 500, times: 6 });
    const p = provisioner();
    for (let i = 0; i < 7; i++) {
      const next = p.nextOutcome();
      if (i === 0) p.provision(plan);
      await next;
    }
    expect(timers.delays).toEqual([0, 500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(p.state).toMatchObject({ outcome: 'success', failures: 0 });
  });

  it('treats a request held past the timeout as retryable', async () => {
    grafana.inject({ method: 'GET', path: '/api/datasources/uid/loki', kind: 'hold' });
    const p = provisioner({ timeoutMs: 1000 });
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('retry');
    expect(p.state.lastError).toBe('GET /api/datasources/uid/loki: no answer within 1000 ms');
    expect(await p.nextOutcome()).toBe('success');
    expect(grafana.violations).toEqual([]);
  });

  it.each([401, 403] as const)('%i: one clear error naming the token variable and the permissions, no retry', async (status) => {
    grafana.inject({ method: 'POST', path: '/api/dashboards/db', kind: status });
    const p = provisioner();
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('unauthorized');
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe('error');
    expect(logs[0]!.message).toContain(`the token in GRAFANA_TOKEN was refused (HTTP ${status} on POST /api/dashboards/db)`);
    expect(logs[0]!.message).toContain('dashboards:write, folders:create and datasources:write');
    expect(timers.delays).toEqual([0]);
    expect(timers.pending).toBe(0);
    expect(await outcomeCount('unauthorized')).toBe(1);
  });

  it('a wrong token gets the same error from the server’s own check', async () => {
    const p = provisioner({ token: 'glsa_wrong' });
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('unauthorized');
    expect(grafana.requests).toHaveLength(1);
    expect(grafana.violations).toEqual([]);
  });

  it('without a token: says which variable to set, sends nothing', async () => {
    const p = provisioner({ token: undefined });
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('no_token');
    expect(grafana.requests).toEqual([]);
    expect(logs[0]!.message).toMatch(/set the environment variable GRAFANA_TOKEN to a service-account token with dashboards:write/);
  });

  it('a rejected dashboard (400) is reported with Grafana’s answer and not retried', async () => {
    grafana.inject({ method: 'POST', path: '/api/dashboards/db', kind: 400 });
    const p = provisioner();
    const first = p.nextOutcome();
    p.provision(plan);
    expect(await first).toBe('rejected');
    expect(logs[0]!.message).toContain('HTTP 400 {"message":"bad request: dashboard model invalid"}');
    expect(timers.pending).toBe(0);
  });
});

describe('Grafana provisioning in the collector', () => {
  let grafana: GrafanaApiServer;
  let dir: string;
  beforeEach(async () => {
    grafana = await startGrafanaApiServer(TOKEN);
    dir = mkdtempSync(join(tmpdir(), 'lookout-grafana-'));
  });
  afterEach(async () => {
    await grafana.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never blocks start-up: the collector is ready while Grafana holds the first request, and closes promptly', async () => {
    grafana.inject({ method: 'GET', path: '/api/folders/', kind: 'hold' });
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'silent' },
        storage: { dataDir: dir },
        slos: { files: [join(ROOT, 'alerts', 'slos', 'checkout.yaml')] },
        grafana: { url: grafana.url, timeout: '30s' },
      }),
      'lookout.yaml',
      {},
    );
    const collector = await startCollector(config, { env: { GRAFANA_TOKEN: TOKEN } });
    try {
      expect((await fetch(`${collector.httpUrl}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      expect(metrics).toContain('lookout_grafana_provisioning_total{outcome="success"} 0');
      for (let i = 0; i < 100 && grafana.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(grafana.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/folders/lookout']);
      expect(collector.grafana?.provisioner.state.outcome).toBeUndefined();
    } finally {
      await collector.close(); // aborts the held request
    }
    expect(collector.grafana?.provisioner.state.outcome).toBeUndefined();
  });

  it('provisions at start with the token from the environment (checkout: 8 dashboards)', async () => {
    const config = parseConfig(
      JSON.stringify({
        receivers: { otlp: { http: { port: 0 }, grpc: { enabled: false } } },
        log: { level: 'silent' },
        storage: { dataDir: dir },
        slos: { files: [join(ROOT, 'alerts', 'slos', 'checkout.yaml')] },
        grafana: { url: grafana.url, folder: 'On-call', dataSources: { enabled: false } },
      }),
      'lookout.yaml',
      {},
    );
    const collector = await startCollector(config, { env: { GRAFANA_TOKEN: TOKEN } });
    try {
      const outcome = collector.grafana!.provisioner.state.outcome ?? (await collector.grafana!.provisioner.nextOutcome());
      expect(outcome).toBe('success');
      expect([...grafana.folders.values()]).toEqual([{ uid: 'lookout', title: 'On-call' }]);
      expect(grafana.dataSources.size).toBe(0);
      expect([...grafana.dashboards.keys()]).toContain('lookout-slo-checkout-latency');
      expect(grafana.dashboards.size).toBe(8);
      expect(grafana.violations).toEqual([]);
    } finally {
      await collector.close();
    }
  });
});

describe('grafana: config', () => {
  it.each([
    [{ url: 'grafana:3000' }, 'grafana.url must be an http(s) URL, e.g. http://grafana:3000'],
    [{ url: 'http://grafana:3000', tokenEnv: 'Bearer glsa_abc' }, 'tokenEnv is the NAME of an environment variable'],
    [{ url: 'http://grafana:3000', folderUid: 'has spaces' }, 'folderUid: 1–40 letters'],
    [{ url: 'http://grafana:3000', initialBackoff: '10s', maxBackoff: '1s' }, 'maxBackoff at least initialBackoff'],
    [{ url: 'http://grafana:3000', token: 'glsa_abc' }, 'token'],
  ])('refuses %j with a clear error', (grafana, message) => {
    expect(() => parseConfig(JSON.stringify({ grafana }), 'lookout.yaml', {})).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify({ grafana }), 'lookout.yaml', {})).toThrow(message);
  });

  it('fills the defaults', () => {
    expect(parseConfig(JSON.stringify({ grafana: { url: 'http://grafana:3000' } }), 'lookout.yaml', {}).grafana).toMatchObject({
      enabled: true,
      tokenEnv: 'GRAFANA_TOKEN',
      folder: 'Lookout',
      folderUid: 'lookout',
      timeout: 10_000,
      initialBackoff: 1_000,
      maxBackoff: 300_000,
      dataSources: { enabled: true, prometheus: 'http://prometheus:9090' },
    });
  });
});

describe('against a real Grafana (testcontainers)', () => {
  // DESIGN.md: a real Grafana runs only where a container runtime and testcontainers
  // exist. testcontainers is not installed in this repository, so that suite does not
  // exist yet; the local API server above checks the protocol. Say so visibly.
  console.warn('SKIP: no container runtime (testcontainers is not installed): no real-Grafana provisioning suite');
  it.skip('SKIP: no container runtime — provisioning a real Grafana container needs testcontainers', () => {});
});
