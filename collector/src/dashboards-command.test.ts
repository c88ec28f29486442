import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { main } from './cli.ts';
import { runDashboardsCommand } from './dashboards-command.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLOS = join(ROOT, 'alerts', 'slos');
const noFile = () => false;

describe('lookout dashboards build', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-dash-cmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON per dashboard and the provisioning YAML Grafana reads', () => {
    const out = runDashboardsCommand(['build', '--out', dir, '--slos', SLOS, '--prometheus-url', 'http://127.0.0.1:9090'], noFile);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^wrote 13 dashboards \(7 SLOs from --slos\) to /);
    const files = readdirSync(join(dir, 'dashboards')).sort();
    expect(files).toContain('lookout-slo-checkout-availability.json');
    expect(files).toHaveLength(13);
    const sources = parseYaml(readFileSync(join(dir, 'provisioning', 'datasources', 'lookout.yaml'), 'utf8')) as { datasources: Array<{ uid: string; url: string }> };
    expect(sources.datasources.find((d) => d.uid === 'prometheus')!.url).toBe('http://127.0.0.1:9090');
    expect(existsSync(join(dir, 'provisioning', 'dashboards', 'lookout.yaml'))).toBe(true);
  });

  it('reads the SLO specs named by the config when --slos is absent', () => {
    const config = join(dir, 'lookout.yaml');
    writeFileSync(config, `slos:\n  files: [${JSON.stringify(join(SLOS, 'checkout.yaml'))}]\n`);
    const out = runDashboardsCommand(['build', '--out', join(dir, 'out'), '--config', config], noFile);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`(2 SLOs from slos.files of ${config})`);
  });

  it('builds the fixed dashboards without SLOs, and says so', () => {
    const out = runDashboardsCommand(['build', '--out', dir], noFile);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('note: no SLO specs given');
    expect(readdirSync(join(dir, 'dashboards'))).toHaveLength(6);
  });

  it('is reachable from the lookout CLI', async () => {
    expect(await main(['dashboards', 'build', '--out', dir, '--slos', join(SLOS, 'search.yaml')])).toBe(0);
    expect(existsSync(join(dir, 'dashboards', 'lookout-slo-search-availability.json'))).toBe(true);
  });

  describe('bad input', () => {
    it('an unknown subcommand or option: usage, exit 2', () => {
      expect(runDashboardsCommand(['publish'], noFile)).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown subcommand 'publish'") });
      expect(runDashboardsCommand(['build', '--outdir', dir], noFile)).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--outdir'") });
    });

    it('a data source URL that is not http(s): names the flag, writes nothing', () => {
      const out = runDashboardsCommand(['build', '--out', join(dir, 'x'), '--loki-url', 'loki:3100'], noFile);
      expect(out).toMatchObject({ code: 2, stderr: expect.stringContaining('--loki-url must be an http(s) URL, got loki:3100') });
      expect(existsSync(join(dir, 'x'))).toBe(false);
    });

    it('a missing or broken spec file: exit 1 with file:line, writes nothing', async () => {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'service: a\nslos:\n  - name: x\n    objective: 120%\n    sli: availability\n');
      expect(await main(['dashboards', 'build', '--out', join(dir, 'x'), '--slos', bad])).toBe(1);
      expect(await main(['dashboards', 'build', '--out', join(dir, 'x'), '--slos', join(dir, 'missing.yaml')])).toBe(1);
      expect(existsSync(join(dir, 'x'))).toBe(false);
    });
  });
});
