/**
 * Agent configuration: the standard OTEL_* variables the agent honours itself, the
 * LOOKOUT_* ones, and programmatic options (which win). Pure: takes the environment
 * and returns the config plus problems; a bad value never stops the host service, it
 * is reported and replaced by its default.
 */

export const INSTRUMENTATION_NAMES = ['http', 'undici', 'express', 'pg', 'mysql2', 'redis', 'ioredis', 'pino'] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

export interface BatchConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
}

export interface AgentOptions {
  serviceName?: string;
  serviceVersion?: string;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (default: the OTEL_EXPORTER_OTLP_* variables) */
  endpoint?: string;
  /** several OTLP/HTTP base URLs, tried in order with failover (wins over `endpoint` and LOOKOUT_ENDPOINTS) */
  endpoints?: string[];
  /** how long an endpoint that failed is set aside before it is tried again */
  failoverCoolDownMs?: number;
  traces?: boolean;
  metrics?: boolean;
  logs?: boolean;
  instrumentations?: InstrumentationName[];
  /** serve Prometheus /metrics on this port (0 = any free port); off when undefined */
  metricsPort?: number;
  metricsHost?: string;
  metricExportIntervalMs?: number;
  shutdownTimeoutMs?: number;
  /** flush and exit on SIGTERM/SIGINT (default true for register, false for start()) */
  handleSignals?: boolean;
  /** bound on distinct (route, method, status_class) series of the request histogram */
  maxRequestSeries?: number;
}

export interface AgentConfig {
  disabled: boolean;
  serviceName?: string;
  serviceVersion?: string;
  /** the first of `endpoints` (kept for callers that know one endpoint) */
  endpoint?: string;
  /** OTLP/HTTP base URLs, failover order; undefined: the OTEL_EXPORTER_OTLP_* variables decide */
  endpoints?: string[];
  failoverCoolDownMs: number;
  traces: boolean;
  metrics: boolean;
  logs: boolean;
  instrumentations: InstrumentationName[];
  spanBatch: BatchConfig;
  logBatch: BatchConfig;
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  metricsPort?: number;
  metricsHost: string;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
  maxRequestSeries: number;
  logLevel: 'none' | 'error' | 'warn' | 'info' | 'debug';
}

export interface ConfigProblem {
  variable: string;
  value: string;
  message: string;
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push({
        variable: name,
        value: raw,
        message: `${name}="${raw}" is not a whole number from ${min} to ${max}; using ${fallback}. Set it to e.g. ${fallback}, or unset it.`,
      });
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    this.problems.push({
      variable: name,
      value: raw,
      message: `${name}="${raw}" is not a boolean; using ${fallback}. Set it to true or false.`,
    });
    return fallback;
  }

  /** false when the OTEL_*_EXPORTER list is exactly 'none' */
  exporterEnabled(name: string): boolean {
    const raw = this.string(name);
    if (raw === undefined) return true;
    const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (names.includes('none')) return false;
    const unsupported = names.filter((n) => n !== 'otlp');
    if (unsupported.length > 0) {
      this.problems.push({
        variable: name,
        value: raw,
        message: `${name}="${raw}": the Lookout agent exports OTLP only (ignoring ${unsupported.join(', ')}). Use otlp or none.`,
      });
    }
    return true;
  }

  /** A comma-separated list of http(s) base URLs; bad entries are reported and skipped. */
  endpointList(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const endpoints: string[] = [];
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const problem = endpointProblem(item);
      if (problem === undefined) endpoints.push(item.replace(/\/+$/, ''));
      else this.problems.push({ variable: name, value: raw, message: `${name}: '${item}' ${problem}; skipped. List base URLs like http://collector-a:4318,http://collector-b:4318.` });
    }
    if (endpoints.length === 0) {
      this.problems.push({ variable: name, value: raw, message: `${name}="${raw}" names no usable endpoint; using OTEL_EXPORTER_OTLP_ENDPOINT (or its default) instead.` });
      return undefined;
    }
    return endpoints;
  }

  instrumentationList(name: string): InstrumentationName[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const known: InstrumentationName[] = [];
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      if ((INSTRUMENTATION_NAMES as readonly string[]).includes(item)) known.push(item as InstrumentationName);
      else
        this.problems.push({
          variable: name,
          value: raw,
          message: `${name}: unknown instrumentation '${item}' ignored; known ones are ${INSTRUMENTATION_NAMES.join(', ')}.`,
        });
    }
    return known;
  }
}

/** Why a string is not a usable OTLP/HTTP base URL, or undefined when it is. */
export function endpointProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `has scheme ${url.protocol} (only http: and https: are supported)`;
  if (url.search || url.hash) return 'has a query or fragment (give the base URL; /v1/<signal> is appended)';
  return undefined;
}

function batch(reader: Reader, prefix: 'OTEL_BSP' | 'OTEL_BLRP', scheduledDelayMs: number): BatchConfig {
  const maxQueueSize = reader.integer(`${prefix}_MAX_QUEUE_SIZE`, 2048, 1, 1_000_000);
  let maxExportBatchSize = reader.integer(`${prefix}_MAX_EXPORT_BATCH_SIZE`, 512, 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) maxExportBatchSize = maxQueueSize;
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: reader.integer(`${prefix}_SCHEDULE_DELAY`, scheduledDelayMs, 0, 3_600_000),
    exportTimeoutMs: reader.integer(`${prefix}_EXPORT_TIMEOUT`, 30_000, 1, 3_600_000),
  };
}

const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug'] as const;

function logLevel(reader: Reader): AgentConfig['logLevel'] {
  const raw = reader.string('OTEL_LOG_LEVEL');
  if (raw === undefined) return 'warn';
  const lower = raw.toLowerCase();
  if (lower === 'all' || lower === 'verbose') return 'debug';
  if ((LOG_LEVELS as readonly string[]).includes(lower)) return lower as AgentConfig['logLevel'];
  reader.problems.push({
    variable: 'OTEL_LOG_LEVEL',
    value: raw,
    message: `OTEL_LOG_LEVEL="${raw}" is not a level; using warn. Use one of ${LOG_LEVELS.join(', ')}.`,
  });
  return 'warn';
}

export function readAgentConfig(
  env: Env,
  options: AgentOptions = {},
  defaults: { handleSignals: boolean } = { handleSignals: false },
): { config: AgentConfig; problems: ConfigProblem[] } {
  const reader = new Reader(env);
  const disabled = reader.boolean('OTEL_SDK_DISABLED', false) || reader.boolean('LOOKOUT_AGENT_DISABLED', false);

  let instrumentations = options.instrumentations ?? reader.instrumentationList('LOOKOUT_INSTRUMENTATIONS') ?? [...INSTRUMENTATION_NAMES];
  const off = reader.instrumentationList('LOOKOUT_DISABLED_INSTRUMENTATIONS');
  if (off) instrumentations = instrumentations.filter((name) => !off.includes(name));

  const metricsPortFromEnv = reader.string('LOOKOUT_METRICS_PORT') === undefined ? undefined : reader.integer('LOOKOUT_METRICS_PORT', 9464, 0, 65535);

  const endpoints = (options.endpoints ?? (options.endpoint !== undefined ? [options.endpoint] : undefined))
    ?.filter((endpoint) => {
      const problem = endpointProblem(endpoint);
      if (problem !== undefined) {
        reader.problems.push({ variable: 'endpoints', value: endpoint, message: `start({ endpoints }): '${endpoint}' ${problem}; skipped. Pass base URLs like http://collector-a:4318.` });
      }
      return problem === undefined;
    })
    .map((e) => e.replace(/\/+$/, ''));
  const endpointsFromEnv = reader.endpointList('LOOKOUT_ENDPOINTS');
  const chosenEndpoints = endpoints !== undefined && endpoints.length > 0 ? endpoints : endpointsFromEnv;

  const config: AgentConfig = {
    disabled,
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    endpoint: chosenEndpoints?.[0],
    endpoints: chosenEndpoints,
    failoverCoolDownMs: options.failoverCoolDownMs ?? reader.integer('LOOKOUT_FAILOVER_COOL_DOWN_MS', 30_000, 0, 3_600_000),
    traces: options.traces ?? reader.exporterEnabled('OTEL_TRACES_EXPORTER'),
    metrics: options.metrics ?? reader.exporterEnabled('OTEL_METRICS_EXPORTER'),
    logs: options.logs ?? reader.exporterEnabled('OTEL_LOGS_EXPORTER'),
    instrumentations,
    spanBatch: batch(reader, 'OTEL_BSP', 5000),
    logBatch: batch(reader, 'OTEL_BLRP', 1000),
    metricExportIntervalMs: options.metricExportIntervalMs ?? reader.integer('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1, 86_400_000),
    metricExportTimeoutMs: reader.integer('OTEL_METRIC_EXPORT_TIMEOUT', 30_000, 1, 3_600_000),
    metricsPort: options.metricsPort ?? metricsPortFromEnv,
    metricsHost: options.metricsHost ?? reader.string('LOOKOUT_METRICS_HOST') ?? '0.0.0.0',
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? reader.integer('LOOKOUT_SHUTDOWN_TIMEOUT_MS', 3000, 0, 600_000),
    handleSignals: options.handleSignals ?? defaults.handleSignals,
    maxRequestSeries: options.maxRequestSeries ?? reader.integer('LOOKOUT_MAX_REQUEST_SERIES', 1000, 1, 1_000_000),
    logLevel: logLevel(reader),
  };
  // The metric export timeout cannot exceed its interval (the SDK rejects that).
  if (config.metricExportTimeoutMs > config.metricExportIntervalMs) config.metricExportTimeoutMs = config.metricExportIntervalMs;
  return { config, problems: reader.problems };
}
