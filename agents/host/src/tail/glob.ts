import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * File globs: `*` and `?` within one path segment, `[abc]`/`[!a-z]` classes, `{a,b}`
 * alternatives, and `**` for any number of directories. Node 20 has no fs.glob, and the
 * agent needs only this much.
 */

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** One glob segment (or a whole path when `crossSlash`) → the source of a RegExp. */
function globSource(glob: string, where: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // '**/' matches zero or more directories, a trailing '**' anything
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) throw new Error(`${where}: '[' at character ${i + 1} has no closing ']'; escape it as [[] to match a literal '['`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += escapeRegExp(c);
  }
  if (braces > 0) throw new Error(`${where}: '{' has no closing '}'`);
  return out;
}

/** A whole-path glob → RegExp (for exclusions; a pattern without '/' matches the file name). */
export function globToRegExp(glob: string): RegExp {
  const source = globSource(glob, `glob '${glob}'`);
  return glob.includes('/') ? new RegExp(`^${source}$`) : new RegExp(`^(?:.*/)?${source}$`);
}

export function hasMagic(segment: string): boolean {
  return /[*?[{]/.test(segment);
}

/** Checks a glob once, at config time; returns an error message or undefined. */
export function globProblem(glob: string): string | undefined {
  try {
    globToRegExp(glob);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const MAX_DEPTH = 32;

/**
 * The regular files matching an absolute glob (a relative one is taken from `cwd`),
 * sorted by path. Directories that vanish or cannot be read are skipped: logs come and go.
 */
export async function expandGlob(glob: string, cwd = process.cwd()): Promise<string[]> {
  const absolute = isAbsolute(glob) ? glob : resolve(cwd, glob);
  const segments = absolute.split('/').filter((s) => s !== '');
  // the literal prefix needs no directory listing
  let base = '/';
  let i = 0;
  while (i < segments.length - 1 && !hasMagic(segments[i]!)) base = join(base, segments[i++]!);
  const rest = segments.slice(i);
  if (rest.length === 1 && !hasMagic(rest[0]!)) {
    const path = join(base, rest[0]!);
    return (await isFile(path)) ? [path] : [];
  }
  const matcher = new RegExp(`^${globSource(rest.join('/'), `glob '${glob}'`)}$`);
  const recursive = rest.some((s) => s.includes('**'));
  const maxDepth = recursive ? MAX_DEPTH : rest.length;
  const found: string[] = [];
  await walk(base, '', 1, maxDepth, matcher, found);
  return found.sort();
}

async function walk(dir: string, relative: string, depth: number, maxDepth: number, matcher: RegExp, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const path = join(dir, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) {
      if (matcher.test(rel)) found.push(path);
    } else if (entry.isDirectory() && depth < maxDepth) {
      // symlinked directories are not followed: they can loop
      await walk(path, rel, depth + 1, maxDepth, matcher, found);
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
