/**
 * Golden files of every generated dashboard and provisioning file for the example SLOs
 * in alerts/slos/, and the structural rules every dashboard must keep. Regenerate the
 * golden files after an intended change with `npm run dashboards:golden`
 * (UPDATE_GOLDEN=1) and review the diff.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  REQUEST_DURATION_SECONDS,
  REQUEST_ERRORS_TOTAL,
  REQUESTS_TOTAL,
  SLO_EVENTS_TOTAL,
  SLO_GOOD_EVENTS_TOTAL,
  hasErrors,
  loadSpecs,
  parseSpecText,
} from '@lookout/alerts';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardBuildError, buildAllDashboards } from './build.ts';
import { COMPOSE_DATASOURCE_URLS, dataSourceDefinitions } from './datasources.ts';
import { COLLECTOR_JOB_MATCHER, DATASOURCE_UIDS, stableUid } from './presets.ts';
import { DEFAULT_DASHBOARDS_PATH, DEFAULT_FOLDER, DEFAULT_FOLDER_UID, dashboardProviderYaml, dataSourcesYaml } from './provisioning.ts';
import type { ProvisioningOptions } from './provisioning.ts';
import { dashboardQueries, substituteVariables } from './queries.ts';
import { sloDashboardUid } from './uids.ts';
import { dashboardFileText, writeProvisioning } from './write.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const GOLDEN = join(HERE, '..', 'testdata', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The example specs, read with repository-relative names so the golden files do not depend on the checkout path. */
function exampleSlos() {
  const dir = join(ROOT, 'alerts', 'slos');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `alerts/slos/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
  const loaded = loadSpecs(files);
  expect(hasErrors(loaded.issues)).toBe(false);
  return loaded.slos;
}

const OPTIONS: ProvisioningOptions = {
  folder: DEFAULT_FOLDER,
  folderUid: DEFAULT_FOLDER_UID,
  dashboardsPath: DEFAULT_DASHBOARDS_PATH,
  urls: COMPOSE_DATASOURCE_URLS,
};

function checkGolden(name: string, text: string): void {
  const path = join(GOLDEN, name);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  expect(existsSync(path), `${path} is missing: run npm run dashboards:golden`).toBe(true);
  expect(text, `${name} differs from its golden file: run npm run dashboards:golden and review the diff`).toBe(readFileSync(path, 'utf8'));
}

type AnyPanel = dashboard.Panel | dashboard.RowPanel;

function panelsOf(model: dashboard.Dashboard): AnyPanel[] {
  return (model.panels ?? []) as AnyPanel[];
}

const slos = exampleSlos();
const built = buildAllDashboards(slos);

describe('generated dashboards for alerts/slos', () => {
  it('match their golden files, and no golden file is left over', () => {
    for (const d of built) checkGolden(d.fileName, dashboardFileText(d));
    checkGolden('provisioning-dashboards.yaml', dashboardProviderYaml(OPTIONS));
    checkGolden('provisioning-datasources.yaml', dataSourcesYaml(OPTIONS));
    if (!UPDATE) {
      const expected = new Set([...built.map((d) => d.fileName), 'provisioning-dashboards.yaml', 'provisioning-datasources.yaml']);
      expect(readdirSync(GOLDEN).filter((f) => !expected.has(f))).toEqual([]);
    }
  });

  it('has the seven dashboards plus one per SLO, with stable uids derived from names', () => {
    expect(built).toHaveLength(6 + slos.length);
    expect(built.map((d) => d.uid)).toEqual([
      'lookout-service-overview',
      'lookout-slo-overview',
      ...slos.map((s) => `lookout-slo-${s.name}`),
      'lookout-resources',
      'lookout-tls-probes',
      'lookout-logs',
      'lookout-collector-health',
    ]);
    // building again gives byte-identical JSON: no clock, no randomness
    const again = buildAllDashboards(exampleSlos());
    expect(again.map(dashboardFileText)).toEqual(built.map(dashboardFileText));
    for (const d of built) expect(d.uid.length).toBeLessThanOrEqual(40);
  });

  it.each(built.map((d) => [d.uid, d] as const))('%s: unique panel ids, inside the 24-column grid, no overlap', (_uid, d) => {
    const panels = panelsOf(d.json);
    expect(panels.length).toBeGreaterThan(0);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toBeGreaterThan(0);
    const cells = new Map<string, string>();
    for (const p of panels) {
      const g = p.gridPos!;
      expect(g.x, p.title).toBeGreaterThanOrEqual(0);
      expect(g.w, p.title).toBeGreaterThan(0);
      expect(g.x + g.w, `${p.title} crosses column 24`).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const other = cells.get(`${x},${y}`);
          expect(other, `${p.title} overlaps ${other} at ${x},${y}`).toBeUndefined();
          cells.set(`${x},${y}`, p.title ?? '');
        }
      }
    }
  });

  it.each(built.map((d) => [d.uid, d] as const))('%s: every panel has a unit, thresholds, a one-line description and queries', (_uid, d) => {
    for (const p of panelsOf(d.json)) {
      if (p.type === 'row') continue;
      const panel = p as dashboard.Panel;
      expect(panel.description, panel.title).toBeTruthy();
      expect(panel.description, panel.title).not.toContain('\n');
      expect(panel.fieldConfig?.defaults.unit, panel.title).toBeTruthy();
      expect(panel.fieldConfig?.defaults.thresholds?.steps.length, panel.title).toBeGreaterThan(0);
      if (panel.type !== 'text') expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('uses only the provisioned data sources and the template variables it defines', () => {
    const uids = new Set(dataSourceDefinitions(COMPOSE_DATASOURCE_URLS).map((d) => d.uid));
    expect([...uids].sort()).toEqual(Object.values(DATASOURCE_UIDS).sort());
    for (const d of built) {
      const variables = new Set((d.json.templating?.list ?? []).map((v) => v.name));
      expect(variables.has('datasource'), d.uid).toBe(true);
      const text = JSON.stringify(d.json);
      for (const match of text.matchAll(/"uid":"([^"]*)"/g)) {
        const uid = match[1]!;
        if (uid === d.uid) continue;
        const variable = /^\$\{(\w+)\}$/.exec(uid);
        if (variable) expect(variables.has(variable[1]!), `${d.uid}: data source variable ${uid}`).toBe(true);
        else expect(uids.has(uid), `${d.uid}: data source uid ${uid}`).toBe(true);
      }
      for (const q of dashboardQueries(d.json)) {
        for (const match of q.expr.matchAll(/\$(\w+)/g)) {
          if (match[1]!.startsWith('__')) continue;
          expect(variables.has(match[1]!), `${d.uid} "${q.panelTitle}": $${match[1]} is not a variable`).toBe(true);
        }
      }
    }
  });

  it('links every dashboard to dashboards that exist (overview → service → SLO → logs)', () => {
    const uids = new Set(built.map((d) => d.uid));
    for (const d of built) {
      for (const match of JSON.stringify(d.json).matchAll(/\/d\/([a-z0-9-]+)(?=[?"])/g)) {
        expect(uids.has(match[1]!), `${d.uid} links to /d/${match[1]}`).toBe(true);
      }
    }
    // the SLO overview's per-row link is /d/lookout-slo-<name>: true for every example SLO
    for (const slo of slos) expect(sloDashboardUid(slo)).toBe(`${stableUid('slo')}-${slo.name}`);
    const overview = built.find((d) => d.uid === 'lookout-slo-overview')!;
    expect(JSON.stringify(overview.json)).toContain('/d/lookout-slo-${__data.fields.slo}');
  });

  it('reads the families remote write also sends under the collector job only, so a remote-written copy is not counted twice', () => {
    // the collector's remote write sends these (DEFAULT_REMOTE_WRITE_SELF_SERIES) under its own job
    const remoteWritten = [REQUESTS_TOTAL, REQUEST_ERRORS_TOTAL, REQUEST_DURATION_SECONDS, SLO_EVENTS_TOTAL, SLO_GOOD_EVENTS_TOTAL];
    const family = new RegExp(`\\b(${remoteWritten.join('|')})(_bucket|_sum|_count)?(\\{[^}]*\\})?`, 'g');
    let selectors = 0;
    for (const d of built) {
      for (const query of dashboardQueries(d.json)) {
        for (const match of query.expr.matchAll(family)) {
          selectors++;
          expect(match[3] ?? '', `${d.uid} "${query.panelTitle}": ${match[0]} in ${query.expr}`).toContain(COLLECTOR_JOB_MATCHER);
        }
      }
    }
    expect(selectors).toBeGreaterThan(20);
  });

  it('puts the SLO spec into its dashboard: thresholds per pair, detection text, runbook', () => {
    const checkout = built.find((d) => d.uid === 'lookout-slo-checkout-availability')!;
    const text = JSON.stringify(checkout.json);
    expect(text).toContain('a full outage pages after 52 s');
    expect(text).toContain('https://runbooks.example.com/checkout');
    const burnPanels = panelsOf(checkout.json).filter((p) => p.title?.includes('burn rate'));
    expect(burnPanels.map((p) => p.title)).toEqual([
      'page: burn rate 1h/5m against 14.4×',
      'page: burn rate 6h/30m against 6×',
      'ticket: burn rate 1d/2h against 3×',
      'ticket: burn rate 3d/6h against 1×',
    ]);
    const steps = (burnPanels[0] as dashboard.Panel).fieldConfig!.defaults.thresholds!.steps;
    expect(steps.map((s) => s.value)).toEqual([null, 14.4]);
    const sloth = built.find((d) => d.uid === 'lookout-slo-requests-availability')!;
    expect(JSON.stringify(sloth.json)).toContain('slo:sli_error:ratio_rate1h');
    expect(JSON.stringify(checkout.json)).toContain('lookout_slo_burn_rate{slo=\\"checkout-availability\\",service=\\"checkout\\",window=\\"1h\\"}');
  });
});

describe('bad input', () => {
  const spec = (service: string, name: string) =>
    parseSpecText(`service: ${service}\nslos:\n  - name: ${name}\n    objective: 99.9%\n    sli: availability\n`, `${service}.yaml`)[0]!;

  it('refuses two SLOs whose dashboards would share a uid, naming both', () => {
    // a dot is not allowed in a uid, so checkout.latency becomes the slug checkout-latency
    expect(() => buildAllDashboards([spec('a', 'checkout.latency'), spec('b', 'checkout-latency')])).toThrow(DashboardBuildError);
    expect(() => buildAllDashboards([spec('a', 'checkout.latency'), spec('b', 'checkout-latency')])).toThrow(/would both have uid lookout-slo-checkout-latency.*rename/);
  });

  it('keeps SLO names that are valid uids verbatim, so the overview links reach them', () => {
    expect(sloDashboardUid(spec('a', 'Checkout_Latency'))).toBe('lookout-slo-Checkout_Latency');
    expect(buildAllDashboards([spec('a', 'Checkout_Latency'), spec('b', 'checkout-latency')]).map((d) => d.uid)).toContain('lookout-slo-Checkout_Latency');
  });

  it('refuses an SLO named like a fixed dashboard', () => {
    const slo = parseSpecText('service: a\nslos:\n  - name: overview\n    objective: 99%\n    sli: availability\n', 'a.yaml')[0]!;
    expect(() => buildAllDashboards([slo])).toThrow(/"SLO overview" and "SLO: a \/ overview" would both have uid lookout-slo-overview/);
  });

  it('keeps uids of long names within 40 characters and distinct', () => {
    const a = stableUid('slo', 'a-very-long-service-level-objective-name-number-one');
    const b = stableUid('slo', 'a-very-long-service-level-objective-name-number-two');
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^lookout-slo-a-very-long-[a-z0-9-]+$/);
  });
});

describe('provisioning files', () => {
  it('writes JSON and YAML Grafana reads, removing dashboards no longer generated and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-dashboards-'));
    try {
      mkdirSync(join(dir, 'dashboards'), { recursive: true });
      writeFileSync(join(dir, 'dashboards', 'lookout-slo-deleted.json'), '{}');
      writeFileSync(join(dir, 'dashboards', 'team-dashboard.json'), '{}');
      const written = writeProvisioning(dir, built, OPTIONS);
      expect(written.dashboards).toHaveLength(built.length);
      expect(written.removed).toEqual([join(dir, 'dashboards', 'lookout-slo-deleted.json')]);
      expect(existsSync(join(dir, 'dashboards', 'team-dashboard.json'))).toBe(true);
      const provider = parseYaml(readFileSync(join(dir, 'provisioning', 'dashboards', 'lookout.yaml'), 'utf8')) as {
        providers: Array<{ folder: string; type: string; options: { path: string } }>;
      };
      expect(provider.providers[0]).toMatchObject({ folder: 'Lookout', type: 'file', options: { path: DEFAULT_DASHBOARDS_PATH } });
      const sources = parseYaml(readFileSync(join(dir, 'provisioning', 'datasources', 'lookout.yaml'), 'utf8')) as {
        datasources: Array<{ uid: string; type: string; jsonData: Record<string, unknown> }>;
      };
      expect(sources.datasources.map((s) => `${s.type}:${s.uid}`)).toEqual(['prometheus:prometheus', 'loki:loki', 'tempo:tempo', 'alertmanager:alertmanager']);
      // Grafana expands $ in provisioning files: the derived-field URL must stay literal
      expect(JSON.stringify(sources.datasources[1]!.jsonData)).toContain('$${__value.raw}');
      const model = JSON.parse(readFileSync(join(dir, 'dashboards', 'lookout-service-overview.json'), 'utf8')) as { uid: string };
      expect(model.uid).toBe('lookout-service-overview');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('substituteVariables', () => {
  it('replaces $name, ${name} and Grafana built-ins, and leaves unknown names alone', () => {
    expect(substituteVariables('rate(x{a=~"$service"}[$__rate_interval]) ${datasource} $unknown', { service: '.*', __rate_interval: '1m', datasource: 'p' })).toBe(
      'rate(x{a=~".*"}[1m]) p $unknown',
    );
  });
});
