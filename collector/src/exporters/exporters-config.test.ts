import { Registry } from 'prom-client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { OtlpExporter } from './otlp-exporter.ts';
import { RemoteWriteExporter } from './remote-write-exporter.ts';

const problem = (yaml: string) => {
  try {
    parseConfig(yaml, 'lookout.yaml', {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('exporters config', () => {
  it('has defaults: received metrics on, OTLP and remote write off', () => {
    const config = parseConfig('', 'lookout.yaml', {});
    expect(config.exporters.prometheus).toEqual({ enabled: true, maxSeries: 20_000, staleAfter: 300_000, scopeLabels: true });
    expect(config.exporters.otlp).toBeUndefined();
    expect(config.exporters.remoteWrite).toBeUndefined();
    const on = parseConfig('exporters:\n  otlp: { endpoint: "http://tempo:4318", bearerToken: "${TOKEN}" }\n  remoteWrite: { url: "http://prom:9090/api/v1/write" }\n', 'lookout.yaml', { TOKEN: 's3cret' });
    expect(on.exporters.otlp).toMatchObject({ signals: ['traces', 'metrics', 'logs'], compression: 'gzip', bearerToken: 's3cret', maxElapsed: 300_000 });
    expect(on.exporters.remoteWrite).toMatchObject({ shards: 4, maxElapsed: 0, selfInterval: 15_000, job: 'lookout' });
  });

  it('says where and what is wrong in a bad exporter config', () => {
    expect(problem('exporters:\n  otlp: { endpoint: "tempo:4318" }\n')).toContain('lookout.yaml:2:');
    expect(problem('exporters:\n  otlp: { endpoint: "tempo:4318" }\n')).toContain('endpoint must be an http(s) URL of an OTLP receiver');
    expect(problem('exporters:\n  otlp: { endpoint: "http://t:4318", signals: [] }\n')).toContain('signals must name at least one of traces, metrics, logs');
    expect(problem('exporters:\n  otlp: { endpoint: "http://t:4318", signals: [spans] }\n')).toContain('exporters.otlp.signals');
    expect(problem('exporters:\n  remoteWrite: { url: "http://p/api/v1/write", externalLabels: { "bad-name": x } }\n')).toContain('an external label name must match');
    expect(problem('exporters:\n  remoteWrite: { url: "ftp://p" }\n')).toContain('url must be the http(s) remote-write endpoint');
    expect(problem('exporters:\n  prometheus: { maxSeries: 0 }\n')).toContain('exporters.prometheus.maxSeries');
    expect(problem('exporters:\n  otlp: { endpoint: "http://t:4318", bearerToken: "${NOPE}" }\n')).toContain('environment variable NOPE is not set');
  });

  it('refuses a CA file it cannot read, naming the key and the file', () => {
    const config = parseConfig('exporters:\n  otlp: { endpoint: "https://t:4318", tls: { caFile: /nonexistent/ca.pem } }\n  remoteWrite: { url: "https://p/api/v1/write", tls: { caFile: /nonexistent/ca.pem } }\n', 'lookout.yaml', {});
    const common = { registry: new Registry(), logger: pino({ level: 'silent' }), now: Date.now };
    expect(() => new OtlpExporter({ ...common, config: config.exporters.otlp! })).toThrow('exporters.otlp.tls.caFile: cannot read /nonexistent/ca.pem (ENOENT)');
    expect(() => new RemoteWriteExporter({ ...common, config: config.exporters.remoteWrite! })).toThrow('exporters.remoteWrite.tls.caFile: cannot read /nonexistent/ca.pem (ENOENT)');
  });
});
