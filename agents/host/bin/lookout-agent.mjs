#!/usr/bin/env node
// Runs the compiled CLI when it exists (npm run build), else the TypeScript sources via tsx.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let cli;
if (existsSync(compiled)) {
  cli = await import(pathToFileURL(compiled).href);
} else {
  // from sources, workspace packages (@lookout/otlp) resolve to their sources too
  const addCondition =
    'export async function resolve(specifier, context, next) {' +
    ' return next(specifier, { ...context, conditions: [...context.conditions, "lookout-source"] }); }';
  registerHooks(`data:text/javascript,${encodeURIComponent(addCondition)}`);
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
