import { createRequire } from 'node:module';
import { UP_USAGE } from './demo/options.ts';
import { DRILL_USAGE } from './drill/drill-command.ts';
import { DASHBOARDS_USAGE } from './dashboards-usage.ts';
import { SLO_USAGE } from './slo/cli-commands.ts';

/**
 * Help texts of the `lookout` CLI, one entry per command: `lookout --help` lists the
 * summaries, `lookout <command> --help` (or `lookout help <command>`) prints the
 * command's own text. A new command adds its entry here.
 */

export interface CommandHelp {
  /** one line for the overview */
  summary: string;
  /** the full text of `lookout <command> --help` */
  text: string;
}

const EXIT_CODES = `exit codes: 0 success, 1 failure (invalid config or spec, the collector could not start or stopped on an error), 2 usage error (unknown command or option, missing argument)`;

export const COMMANDS: Record<string, CommandHelp> = {
  up: {
    summary: 'the collector with its status page and a live demo around it (npm start)',
    text: `${UP_USAGE}${EXIT_CODES}
`,
  },
  collector: {
    summary: 'run the collector (OTLP, logs, SLIs, SLO alerts) until SIGINT/SIGTERM',
    text: `usage: lookout collector [--config FILE]

Runs the collector: OTLP receivers (gRPC 4317, HTTP 4318), log receivers, SLIs, SLO
alerts and notifications, /metrics and the JSON API, until SIGINT or SIGTERM, then
flushes for at most shutdownTimeout.

  -c, --config FILE  the config file; default ./lookout.yaml when present, else the
                     built-in defaults (lookout config schema prints them all)

It exits 1 with a message naming file:line and the fix when the config is invalid,
the file is missing or a port is in use (which one, and which key moves it), so
Docker and systemd see the failure.
${EXIT_CODES}
`,
  },
  config: {
    summary: 'check a config file, or print the config reference as JSON Schema',
    text: `usage:
  lookout config check FILE   validate FILE and the SLO specs it names; prints "FILE: OK",
                              or every problem (file:line:col, key, fix) and exits 1
  lookout config schema       print the configuration reference as JSON Schema
                              (docs/configuration.md is generated from it)
${EXIT_CODES}
`,
  },
  slo: {
    summary: 'check, explain, export and replay SLO specs',
    text: `${SLO_USAGE}${EXIT_CODES}
`,
  },
  dashboards: {
    summary: 'write the Grafana dashboards and provisioning files generated from the SLO specs',
    text: `usage:
${DASHBOARDS_USAGE}
${EXIT_CODES}
`,
  },
  drill: {
    summary: 'does the pager page? burn a drill SLO on a running collector and follow the page',
    text: `${DRILL_USAGE}${EXIT_CODES}
`,
  },
};

export function lookoutVersion(): string {
  // ../package.json from both src/ and dist/
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(width)}  ${help.summary}`);
  return `Lookout ${lookoutVersion()}: an observability stack in a box.

usage: lookout <command> [options]

commands:
${lines.join('\n')}

  lookout <command> --help   that command's options
  lookout --version          the version
${EXIT_CODES}
`;
}

/** The text `lookout <command> --help` prints; the overview for no or an unknown command. */
export function helpFor(command: string | undefined): string {
  return (command !== undefined && COMMANDS[command]?.text) || mainHelp();
}

/** True when the arguments ask for help (before a `--` that ends the options). */
export function wantsHelp(argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
