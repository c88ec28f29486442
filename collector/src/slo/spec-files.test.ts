import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSloFiles, resolveSpecPaths, segmentPattern, SloFilesError } from './spec-files.ts';

let dir: string;
const GOOD = 'service: checkout\nname: availability\nobjective: 99.9\nsli: availability\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-slo-files-'));
  mkdirSync(join(dir, 'slos', 'team-a'), { recursive: true });
  writeFileSync(join(dir, 'slos', 'checkout.yaml'), GOOD);
  writeFileSync(join(dir, 'slos', 'search.yml'), GOOD.replace('checkout', 'search'));
  writeFileSync(join(dir, 'slos', 'notes.txt'), 'not a spec');
  writeFileSync(join(dir, 'slos', 'team-a', 'pay.yaml'), GOOD.replace('checkout', 'pay'));
  writeFileSync(join(dir, 'bad.yaml'), 'service: x\nname: y\nobjective: 0.999\nsli: availability\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveSpecPaths', () => {
  it('takes files, directories (their .yaml/.yml) and globs with *, ? and **', () => {
    const s = (p: string) => join(dir, p);
    expect(resolveSpecPaths([s('slos')]).files).toEqual([s('slos/checkout.yaml'), s('slos/search.yml')]);
    expect(resolveSpecPaths([s('slos/*.yaml')]).files).toEqual([s('slos/checkout.yaml')]);
    expect(resolveSpecPaths([s('slos/**/*.yaml')]).files).toEqual([s('slos/checkout.yaml'), s('slos/team-a/pay.yaml')]);
    expect(resolveSpecPaths([s('slos/?earch.yml'), s('slos/search.yml')]).files).toEqual([s('slos/search.yml')]);
    expect(resolveSpecPaths([s('slos/notes.txt')]).files).toEqual([s('slos/notes.txt')]); // named explicitly: read as given
  });

  it('says which entry names nothing', () => {
    const { files, problems } = resolveSpecPaths([join(dir, 'nope.yaml'), join(dir, 'slos/*.json'), join(dir, 'slos/team-a/..', 'missing')]);
    expect(files).toEqual([]);
    expect(problems[0]).toMatch(/nope\.yaml: no such file or directory \(relative to .*\); fix the path$/);
    expect(problems[1]).toMatch(/slos\/\*\.json: no \.yaml or \.yml file matches this pattern/);
    expect(problems).toHaveLength(3);
  });

  it('segment patterns are anchored and escape regex characters', () => {
    expect(segmentPattern('a.*').test('a.yaml')).toBe(true);
    expect(segmentPattern('a.*').test('abyaml')).toBe(false);
    expect(segmentPattern('(x)?').test('(x)1')).toBe(true);
  });
});

describe('loadSloFiles', () => {
  it('loads every SLO of the named files', () => {
    const loaded = loadSloFiles([join(dir, 'slos')]);
    expect(loaded.slos.map((s) => `${s.service}/${s.name}`)).toEqual(['checkout/availability', 'search/availability']);
  });

  it('throws one error listing missing files and spec errors with file:line', () => {
    let error: unknown;
    try {
      loadSloFiles([join(dir, 'bad.yaml'), join(dir, 'gone.yaml')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SloFilesError);
    const lines = (error as SloFilesError).message.split('\n');
    expect(lines[0]).toContain('gone.yaml: no such file or directory');
    expect(lines[1]).toBe(`${join(dir, 'bad.yaml')}:3:1: objective: 0.999 looks like a fraction (fix: write the objective as a percent, e.g. 99.9 or '99.9%')`);
    expect((error as SloFilesError).issues).toHaveLength(1);
  });

  it('is empty without files', () => {
    expect(loadSloFiles([])).toEqual({ slos: [], files: [], warnings: [] });
  });
});
