import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startCollector, type RunningCollector } from './collector.ts';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.ts';
import { configSchema } from './config/schema.ts';
import { describeStartupError } from './cli-errors.ts';
import { COMMANDS, helpFor, lookoutVersion, mainHelp, wantsHelp } from './cli-help.ts';
import { autoSlosProblem, loadSloFiles, runExportAuto, runSloCommand, SloFilesError } from './slo/index.ts';
import { drillCommand } from './drill/index.ts';
import { stopSignalGate } from './core/index.ts';

async function runCollector(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? (existsSync('lookout.yaml') ? 'lookout.yaml' : undefined);
  const config = file ? loadConfigFile(file) : defaultConfig();
  // The handlers are in place before the collector starts: a SIGTERM that comes while it
  // starts (after "collector listening", before the start resolved) must stop it
  // cleanly, not kill it with the default action.
  let collector: RunningCollector | undefined;
  let stopWhenStarted: string | undefined;
  const decide = stopSignalGate(Date.now);
  const shutDown = (running: RunningCollector, signal: string) => {
    running.logger.info({ signal }, 'shutting down: flushing the pipeline');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const stop = (signal: string) => {
    const decision = decide();
    if (decision === 'relayed-copy') return;
    if (decision === 'force') {
      collector?.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    if (collector) shutDown(collector, signal);
    else stopWhenStarted = signal;
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  collector = await startCollector(config).catch((error: unknown) => {
    throw new Error(describeStartupError(error, config));
  });
  if (stopWhenStarted) shutDown(collector, stopWhenStarted);
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
  const autoProblem = config.slos.auto.enabled ? autoSlosProblem(config.slos) : undefined;
  if (autoProblem) {
    process.stderr.write(`lookout config check: ${file}: ${autoProblem}\n`);
    return 1;
  }
  const sloNote = config.slos.files.length > 0 ? ` (${slos.slos.length} SLO${slos.slos.length === 1 ? '' : 's'} in ${slos.files.length} file${slos.files.length === 1 ? '' : 's'})` : '';
  process.stdout.write(`${file}: OK${sloNote}\n`);
  return 0;
}

async function sloCommand(args: string[]): Promise<number> {
  const outcome =
    args[0] === 'export-auto'
      ? await runExportAuto(args.slice(1), { fetch, writeFile: (file, text) => writeFileSync(file, text), env: process.env })
      : runSloCommand(args);
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  return outcome.code;
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  // a command without an entry in cli-help.ts answers its own --help
  if (command === 'help' || (wantsHelp(argv) && (command === undefined || command.startsWith('-') || command in COMMANDS))) {
    process.stdout.write(helpFor(command === 'help' ? sub : command));
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`lookout ${lookoutVersion()}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'collector':
        return await runCollector(argv.slice(1));
      case 'up': // up.ts: collector + status page + demo stack (npm start)
        return await (await import('./up.ts')).runUp(argv.slice(1));
      case 'slo':
        return await sloCommand(argv.slice(1));
      case 'dashboards': {
        // loaded on demand: the collector itself never needs the dashboard generator
        const { runDashboardsCommand } = await import('./dashboards-command.ts');
        const outcome = runDashboardsCommand(argv.slice(1));
        process.stdout.write(outcome.stdout);
        process.stderr.write(outcome.stderr);
        return outcome.code;
      }
      case 'drill': // drill/: burn a drill SLO, follow its page to the receivers, recover
        return await drillCommand(argv.slice(1), {
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
          env: process.env,
        });
      case 'config':
        if (sub === 'check') return configCheck(rest);
        if (sub === 'schema') {
          process.stdout.write(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input' }), null, 2) + '\n');
          return 0;
        }
        break;
    }
    const what = command === undefined ? 'name a command' : `unknown command '${argv.join(' ')}'`;
    process.stderr.write(`lookout: ${what}\n${command === 'config' ? helpFor('config') : mainHelp()}`);
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
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lookout: ${(error as Error).message}; see lookout ${command} --help\n`);
      return 2;
    }
    process.stderr.write(`lookout: ${(error as Error).message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*[\\/]/, ''));
if (invokedDirectly) {
  // A collector that failed to start may hold timers or sockets: exit rather than wait.
  main(process.argv.slice(2)).then((code) => (code === 0 ? (process.exitCode = 0) : process.exit(code)));
}
