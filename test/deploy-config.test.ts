/**
 * The docker-compose stack stays valid as the code evolves: the compose file passes
 * `docker compose config` where Docker Compose exists and a structural check of the
 * same rules everywhere; every image is pinned; the configs it mounts pass their own
 * tools (lookout config check, promtool, amtool); and the demo's services and routes
 * are the ones the example SLOs in alerts/slos/ measure (none sits in SLODataMissing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchesSli } from '@lookout/alerts';
import { parseConfig } from '../collector/src/config/load.ts';
import { loadSloFiles } from '../collector/src/slo/index.ts';
import { COLLECTOR_JOB } from '../dashboards/src/index.ts';
import { findBinary, requireBinary } from './helpers/binaries.ts';
// @ts-expect-error plain ES module without types, shared with the demo itself
import { DEMO_SERVICES } from '../collector/deploy/demo/routes.mjs';

const root = new URL('../', import.meta.url).pathname;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}
interface DemoRoute {
  method: string;
  route: string;
  paths: string[];
}
interface DemoService {
  service: string;
  port: number;
  routes: DemoRoute[];
  prometheusJob?: string;
}

const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as Compose;
const demoServices = DEMO_SERVICES as DemoService[];
const ONE_SHOT = new Set(['slo-rules', 'dashboards']);
const PINNED = /^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/;

function lookout(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '--conditions=lookout-source', 'collector/src/cli.ts', ...args], { cwd: root, encoding: 'utf8' });
}

describe('docker-compose stack files', () => {
  it('passes `docker compose config` where Docker Compose is installed', () => {
    const docker = findBinary('docker');
    const hasCompose = docker !== undefined && spawnSync(docker, ['compose', 'version'], { encoding: 'utf8' }).status === 0;
    if (!hasCompose) {
      console.warn('SKIP: docker compose is not installed here; the structural checks below still run');
      return;
    }
    const result = spawnSync(docker!, ['compose', '-f', 'docker-compose.yml', 'config', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is structurally valid: known services, declared volumes, existing mounts, dependencies that exist, health checks', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['collector', 'demo', 'prometheus', 'alertmanager', 'alert-console', 'loki', 'tempo', 'grafana', 'slo-rules', 'dashboards']),
    );
    expect(compose.services.collector!.ports).toEqual(['4317:4317', '4318:4318']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, `${name} has an image or a build`).toBeDefined();
      for (const volume of service.volumes ?? []) {
        const [source, target] = volume.split(':');
        expect(target, `${name}: ${volume} names a target`).toMatch(/^\//);
        if (source!.startsWith('./')) expect(existsSync(`${root}${source!.slice(2)}`), `${name}: ${source} exists`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: volume ${source} is declared`).toContain(source);
      }
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(compose.services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(compose.services[dependency]!.healthcheck, `${dependency} has a health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(ONE_SHOT.has(dependency)).toBe(true);
      }
      if (!ONE_SHOT.has(name)) expect(service.healthcheck?.test.length, `${name} has a health check`).toBeGreaterThan(1);
      for (const port of service.ports ?? []) expect(port).toMatch(/^\d+:\d+$/);
    }
  });

  it('pins every image by version, the Dockerfile too (multi-stage, node:20-slim)', () => {
    const built = new Set<string>();
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) built.add(service.image!);
      else expect(service.image, `${name}: image pinned by version`).toMatch(PINNED);
    }
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:20\.\d+\.\d+-(bookworm-)?slim$/);
    expect(dockerfile).toMatch(/COPY --from=build/);
    for (const image of built) expect(image).toMatch(PINNED);
  });

  it('lookout.compose.yaml passes `lookout config check`, SLO files included', () => {
    expect(lookout(['config', 'check', 'collector/deploy/lookout.compose.yaml'])).toMatch(/lookout\.compose\.yaml: OK \(\d+ SLOs in \d+ files\)/);
  });

  it('Prometheus loads the exported SLO rules, receives remote write and scrapes the collector and the demo', () => {
    const prometheus = compose.services.prometheus!;
    expect(prometheus.command).toContain('--web.enable-remote-write-receiver');
    const config = parse(readFileSync(`${root}collector/deploy/prometheus.yml`, 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    // the slo-rules one-shot writes the rules where rule_files looks
    const rulesVolume = compose.services['slo-rules']!.volumes![0]!.split(':');
    expect(prometheus.volumes).toContain(`${rulesVolume[0]}:${rulesVolume[1]}:ro`);
    expect(String(compose.services['slo-rules']!.entrypoint)).toContain(`slo rules alerts/slos/ > ${rulesVolume[1]}/slo-rules.yaml`);
    expect(config.rule_files).toContain(`${rulesVolume[1]}/*.yaml`);
    const targets = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((s) => s.targets)]));
    expect(targets.lookout).toEqual(['collector:4318']);
    for (const demo of demoServices.filter((s) => s.prometheusJob)) expect(targets[demo.prometheusJob!]).toEqual([`demo:${demo.port}`]);
    expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);

    const promtool = requireBinary('promtool', 'prometheus');
    if (!promtool) return;
    const dir = mkdtempSync(join(tmpdir(), 'lookout-compose-rules-'));
    const rulesFile = join(dir, 'slo-rules.yaml');
    writeFileSync(rulesFile, lookout(['slo', 'rules', 'alerts/slos/']));
    expect(execFileSync(promtool, ['check', 'rules', rulesFile], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
    const configCopy = join(dir, 'prometheus.yml');
    writeFileSync(configCopy, readFileSync(`${root}collector/deploy/prometheus.yml`, 'utf8').replace(`${rulesVolume[1]}/*.yaml`, rulesFile));
    expect(spawnSync(promtool, ['check', 'config', configCopy], { encoding: 'utf8' }).status).toBe(0);
  });

  it('the collector forwards traces to Tempo over OTLP/gRPC and remote-writes only its own series, under a job the dashboards do not read', () => {
    const config = parseConfig(readFileSync(`${root}collector/deploy/lookout.compose.yaml`, 'utf8'), 'lookout.compose.yaml', {});
    const otlp = config.exporters.otlp!;
    expect({ endpoint: otlp.endpoint, protocol: otlp.protocol, signals: otlp.signals }).toEqual({ endpoint: 'http://tempo:4317', protocol: 'grpc', signals: ['traces'] });
    // Tempo listens for OTLP/gRPC on that port (tempo.yaml), and the collector waits for it
    const tempo = parse(readFileSync(`${root}collector/deploy/tempo.yaml`, 'utf8')) as {
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } };
    };
    expect(tempo.distributor.receivers.otlp.protocols.grpc.endpoint).toMatch(new RegExp(`:${new URL(otlp.endpoint).port}$`));
    expect(compose.services.collector!.depends_on).toMatchObject({ tempo: { condition: 'service_healthy' } });

    const remoteWrite = config.exporters.remoteWrite!;
    const url = new URL(remoteWrite.url);
    expect(url.hostname).toBe('prometheus');
    expect(url.pathname).toBe('/api/v1/write');
    expect(compose.services.prometheus!.command).toContain('--web.enable-remote-write-receiver');
    // received OTLP metrics would be the very same series as the scraped ones: scrape only
    expect(remoteWrite.receivedMetrics).toBe(false);
    expect(remoteWrite.selfSeries.length).toBeGreaterThan(0);
    // the copy of the collector's own series has its own job: neither the scrape job nor the one the dashboards sum
    const scrapeJobs = (parse(readFileSync(`${root}collector/deploy/prometheus.yml`, 'utf8')) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map(
      (job) => job.job_name,
    );
    expect(scrapeJobs).toContain(COLLECTOR_JOB);
    expect([...scrapeJobs, COLLECTOR_JOB]).not.toContain(remoteWrite.job);
  });

  it('Prometheus keeps exemplars, so the latency panels link to traces', () => {
    expect(compose.services.prometheus!.command).toContain('--enable-feature=exemplar-storage');
  });

  it('Alertmanager routes every alert to a webhook that receives them (alert-console), and its config passes amtool', () => {
    const config = parse(readFileSync(`${root}collector/deploy/alertmanager.yml`, 'utf8')) as {
      receivers: Array<{ name: string; webhook_configs?: Array<{ url: string }> }>;
    };
    const urls = config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => new URL(w.url)));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(Object.keys(compose.services)).toContain(url.hostname);
      expect(url.pathname).not.toBe('/healthz');
      expect(compose.services[url.hostname]!.entrypoint).toContain('collector/deploy/alert-console.mjs');
      expect(url.port).toBe('9095');
    }
    const amtool = requireBinary('amtool', 'prometheus-alertmanager');
    if (!amtool) return;
    const check = spawnSync(amtool, ['check-config', `${root}collector/deploy/alertmanager.yml`], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
    expect(check.status).toBe(0);
  });

  it('Grafana gets the data sources and the dashboards the dashboards one-shot builds into the shared volume', () => {
    const provider = parse(readFileSync(`${root}collector/deploy/grafana/provisioning/dashboards/lookout.yaml`, 'utf8')) as {
      providers: Array<{ options: { path: string } }>;
    };
    const dashboardsPath = provider.providers[0]!.options.path;
    const builder = compose.services.dashboards!;
    expect(builder.image).toBe(compose.services.collector!.image);
    const [volume, mountedAt] = builder.volumes![0]!.split(':');
    expect(dashboardsPath.startsWith(`${mountedAt}/`)).toBe(true);
    expect(builder.entrypoint).toEqual(expect.arrayContaining(['dashboards', 'build', '--out', mountedAt, '--dashboards-path', dashboardsPath]));
    expect(compose.services.grafana!.volumes).toContain(`${volume}:${mountedAt}:ro`);
    const sources = parse(readFileSync(`${root}collector/deploy/grafana/provisioning/datasources/lookout.yaml`, 'utf8')) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(sources.datasources.map((d) => d.uid).sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
    for (const source of sources.datasources) expect(Object.keys(compose.services)).toContain(new URL(source.url).hostname);
  });

  it("every example SLO measures a demo route, and every demo route is measured by an example SLO", () => {
    const { slos } = loadSloFiles(['alerts/slos/']);
    expect(slos.length).toBeGreaterThan(0);
    const demoRequests = demoServices.flatMap((s) => s.routes.map((r) => ({ service: s.service, route: r.route, method: r.method, status_class: '2xx' })));
    const measured = new Set<string>();
    for (const slo of slos) {
      if (slo.sli.kind === 'availability' || slo.sli.kind === 'latency') {
        const hits = demoRequests.filter((request) => matchesSli(slo, request));
        expect(hits.length, `SLO ${slo.name} (service ${slo.service}) matches a demo route`).toBeGreaterThan(0);
        for (const hit of hits) measured.add(`${hit.service} ${hit.method} ${hit.route}`);
      } else {
        // PromQL SLIs read the service's own metrics: Prometheus must scrape them under the job the queries name
        const sli = slo.sli as { errorQuery?: string; totalQuery?: string; query?: string };
        const text = JSON.stringify(sli);
        const jobs = [...text.matchAll(/job=\\?"([^"\\]+)\\?"/g)].map((m) => m[1]!);
        expect(jobs.length, `SLO ${slo.name} names a job`).toBeGreaterThan(0);
        for (const job of jobs) {
          const demo = demoServices.find((s) => s.prometheusJob === job);
          expect(demo, `SLO ${slo.name}: a demo service exports job="${job}"`).toBeDefined();
          expect(demo!.service).toBe(slo.service);
          for (const route of demo!.routes) measured.add(`${demo!.service} ${route.method} ${route.route}`);
        }
      }
    }
    for (const request of demoRequests) expect(measured, `demo route ${request.service} ${request.method} ${request.route} has an SLO`).toContain(`${request.service} ${request.method} ${request.route}`);
  });
});

describe('HA example: two collectors behind HAProxy on PostgreSQL (docker-compose.ha.yml)', () => {
  const ha = parse(readFileSync(`${root}docker-compose.ha.yml`, 'utf8'), { merge: true }) as Compose;
  const haproxyCfg = readFileSync(`${root}collector/deploy/ha/haproxy.cfg`, 'utf8');

  it('is structurally valid: pinned images, declared volumes, existing mounts, dependencies that exist', () => {
    expect(Object.keys(ha.services).sort()).toEqual(['alert-console', 'collector-a', 'collector-b', 'lb', 'postgres']);
    for (const [name, service] of Object.entries(ha.services)) {
      // PostgreSQL numbers its releases major.minor (15.10 is a patch release of 15)
      if (!service.build) expect(service.image, `${name}: image pinned by version`).toMatch(name === 'postgres' ? /^postgres:\d+\.\d+$/ : PINNED);
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('./')) expect(existsSync(`${root}${source!.slice(2)}`), `${name}: ${source} exists`).toBe(true);
        else expect(Object.keys(ha.volumes), `${name}: volume ${source} is declared`).toContain(source);
      }
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(ha.services), `${name} depends on ${dependency}`).toContain(dependency);
        if (condition === 'service_healthy') expect(ha.services[dependency]!.healthcheck, `${dependency} has a health check`).toBeDefined();
      }
    }
    // only the balancer is published; each collector keeps its own write-ahead log
    expect(ha.services.lb!.ports).toEqual(['4317:4317', '4318:4318']);
    expect(ha.services['collector-a']!.ports).toBeUndefined();
    expect(ha.services['collector-a']!.volumes).not.toEqual(ha.services['collector-b']!.volumes);
    expect(ha.services['collector-a']!.environment!.LOOKOUT_REPLICA).not.toBe(ha.services['collector-b']!.environment!.LOOKOUT_REPLICA);
  });

  it("the collectors' config passes `lookout config check` with their environment, on the PostgreSQL backend", () => {
    const env = ha.services['collector-a']!.environment!;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=lookout-source', 'collector/src/cli.ts', 'config', 'check', 'collector/deploy/ha/lookout.ha.yaml'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(output).toMatch(/lookout\.ha\.yaml: OK/);
    const config = parseConfig(readFileSync(`${root}collector/deploy/ha/lookout.ha.yaml`, 'utf8'), 'lookout.ha.yaml', env);
    expect(config.storage.backend).toBe('postgres');
    expect(config.storage.postgres!.url).toBe(env.LOOKOUT_POSTGRES_URL);
    expect(new URL(config.storage.postgres!.url).hostname).toBe('postgres');
    const webhook = new URL(config.notify.receivers.webhook[0]!.url);
    expect(Object.keys(ha.services)).toContain(webhook.hostname);
  });

  it('haproxy.cfg passes `haproxy -c`, balances both collectors on both OTLP ports and checks /readyz', () => {
    const servers = [...haproxyCfg.matchAll(/^\s+server (\S+) (\S+):(\d+) check(?: port (\d+))?/gm)].map((m) => ({ host: m[2]!, port: m[3]!, checkPort: m[4] }));
    expect(servers.map((s) => `${s.host}:${s.port}`).sort()).toEqual(['collector-a:4317', 'collector-a:4318', 'collector-b:4317', 'collector-b:4318']);
    for (const server of servers) expect(Object.keys(ha.services)).toContain(server.host);
    for (const server of servers.filter((s) => s.port === '4317')) expect(server.checkPort).toBe('4318');
    expect(haproxyCfg.match(/option httpchk GET \/readyz/g)).toHaveLength(2);
    expect([...haproxyCfg.matchAll(/^\s+bind :(\d+)/gm)].map((m) => `${m[1]}:${m[1]}`).sort()).toEqual([...ha.services.lb!.ports!].sort());
    const haproxy = requireBinary('haproxy', 'haproxy');
    if (!haproxy) return;
    const check = spawnSync(haproxy, ['-c', '-f', `${root}collector/deploy/ha/haproxy.cfg`], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/Configuration file is valid/);
    expect(check.status).toBe(0);
  });
});
