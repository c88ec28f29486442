#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts one after the other (never in parallel: each
// wants a quiet core), or only those named: npm run bench -- otlp-ingest log-parse
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2);
const benches = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
// The benches start the collector and the agents through their bin scripts, which run the
// compiled code when it exists (as the image does) and the sources through tsx otherwise:
// build first, so a bench never measures a stale build (nor tsx's compiler in the process).
if (spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' }).status !== 0) {
  console.error('bench: `tsc -b` failed; fix the build before measuring');
  process.exit(1);
}
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench/${name}`);
  const result = spawnSync('npx', ['tsx', '--conditions=lookout-source', `bench/${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
