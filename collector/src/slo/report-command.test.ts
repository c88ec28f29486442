import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SliStore } from '../store/sli-store.ts';
import { runSloCommand } from './cli-commands.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data dir whose SLI store holds a day of traffic with a 10-minute full outage 2 hours ago, and its spec. */
function dataDir(): { dir: string; spec: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-report-'));
  dirs.push(dir);
  const spec = join(dir, 'checkout.yaml');
  writeFileSync(spec, 'service: checkout\nname: checkout-availability\nobjective: 99.9\nsli: availability\n');
  const store = new SliStore({ file: join(dir, 'sli.sqlite'), retentionMinutes: 40 * 1440 });
  const now = Math.floor(Date.now() / 60_000);
  for (let m = now - 1500; m < now - 1; m++) {
    const outage = m >= now - 120 && m < now - 110;
    store.add('checkout-availability', m, outage ? 0 : 1000, 1000);
  }
  store.close(Date.now());
  return { dir, spec };
}

describe('lookout slo report', () => {
  it('prints the report from the SLI store as text, JSON and CSV', () => {
    const { dir, spec } = dataDir();
    const text = runSloCommand(['report', spec, '--data-dir', dir, '--since', '1d']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^checkout\/checkout-availability: 99\.3\d+ % achieved, objective 99\.9 % — MISSED/);
    expect(text.stdout).toMatch(/\(recover 40 min\), 10000 errors = 69\d % of the budget/);
    const json = JSON.parse(runSloCommand(['report', spec, '--data-dir', dir, '--since', '1d', '--format', 'json']).stdout);
    expect(json.slos[0].incidents).toHaveLength(1);
    expect(json.slos[0].incidents[0]).toMatchObject({ timeToDetectMinutes: 1, errors: 10_000 });
    const csv = runSloCommand(['report', spec, '--data-dir', dir, '--format', 'csv']).stdout.trimEnd().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(/^checkout,checkout-availability,0\.999,/);
  });

  it('bad input: usage errors with exit 2 that say how to fix them', () => {
    const { dir, spec } = dataDir();
    expect(runSloCommand(['report'])).toMatchObject({ code: 2, stderr: expect.stringContaining('report needs the spec files') });
    expect(runSloCommand(['report', spec, '--data-dir', dir, '--since', 'ever'])).toMatchObject({ code: 2, stderr: expect.stringContaining("--since must be a duration like 7d, 30d or 12h, at most 366d, not 'ever'") });
    expect(runSloCommand(['report', spec, '--data-dir', dir, '--format', 'xml'])).toMatchObject({ code: 2, stderr: expect.stringContaining("--format must be text, json or csv, not 'xml'") });
    expect(runSloCommand(['report', spec, '--data-dir', join(dir, 'nope')])).toMatchObject({ code: 2, stderr: expect.stringContaining("no SLI store at") });
  });
});
