import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.ts';
import { scrape, type Sample } from './exposition.ts';
import { startServerProcess, type RunningServer } from './server-process.ts';

export const BLACKBOX_BINARY = 'prometheus-blackbox-exporter';
export const BLACKBOX_PACKAGE = 'prometheus-blackbox-exporter';

export interface Blackbox {
  server: RunningServer;
  /** runs one probe and returns blackbox's metrics for it (probe_success, probe_ssl_earliest_cert_expiry…) */
  probe(module: string, target: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** Whether blackbox_exporter is installed; skips (prints why) or, under CI, throws. */
export function blackboxAvailable(): boolean {
  return requireBinary(BLACKBOX_BINARY, BLACKBOX_PACKAGE) !== undefined;
}

/**
 * Starts blackbox_exporter on a random loopback port with the given modules (the
 * `modules:` map of blackbox.yml). The config is written as JSON, which YAML accepts.
 */
export async function startBlackbox(modules: Record<string, unknown>): Promise<Blackbox> {
  const server = await startServerProcess({
    name: 'blackbox',
    command: BLACKBOX_BINARY,
    args: (port, dir) => {
      const configPath = join(dir, 'blackbox.yml');
      writeFileSync(configPath, JSON.stringify({ modules }, null, 2));
      return [`--config.file=${configPath}`, `--web.listen-address=127.0.0.1:${port}`];
    },
    readyPath: '/-/healthy',
  });
  return {
    server,
    probe: (module, target) =>
      scrape(`${server.url}/probe?module=${encodeURIComponent(module)}&target=${encodeURIComponent(target)}`),
    stop: () => server.stop(),
  };
}
