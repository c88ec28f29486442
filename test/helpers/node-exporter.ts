import { requireBinary } from './binaries.ts';
import { scrape, type Sample } from './exposition.ts';
import { startServerProcess, type RunningServer } from './server-process.ts';

export const NODE_EXPORTER_BINARY = 'prometheus-node-exporter';
export const NODE_EXPORTER_PACKAGE = 'prometheus-node-exporter';

export interface NodeExporter {
  server: RunningServer;
  scrape(): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** Whether node_exporter is installed; skips (prints why) or, under CI, throws. */
export function nodeExporterAvailable(): boolean {
  return requireBinary(NODE_EXPORTER_BINARY, NODE_EXPORTER_PACKAGE) !== undefined;
}

/** The collectors the resource comparison reads; every other one is off (faster, quieter). */
export const NODE_EXPORTER_COLLECTORS = ['cpu', 'meminfo', 'loadavg', 'netdev', 'filesystem', 'stat'];

export interface NodeExporterOptions {
  /** extra flags, e.g. --collector.filesystem.mount-points-exclude=… */
  args?: string[];
}

/**
 * Starts node_exporter on a random loopback port with only the collectors Lookout's
 * resource figures are compared with. Debian's build excludes the `lo` device from
 * netdev by default; pass `--collector.netdev.device-exclude=` to see it.
 */
export async function startNodeExporter(options: NodeExporterOptions = {}): Promise<NodeExporter> {
  const server = await startServerProcess({
    name: 'node-exporter',
    command: NODE_EXPORTER_BINARY,
    args: (port) => [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      ...NODE_EXPORTER_COLLECTORS.map((c) => `--collector.${c}`),
      ...(options.args ?? []),
    ],
    readyPath: '/metrics',
  });
  return { server, scrape: () => scrape(`${server.url}/metrics`), stop: () => server.stop() };
}
