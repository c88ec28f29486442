import { severityBucket } from '../logs/index.ts';
import type { AnyValue, Batch, LogRecord } from '@lookout/otlp';
import { IGNORE_REJECTIONS, isolateRecord, type RejectRecord } from '../pipeline/record-rejections.ts';
import { logSourceOf } from '../processors/log-metrics.ts';
import { serviceNameOf } from '../processors/span-observation.ts';

/**
 * Log records → Loki push JSON, pure. Only three stream labels, so Loki's index stays
 * small whatever the records carry: service (resource service.name), severity (trace …
 * fatal, unspecified) and source (otlp, file, raw, loki, syslog). Everything else goes
 * into structured metadata (attributes, trace_id, span_id), names sanitised to
 * [A-Za-z0-9_] as Loki's own OTLP ingestion does.
 */

export interface LokiLabels {
  service: string;
  severity: string;
  source: string;
}

export interface LokiExportEntry {
  labels: LokiLabels;
  /** ns since the epoch, as Loki wants it: a decimal string */
  timeUnixNano: string;
  line: string;
  metadata: Record<string, string>;
}

/** Structured metadata per entry at most (Loki limits them too). */
export const MAX_METADATA_ENTRIES = 64;
const MAX_METADATA_VALUE = 2048;

function sanitiseName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(clean) ? '_' + clean : clean;
}

function toJsonValue(value: AnyValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toJsonValue(value[key]!);
    return out;
  }
  return value;
}

/** A body as a Loki line: strings as they are, anything else as JSON. */
export function lineOf(body: AnyValue): string {
  if (typeof body === 'string') return body;
  if (body === null) return '';
  return JSON.stringify(toJsonValue(body));
}

function metadataValue(value: AnyValue): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(toJsonValue(value));
  return text.length > MAX_METADATA_VALUE ? text.slice(0, MAX_METADATA_VALUE) : text;
}

export function entryOf(record: LogRecord, labels: LokiLabels, nowMs: number): LokiExportEntry {
  const metadata: Record<string, string> = {};
  let n = 0;
  for (const name of Object.keys(record.attributes)) {
    if (n >= MAX_METADATA_ENTRIES) break;
    const value = record.attributes[name]!;
    if (value === null) continue;
    metadata[sanitiseName(name)] = metadataValue(value);
    n++;
  }
  if (record.traceId) metadata.trace_id = record.traceId;
  if (record.spanId) metadata.span_id = record.spanId;
  const time = record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano !== 0n ? record.observedTimeUnixNano : BigInt(Math.floor(nowMs)) * 1_000_000n;
  return { labels, timeUnixNano: time.toString(), line: lineOf(record.body), metadata };
}

/** Every record of a batch as an entry; a record that cannot be converted is skipped and counted by `reject`. */
export function entriesOfBatch(batch: Batch<'logs'>, nowMs: number, reject: RejectRecord = IGNORE_REJECTIONS): LokiExportEntry[] {
  const out: LokiExportEntry[] = [];
  for (const resourceLogs of batch.data.resourceLogs) {
    const service = serviceNameOf(resourceLogs.resource.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      for (const record of scopeLogs.logRecords) {
        isolateRecord(() => {
          const labels: LokiLabels = {
            service,
            severity: severityBucket(record.severityNumber),
            source: logSourceOf(batch.receiver, record.attributes),
          };
          out.push(entryOf(record, labels, nowMs));
        }, reject);
      }
    }
  }
  return out;
}

/** Entries → the push request body: one stream per label set, entries in time order. */
export function lokiPushBody(entries: readonly LokiExportEntry[]): string {
  const streams = new Map<string, { stream: LokiLabels; values: Array<[string, string, Record<string, string>] | [string, string]> }>();
  for (const entry of entries) {
    const { service, severity, source } = entry.labels;
    const key = service + '\u0000' + severity + '\u0000' + source;
    let stream = streams.get(key);
    if (!stream) {
      stream = { stream: { service, severity, source }, values: [] };
      streams.set(key, stream);
    }
    const hasMetadata = Object.keys(entry.metadata).length > 0;
    stream.values.push(hasMetadata ? [entry.timeUnixNano, entry.line, entry.metadata] : [entry.timeUnixNano, entry.line]);
  }
  for (const stream of streams.values()) {
    stream.values.sort((a, b) => (a[0].length !== b[0].length ? a[0].length - b[0].length : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return JSON.stringify({ streams: [...streams.values()] });
}
