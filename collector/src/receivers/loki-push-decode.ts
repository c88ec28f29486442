/**
 * Loki push API request bodies → streams of entries, pure. Two encodings
 * (https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs):
 *
 * JSON  `{"streams":[{"stream":{"job":"x"},"values":[["<ns>","line",{"k":"v"}?]]}]}`
 * protobuf `logproto.PushRequest` (after snappy block decompression), field numbers:
 *   PushRequest   1 streams (StreamAdapter, repeated)
 *   StreamAdapter 1 labels (string, `{job="x"}`), 2 entries (EntryAdapter, repeated), 3 hash (uint64, ignored)
 *   EntryAdapter  1 timestamp (google.protobuf.Timestamp: 1 seconds int64, 2 nanos int32),
 *                 2 line (string), 3 structuredMetadata (LabelPairAdapter: 1 name, 2 value; repeated)
 * Unknown fields are skipped, as protobuf requires.
 */
import { DecodeFault, enterMessage, leaveMessage, newReader, readInt64, readTag, within, type Reader } from '@lookout/otlp';
import { labelProblem, parseLokiLabels } from './log-batch.ts';

export interface LokiEntry {
  /** ns since the epoch */
  timeUnixNano: bigint;
  line: string;
  /** structured metadata, when the entry has any */
  metadata?: Record<string, string>;
}

export interface LokiStream {
  labels: Record<string, string>;
  entries: LokiEntry[];
}

export interface LokiPushRequest {
  streams: LokiStream[];
  entries: number;
}

/** A body that is not a valid push request: the message names the place and how to fix it. */
export class LokiDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LokiDecodeError';
  }
}

const JSON_HINT = 'send {"streams":[{"stream":{"label":"value"},"values":[["<unix ns>","<line>"]]}]}';

function jsonError(path: string, what: string): LokiDecodeError {
  return new LokiDecodeError(`invalid Loki push JSON at ${path}: ${what}; ${JSON_HINT}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

const NANOS = /^\d{1,20}$/;

export function decodeLokiJson(text: string): LokiPushRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LokiDecodeError(`body is not valid JSON (${(error as Error).message}); ${JSON_HINT}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw jsonError('(top level)', `expected an object, got ${describe(parsed)}`);
  const streamsValue = (parsed as { streams?: unknown }).streams;
  if (!Array.isArray(streamsValue)) throw jsonError('streams', `expected an array, got ${describe(streamsValue)}`);
  const streams: LokiStream[] = [];
  let count = 0;
  streamsValue.forEach((streamValue: unknown, s) => {
    const where = `streams[${s}]`;
    if (streamValue === null || typeof streamValue !== 'object' || Array.isArray(streamValue)) {
      throw jsonError(where, `expected an object, got ${describe(streamValue)}`);
    }
    const { stream: labelsValue, values } = streamValue as { stream?: unknown; values?: unknown };
    const labels: Record<string, string> = Object.create(null) as Record<string, string>;
    if (labelsValue !== undefined) {
      if (labelsValue === null || typeof labelsValue !== 'object' || Array.isArray(labelsValue)) {
        throw jsonError(`${where}.stream`, `expected an object of label names to string values, got ${describe(labelsValue)}`);
      }
      for (const [name, value] of Object.entries(labelsValue)) {
        if (typeof value !== 'string') throw jsonError(`${where}.stream.${name}`, `a label value must be a string, got ${describe(value)}`);
        labels[name] = value;
      }
    }
    const problem = labelProblem(labels, `${where}.stream`);
    if (problem) throw new LokiDecodeError(`invalid Loki push JSON at ${problem}`);
    if (!Array.isArray(values)) throw jsonError(`${where}.values`, `expected an array of [timestamp, line] pairs, got ${describe(values)}`);
    const entries: LokiEntry[] = new Array(values.length);
    values.forEach((value: unknown, e) => {
      const at = `${where}.values[${e}]`;
      if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
        throw jsonError(at, `expected ["<unix ns>", "<line>"] or ["<unix ns>", "<line>", {metadata}], got ${describe(value)}`);
      }
      const [ts, line, metadata] = value as [unknown, unknown, unknown];
      if (typeof ts !== 'string' || !NANOS.test(ts)) {
        throw jsonError(`${at}[0]`, `the timestamp must be a string of nanoseconds since the Unix epoch, e.g. "1700000000000000000", got ${describe(ts)}`);
      }
      if (typeof line !== 'string') throw jsonError(`${at}[1]`, `the log line must be a string, got ${describe(line)}`);
      const entry: LokiEntry = { timeUnixNano: BigInt(ts), line };
      if (metadata !== undefined) {
        if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
          throw jsonError(`${at}[2]`, `structured metadata must be an object of string values, got ${describe(metadata)}`);
        }
        const meta: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const [name, v] of Object.entries(metadata)) {
          if (typeof v !== 'string') throw jsonError(`${at}[2].${name}`, `a structured metadata value must be a string, got ${describe(v)}`);
          meta[name] = v;
        }
        entry.metadata = meta;
      }
      entries[e] = entry;
    });
    count += entries.length;
    streams.push({ labels, entries });
  });
  return { streams, entries: count };
}

const PROTO_HINT =
  'the body is not a snappy-compressed logproto.PushRequest; send Content-Type application/x-protobuf with a snappy block-format body (as Promtail does), or application/json';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readText(r: Reader, what: string): string {
  const outer = enterMessage(r);
  const start = r.pos;
  const end = r.len;
  r.pos = end;
  leaveMessage(r, outer);
  try {
    return strictUtf8.decode(r.buf.subarray(start, end));
  } catch {
    throw new DecodeFault(`${what} is not valid UTF-8`, 'Loki lines and labels must be UTF-8', start);
  }
}

function skip(r: Reader, tag: number): void {
  const wire = tag & 7;
  if ((tag >>> 3) === 0 || wire > 5 || wire === 4) throw new DecodeFault(`invalid field tag ${tag}`, PROTO_HINT, r.pos);
  r.skipType(wire);
}

function expectWire(r: Reader, tag: number, wire: number, name: string): void {
  if ((tag & 7) !== wire) throw new DecodeFault(`wrong wire type ${tag & 7} for ${name}`, PROTO_HINT, r.pos);
}

function inSegment<T>(segment: string, r: Reader, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw within(error, r, segment);
  }
}

function readTimestamp(r: Reader): bigint {
  const outer = enterMessage(r);
  let seconds: number | bigint = 0;
  let nanos = 0;
  while (r.pos < r.len) {
    const tag = readTag(r);
    if (tag === 8) seconds = readInt64(r);
    else if (tag === 16) nanos = r.int32();
    else skip(r, tag);
  }
  leaveMessage(r, outer);
  if (nanos < 0 || nanos > 999_999_999) throw new DecodeFault(`timestamp nanos ${nanos} is outside 0..999999999`, PROTO_HINT, r.pos);
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function readLabelPair(r: Reader, into: Record<string, string>): void {
  const outer = enterMessage(r);
  let name = '';
  let value = '';
  while (r.pos < r.len) {
    const tag = readTag(r);
    if (tag === 10) name = readText(r, 'a structured metadata name');
    else if (tag === 18) value = readText(r, 'a structured metadata value');
    else skip(r, tag);
  }
  leaveMessage(r, outer);
  into[name] = value;
}

function readEntry(r: Reader): LokiEntry {
  const outer = enterMessage(r);
  const entry: LokiEntry = { timeUnixNano: 0n, line: '' };
  let index = 0;
  while (r.pos < r.len) {
    const tag = readTag(r);
    switch (tag >>> 3) {
      case 1:
        expectWire(r, tag, 2, 'timestamp');
        entry.timeUnixNano = inSegment('timestamp', r, () => readTimestamp(r));
        break;
      case 2:
        expectWire(r, tag, 2, 'line');
        entry.line = inSegment('line', r, () => readText(r, 'the line'));
        break;
      case 3:
        expectWire(r, tag, 2, 'structuredMetadata');
        entry.metadata ??= Object.create(null) as Record<string, string>;
        inSegment(`structuredMetadata[${index++}]`, r, () => readLabelPair(r, entry.metadata!));
        break;
      default:
        skip(r, tag);
    }
  }
  leaveMessage(r, outer);
  return entry;
}

function readStream(r: Reader): LokiStream {
  const outer = enterMessage(r);
  let labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: LokiEntry[] = [];
  while (r.pos < r.len) {
    const tag = readTag(r);
    switch (tag >>> 3) {
      case 1: {
        expectWire(r, tag, 2, 'labels');
        const at = r.pos;
        const parsed = parseLokiLabels(inSegment('labels', r, () => readText(r, 'the labels')));
        if (typeof parsed === 'string') throw within(new DecodeFault(parsed, 'labels are a stream selector such as {job="varlogs"}', at), r, 'labels');
        labels = parsed;
        break;
      }
      case 2:
        expectWire(r, tag, 2, 'entries');
        entries.push(inSegment(`entries[${entries.length}]`, r, () => readEntry(r)));
        break;
      default:
        skip(r, tag);
    }
  }
  leaveMessage(r, outer);
  return { labels, entries };
}

export function decodeLokiProtobuf(bytes: Uint8Array): LokiPushRequest {
  const r = newReader(bytes);
  const streams: LokiStream[] = [];
  let count = 0;
  try {
    while (r.pos < r.len) {
      const tag = readTag(r);
      if (tag >>> 3 === 1) {
        expectWire(r, tag, 2, 'streams');
        const stream = inSegment(`streams[${streams.length}]`, r, () => readStream(r));
        count += stream.entries.length;
        streams.push(stream);
      } else {
        skip(r, tag);
      }
    }
  } catch (error) {
    const f = within(error, r, undefined);
    const path = f.segments.reduce((p, s) => (s.startsWith('[') || p === '' ? p + s : p + '.' + s), '');
    throw new LokiDecodeError(`invalid Loki push protobuf at ${path || '(top level)'}, byte offset ${f.offset}: ${f.what}; ${f.hint}`);
  }
  streams.forEach((stream, s) => {
    const problem = labelProblem(stream.labels, `streams[${s}].labels`);
    if (problem) throw new LokiDecodeError(`invalid Loki push protobuf at ${problem}`);
  });
  return { streams, entries: count };
}
