import { describe, expect, it } from 'vitest';
import { AgentConfigError, parseAgentConfig } from './load.ts';

const minimal = 'collector: { endpoint: http://127.0.0.1:4318 }\ndataDir: /var/lib/lookout-agent\nfiles:\n  - glob: /var/log/app/*.log\n';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseAgentConfig(text, 'agent.yaml', env, '/etc/lookout');
  } catch (error) {
    if (error instanceof AgentConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('parseAgentConfig', () => {
  it('fills defaults', () => {
    const config = parseAgentConfig(minimal, 'agent.yaml', {}, '/etc/lookout');
    expect(config.files).toEqual([{ glob: '/var/log/app/*.log', exclude: [], labels: {}, startAt: 'beginning' }]);
    expect(config.tail).toEqual({ pollInterval: 250, maxLineBytes: 65536, fingerprintBytes: 256, rotateWait: 5000, readChunkBytes: 65536 });
    expect(config.collector).toEqual({ endpoint: 'http://127.0.0.1:4318', timeout: 10_000, compression: 'gzip' });
    expect(config.buffer).toEqual({ maxLines: 20_000, maxBytes: 16 * 1024 * 1024 });
    expect(config.resources).toEqual({ enabled: true, interval: 30_000, procRoot: '/proc', rootfs: '/' });
    expect(config.metrics).toEqual({ host: '127.0.0.1' });
  });

  it('reads units and resolves relative paths from the config file directory', () => {
    const config = parseAgentConfig(
      [
        'collector: { endpoint: https://collector:4318, token: "${TOKEN}", caFile: ca.pem, timeout: 2s, compression: none }',
        'dataDir: data',
        'files:',
        '  - { glob: "logs/*.log", exclude: ["*.gz"], labels: { service: checkout }, startAt: end }',
        'tail: { pollInterval: 100ms, maxLineBytes: 16KiB, rotateWait: 1m }',
        'buffer: { maxBytes: 32MiB }',
        'metrics: { port: 9465 }',
        'resource: { deployment.environment: prod }',
      ].join('\n'),
      'agent.yaml',
      { TOKEN: 's3cret' },
      '/etc/lookout',
    );
    expect(config.collector).toMatchObject({ token: 's3cret', caFile: '/etc/lookout/ca.pem', timeout: 2000, compression: 'none' });
    expect(config.dataDir).toBe('/etc/lookout/data');
    expect(config.files[0]).toEqual({ glob: '/etc/lookout/logs/*.log', exclude: ['*.gz'], labels: { service: 'checkout' }, startAt: 'end' });
    expect(config.tail).toMatchObject({ pollInterval: 100, maxLineBytes: 16384, rotateWait: 60_000 });
    expect(config.buffer.maxBytes).toBe(32 * 1024 * 1024);
    expect(config.metrics.port).toBe(9465);
    expect(config.resource).toEqual({ 'deployment.environment': 'prod' });
  });

  it('says which required keys are missing and what to write', () => {
    expect(problems('files: []\n')).toEqual([
      'agent.yaml:1:1: collector: missing; add collector: {endpoint: http://<collector>:4318}',
      'agent.yaml:1:1: dataDir: missing; write a directory for the checkpoint, e.g. /var/lib/lookout-agent',
    ]);
    expect(problems('collector: {}\ndataDir: /d\n')).toEqual([
      'agent.yaml:1:12: collector.endpoint: missing; write the URL of the collector OTLP/HTTP receiver, e.g. http://127.0.0.1:4318',
    ]);
  });

  it('points at the line of a bad value, with the value and the fix', () => {
    const text = minimal + 'tail:\n  pollInterval: soon\n  maxLineBytes: 10\n';
    expect(problems(text)).toEqual([
      "agent.yaml:6:17: tail.pollInterval: tail.pollInterval: 'soon' is not a duration; write e.g. 250ms, 5s, 1m (found \"soon\")",
      'agent.yaml:7:17: tail.maxLineBytes: tail.maxLineBytes must be between 256 and 16777216 (found 10)',
    ]);
  });

  it('refuses unknown keys, bad enums, bad globs and bad endpoints', () => {
    expect(problems(minimal + 'tial: {}\n')).toEqual(["agent.yaml:5:1: tial: unknown key 'tial'; check the spelling against the README's reference"]);
    expect(problems(minimal.replace('*.log\n', '*.log\n    startAt: middle\n'))).toEqual([
      "agent.yaml:5:14: files.0.startAt: startAt must be 'beginning' or 'end' (found \"middle\")",
    ]);
    expect(problems(minimal.replace('/var/log/app/*.log', '/var/log/[app.log'))).toEqual([
      "agent.yaml:4:11: files.0.glob: glob '/var/log/[app.log': '[' at character 10 has no closing ']'; escape it as [[] to match a literal '[' (found \"/var/log/[app.log\")",
    ]);
    expect(problems(minimal.replace('http://127.0.0.1:4318', 'ftp://x'))).toEqual([
      'agent.yaml:1:24: collector.endpoint: endpoint must be an http:// or https:// URL of the collector, e.g. http://127.0.0.1:4318 (found "ftp://x")',
    ]);
  });

  it('never shows a token, not even a wrong one', () => {
    const [message] = problems(minimal.replace('4318 }', '4318, token: 42 }'));
    expect(message).toContain('collector.token');
    expect(message).toContain('(hidden)');
    expect(message).not.toContain('42');
  });

  it('names an unset environment variable and how to default it', () => {
    expect(problems(minimal.replace('4318 }', '4318, token: "${LOOKOUT_TOKEN}" }'))).toEqual([
      'agent.yaml:1:54: collector.token: environment variable LOOKOUT_TOKEN is not set; export it, or give a default with ${LOOKOUT_TOKEN:-value}',
    ]);
  });

  it('reports YAML syntax errors with their line, and a non-mapping file', () => {
    expect(problems('collector: [\n')[0]).toMatch(/^agent\.yaml:\d+:\d+: \(top level\): not valid YAML: .*; fix the syntax here$/);
    expect(problems('- just\n- a list\n')).toEqual([
      'agent.yaml:1:1: (top level): the file must be a YAML mapping with collector:, dataDir: and files:, not ["just","a list"]',
    ]);
  });

  it('refuses a config with nothing to do', () => {
    expect(problems('collector: { endpoint: http://c:4318 }\ndataDir: /d\nresources: { enabled: false }\n')).toEqual([
      'agent.yaml:1:1: files: nothing to do: list files to tail, or leave resources enabled',
    ]);
  });
});
