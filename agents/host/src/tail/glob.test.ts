import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandGlob, globProblem, globToRegExp } from './glob.ts';

describe('globToRegExp', () => {
  it.each([
    ['/var/log/*.log', '/var/log/app.log', true],
    ['/var/log/*.log', '/var/log/app.log.1', false],
    ['/var/log/*.log', '/var/log/sub/app.log', false],
    ['/var/log/**/*.log', '/var/log/app.log', true],
    ['/var/log/**/*.log', '/var/log/a/b/app.log', true],
    ['/var/log/app?.log', '/var/log/app1.log', true],
    ['/var/log/app[0-9].log', '/var/log/appx.log', false],
    ['/var/log/app[!0-9].log', '/var/log/appx.log', true],
    ['/var/log/{nginx,apache}/*.log', '/var/log/apache/access.log', true],
    ['/var/log/a.b', '/var/log/aXb', false],
    ['*.gz', '/var/log/app.log.1.gz', true],
    ['*.gz', '/var/log/app.log', false],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  it('explains malformed globs', () => {
    expect(globProblem('/var/log/[ab.log')).toBe("glob '/var/log/[ab.log': '[' at character 10 has no closing ']'; escape it as [[] to match a literal '['");
    expect(globProblem('/var/log/{a,b.log')).toBe("glob '/var/log/{a,b.log': '{' has no closing '}'");
    expect(globProblem('/var/log/*.log')).toBeUndefined();
  });
});

describe('expandGlob', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-glob-'));
    mkdirSync(join(dir, 'a', 'deep'), { recursive: true });
    for (const f of ['x.log', 'y.log', 'y.log.1', 'a/z.log', 'a/deep/w.log']) writeFileSync(join(dir, f), 'line\n');
    mkdirSync(join(dir, 'dir.log'));
    symlinkSync(join(dir, 'x.log'), join(dir, 'link.log'));
    symlinkSync(dir, join(dir, 'a', 'loop'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists regular files (and links to them) matching one level, sorted', async () => {
    expect(await expandGlob(join(dir, '*.log'))).toEqual(['link.log', 'x.log', 'y.log'].map((f) => join(dir, f)));
  });

  it('descends with ** without following symlinked directories', async () => {
    expect(await expandGlob(join(dir, '**/*.log'))).toEqual(
      ['a/deep/w.log', 'a/z.log', 'link.log', 'x.log', 'y.log'].map((f) => join(dir, f)),
    );
  });

  it('takes a literal path as is, and a relative glob from cwd', async () => {
    expect(await expandGlob(join(dir, 'y.log.1'))).toEqual([join(dir, 'y.log.1')]);
    expect(await expandGlob(join(dir, 'missing.log'))).toEqual([]);
    expect(await expandGlob('a/*.log', dir)).toEqual([join(dir, 'a/z.log')]);
  });

  it('finds nothing, without an error, under a directory that does not exist', async () => {
    expect(await expandGlob(join(dir, 'nope', '*.log'))).toEqual([]);
  });
});
