import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lokiExporterComponent, otlpExporterComponent, receivedMetricsComponent, remoteWriteComponent } from '../exporters/components.ts';
import { probesComponent } from '../probes/component.ts';
import { logMetricsComponent, requestSeriesComponent } from '../processors/components.ts';
import { lokiPushComponent, otlpGrpcComponent, otlpHttpComponent, rawLinesComponent, syslogComponent } from '../receivers/components.ts';
import { notifierComponent } from '../notify/component.ts';
import { alertingComponent } from '../slo/component.ts';
import { grafanaProvisionerComponent } from '../provision/component.ts';
import { statusPageComponent } from '../status/component.ts';
import { clusterComponent } from '../cluster/component.ts';
import type { ComponentFactory } from './component.ts';

/**
 * Every component folder keeps example configs in testdata/: valid/<type>.<case>.yaml
 * must parse with the component's schema; invalid/<type>.<case>.yaml must be refused,
 * with the problem its first line names (`# error: <text in the message or path>`).
 */

const FACTORIES: Record<string, ComponentFactory<any, any, any>> = Object.fromEntries(
  [otlpHttpComponent, otlpGrpcComponent, rawLinesComponent, lokiPushComponent, syslogComponent, lokiExporterComponent, otlpExporterComponent, receivedMetricsComponent, remoteWriteComponent, probesComponent, requestSeriesComponent, logMetricsComponent, notifierComponent, alertingComponent, grafanaProvisionerComponent, statusPageComponent, clusterComponent].map(
    (f) => [f.type, f],
  ),
);
const FOLDERS = ['receivers', 'exporters', 'probes', 'processors', 'notify', 'slo', 'provision', 'status', 'cluster'];
const root = new URL('..', import.meta.url).pathname;

function cases(folder: string, kind: 'valid' | 'invalid') {
  const dir = join(root, folder, 'testdata', kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const type = file.split('.')[0]!;
      return { file: `${folder}/testdata/${kind}/${file}`, type, text, expected: /^# error: (.+)$/m.exec(text)?.[1] };
    });
}

describe.each(FOLDERS)('%s/testdata', (folder) => {
  it('has valid and invalid examples, each named after a component type', () => {
    const all = [...cases(folder, 'valid'), ...cases(folder, 'invalid')];
    expect(cases(folder, 'valid').length).toBeGreaterThan(0);
    expect(cases(folder, 'invalid').length).toBeGreaterThan(0);
    for (const c of all) expect(Object.keys(FACTORIES), c.file).toContain(c.type);
  });

  it.each(cases(folder, 'valid'))('accepts $file', ({ type, text }) => {
    const result = FACTORIES[type]!.configSchema.safeParse(parseYaml(text) ?? {});
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it.each(cases(folder, 'invalid'))('refuses $file with the problem it names', ({ type, text, expected }) => {
    expect(expected, 'an invalid example names its error on a "# error:" line').toBeTruthy();
    const result = FACTORIES[type]!.configSchema.safeParse(parseYaml(text) ?? {});
    expect(result.success).toBe(false);
    const problems = (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(problems).toContain(expected);
  });
});
