#!/usr/bin/env node
// `npm run pack`: writes installable tarballs of the agent packages, and of every
// workspace package they depend on (users cannot fetch those from a registry), into
// ./dist-packages (or --out DIR). Each package's `prepack` script compiles it first.
// Prints one line per tarball, or with --json the tarball paths as a JSON array.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(new URL('..', import.meta.url).pathname);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: 'dist-packages' }, json: { type: 'boolean', default: false } },
});
const wanted = positionals.length > 0 ? positionals : ['@lookout/agent', '@lookout/host-agent'];

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** workspace package name -> its folder and manifest */
const workspaces = new Map();
for (const dir of rootManifest.workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  workspaces.set(manifest.name, { dir, manifest });
}

/** The wanted packages and, transitively, the workspace packages they depend on. */
function closure(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const workspace = workspaces.get(name);
    if (!workspace) {
      process.stderr.write(`pack: '${name}' is not a workspace package; known: ${[...workspaces.keys()].join(', ')}\n`);
      process.exit(2);
    }
    seen.add(name);
    for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) {
      if (workspaces.has(dependency)) visit(dependency);
    }
  };
  names.forEach(visit);
  return [...seen];
}

const packages = closure(wanted);
const out = resolve(root, values.out);
mkdirSync(out, { recursive: true });
const args = ['pack', '--json', '--pack-destination', out, ...packages.flatMap((name) => ['-w', workspaces.get(name).dir])];
// prepack scripts print the compiler's output to stderr; --json keeps stdout parseable.
const report = JSON.parse(execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
const tarballs = report.map((entry) => join(out, entry.filename));
if (values.json) process.stdout.write(JSON.stringify(tarballs) + '\n');
else for (const [i, tarball] of tarballs.entries()) process.stdout.write(`${report[i].name}@${report[i].version}  ${tarball}\n`);
