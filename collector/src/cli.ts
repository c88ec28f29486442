import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startCollector } from './collector.ts';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.ts';
import { configSchema } from './config/schema.ts';
import { loadSloFiles, runSloCommand, SloFilesError } from './slo/index.ts';
import { DASHBOARDS_USAGE, runDashboardsCommand } from './provision/dashboards-command.ts';

const USAGE = `usage:
  lookout up [--no-demo] [--fast]     the collector with its status page, and a live demo around it (npm start); lookout up --help
  lookout collector [--config FILE]   run the collector (default config: ./lookout.yaml if present, else built-in defaults)
  lookout config check FILE           validate a config file and the SLO specs it names; exit 1 and list every problem if it is wrong
  lookout config schema               print the config reference as JSON Schema
  lookout slo check FILES...          validate SLO specs; exit 1 with file:line per error
  lookout slo explain FILES...        detection-time table of each SLO's alert policy [--slo NAME]
  lookout slo rules FILES...          Prometheus recording and alerting rules [--source requests]
  lookout slo test SPEC SERIES        replay a series (promtool notation): when each alert fires and resolves [--slo NAME]
${DASHBOARDS_USAGE}
`;

async function runCollector(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? (existsSync('lookout.yaml') ? 'lookout.yaml' : undefined);
  const config = file ? loadConfigFile(file) : defaultConfig();
  const collector = await startCollector(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      collector.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    collector.logger.info({ signal }, 'shutting down: flushing the pipeline');
    collector.close().then(
      () => process.exit(0),
      (error: unknown) => {
        collector.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return new Promise<number>(() => {});
}

function configCheck(args: string[]): number {
  const file = args[0];
  if (!file) {
    process.stderr.write('lookout config check: name the file to check, e.g. lookout config check lookout.yaml\n');
    return 2;
  }
  const config = loadConfigFile(file);
  // The SLO specs the config names are part of it: a bad one would stop the collector.
  const slos = loadSloFiles(config.slos.files);
  for (const warning of slos.warnings) process.stderr.write(`warning: ${warning}\n`);
  const sloNote = config.slos.files.length > 0 ? ` (${slos.slos.length} SLO${slos.slos.length === 1 ? '' : 's'} in ${slos.files.length} file${slos.files.length === 1 ? '' : 's'})` : '';
  process.stdout.write(`${file}: OK${sloNote}\n`);
  return 0;
}

function sloCommand(args: string[]): number {
  const outcome = runSloCommand(args);
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  return outcome.code;
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    switch (command) {
      case 'collector':
        return await runCollector(argv.slice(1));
      case 'up': // demo/up.ts: collector + status page + demo stack (npm start)
        return await (await import('./demo/up.ts')).runUp(argv.slice(1));
      case 'slo':
        return sloCommand(argv.slice(1));
      case 'dashboards': {
        const outcome = runDashboardsCommand(argv.slice(1));
        process.stdout.write(outcome.stdout);
        process.stderr.write(outcome.stderr);
        return outcome.code;
      }
      case 'config':
        if (sub === 'check') return configCheck(rest);
        if (sub === 'schema') {
          process.stdout.write(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input' }), null, 2) + '\n');
          return 0;
        }
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
    }
    process.stderr.write(`lookout: unknown command '${argv.join(' ')}'\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof SloFilesError) {
      process.stderr.write(`lookout: the SLO specs named in slos.files are not valid:\n${error.message}\n`);
      return 1;
    }
    process.stderr.write(`lookout: ${(error as Error).message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*[\\/]/, ''));
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    if (code !== 0 || process.argv[2] !== 'collector') process.exitCode = code;
  });
}
