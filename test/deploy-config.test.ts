/** The configs shipped for docker-compose.yml stay valid as the schema evolves. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../', import.meta.url).pathname;

describe('docker-compose stack files', () => {
  it('lookout.compose.yaml passes `lookout config check`, SLO files included', () => {
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=lookout-source', 'collector/src/cli.ts', 'config', 'check', 'collector/deploy/lookout.compose.yaml'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(output).toMatch(/lookout\.compose\.yaml: OK \(\d+ SLOs in \d+ files\)/);
  });

  it('docker-compose.yml names the config files that exist and the ports the config uses', () => {
    const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as { services: Record<string, { ports?: string[]; volumes?: string[] }> };
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['collector', 'demo', 'prometheus', 'alertmanager', 'loki', 'grafana']));
    expect(compose.services.collector!.ports).toEqual(['4317:4317', '4318:4318']);
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(() => readFileSync(`${root}${source.slice(2)}`)).not.toThrow();
      }
    }
  });
});
