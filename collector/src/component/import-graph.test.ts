import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The floors of collector/src (ARCHITECTURE.md, "Floors"): no file imports itself back
 * through others, and no two folders import each other.
 */

const root = new URL('..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testdata' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'";]*?from\s+'(\.{1,2}\/[^']+)'/g)) found.push(resolve(dirname(file), match[1]!));
  return found;
}

const files = sourceFiles(root);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
const folderOf = (file: string) => {
  const rel = relative(root, file);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
};

describe('collector/src import graph', () => {
  it('has no import circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('has no folder loop: no two folders import each other', () => {
    const arrows = new Set<string>();
    for (const [file, targets] of graph) for (const t of targets) if (folderOf(file) !== folderOf(t)) arrows.add(`${folderOf(file)} → ${folderOf(t)}`);
    const loops = [...arrows].filter((a) => {
      const [from, to] = a.split(' → ');
      return arrows.has(`${to} → ${from}`) && from !== '.';
    });
    expect(arrows.size, 'the scan found the imports between folders').toBeGreaterThan(20);
    expect(loops).toEqual([]);
  });

  it('keeps core/ on the ground floor: it imports no other folder', () => {
    const up = [...graph].filter(([file]) => folderOf(file) === 'core').flatMap(([file, targets]) =>
      targets.filter((t) => folderOf(t) !== 'core').map((t) => `${relative(root, file)} → ${relative(root, t)}`),
    );
    expect(up).toEqual([]);
  });
});
