import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, loadSpecs } from '@lookout/alerts';
import type { SloDefinition, SpecFile, SpecIssue } from '@lookout/alerts';

/**
 * Reading SLO spec files named by paths, directories or globs. Node 20 has no
 * fs.glob, so a small segment-wise matcher does `*`, `?` and `**`.
 */

const SPEC_EXTENSIONS = /\.ya?ml$/i;

/** Thrown when SLO files cannot be found or read, or hold errors: every problem, one per line with file:line. */
export class SloFilesError extends Error {
  constructor(
    readonly problems: string[],
    readonly issues: SpecIssue[] = [],
  ) {
    super(problems.join('\n'));
    this.name = 'SloFilesError';
  }
}

function hasMagic(segment: string): boolean {
  return /[*?]/.test(segment);
}

/** A glob segment (no `/`) as a regular expression: `*` any run of characters, `?` one. */
export function segmentPattern(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function listDir(dir: string): Array<{ name: string; dir: boolean }> {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ name: e.name, dir: e.isDirectory() }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

function expand(base: string, segments: readonly string[], out: string[]): void {
  if (segments.length === 0) {
    out.push(base);
    return;
  }
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '**') {
    expand(base, rest, out); // zero directories
    for (const entry of listDir(base)) if (entry.dir) expand(join(base, entry.name), segments, out);
    return;
  }
  if (!hasMagic(head)) {
    expand(base === '' ? head : join(base, head), rest, out);
    return;
  }
  const pattern = segmentPattern(head);
  for (const entry of listDir(base === '' ? '.' : base)) {
    if (!pattern.test(entry.name)) continue;
    if (rest.length > 0 && !entry.dir) continue;
    expand(base === '' ? entry.name : join(base, entry.name), rest, out);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The files an entry names, in a stable order: a file as is, a directory's *.yaml and
 * *.yml files, a glob's matches (spec files only). Problems say which entry and why.
 */
export function resolveSpecPaths(entries: readonly string[]): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (const entry of entries) {
    const segments = entry.split(/[\\/]+/);
    const absolute = entry.startsWith('/');
    if (segments.some(hasMagic)) {
      const found: string[] = [];
      expand(absolute ? '/' : '', segments.filter((s) => s !== ''), found);
      const matches = found.filter((f) => SPEC_EXTENSIONS.test(f) && !isDirectory(f));
      if (matches.length === 0) problems.push(`${entry}: no .yaml or .yml file matches this pattern; check the path (relative to ${process.cwd()})`);
      matches.forEach(add);
      continue;
    }
    if (isDirectory(entry)) {
      const inDir = listDir(entry).filter((e) => !e.dir && SPEC_EXTENSIONS.test(e.name));
      if (inDir.length === 0) problems.push(`${entry}: the directory holds no .yaml or .yml file`);
      for (const e of inDir) add(join(entry, e.name));
      continue;
    }
    if (!exists(entry)) {
      problems.push(`${entry}: no such file or directory (relative to ${process.cwd()}); fix the path`);
      continue;
    }
    add(entry);
  }
  return { files, problems };
}

/** Reads the files; unreadable ones become problems. */
export function readSpecFiles(paths: readonly string[]): { files: SpecFile[]; problems: string[] } {
  const files: SpecFile[] = [];
  const problems: string[] = [];
  for (const file of paths) {
    try {
      files.push({ file, text: readFileSync(file, 'utf8') });
    } catch (error) {
      problems.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { files, problems };
}

export interface LoadedSloFiles {
  slos: SloDefinition[];
  files: string[];
  /** warnings of the spec parser, formatted with file:line */
  warnings: string[];
}

/**
 * The SLOs of the config's `slos.files`, or an SloFilesError listing every missing
 * file and every spec error (file:line:column: key: what (fix: how)).
 */
export function loadSloFiles(entries: readonly string[]): LoadedSloFiles {
  if (entries.length === 0) return { slos: [], files: [], warnings: [] };
  const resolved = resolveSpecPaths(entries);
  const read = readSpecFiles(resolved.files);
  const problems = [...resolved.problems, ...read.problems];
  const { slos, issues } = read.files.length > 0 ? loadSpecs(read.files) : { slos: [], issues: [] };
  const errors = issues.filter((i) => i.severity === 'error');
  if (problems.length > 0 || errors.length > 0) throw new SloFilesError([...problems, ...errors.map(formatIssue)], errors);
  return { slos, files: resolved.files, warnings: issues.filter((i) => i.severity === 'warning').map(formatIssue) };
}
