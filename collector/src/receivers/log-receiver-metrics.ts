import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Self-metrics of the log receivers (raw lines, Loki push, syslog), besides the shared
 * lookout_receiver_* ones. Documented in collector/README.md.
 */
export interface LogReceiverMetrics {
  /** lines kept as plain bodies because they matched no format */
  unparsedLines: Counter<'receiver' | 'format'>;
  /** syslog messages lost: queue_full (UDP), too_large, bad_frame, connection_closed */
  syslogDropped: Counter<'transport' | 'reason'>;
  /** times a TCP syslog connection stopped reading because the queue was full */
  syslogPauses: Counter;
  syslogConnections: Gauge;
}

export function registerLogReceiverMetrics(registry: Registry): LogReceiverMetrics {
  const registers = [registry];
  return {
    unparsedLines: new Counter({
      name: 'lookout_log_lines_unparsed_total',
      help: 'Log lines that matched no format and were kept as plain bodies, by receiver and the stream format (auto while detecting).',
      labelNames: ['receiver', 'format'],
      registers,
    }),
    syslogDropped: new Counter({
      name: 'lookout_syslog_dropped_messages_total',
      help: 'Syslog messages lost, by transport and reason (queue_full: UDP cannot push back; too_large; bad_frame; connection_closed).',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    syslogPauses: new Counter({
      name: 'lookout_syslog_tcp_paused_total',
      help: 'Times a TCP syslog connection stopped reading because the pipeline queue was full (back-pressure).',
      registers,
    }),
    syslogConnections: new Gauge({
      name: 'lookout_syslog_tcp_connections',
      help: 'Open TCP syslog connections.',
      registers,
    }),
  };
}
