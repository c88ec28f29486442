import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What bench/lib/http-load.mjs reports: answers by kind, and acknowledgement latency. */
export interface LoadCounts {
  ok: number;
  refused: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends one body again and again from a child process (8 keep-alive connections for
 * `seconds`) to a collector running in this process, waits until `settled` says the
 * work after the acknowledgements is done, and returns this process's CPU seconds and
 * the wall seconds it took, with the load's counts.
 */
export async function loadInProcessCollector(
  url: string,
  contentType: string,
  bodyFile: string,
  seconds: number,
  settled: () => Promise<void>,
): Promise<{ counts: LoadCounts; cpuSeconds: number; wallSeconds: number }> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, [new URL('./http-load.mjs', import.meta.url).pathname, url, contentType, bodyFile, '8', String(seconds * 1000)]);
  await settled();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    counts: JSON.parse(stdout) as LoadCounts,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: Number(process.hrtime.bigint() - wallBefore) / 1e9,
  };
}
