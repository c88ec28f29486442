import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateEnv } from '@lookout/otlp';
import { ConfigError, defaultConfig, loadConfigFile, parseConfig } from './load.ts';
import { parseDuration, parseSize } from '../core/units.ts';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'lookout.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig('', 'lookout.yaml', {});
    expect(config).toEqual(defaultConfig());
    expect(config.receivers.otlp.http).toMatchObject({ host: '127.0.0.1', port: 4318, enabled: true });
    expect(config.receivers.otlp.grpc).toMatchObject({ host: '127.0.0.1', port: 4317 });
    expect(config.receivers.otlp.auth).toBeUndefined();
    expect(config.shutdownTimeout).toBe(10_000);
  });

  it('reads sizes and durations with units', () => {
    const config = parseConfig(
      'receivers:\n  otlp:\n    http:\n      maxBodyBytes: 4MiB\n      maxDecompressedBytes: 10MB\nshutdownTimeout: 1m30s\n',
      'lookout.yaml',
      {},
    );
    expect(config.receivers.otlp.http.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(config.receivers.otlp.http.maxDecompressedBytes).toBe(10_000_000);
    expect(config.shutdownTimeout).toBe(90_000);
    expect(parseSize('512 KiB')).toBe(524288);
    expect(parseSize('12XB')).toBeUndefined();
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('interpolates ${ENV} and ${ENV:-default}, typing whole-value numbers', () => {
    const config = parseConfig(
      'receivers:\n  otlp:\n    http:\n      port: ${PORT}\n      host: ${HOST:-0.0.0.0}\nstorage:\n  dataDir: /var/$${literal}/${SUB}\n',
      'lookout.yaml',
      { PORT: '9999', SUB: 'x' },
    );
    expect(config.receivers.otlp.http.port).toBe(9999);
    expect(config.receivers.otlp.http.host).toBe('0.0.0.0');
    expect(config.storage.dataDir).toBe('/var/${literal}/x');
    expect(interpolateEnv('a${B}c', {})).toEqual({ value: 'ac', missing: ['B'] });
  });

  it('names file, line, key path, bad value and fix for a wrong type', () => {
    const lines = problems('receivers:\n  otlp:\n    http:\n      port: "abc"\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lookout\.yaml:4:\d+: receivers\.otlp\.http\.port: .*port must be a whole number.*found "abc"/);
  });

  it('suggests the key meant for an unknown key', () => {
    const lines = problems('receivers:\n  otlp:\n    http:\n      prot: 1\npipline: {}\n');
    expect(lines).toContainEqual(expect.stringMatching(/lookout\.yaml:4:\d+: receivers\.otlp\.http\.prot: unknown key 'prot'; did you mean 'port'\?/));
    expect(lines).toContainEqual(expect.stringMatching(/lookout\.yaml:5:\d+: pipline: unknown key 'pipline'; did you mean 'pipeline'\?/));
  });

  it('reports a bad size with the accepted forms', () => {
    const lines = problems('receivers:\n  otlp:\n    grpc:\n      maxMessageBytes: 12XB\n');
    expect(lines[0]).toMatch(/:4:\d+: receivers\.otlp\.grpc\.maxMessageBytes: '12XB' is not a size; write .*4MiB/);
  });

  it('reports an unset environment variable where it is used', () => {
    const lines = problems('receivers:\n  otlp:\n    auth:\n      tenants:\n        - name: a\n          token: ${TOKEN_A}\n');
    expect(lines[0]).toMatch(/lookout\.yaml:6:\d+: receivers\.otlp\.auth\.tenants\.0\.token: environment variable TOKEN_A is not set; export it, or give a default/);
  });

  it('never prints a token, even a wrong one', () => {
    const lines = problems('receivers:\n  otlp:\n    auth:\n      tenants:\n        - name: a\n          token: short-secret\n');
    expect(lines.join('\n')).not.toContain('short-secret');
    expect(lines[0]).toMatch(/token: a token must be at least 16 characters.*\(found \(hidden\)\)/);
  });

  it('refuses duplicate tenant names and shared tokens', () => {
    const token = 'x'.repeat(20);
    const lines = problems(
      `receivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: a, token: ${token} }\n        - { name: a, token: ${token} }\n`,
    );
    expect(lines.join('\n')).toMatch(/tenants\.1\.name: tenant 'a' is listed twice/);
    expect(lines.join('\n')).toMatch(/tenants\.1\.token: two tenants share a token/);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('says how to fix a bad tenant quota (issue 12)', () => {
    const token = 'x'.repeat(20);
    const zero = problems(`receivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: a, token: ${token}, quota: { itemsPerSecond: 0 } }\n`);
    expect(zero.join('\n')).toMatch(/tenants\.0\.quota\.itemsPerSecond: itemsPerSecond must be above 0, e\.g\. 5000/);
    const empty = problems(`receivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: a, token: ${token}, quota: { burstSeconds: 3 } }\n`);
    expect(empty.join('\n')).toMatch(/tenants\.0\.quota: a quota needs itemsPerSecond, bytesPerSecond or both/);
    const bytes = problems(`receivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: a, token: ${token}, quota: { bytesPerSecond: lots } }\n`);
    expect(bytes.join('\n')).toMatch(/tenants\.0\.quota\.bytesPerSecond:/);
  });

  it('reports broken YAML at its line', () => {
    const lines = problems('receivers:\n  otlp: [\n');
    expect(lines[0]).toMatch(/^lookout\.yaml:\d+:\d+: \(top level\): not valid YAML/);
  });

  it('refuses a file that is not a mapping', () => {
    expect(problems('- a\n- b\n')[0]).toMatch(/must be a YAML mapping/);
  });

  it('places a misspelt key at the key, not at its value', () => {
    const lines = problems('receivers:\n  otlp:\n    htp:\n      port: 1\nlog:\n  levle:   debug\n');
    expect(lines).toEqual([
      "lookout.yaml:3:5: receivers.otlp.htp: unknown key 'htp'; did you mean 'http'?",
      "lookout.yaml:6:3: log.levle: unknown key 'levle'; did you mean 'level'?",
    ]);
  });

  it('reports every problem at once, sorted by line and column', () => {
    const text = [
      'log:', //                                 1
      '  level: loud', //                        2
      'pipeline:', //                            3
      '  queue: { maxItems: 0, maxBytes: 1MiB }', // 4
      'receivers:', //                           5
      '  otlp:', //                              6
      '    http: { enabled: yes, prot: 1 }', //  7
      '',
    ].join('\n');
    const lines = problems(text);
    expect(lines).toHaveLength(4);
    const positions = lines.map((line) => /^lookout\.yaml:(\d+):(\d+):/.exec(line)!.slice(1).map(Number));
    expect(positions).toEqual([...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(lines[0]).toMatch(/^lookout\.yaml:2:\d+: log\.level: level must be one of trace, debug, info, warn, error, fatal, silent \(found "loud"\); the default is "info"$/);
    expect(lines[1]).toMatch(/^lookout\.yaml:4:\d+: pipeline\.queue\.maxItems: maxItems must be greater than 0 \(found 0\); .*the default is 500000$/);
    expect(lines[2]).toMatch(/^lookout\.yaml:7:\d+: receivers\.otlp\.http\.enabled: enabled must be true or false, not text \(found "yes"\); write `enabled: true`/);
    expect(lines[3]).toMatch(/^lookout\.yaml:7:\d+: receivers\.otlp\.http\.prot: unknown key 'prot'; did you mean 'port'\?$/);
  });

  it('reports an unset variable alongside the other problems, and not again as the empty value it left', () => {
    const lines = problems('storage:\n  dataDir: ${DATA_DIR}\nlog:\n  level: loud\nreceivers:\n  otlp:\n    auth:\n      tenants:\n        - { name: a, token: "${TOKEN_A}" }\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^lookout\.yaml:2:\d+: storage\.dataDir: environment variable DATA_DIR is not set/);
    expect(lines[1]).toMatch(/^lookout\.yaml:4:\d+: log\.level: level must be one of/);
    expect(lines[2]).toMatch(/^lookout\.yaml:9:\d+: receivers\.otlp\.auth\.tenants\.0\.token: environment variable TOKEN_A is not set/);
  });

  it('replaces the validator\'s own texts with what to write', () => {
    const lines = problems(
      'slos:\n  files: alerts/slos\npipeline:\n  dedupLogRecordIds: 1.5\nprobes: 5\nreceivers:\n  otlp:\n    tls: {}\n',
    );
    const text = lines.join('\n');
    expect(text).not.toMatch(/Invalid input|Too small|Too big|Invalid option|expected \w+, received/);
    expect(text).toContain('slos.files: files must be a list, not text (found "alerts/slos"); write a YAML list, even for one item: `files: ["alerts/slos"]`');
    expect(text).toContain('pipeline.dedupLogRecordIds: dedupLogRecordIds must be a whole number, not a fraction (found 1.5)');
    expect(text).toContain('probes: probes must be a section of keys, not a number (found 5); write `probes:` with its keys indented below it');
    expect(text).toContain('receivers.otlp.tls.certFile: certFile is required here; add `certFile:` with text (PEM certificate chain served by the receivers)');
  });

  it('suggests the allowed value meant for a misspelt one', () => {
    expect(problems('log:\n  level: inof\n')).toEqual(['lookout.yaml:2:10: log.level: level must be one of trace, debug, info, warn, error, fatal, silent (found "inof"); did you mean \'info\'?']);
  });

  it('reads a file and reports a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-config-'));
    const file = join(dir, 'lookout.yaml');
    writeFileSync(file, 'log:\n  level: debug\n');
    expect(loadConfigFile(file, {}).log.level).toBe('debug');
    expect(() => loadConfigFile(join(dir, 'nope.yaml'), {})).toThrow(/nope\.yaml: \(top level\): file not found; check the path given to --config/);
  });
});
