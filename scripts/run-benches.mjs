#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts one after the other (never in parallel: each
// wants a quiet core), or only those named: npm run bench -- otlp-ingest log-parse
import { spawnSync } from 'node:child_process';
import { buildForBench } from './build-for-bench.mjs';
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2);
const benches = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
buildForBench();
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench/${name}`);
  const result = spawnSync('npx', ['tsx', '--conditions=lookout-source', `bench/${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
