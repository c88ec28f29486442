import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.ts';
import { startServerProcess, type RunningServer } from './server-process.ts';

export interface AlertmanagerOptions {
  /** every notification goes to this webhook (send_resolved on) */
  webhookUrl: string;
  /** labels alerts are grouped by; ['...'] puts each alert in its own group */
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** An alert as GET /api/v2/alerts returns it (the fields tests look at). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: string };
}

export interface RunningAlertmanager extends RunningServer {
  alerts(): Promise<GettableAlert[]>;
}

/**
 * Starts the Debian `prometheus-alertmanager` binary on a random loopback port, with
 * clustering off (`--cluster.listen-address=`), a webhook receiver, group_wait and
 * group_interval of 1 s and a long repeat_interval. Returns undefined (after printing
 * SKIP) when the binary is missing outside CI.
 */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager | undefined> {
  const binary = requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');
  if (!binary) return undefined;
  const server = await startServerProcess({
    name: 'alertmanager',
    command: binary,
    args: (port, dir) => {
      const groupBy = (options.groupBy ?? ['alertname', 'slo']).map((l) => JSON.stringify(l)).join(', ');
      writeFileSync(
        join(dir, 'alertmanager.yml'),
        `route:
  receiver: sink
  group_by: [${groupBy}]
  group_wait: ${options.groupWait ?? '1s'}
  group_interval: ${options.groupInterval ?? '1s'}
  repeat_interval: ${options.repeatInterval ?? '1h'}
receivers:
  - name: sink
    webhook_configs:
      - url: ${JSON.stringify(options.webhookUrl)}
        send_resolved: true
`,
      );
      return [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ];
    },
    readyPath: '/-/ready',
    timeoutMs: 20_000,
  });
  return Object.assign(server, {
    async alerts() {
      const response = await fetch(`${server.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as GettableAlert[];
    },
  });
}
