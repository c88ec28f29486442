/**
 * `lookout dashboards build`: writes every dashboard's JSON and Grafana's provisioning
 * files (dashboard provider, data sources) to a directory that Grafana mounts.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  COMPOSE_DATASOURCE_URLS,
  DEFAULT_DASHBOARDS_PATH,
  DEFAULT_FOLDER,
  DEFAULT_FOLDER_UID,
  buildAllDashboards,
  writeProvisioning,
} from '@lookout/dashboards';
import { loadConfigFile } from './config/load.ts';
import { DASHBOARDS_USAGE } from './dashboards-usage.ts';
import { loadSloFiles } from './slo/index.ts';

export { DASHBOARDS_USAGE };

export const DEFAULT_OUT_DIR = 'build/grafana';

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

function fail(message: string, code = 2): CommandOutput {
  return { code, stdout: '', stderr: `lookout dashboards: ${message}\n` };
}

function checkUrl(name: string, value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `--${name} must be an http(s) URL, got ${value}`;
  } catch {
    return `--${name} must be an http(s) URL, got ${value}`;
  }
}

/** Runs `lookout dashboards …` (argv without the leading `dashboards`). */
export function runDashboardsCommand(args: string[], cwdHasFile: (path: string) => boolean = existsSync): CommandOutput {
  const [sub, ...rest] = args;
  if (sub !== 'build') return fail(`unknown subcommand '${sub ?? ''}'; usage:\n${DASHBOARDS_USAGE}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        out: { type: 'string', short: 'o' },
        slos: { type: 'string', multiple: true },
        config: { type: 'string', short: 'c' },
        folder: { type: 'string' },
        'dashboards-path': { type: 'string' },
        'prometheus-url': { type: 'string' },
        'loki-url': { type: 'string' },
        'tempo-url': { type: 'string' },
        'alertmanager-url': { type: 'string' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(`${(error as Error).message}; usage:\n${DASHBOARDS_USAGE}`);
  }
  const urls = {
    prometheus: values['prometheus-url'] ?? COMPOSE_DATASOURCE_URLS.prometheus,
    loki: values['loki-url'] ?? COMPOSE_DATASOURCE_URLS.loki,
    tempo: values['tempo-url'] ?? COMPOSE_DATASOURCE_URLS.tempo,
    alertmanager: values['alertmanager-url'] ?? COMPOSE_DATASOURCE_URLS.alertmanager,
  };
  for (const [name, value] of Object.entries(urls)) {
    const problem = checkUrl(`${name}-url`, value);
    if (problem) return fail(problem);
  }

  // SLO specs: --slos, else the files the config names (./lookout.yaml when present).
  let sloPaths = values.slos ?? [];
  let sloOrigin = '--slos';
  const notes: string[] = [];
  if (sloPaths.length === 0) {
    const configFile = values.config ?? (cwdHasFile('lookout.yaml') ? 'lookout.yaml' : undefined);
    if (configFile) {
      sloPaths = loadConfigFile(configFile).slos.files;
      sloOrigin = `slos.files of ${configFile}`;
    }
    if (sloPaths.length === 0) notes.push('no SLO specs given (--slos PATH or slos.files in lookout.yaml): only the SLO overview, no per-SLO dashboards');
  }
  const loaded = loadSloFiles(sloPaths);
  const dashboards = buildAllDashboards(loaded.slos);
  const out = values.out ?? DEFAULT_OUT_DIR;
  const written = writeProvisioning(out, dashboards, {
    folder: values.folder ?? DEFAULT_FOLDER,
    folderUid: DEFAULT_FOLDER_UID,
    dashboardsPath: values['dashboards-path'] ?? DEFAULT_DASHBOARDS_PATH,
    urls,
  });
  const lines = [
    `wrote ${written.dashboards.length} dashboards (${loaded.slos.length} SLO${loaded.slos.length === 1 ? '' : 's'} from ${sloOrigin}) to ${out}/dashboards`,
    `wrote ${written.provisioning.join(' and ')}`,
    ...written.removed.map((file) => `removed ${file} (no longer generated)`),
    `mount ${out}/provisioning at /etc/grafana/provisioning and ${out}/dashboards at ${values['dashboards-path'] ?? DEFAULT_DASHBOARDS_PATH}`,
  ];
  const stderr = [...loaded.warnings.map((w) => `warning: ${w}`), ...notes.map((n) => `note: ${n}`)];
  return { code: 0, stdout: `${lines.join('\n')}\n`, stderr: stderr.length > 0 ? `${stderr.join('\n')}\n` : '' };
}
