import { describe, expect, it } from 'vitest';
import { INSTRUMENTATION_NAMES, readAgentConfig } from './config.ts';

describe('readAgentConfig', () => {
  it('has the documented defaults with an empty environment', () => {
    const { config, problems } = readAgentConfig({});
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      disabled: false,
      traces: true,
      metrics: true,
      logs: true,
      instrumentations: [...INSTRUMENTATION_NAMES],
      spanBatch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 5000, exportTimeoutMs: 30_000 },
      logBatch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 1000, exportTimeoutMs: 30_000 },
      metricExportIntervalMs: 60_000,
      metricsPort: undefined,
      metricsHost: '0.0.0.0',
      shutdownTimeoutMs: 3000,
      handleSignals: false,
      maxRequestSeries: 1000,
      logLevel: 'warn',
    });
  });

  it('reads the standard OTEL_* and the LOOKOUT_* variables', () => {
    const { config, problems } = readAgentConfig({
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_METRIC_EXPORT_TIMEOUT: '5000',
      OTEL_LOG_LEVEL: 'DEBUG',
      LOOKOUT_INSTRUMENTATIONS: 'http,pino,pg',
      LOOKOUT_DISABLED_INSTRUMENTATIONS: 'pg',
      LOOKOUT_METRICS_PORT: '9464',
      LOOKOUT_SHUTDOWN_TIMEOUT_MS: '500',
    });
    expect(problems).toEqual([]);
    expect(config.traces).toBe(false);
    expect(config.logs).toBe(true);
    expect(config.spanBatch).toEqual({ maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMs: 100, exportTimeoutMs: 30_000 });
    expect(config.metricExportIntervalMs).toBe(1000);
    expect(config.metricExportTimeoutMs).toBe(1000); // never longer than the interval
    expect(config.logLevel).toBe('debug');
    expect(config.instrumentations).toEqual(['http', 'pino']);
    expect(config.metricsPort).toBe(9464);
    expect(config.shutdownTimeoutMs).toBe(500);
  });

  it('lets programmatic options win over the environment', () => {
    const { config } = readAgentConfig(
      { OTEL_TRACES_EXPORTER: 'none', LOOKOUT_METRICS_PORT: '9464' },
      { traces: true, metricsPort: 0, serviceName: 'checkout', endpoint: 'http://127.0.0.1:4318/', handleSignals: true },
    );
    expect(config).toMatchObject({ traces: true, metricsPort: 0, serviceName: 'checkout', endpoint: 'http://127.0.0.1:4318', handleSignals: true });
  });

  it('is disabled by OTEL_SDK_DISABLED or LOOKOUT_AGENT_DISABLED', () => {
    expect(readAgentConfig({ OTEL_SDK_DISABLED: 'true' }).config.disabled).toBe(true);
    expect(readAgentConfig({ LOOKOUT_AGENT_DISABLED: '1' }).config.disabled).toBe(true);
  });

  it('reports a bad value with the variable, the value and the fix, and keeps the default', () => {
    const { config, problems } = readAgentConfig({
      OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
      LOOKOUT_METRICS_PORT: '70000',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_LOG_LEVEL: 'loud',
      LOOKOUT_INSTRUMENTATIONS: 'http,mongodb',
      OTEL_TRACES_EXPORTER: 'zipkin',
    });
    expect(config.spanBatch.maxQueueSize).toBe(2048);
    expect(config.metricsPort).toBe(9464);
    expect(config.disabled).toBe(false);
    expect(config.logLevel).toBe('warn');
    expect(config.instrumentations).toEqual(['http']);
    expect(config.traces).toBe(true);
    const messages = problems.map((p) => p.message);
    expect(messages).toContain('OTEL_BSP_MAX_QUEUE_SIZE="lots" is not a whole number from 1 to 1000000; using 2048. Set it to e.g. 2048, or unset it.');
    expect(messages).toContain('LOOKOUT_METRICS_PORT="70000" is not a whole number from 0 to 65535; using 9464. Set it to e.g. 9464, or unset it.');
    expect(messages).toContain('OTEL_SDK_DISABLED="maybe" is not a boolean; using false. Set it to true or false.');
    expect(messages).toContain('OTEL_LOG_LEVEL="loud" is not a level; using warn. Use one of none, error, warn, info, debug.');
    expect(messages).toContain(
      `LOOKOUT_INSTRUMENTATIONS: unknown instrumentation 'mongodb' ignored; known ones are ${INSTRUMENTATION_NAMES.join(', ')}.`,
    );
    expect(messages).toContain('OTEL_TRACES_EXPORTER="zipkin": the Lookout agent exports OTLP only (ignoring zipkin). Use otlp or none.');
    expect(problems.map((p) => p.variable)).toContain('OTEL_BSP_MAX_QUEUE_SIZE');
  });

  it('reads several collector endpoints for failover, skipping (and saying) what is not a base URL', () => {
    const { config, problems } = readAgentConfig({
      LOOKOUT_ENDPOINTS: 'http://a:4318/, ftp://b:21 ,not a url,https://c:4318,http://d:4318?x=1',
      LOOKOUT_FAILOVER_COOL_DOWN_MS: '5000',
    });
    expect(config.endpoints).toEqual(['http://a:4318', 'https://c:4318']);
    expect(config.endpoint).toBe('http://a:4318');
    expect(config.failoverCoolDownMs).toBe(5000);
    expect(problems.map((p) => p.message)).toEqual([
      "LOOKOUT_ENDPOINTS: 'ftp://b:21' has scheme ftp: (only http: and https: are supported); skipped. List base URLs like http://collector-a:4318,http://collector-b:4318.",
      "LOOKOUT_ENDPOINTS: 'not a url' is not a URL; skipped. List base URLs like http://collector-a:4318,http://collector-b:4318.",
      "LOOKOUT_ENDPOINTS: 'http://d:4318?x=1' has a query or fragment (give the base URL; /v1/<signal> is appended); skipped. List base URLs like http://collector-a:4318,http://collector-b:4318.",
    ]);
  });

  it('falls back to the OTEL endpoint when LOOKOUT_ENDPOINTS names none, and lets start() options win', () => {
    const none = readAgentConfig({ LOOKOUT_ENDPOINTS: 'nope', LOOKOUT_FAILOVER_COOL_DOWN_MS: '-1' });
    expect(none.config.endpoints).toBeUndefined();
    expect(none.config.failoverCoolDownMs).toBe(30_000);
    expect(none.problems.map((p) => p.variable)).toEqual(['LOOKOUT_ENDPOINTS', 'LOOKOUT_ENDPOINTS', 'LOOKOUT_FAILOVER_COOL_DOWN_MS']);
    const options = readAgentConfig({ LOOKOUT_ENDPOINTS: 'http://env:4318' }, { endpoints: ['http://x:1', 'mailto:y', 'http://z:2/'] });
    expect(options.config.endpoints).toEqual(['http://x:1', 'http://z:2']);
    expect(options.problems.map((p) => p.message)).toEqual([
      "start({ endpoints }): 'mailto:y' has scheme mailto: (only http: and https: are supported); skipped. Pass base URLs like http://collector-a:4318.",
    ]);
  });
});
