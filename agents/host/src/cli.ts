import { pathToFileURL } from 'node:url';
import { AGENT_VERSION, startAgent } from './agent.ts';
import { AgentConfigError, loadAgentConfig } from './config/load.ts';
import { CheckpointDecodeError } from './checkpoint/checkpoint-codec.ts';

const USAGE = `usage: lookout-agent [--config <file>] [--check]

  --config <file>  the agent's YAML config (default: ./lookout-agent.yaml)
  --check          validate the config and exit
  --version        print the version
  --help           this text

Tails log files and ships them, with host metrics, to a Lookout collector over OTLP.
See agents/host/README.md for the config reference.
`;

interface CliArgs {
  config: string;
  check: boolean;
  help: boolean;
  version: boolean;
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { config: 'lookout-agent.yaml', check: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a file name: --config /etc/lookout/agent.yaml`);
      args.config = value;
    } else if (arg.startsWith('--config=')) args.config = arg.slice('--config='.length);
    else if (arg === '--check') args.check = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--version') args.version = true;
    else throw new Error(`unknown argument '${arg}'; run lookout-agent --help`);
  }
  return args;
}

/** Runs the agent until SIGTERM/SIGINT; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`lookout-agent: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`lookout-agent ${AGENT_VERSION}\n`);
    return 0;
  }
  let agent;
  try {
    const config = loadAgentConfig(args.config);
    if (args.check) {
      process.stdout.write(`${args.config}: ok (${config.files.length} file globs, resources ${config.resources.enabled ? 'on' : 'off'})\n`);
      return 0;
    }
    agent = await startAgent(config);
  } catch (error) {
    const known = error instanceof AgentConfigError || error instanceof CheckpointDecodeError;
    process.stderr.write(`lookout-agent: ${known ? '' : 'cannot start: '}${(error as Error).message}\n`);
    return error instanceof AgentConfigError ? 2 : 1;
  }
  const running = agent;
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      running.stop().then(resolve, (error: Error) => {
        process.stderr.write(`lookout-agent: stopping failed: ${error.message}\n`);
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
}

// `tsx agents/host/src/cli.ts …` and `node dist/cli.js …` run it directly
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
