#!/usr/bin/env node
// Runs the compiled CLI when it exists (npm run build), else the TypeScript sources via tsx.
// The exit code is the command's: Docker and systemd read a failed start from it.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let cli;
if (existsSync(compiled)) {
  cli = await import(pathToFileURL(compiled).href);
} else {
  // from sources, workspace packages (@lookout/alerts) resolve to their sources too
  const addCondition =
    'export async function resolve(specifier, context, next) {' +
    ' return next(specifier, { ...context, conditions: [...context.conditions, "lookout-source"] }); }';
  registerHooks(`data:text/javascript,${encodeURIComponent(addCondition)}`);
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
// `lookout collector` resolves only when it failed to start; a running collector exits
// from its signal handlers. A failed start may leave timers or sockets behind: exit now.
const code = await cli.main(process.argv.slice(2));
if (code === 0) process.exitCode = 0;
else process.exit(code);
