import { newAttributes, type Attributes, type LogRecord, type LogsData } from '@lookout/otlp';
import type { TailLine } from '../tail/tail-line.ts';

/** Attribute names the agent sets on each record. */
export const LOG_ATTRIBUTES = {
  filePath: 'log.file.path',
  fileName: 'log.file.name',
  uid: 'log.record.uid',
  /** 1, 2, … on the parts of a line cut at maxLineBytes */
  part: 'lookout.log.part',
  /** true on every part but the last */
  continues: 'lookout.log.continues',
  /** true: the body is the raw line, for the collector to parse (collector/src/logs/README.md) */
  unparsed: 'lookout.log.unparsed',
} as const;

export interface ScopeInfo {
  name: string;
  version: string;
}

/**
 * Lines → one OTLP logs request, pure. The body is the raw line; the collector parses
 * it. The record time is left unset (the line's own timestamp is the collector's to
 * read); the observed time is when the agent read the line.
 */
export function buildLogsData(lines: readonly TailLine[], resource: Attributes, scope: ScopeInfo): LogsData {
  const logRecords: LogRecord[] = lines.map((line) => {
    const attributes = newAttributes();
    for (const key in line.source.labels) attributes[key] = line.source.labels[key]!;
    attributes[LOG_ATTRIBUTES.filePath] = line.source.path;
    attributes[LOG_ATTRIBUTES.fileName] = line.source.name;
    attributes[LOG_ATTRIBUTES.uid] = line.uid;
    attributes[LOG_ATTRIBUTES.unparsed] = true;
    if (line.part > 0) {
      attributes[LOG_ATTRIBUTES.part] = line.part;
      if (line.continues) attributes[LOG_ATTRIBUTES.continues] = true;
    }
    return {
      timeUnixNano: 0n,
      observedTimeUnixNano: BigInt(line.observedAtMs) * 1_000_000n,
      severityNumber: 0,
      severityText: '',
      body: line.text,
      attributes,
      droppedAttributesCount: 0,
      flags: 0,
      traceId: '',
      spanId: '',
      eventName: '',
    };
  });
  return {
    resourceLogs: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeLogs: [
          {
            scope: { name: scope.name, version: scope.version, attributes: newAttributes(), droppedAttributesCount: 0 },
            logRecords,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
