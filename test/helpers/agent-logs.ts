import { encodeLogsProtobuf, type LogRecord, type LogsData } from '@lookout/otlp';

export interface AgentLinesOptions {
  /** the resource's service.name and host.name */
  service: string;
  host: string;
  /** the tailed file (log.file.path, and log.file.name when `withFileName`) */
  path?: string;
  withFileName?: boolean;
  /** when the agent read line i (ms); now by default */
  observedAtMs?: (i: number) => number;
}

/**
 * An OTLP logs request shaped as the host agent sends its tailed lines: each line a
 * record's body, marked unparsed, with the file's path; no log.record.uid, so the same
 * body can be sent again and again (benches, replay tests).
 */
export function agentLinesRequest(lines: readonly string[], options: AgentLinesOptions): Uint8Array {
  const path = options.path ?? '/var/log/nginx/access.log';
  const fileAttributes: Record<string, string | boolean> = { 'lookout.log.unparsed': true, 'log.file.path': path };
  if (options.withFileName) fileAttributes['log.file.name'] = path.slice(path.lastIndexOf('/') + 1);
  const logRecords = lines.map(
    (line, i) =>
      ({
        timeUnixNano: 0n,
        observedTimeUnixNano: BigInt(options.observedAtMs?.(i) ?? Date.now()) * 1_000_000n,
        severityNumber: 0,
        severityText: '',
        body: line,
        attributes: { ...fileAttributes },
        droppedAttributesCount: 0,
        flags: 0,
        traceId: '',
        spanId: '',
        eventName: '',
      }) as unknown as LogRecord,
  );
  const data = {
    resourceLogs: [
      {
        resource: { attributes: { 'service.name': options.service, 'host.name': options.host }, droppedAttributesCount: 0 },
        scopeLogs: [{ scope: { name: 'lookout-agent', version: '0', attributes: {}, droppedAttributesCount: 0 }, logRecords, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  } as unknown as LogsData;
  return encodeLogsProtobuf(data);
}
