import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { startCollector, type RunningCollector } from './collector.ts';
import { stopSignalGate } from './core/index.ts';
import { loadConfigFile, defaultConfig } from './config/load.ts';
import { configSchema, type LookoutConfig } from './config/schema.ts';
import { banner, type StackFacts } from './demo/banner.ts';
import { startConsoleReceiver, type ConsoleReceiver } from './demo/console-receiver.ts';
import { parseUpOptions, UP_USAGE, UpUsageError, type UpOptions } from './demo/options.ts';
import { demoTimeline, type DemoTimeline } from './demo/schedule.ts';
import { startDemoTlsEndpoint, type DemoTlsEndpoint } from './demo/tls-endpoint.ts';
import { startTraffic, type TrafficGenerator } from './demo/traffic.ts';

/**
 * `lookout up` (and `npm start`): the collector on its embedded defaults with the
 * status page, plus the demo stack around it, stopped cleanly by Ctrl-C. The I/O edge
 * of the demo; what it prints and when things happen are pure (banner.ts, schedule.ts).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const say = (line: string) => process.stdout.write(`${line}\n`);

/** A path as the user would type it from here: relative inside the working directory, absolute outside. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

export class PortInUseError extends Error {}

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** Starts a node child with its output in a file; resolves once `ready` matches its stdout. */
async function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, ready: RegExp, timeoutMs = 90_000): Promise<{ child: Child; match: RegExpMatchArray }> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let seen = '';
  const match = await new Promise<RegExpMatchArray>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s; see ${logFile}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (seen.length >= 100_000) return;
      seen += chunk.toString();
      const m = ready.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolveReady(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready; see ${logFile}`));
    });
  });
  return { child: { name, process: child, exited }, match };
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const killed = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(killed);
}

/** The PostgreSQL to probe, if one answers within a second. */
async function reachablePostgres(url: string): Promise<{ url?: string; skipped?: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    return { skipped: `${redact(url)} did not answer (${(error as Error).message}); set DATABASE_URL to probe one` };
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

interface DemoParts {
  tls: DemoTlsEndpoint;
  postgres: { url?: string; skipped?: string };
  demoDir: string;
}

/** The collector config: the user's file or the embedded defaults, with what `up` adds. */
function stackConfig(options: UpOptions, receiverUrl: string, demo: DemoParts | undefined): LookoutConfig {
  const base = options.configFile ? loadConfigFile(options.configFile) : existsSync('lookout.yaml') ? loadConfigFile('lookout.yaml') : defaultConfig();
  const t = options.timings;
  const raw = structuredClone(base) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw.receivers.otlp.http.port = options.port;
  raw.receivers.otlp.http.host = raw.receivers.otlp.http.host ?? '127.0.0.1';
  raw.receivers.otlp.grpc.port = options.grpcPort;
  if (!options.configFile || options.dataDirGiven) raw.storage.dataDir = options.dataDir;
  raw.notify.receivers.webhook.push({ name: 'console', url: receiverUrl, headers: {} });
  if (options.alertmanagerUrl) raw.notify.receivers.alertmanager.push({ name: 'alertmanager', url: options.alertmanagerUrl, resendInterval: 60_000 });
  if (options.webhookUrl) raw.notify.receivers.webhook.push({ name: 'webhook', url: options.webhookUrl, headers: {} });
  if (demo) {
    raw.slos.files.push(join(ROOT, 'collector/demo', t.fastWindows ? 'slos-fast' : 'slos', 'shop.yaml'));
    raw.slos.evaluationInterval = t.evaluationIntervalMs;
    raw.thresholdAlerts.evaluationInterval = t.thresholdIntervalMs;
    // the demo's certificate is issued by its own CA, so it verifies: a ticket for expiry, no page
    raw.probes.tls.push({ name: 'demo-shop-https', host: '127.0.0.1', servername: 'localhost', port: demo.tls.port, caFile: demo.tls.caFile, interval: t.probeIntervalMs, timeout: Math.min(10_000, t.probeIntervalMs) });
    if (demo.postgres.url) raw.probes.postgres.push({ name: 'demo-postgres', url: demo.postgres.url, maxDatabases: 20, interval: Math.max(t.probeIntervalMs, 5000), timeout: Math.min(10_000, Math.max(t.probeIntervalMs, 5000)) });
  }
  return configSchema.parse(raw);
}

export async function runUp(args: string[], signals: { onStop?: (stop: () => Promise<void>) => void } = {}): Promise<number> {
  let options: UpOptions;
  try {
    options = parseUpOptions(args, process.env);
  } catch (error) {
    if (error instanceof UpUsageError) {
      process.stderr.write(`${error.message}\n${UP_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    say(UP_USAGE);
    return 0;
  }
  const dataDir = resolve(options.dataDir);
  const demoDir = join(dataDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  let timeline: DemoTimeline = demoTimeline(Date.now(), options.timings);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => process.stderr.write(`lookout up: while stopping: ${(error as Error).message}\n`));
    cleanups.length = 0;
  };

  let statusUrl = `http://127.0.0.1:${options.port}`;
  try {
    const receiver: ConsoleReceiver = await startConsoleReceiver(say, () => statusUrl);
    cleanups.push(() => receiver.close());

    let demo: DemoParts | undefined;
    if (options.demo) {
      const tls = await startDemoTlsEndpoint(join(demoDir, 'tls'), options.timings.certificateDays);
      cleanups.push(() => tls.close());
      const postgres = await reachablePostgres(options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres');
      demo = { tls, postgres, demoDir };
    }

    const config = stackConfig({ ...options, dataDir }, receiver.url, demo);
    // The collector's own log goes to a file: the console is for the banner and notifications.
    const collectorLog = join(dataDir, 'collector.log');
    const logger = pino({ level: config.log.level, name: 'lookout' }, pino.destination({ dest: collectorLog, mkdir: true, sync: false }));
    let collector: RunningCollector;
    try {
      collector = await startCollector(config, { logger });
    } catch (error) {
      const message = (error as Error).message;
      if (/port is in use|EADDRINUSE/.test(message)) {
        const port = /:(\d+)/.exec(message)?.[1] ?? String(options.port);
        throw new PortInUseError(
          `lookout up: port ${port} is in use (another lookout up, or a collector from docker compose?). ` +
            `Stop it, or pick other ports: npm start -- --port ${options.port === 4318 ? 14318 : options.port + 10000} --grpc-port ${options.grpcPort === 4317 ? 14317 : options.grpcPort + 10000}`,
        );
      }
      throw error;
    }
    cleanups.push(() => collector.close());
    statusUrl = collector.httpUrl;

    const facts: StackFacts = {
      statusUrl: collector.httpUrl,
      otlpHttpUrl: collector.httpUrl,
      ...(collector.grpcPort !== undefined ? { grpcPort: collector.grpcPort } : {}),
      ...(options.configFile ? { configFile: options.configFile } : existsSync('lookout.yaml') ? { configFile: resolve('lookout.yaml') } : {}),
      dataDir,
      sloFiles: config.slos.files.map(shown),
      receivers: [
        `printed here (console)`,
        ...config.notify.receivers.alertmanager.map((r) => `Alertmanager ${r.url}`),
        ...config.notify.receivers.webhook.filter((r) => r.name !== 'console').map((r) => `webhook ${r.name}`),
        ...config.notify.receivers.slack.map((r) => `Slack ${r.name}`),
        ...config.notify.receivers.pagerduty.map((r) => `PagerDuty ${r.name}`),
      ],
    };

    // Dashboards hook: when @lookout/dashboards can write them, they go to <dataDir>/grafana
    // (and are provisioned when GRAFANA_URL is set); the lead wires it here.

    if (demo) {
      const accessLog = join(demoDir, 'access.log');
      const shopLog = join(demoDir, 'shop.log');
      const incidentFile = join(demoDir, 'incident.json');
      writeFileSync(incidentFile, '{}');
      writeFileSync(accessLog, '', { flag: 'a' });
      const agentDist = join(ROOT, 'agents/node/dist/register.js');
      const register = existsSync(agentDist) ? '@lookout/agent/register' : join(ROOT, 'agents/node/src/register.ts');
      const shop = await startChild(
        'the demo shop service',
        ['--conditions=lookout-source', '--import', 'tsx', '--import', register, join(ROOT, 'collector/src/demo/shop-service.ts')],
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl,
          OTEL_SERVICE_NAME: 'shop',
          OTEL_BSP_SCHEDULE_DELAY: '1000',
          OTEL_BLRP_SCHEDULE_DELAY: '1000',
          OTEL_METRIC_EXPORT_INTERVAL: '15000',
          DEMO_ACCESS_LOG: accessLog,
          DEMO_INCIDENT_FILE: incidentFile,
        },
        shopLog,
        /listening (\d+)/,
      );
      cleanups.push(() => stopChild(shop.child));
      const shopUrl = `http://127.0.0.1:${shop.match[1]}`;

      const agentConfig = join(demoDir, 'host-agent.yaml');
      writeFileSync(
        agentConfig,
        [
          '# written by lookout up: the demo host agent',
          'collector:',
          `  endpoint: ${collector.httpUrl}`,
          `dataDir: ${JSON.stringify(join(demoDir, 'host-agent'))}`,
          'files:',
          `  - glob: ${JSON.stringify(accessLog)}`,
          '    labels: { service: shop-edge }',
          'resources: { interval: 10s }',
          '',
        ].join('\n'),
      );
      const agent = await startChild('the host agent', [join(ROOT, 'agents/host/bin/lookout-agent.mjs'), '--config', agentConfig], {}, join(demoDir, 'host-agent.log'), /lookout-agent started/);
      cleanups.push(() => stopChild(agent.child));

      // The story's clock starts once everything runs (starting the shop can take a while).
      timeline = demoTimeline(Date.now(), options.timings);
      writeFileSync(incidentFile, JSON.stringify({ incidentStartMs: timeline.incidentStartMs, incidentEndMs: timeline.incidentEndMs }));
      const traffic: TrafficGenerator = startTraffic(shopUrl, options.timings.requestsPerSecond);
      cleanups.push(() => traffic.stop());

      const timers: NodeJS.Timeout[] = [];
      const at = (whenMs: number, what: () => void | Promise<void>) => {
        const timer = setTimeout(() => void Promise.resolve(what()).catch((error: unknown) => say(`[demo] ${(error as Error).message}`)), Math.max(0, whenMs - Date.now()));
        timers.push(timer);
      };
      cleanups.push(async () => timers.forEach((t) => clearTimeout(t)));
      at(timeline.incidentStartMs, () => {
        say(`[demo] ${new Date().toISOString().slice(11, 19)} incident starts: checkout fails often, product pages slow down. Watch ${statusUrl}/`);
      });
      at(timeline.incidentEndMs, () => {
        say(`[demo] ${new Date().toISOString().slice(11, 19)} incident over (${traffic.counts.serverErrors} server errors of ${traffic.counts.sent} requests so far); the page resolves once its short window is clean`);
      });
      at(timeline.renewCertificateAtMs, async () => {
        await demo!.tls.renew(90);
        say(`[demo] ${new Date().toISOString().slice(11, 19)} certificate renewed for 90 days; the TLS ticket resolves at the next probe`);
      });

      facts.demo = {
        shopUrl,
        accessLog: shown(accessLog),
        shopLog: shown(shopLog),
        tlsUrl: `https://localhost:${demo.tls.port}`,
        certificateDays: options.timings.certificateDays,
        ...(demo.postgres.url ? { postgres: redact(demo.postgres.url) } : { postgresSkipped: demo.postgres.skipped ?? 'none reachable' }),
        timeline,
        fast: options.timings.fastWindows,
      };
    }
    say(banner(facts));
    say(`  (collector log: ${shown(collectorLog)})`);
  } catch (error) {
    await cleanup();
    if (error instanceof PortInUseError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      say('\n  stopping: traffic, demo processes, collector (flushing its pipeline)…');
      await cleanup();
      say('  stopped.');
    })();
    return stopping;
  };
  signals.onStop?.(stop);
  return new Promise<number>((resolveExit) => {
    const decide = stopSignalGate(Date.now);
    const onSignal = () => {
      const decision = decide();
      if (decision === 'relayed-copy') return;
      if (decision === 'force') {
        process.stderr.write('second signal: exiting now\n');
        process.exit(1);
      }
      stop().then(
        () => {
          resolveExit(0);
          // whatever still holds the loop (keep-alive sockets) must not keep a stopped stack alive
          setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
        },
        (error: unknown) => {
          process.stderr.write(`lookout up: stopping failed: ${(error as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
