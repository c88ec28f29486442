import { resolveLogFormat, serviceFromLabels, UNKNOWN_SERVICE, type LogFormat, type StreamLabels } from '../logs/index.ts';
import { newAttributes, type Attributes, type LogRecord, type LogsData, type ResourceLogs } from '@lookout/otlp';
import { LOG_FORMAT_ATTRIBUTE, LogsBatchBuilder, streamKey } from './log-batch.ts';
import type { LogReceiverMetrics } from './log-receiver-metrics.ts';
import { markFormat, streamFormat, type LogStreams } from './log-streams.ts';

/**
 * OTLP log records that carry an unparsed line (issue 11, item 1): the host agent (and
 * any file tailer speaking OTLP) ships each tailed line as the record's body and leaves
 * the parsing to the collector. Those records go through the same per-stream parsers,
 * format detection and multiline joining as the raw-lines receiver, so an nginx access
 * log tailed by `lookout-agent` gives the same request series as the same file posted
 * to /v1/logs/raw. See collector/src/logs/README.md ("Unparsed lines over OTLP").
 */

/** Set to `true` by the host agent on every record whose body is a raw line. */
export const UNPARSED_LINE_ATTRIBUTE = 'lookout.log.unparsed';
/** The tailed file; file tailers (the host agent, the OTel collector's filelog receiver) set it. */
export const FILE_PATH_ATTRIBUTE = 'log.file.path';
/** A stream label that pins the format (`format: access`), like `format=` on /v1/logs/raw. */
export const FORMAT_LABEL = 'format';

/** Attributes of one line, not of its file: not stream labels. */
const PER_LINE_ATTRIBUTES = new Set(['log.record.uid', 'lookout.log.part', 'lookout.log.continues', UNPARSED_LINE_ATTRIBUTE]);
/** The host agent cut a line longer than its maxLineBytes into parts: a part is not a whole line to parse. */
const PART_ATTRIBUTE = 'lookout.log.part';

/**
 * Whether an OTLP record is an unparsed line: a string body, no severity (number or
 * text), not already parsed (`lookout.log.format` absent), not a part of a cut line, and
 * marked as a raw line — `lookout.log.unparsed=true`, or `log.file.path` (a tailed
 * file). Records of an app's SDK (severity set, or no file) are left as they are.
 */
export function isUnparsedLine(record: LogRecord): boolean {
  if (typeof record.body !== 'string' || record.body === '') return false;
  if (record.severityNumber !== 0 || record.severityText !== '') return false;
  const attributes = record.attributes;
  if (attributes[LOG_FORMAT_ATTRIBUTE] !== undefined || attributes[PART_ATTRIBUTE] !== undefined) return false;
  return attributes[UNPARSED_LINE_ATTRIBUTE] === true || typeof attributes[FILE_PATH_ATTRIBUTE] === 'string';
}

/**
 * The labels of the stream a line belongs to: the record's string attributes other than
 * per-line ones (the file's labels, log.file.path, log.file.name), plus the resource's
 * host.name, so the same path on two hosts is two streams.
 */
export function lineStreamLabels(record: LogRecord, resource: Attributes): Record<string, string> {
  const labels = Object.create(null) as Record<string, string>;
  const host = resource['host.name'];
  if (typeof host === 'string' && host !== '') labels['host.name'] = host;
  for (const name of Object.keys(record.attributes)) {
    const value = record.attributes[name];
    if (typeof value === 'string' && !PER_LINE_ATTRIBUTES.has(name)) labels[name] = value;
  }
  return labels;
}

/** The unparsed lines of one stream in a request, with each record's attribute names. */
interface StreamGroup {
  key: string;
  labels: Record<string, string>;
  format: LogFormat | undefined;
  resource: Attributes;
  records: LogRecord[];
  names: string[][];
}

/**
 * The resource of a parsed stream: the sender's resource with the stream labels, and
 * `service.name` from the labels (`service`, `app`, `job`…) when they name one — the
 * file's service, not the agent's.
 */
function streamResource(resource: Attributes, labels: StreamLabels): Attributes {
  const attributes = newAttributes();
  for (const name of Object.keys(resource)) attributes[name] = resource[name]!;
  const named = serviceFromLabels(labels);
  if (named !== UNKNOWN_SERVICE) attributes['service.name'] = named;
  return attributes;
}

export interface OtlpLogLinesOptions {
  streams: LogStreams;
  metrics: LogReceiverMetrics;
}

/**
 * Parses the unparsed lines of a decoded OTLP logs request in place: each such record
 * is replaced by the record(s) its stream's parser gives (joined stack traces become
 * one record), grouped under a resource per stream. Other records stay where they
 * were. Returns the number of records the request now holds, or undefined when it
 * holds no unparsed line (nothing was changed). A request is a whole unit, as on
 * /v1/logs/raw: an entry still open at its end is flushed with it.
 */
export function parseOtlpLogLines(data: LogsData, receiver: string, tenant: string, nowMs: number, options: OtlpLogLinesOptions): number | undefined {
  let any = false;
  for (const resourceLogs of data.resourceLogs) {
    for (const scopeLogs of resourceLogs.scopeLogs) {
      if (scopeLogs.logRecords.some(isUnparsedLine)) any = true;
    }
  }
  if (!any) return undefined;

  const builder = new LogsBatchBuilder(`lookout.receiver.${receiver}.lines`);
  const open = new Map<string, StreamGroup>();
  const kept: ResourceLogs[] = [];
  // A sender puts the lines of one file together: a record whose stream labels are those
  // of the record before it joins that record's stream without building its labels. A
  // record's attribute names are listed once (for this and for copying them later).
  let previous: { attributes: Attributes; labelCount: number; resource: Attributes; group: StreamGroup } | undefined;
  for (const resourceLogs of data.resourceLogs) {
    const resource = resourceLogs.resource.attributes;
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const others: LogRecord[] = [];
      for (const record of scopeLogs.logRecords) {
        if (!isUnparsedLine(record)) {
          others.push(record);
          continue;
        }
        const attributes = record.attributes;
        const names = Object.keys(attributes);
        if (previous !== undefined && previous.resource === resource) {
          let same = 0;
          for (let k = 0; k < names.length; k++) {
            const name = names[k]!;
            const value = attributes[name];
            if (typeof value !== 'string' || PER_LINE_ATTRIBUTES.has(name)) continue;
            if (previous.attributes[name] !== value) {
              same = -1;
              break;
            }
            same++;
          }
          if (same === previous.labelCount) {
            previous.group.records.push(record);
            previous.group.names.push(names);
            previous.attributes = attributes;
            continue;
          }
        }
        const labels = lineStreamLabels(record, resource);
        const key = streamKey(tenant, labels);
        let group = open.get(key);
        if (!group) {
          const format = labels[FORMAT_LABEL] !== undefined ? resolveLogFormat(labels[FORMAT_LABEL]) : undefined;
          group = { key, labels, format, resource, records: [], names: [] };
          open.set(key, group);
        }
        group.records.push(record);
        group.names.push(names);
        let labelCount = 0;
        for (const name of names) if (typeof attributes[name] === 'string' && !PER_LINE_ATTRIBUTES.has(name)) labelCount++;
        previous = { attributes, labelCount, resource, group };
      }
      scopeLogs.logRecords = others;
    }
    resourceLogs.scopeLogs = resourceLogs.scopeLogs.filter((s) => s.logRecords.length > 0);
    if (resourceLogs.scopeLogs.length > 0) kept.push(resourceLogs);
  }

  const unparsedByFormat = new Map<string, number>();
  for (const [key, group] of open) {
    const stream = options.streams.stream(tenant, group.labels, group.format, false);
    const resource = () => streamResource(group.resource, group.labels);
    // Lines pushed whose records have not come out yet (an open multiline entry).
    let pushed = 0;
    let head = 0;
    const take = (results: ReturnType<typeof stream.push>) => {
      for (const result of results) {
        if (!markFormat(result, stream)) {
          const format = streamFormat(stream);
          unparsedByFormat.set(format, (unparsedByFormat.get(format) ?? 0) + 1);
        }
        // The record keeps what the agent put on its (first) line — the file's labels,
        // log.file.path, log.record.uid — unless the parser set a value of its own.
        const first = head < pushed ? head : -1;
        head += result.lines ?? 1;
        const attributes = result.record.attributes;
        if (first >= 0) {
          const source = group.records[first]!.attributes;
          const names = group.names[first]!;
          for (let k = 0; k < names.length; k++) {
            const name = names[k]!;
            if (name !== UNPARSED_LINE_ATTRIBUTE && attributes[name] === undefined) attributes[name] = source[name]!;
          }
        }
        builder.add(key, resource, result.record);
      }
    };
    for (const record of group.records) {
      pushed++;
      // A line without its own time is stamped when the agent read it, not when it arrived here
      // (ms from a float division, no BigInt arithmetic per line: off by under a µs before flooring).
      const observedMs = record.observedTimeUnixNano > 0n ? Math.floor(Number(record.observedTimeUnixNano) / 1e6) : nowMs;
      take(stream.push(record.body as string, Number.isFinite(observedMs) && observedMs > 0 ? observedMs : nowMs));
    }
    take(stream.flush(nowMs));
  }
  for (const [format, n] of unparsedByFormat) options.metrics.unparsedLines.inc({ receiver, format }, n);
  data.resourceLogs = [...kept, ...builder.take().resourceLogs];
  return countRecords(data);
}

/** Receivers whose records may be unparsed lines; the log receivers parse their own. */
const OTLP_RECEIVERS = new Set(['otlp-http', 'otlp-grpc']);

/** The IngestContext.parseLogLines hook: OTLP receivers only. */
export function otlpLogLinesHook(options: OtlpLogLinesOptions & { now: () => number }) {
  return (data: LogsData, receiver: string, tenant: string): number | undefined =>
    OTLP_RECEIVERS.has(receiver) ? parseOtlpLogLines(data, receiver, tenant, options.now(), options) : undefined;
}

function countRecords(data: LogsData): number {
  let n = 0;
  for (const resourceLogs of data.resourceLogs) for (const scopeLogs of resourceLogs.scopeLogs) n += scopeLogs.logRecords.length;
  return n;
}
