import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.ts';
import { startServerProcess, type RunningServer } from './server-process.ts';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  metricsPath?: string;
  scheme?: 'http' | 'https';
  /** keep the scraped job/instance labels (a federating endpoint such as the collector's received metrics) */
  honorLabels?: boolean;
}

export interface RunningPrometheus extends RunningServer {
  /** instant query; returns the result vector */
  query(expr: string, timeSeconds?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** waits until a scrape of `job` has happened after now */
  waitForScrape(job: string, timeoutMs?: number): Promise<void>;
}

/**
 * Starts the Debian `prometheus` binary on a random loopback port with a 1 s scrape
 * interval, the remote-write receiver on, and data in a temp dir. Returns undefined
 * (after printing SKIP) when the binary is missing outside CI.
 */
export async function startPrometheus(
  targets: ScrapeTarget[],
  options: { ruleFiles?: string[]; /** --enable-feature values, e.g. exemplar-storage */ features?: string[] } = {},
): Promise<RunningPrometheus | undefined> {
  const binary = requireBinary('prometheus', 'prometheus');
  if (!binary) return undefined;
  const server = await startServerProcess({
    name: 'prometheus',
    command: binary,
    args: (port, dir) => {
      const scrapeConfigs = targets
        .map(
          (t) => `  - job_name: ${JSON.stringify(t.job)}
    scrape_interval: 1s
    scrape_timeout: 900ms
    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}
    scheme: ${t.scheme ?? 'http'}
    honor_labels: ${t.honorLabels ? 'true' : 'false'}
    static_configs:
      - targets: [${JSON.stringify(t.target)}]`,
        )
        .join('\n');
      const rules = options.ruleFiles?.length ? `rule_files:\n${options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`).join('\n')}\n` : '';
      writeFileSync(
        join(dir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${rules}scrape_configs:\n${scrapeConfigs}\n`,
      );
      return [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
        ...(options.features ?? []).map((feature) => `--enable-feature=${feature}`),
      ];
    },
    readyPath: '/-/ready',
    timeoutMs: 30_000,
  });

  const query: RunningPrometheus['query'] = async (expr, timeSeconds) => {
    const params = new URLSearchParams({ query: expr });
    if (timeSeconds !== undefined) params.set('time', String(timeSeconds));
    const response = await fetch(`${server.url}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`PromQL ${expr} failed: ${body.error}`);
    return body.data.result as Awaited<ReturnType<RunningPrometheus['query']>>;
  };

  const waitForScrape: RunningPrometheus['waitForScrape'] = async (job, timeoutMs = 15_000) => {
    const since = Date.now() / 1000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = await query(`timestamp(up{job=${JSON.stringify(job)}})`);
      const up = await query(`up{job=${JSON.stringify(job)}}`);
      if (result.length > 0 && Number(result[0]!.value[1]) > since && up[0]?.value[1] === '1') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Prometheus did not scrape job ${job} successfully within ${timeoutMs} ms:\n${server.output()}`);
  };

  return Object.assign(server, { query, waitForScrape });
}
