import { hostname, uptime } from 'node:os';
import { encodeMetricsProtobuf, newAttributes, type Attributes } from '@lookout/otlp';
import { CheckpointStore } from './checkpoint/checkpoint-store.ts';
import { lockDataDir } from './checkpoint/data-dir-lock.ts';
import type { AgentConfig } from './config/schema.ts';
import { createLogger, type Logger } from './logger.ts';
import { buildMetricsData, hostMetrics } from './metrics/host-metrics.ts';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts';
import { createSelfMetrics, type SelfMetrics } from './metrics/self-metrics.ts';
import { selfMetricsToOtlp } from './metrics/self-metrics-otlp.ts';
import { createResourceReader, type ResourceSnapshot } from './resources/read-resources.ts';
import { LineBuffer } from './ship/line-buffer.ts';
import { LogShipper, realClock, type AckPoint } from './ship/log-shipper.ts';
import { createFailoverClient, DEFAULT_FAILOVER_COOL_DOWN_MS } from './ship/failover-client.ts';
import { createOtlpHttpClient } from './ship/otlp-http-client.ts';
import { nextStep } from './ship/send-policy.ts';
import { TailManager } from './tail/tail-manager.ts';

export const AGENT_VERSION = '0.1.0';
const SCOPE = { name: '@lookout/host-agent', version: AGENT_VERSION };

export interface AgentOptions {
  logger?: Logger;
  /** ms since the epoch */
  now?: () => number;
}

export interface RunningAgent {
  metrics: SelfMetrics;
  /** the /metrics URL when metrics.port is set */
  metricsUrl?: string;
  /** stops reading, gives the shipper up to shutdownTimeout to send what it holds, saves the checkpoint */
  stop(): Promise<void>;
}

/** Resource attributes on everything the agent sends. */
export function agentResource(config: AgentConfig): Attributes {
  const resource = newAttributes();
  resource['host.name'] = hostname();
  resource['os.type'] = process.platform;
  for (const key in config.resource) resource[key] = config.resource[key]!;
  return resource;
}

export async function startAgent(config: AgentConfig, options: AgentOptions = {}): Promise<RunningAgent> {
  const now = options.now ?? Date.now;
  const log = options.logger ?? createLogger(config.log.level);
  const startedAt = now();
  const store = new CheckpointStore(config.dataDir);
  const unlock = lockDataDir(config.dataDir);
  const cleanups: Array<() => Promise<void> | void> = [unlock];
  try {
    const checkpoint = store.load();
    const buffer = new LineBuffer(config.buffer);
    let tail: TailManager | undefined;
    const metrics = createSelfMetrics({
      filesTracked: () => tail?.trackedCount ?? 0,
      checkpointLagBytes: () => tail?.checkpointLagBytes() ?? 0,
      bufferLines: () => buffer.length,
      bufferBytes: () => buffer.byteSize,
    });
    tail = new TailManager(
      config.files.map((f) => ({ glob: f.glob, exclude: f.exclude, labels: f.labels, startAt: f.startAt })),
      buffer,
      {
        maxLineBytes: config.tail.maxLineBytes,
        fingerprintBytes: config.tail.fingerprintBytes,
        rotateWaitMs: config.tail.rotateWait,
        readChunkBytes: config.tail.readChunkBytes,
      },
      {
        linesRead(count, bytes, split) {
          metrics.linesRead.inc(count);
          metrics.bytesRead.inc(bytes);
          if (split > 0) metrics.linesSplit.inc(split);
        },
        rotated: (kind) => metrics.rotations.inc({ kind }),
        changed: () => persist(),
      },
      log,
      now,
    );
    const tailer = tail;
    cleanups.push(() => tailer.close());
    let persistedVersion = -1;
    // the acknowledged state as it stands; safe at any time, a batch in flight included
    function persist(): void {
      if (tailer.version === persistedVersion) return;
      store.write(tailer.checkpoint());
      persistedVersion = tailer.version;
    }
    await tailer.start(checkpoint);
    persist();

    const endpoints = [config.collector.endpoint, ...(config.collector.fallbackEndpoints ?? [])];
    const clientFor = (endpoint: string) =>
      createOtlpHttpClient({
        endpoint,
        ...(config.collector.token ? { token: config.collector.token } : {}),
        ...(config.collector.caFile ? { caFile: config.collector.caFile } : {}),
        timeoutMs: config.collector.timeout,
        compression: config.collector.compression,
      });
    // One endpoint: the plain client. Several: stick to one while it answers, move on when it cannot.
    const client =
      endpoints.length === 1
        ? clientFor(endpoints[0]!)
        : createFailoverClient(
            endpoints.map((endpoint) => ({ endpoint, client: clientFor(endpoint) })),
            {
              coolDownMs: config.collector.failoverCoolDown ?? DEFAULT_FAILOVER_COOL_DOWN_MS,
              events: { failedOver: (from, to, reason) => log.warn('collector unavailable; failing over', { from, to, reason }) },
            },
          );
    cleanups.push(() => client.close());

    // The checkpoint a batch produces is written (and synced) before the batch is sent;
    // after the acknowledgement only a rename is left, so a kill between the collector
    // taking a batch and the agent recording it is as unlikely as it can be made.
    let preparedVersion = -1;
    const ackPoint: AckPoint = {
      prepare(lines) {
        preparedVersion = tailer.version;
        store.prepare(tailer.checkpointAfter(lines));
      },
      commit(lines) {
        if (tailer.version === preparedVersion) store.commitPrepared();
        else store.write(tailer.checkpointAfter(lines));
        tailer.acknowledge(lines);
        persistedVersion = tailer.version;
      },
    };
    const resource = agentResource(config);
    const backoff = { initialMs: config.retry.initialBackoff, maxMs: config.retry.maxBackoff };
    const shipper = new LogShipper(
      buffer,
      client,
      ackPoint,
      { maxRecords: config.batch.maxRecords, maxBytes: config.batch.maxBytes, backoff, resource, scope: SCOPE },
      {
        shipped(lines, bytes) {
          metrics.linesShipped.inc(lines);
          metrics.bytesShipped.inc(bytes);
        },
        rejected: (lines) => metrics.linesRejected.inc(lines),
        failed(reason, willRetry) {
          metrics.sendFailures.inc({ reason });
          if (willRetry) metrics.sendRetries.inc({ reason });
        },
      },
      log,
    );
    const shipping = shipper.run().catch((error: Error) => log.error('shipper stopped on an error', { error: error.message }));

    const stopPolling = new AbortController();
    const polling = (async () => {
      while (!stopPolling.signal.aborted) {
        let more = false;
        try {
          more = await tailer.poll();
        } catch (error) {
          log.error('polling files failed', { error: (error as Error).message });
        }
        if (!more) await realClock.sleep(config.tail.pollInterval, stopPolling.signal);
      }
    })();

    let metricsServer: MetricsServer | undefined;
    if (config.metrics.port !== undefined) {
      metricsServer = await startMetricsServer(metrics.registry, config.metrics.host, config.metrics.port);
      const server = metricsServer;
      cleanups.push(() => server.close());
    }

    const stopResources = new AbortController();
    let resourcesLoop: Promise<void> = Promise.resolve();
    if (config.resources.enabled) {
      const reader = createResourceReader({ procRoot: config.resources.procRoot, rootfs: config.resources.rootfs, now });
      const bootTimeMs = now() - uptime() * 1000;
      let previous: ResourceSnapshot | undefined;
      const exportOnce = async () => {
        const snapshot = await reader.read();
        const list = [
          ...hostMetrics(snapshot, previous, { bootTimeMs }),
          ...selfMetricsToOtlp(await metrics.registry.getMetricsAsJSON(), startedAt, now()),
        ];
        previous = snapshot;
        const body = encodeMetricsProtobuf(buildMetricsData(list, resource, SCOPE));
        // metrics are a reading of now: a few tries within the interval, then the next reading replaces it
        for (let attempt = 0; attempt < 3 && !stopResources.signal.aborted; attempt++) {
          const result = await client.post('/v1/metrics', body);
          const step = nextStep(result, attempt, backoff, Math.random, now());
          if (step.kind === 'done') return metrics.metricExports.inc({ outcome: 'ok' });
          if (step.kind !== 'retry') break;
          await realClock.sleep(Math.min(step.delayMs, config.resources.interval / 4), stopResources.signal);
        }
        metrics.metricExports.inc({ outcome: 'failed' });
        log.warn('host metrics export failed; the next reading will be sent');
      };
      resourcesLoop = (async () => {
        while (!stopResources.signal.aborted) {
          try {
            await exportOnce();
          } catch (error) {
            log.warn('reading host resources failed', { error: (error as Error).message });
          }
          await realClock.sleep(config.resources.interval, stopResources.signal);
        }
      })();
    }

    log.info('lookout-agent started', {
      files: tailer.trackedCount,
      dataDir: config.dataDir,
      endpoint: endpoints.join(', '),
      ...(metricsServer ? { metrics: metricsServer.url } : {}),
    });

    let stopped: Promise<void> | undefined;
    return {
      metrics,
      ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
      stop() {
        stopped ??= (async () => {
          stopPolling.abort();
          stopResources.abort();
          await polling;
          await resourcesLoop;
          const deadline = now() + config.shutdownTimeout;
          while (!shipper.isIdle && now() < deadline) await new Promise((r) => setTimeout(r, 20));
          if (!shipper.isIdle) log.warn('stopping with lines not yet acknowledged; they are sent after the next start', { lines: buffer.length });
          shipper.stop();
          await shipping;
          store.write(tailer.checkpoint());
          for (const cleanup of cleanups.reverse()) await cleanup();
          log.info('lookout-agent stopped');
        })();
        return stopped;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
}
