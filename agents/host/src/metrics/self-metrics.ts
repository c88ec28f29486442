import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's own figures, on /metrics and (as OTLP) with the host metrics. */
export interface SelfMetrics {
  registry: Registry;
  linesRead: Counter;
  bytesRead: Counter;
  linesShipped: Counter;
  bytesShipped: Counter;
  linesRejected: Counter;
  linesSplit: Counter;
  sendRetries: Counter<'reason'>;
  sendFailures: Counter<'reason'>;
  rotations: Counter<'kind'>;
  filesTracked: Gauge;
  checkpointLagBytes: Gauge;
  bufferLines: Gauge;
  bufferBytes: Gauge;
  metricExports: Counter<'outcome'>;
}

export interface SelfMetricSources {
  filesTracked(): number;
  checkpointLagBytes(): number;
  bufferLines(): number;
  bufferBytes(): number;
}

export function createSelfMetrics(sources: SelfMetricSources): SelfMetrics {
  const registry = new Registry();
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  collectDefaultMetrics({ register: registry, prefix: 'lookout_agent_' });
  return {
    registry,
    linesRead: counter('lookout_agent_lines_read_total', 'Lines (and parts of over-long lines) read from files.'),
    bytesRead: counter('lookout_agent_bytes_read_total', 'Bytes read from files.'),
    linesShipped: counter('lookout_agent_lines_shipped_total', 'Lines the collector acknowledged.'),
    bytesShipped: counter('lookout_agent_bytes_shipped_total', 'Request bytes (after compression) the collector acknowledged.'),
    linesRejected: counter('lookout_agent_lines_rejected_total', 'Lines the collector refused as malformed (HTTP 400); not retried.'),
    linesSplit: counter('lookout_agent_lines_split_total', 'Parts emitted for lines longer than tail.maxLineBytes.'),
    sendRetries: counter('lookout_agent_send_retries_total', 'Sends retried, by why.', ['reason']),
    sendFailures: counter('lookout_agent_send_failures_total', 'Failed sends (each retried or rejected), by why.', ['reason']),
    rotations: counter('lookout_agent_rotations_total', 'Rotations noticed: rename (the path moved to a new file) or truncate (copytruncate).', ['kind']),
    filesTracked: gauge('lookout_agent_files_tracked', 'Files open for tailing, rotated ones being drained included.', sources.filesTracked),
    checkpointLagBytes: gauge(
      'lookout_agent_checkpoint_lag_bytes',
      'Bytes in tailed files not yet acknowledged by the collector (file size - checkpoint offset, summed).',
      sources.checkpointLagBytes,
    ),
    bufferLines: gauge('lookout_agent_buffer_lines', 'Lines read and waiting for the collector.', sources.bufferLines),
    bufferBytes: gauge('lookout_agent_buffer_bytes', 'Bytes of lines read and waiting for the collector.', sources.bufferBytes),
    metricExports: counter('lookout_agent_metric_exports_total', 'Host metric exports, by outcome (ok, failed).', ['outcome']),
  };
}

/** Reason label for a failed send: an HTTP status or 'network'. */
export function failureReason(status: number | undefined): string {
  return status === undefined ? 'network' : String(status);
}
