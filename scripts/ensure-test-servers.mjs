#!/usr/bin/env node
// `npm test` runs this first: the integration tests need real servers (DESIGN.md §6).
// Installs the missing Debian packages when apt-get is usable (root), otherwise says
// exactly what to install. Then builds the packages the tests run as plain Node (the
// agent is loaded with `node --import`, which cannot read TypeScript).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const NEEDED = [
  { binary: 'prometheus', pkg: 'prometheus' },
  { binary: 'promtool', pkg: 'prometheus' },
  { binary: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  { binary: 'prometheus-blackbox-exporter', pkg: 'prometheus-blackbox-exporter' },
  { binary: 'prometheus-node-exporter', pkg: 'prometheus-node-exporter' },
  { binary: 'initdb', pkg: 'postgresql', extraDirs: ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'] },
  { binary: 'logger', pkg: 'bsdutils' },
  { binary: 'openssl', pkg: 'openssl' },
  { binary: 'haproxy', pkg: 'haproxy', extraDirs: ['/usr/sbin'] },
  { binary: 'chromium', pkg: 'chromium' },
];

function onPath(binary, extraDirs = []) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

const missing = [...new Set(NEEDED.filter((n) => !onPath(n.binary, n.extraDirs)).map((n) => n.pkg))];
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = onPath('apt-get');
  if (isRoot && hasApt) {
    console.log(`pretest: installing Debian packages the integration tests need: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } else {
    const how = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
    const message = `pretest: missing servers for the integration tests; install them with:\n  sudo ${how}`;
    if (process.env.CI) {
      console.error(message);
      process.exit(1);
    }
    console.warn(`${message}\n(the suites that need them will print SKIP lines)`);
  }
}

const build = spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('pretest: `tsc -b` failed; fix the type errors above');
  process.exit(build.status ?? 1);
}
