// The benches start the collector and the agents through their bin scripts, which run the
// compiled code when it exists (as the image does) and the sources through tsx otherwise:
// build first, so a bench never measures a stale build (nor tsx's compiler in the process).
import { spawnSync } from 'node:child_process';

export function buildForBench() {
  if (spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' }).status !== 0) {
    console.error('bench: `tsc -b` failed; fix the build before measuring');
    process.exit(1);
  }
}
