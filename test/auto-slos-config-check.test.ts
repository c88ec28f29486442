import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../collector/src/cli.ts';

/** `lookout config check` judges slos.auto's period and policy as the start does (in process). */

const dir = mkdtempSync(join(tmpdir(), 'lookout-auto-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(yaml: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, 'lookout.yaml');
  writeFileSync(file, yaml);
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await main(['config', 'check', file]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('lookout config check with slos.auto', () => {
  it('accepts a good slos.auto and refuses a policy window longer than the period, saying so', async () => {
    expect(await check('slos:\n  auto: { enabled: true, period: 28d }\n')).toMatchObject({ code: 0, err: '' });
    const bad = await check('slos:\n  auto:\n    enabled: true\n    period: 1d\n    policy: [{ severity: page, long: 2d, short: 1h, factor: 2 }]\n');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^lookout config check: .*lookout\.yaml: slos\.auto \(period, policy\): .*window is longer than the 1d period/);
  });
});
