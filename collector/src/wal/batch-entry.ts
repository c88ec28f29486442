import { deserialize, serialize } from 'node:v8';
import {
  decodeLogsProtobuf,
  decodeMetricsProtobuf,
  decodeTracesProtobuf,
  encodeLogsProtobuf,
  encodeMetricsProtobuf,
  encodeTracesProtobuf,
  type Batch,
  type LogsData,
  type MetricsData,
  type AnyValue,
  type KeyValueList,
  type Signal,
  type SignalData,
  type TracesData,
} from '@lookout/otlp';
import { CompactLogsError, decodeCompactLogs, encodeCompactLogs } from './log-batch-codec.ts';

/**
 * One acknowledged batch as a write-ahead-log payload. A small header keeps what the
 * consumers need besides the data (tenant, receiver, arrival time, item and byte counts),
 * then the data: the OTLP protobuf request body itself when the receiver got protobuf
 * and changed nothing (no encode on the hot path, decoded again on replay); for log
 * records a receiver made or changed (parsed lines of /v1/logs/raw, Loki push, syslog and
 * the host agent's OTLP lines; deduplicated records) the decoded batch in the compact
 * form of log-batch-codec.ts (several times cheaper than V8's structured clone, which
 * entries written before it used and which are still read, and than encoding OTLP
 * protobuf again, whose per-attribute work was about 17 % of the collector's CPU on the
 * log path); a log batch nested too deep for it as a structured clone; anything else
 * (JSON requests) encoded again as OTLP protobuf.
 *
 * Header, little endian: u8 version · u8 signal · u8 body kind · u8 0 · u32 items ·
 * u32 bytes · f64 receivedAtMs · u16 tenant length · tenant · u16 receiver length ·
 * receiver · body.
 */

const VERSION = 1;
const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];
/**
 * body kinds: the OTLP protobuf request as received, the batch encoded as OTLP protobuf,
 * a log batch as a structured clone (written by earlier versions, and for values nested
 * past MAX_COMPACT_DEPTH), a log batch in the compact form. New kinds go at the end: the
 * number is on disk.
 */
const BODY_KINDS = ['request', 'encoded', 'clone', 'compact'] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

/** The header fields, readable without decoding the body (lag in items, arrival time). */
export interface EntryHeader {
  signal: Signal;
  items: number;
  bytes: number;
  receivedAtMs: number;
  tenant: string;
  receiver: string;
}

export class BatchEntryError extends Error {
  constructor(message: string) {
    super(`write-ahead log entry: ${message}`);
    this.name = 'BatchEntryError';
  }
}

function encodeData(signal: Signal, data: SignalData[Signal]): Uint8Array {
  if (signal === 'traces') return encodeTracesProtobuf(data as TracesData);
  if (signal === 'metrics') return encodeMetricsProtobuf(data as MetricsData);
  return encodeLogsProtobuf(data as LogsData);
}

function decodeData(signal: Signal, kind: BodyKind, body: Uint8Array): SignalData[Signal] {
  if (kind === 'clone' || kind === 'compact') {
    if (signal !== 'logs') throw new BatchEntryError(`a ${signal} entry holds a ${kind === 'clone' ? 'structured clone' : 'compact log batch'}, which only log entries are`);
    if (kind === 'clone') return cloneToLogs(body);
    try {
      return decodeCompactLogs(body);
    } catch (error) {
      if (error instanceof CompactLogsError) throw new BatchEntryError(error.message);
      throw error;
    }
  }
  if (signal === 'traces') return decodeTracesProtobuf(body).data;
  if (signal === 'metrics') return decodeMetricsProtobuf(body).data;
  return decodeLogsProtobuf(body).data;
}

/** A log batch's body: compact, or a structured clone when its values nest too deep for that. */
function encodeLogsBody(data: LogsData): { kind: BodyKind; body: Uint8Array } {
  try {
    return { kind: 'compact', body: encodeCompactLogs(data) };
  } catch (error) {
    if (!(error instanceof CompactLogsError)) throw error;
    return { kind: 'clone', body: serialize(data) };
  }
}

/**
 * Encodes a batch as the parts of one payload: the header, then the body — the OTLP
 * protobuf request it was decoded from (`requestBody`, when decoding it again gives the
 * same batch; not copied), else a log batch in the compact form, else the batch encoded
 * again as OTLP protobuf.
 */
export function encodeBatchEntryParts(batch: Batch, requestBody?: Uint8Array): [Buffer, Uint8Array] {
  const { kind, body } = requestBody
    ? { kind: 'request' as BodyKind, body: requestBody }
    : batch.signal === 'logs'
      ? encodeLogsBody(batch.data as LogsData)
      : { kind: 'encoded' as BodyKind, body: encodeData(batch.signal, batch.data) };
  const tenant = Buffer.from(batch.tenant, 'utf8');
  const receiver = Buffer.from(batch.receiver, 'utf8');
  const header = Buffer.allocUnsafe(20 + 2 + tenant.length + 2 + receiver.length);
  header.writeUInt8(VERSION, 0);
  header.writeUInt8(SIGNALS.indexOf(batch.signal), 1);
  header.writeUInt8(BODY_KINDS.indexOf(kind), 2);
  header.writeUInt8(0, 3);
  header.writeUInt32LE(batch.items >>> 0, 4);
  header.writeUInt32LE(Math.min(batch.bytes, 0xffffffff) >>> 0, 8);
  header.writeDoubleLE(batch.receivedAtMs, 12);
  let at = 20;
  header.writeUInt16LE(tenant.length, at);
  tenant.copy(header, at + 2);
  at += 2 + tenant.length;
  header.writeUInt16LE(receiver.length, at);
  receiver.copy(header, at + 2);
  return [header, body];
}

/** The payload in one buffer (tests, tools): the bytes the parts make together. */
export function encodeBatchEntry(batch: Batch, requestBody?: Uint8Array): Buffer {
  return Buffer.concat(encodeBatchEntryParts(batch, requestBody));
}

function readHeader(payload: Uint8Array): EntryHeader & { bodyStart: number; kind: BodyKind } {
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buffer.length < 24) throw new BatchEntryError(`${buffer.length} bytes is shorter than a header`);
  const version = buffer.readUInt8(0);
  if (version !== VERSION) throw new BatchEntryError(`version ${version} is not one this Lookout reads (${VERSION})`);
  const signal = SIGNALS[buffer.readUInt8(1)];
  if (!signal) throw new BatchEntryError(`unknown signal ${buffer.readUInt8(1)}`);
  const kind = BODY_KINDS[buffer.readUInt8(2)];
  if (!kind) throw new BatchEntryError(`unknown body kind ${buffer.readUInt8(2)} (a newer Lookout wrote it?)`);
  let at = 20;
  const tenantLength = buffer.readUInt16LE(at);
  if (at + 2 + tenantLength + 2 > buffer.length) throw new BatchEntryError('tenant runs past the entry');
  const tenant = buffer.toString('utf8', at + 2, at + 2 + tenantLength);
  at += 2 + tenantLength;
  const receiverLength = buffer.readUInt16LE(at);
  if (at + 2 + receiverLength > buffer.length) throw new BatchEntryError('receiver runs past the entry');
  const receiver = buffer.toString('utf8', at + 2, at + 2 + receiverLength);
  at += 2 + receiverLength;
  return {
    signal,
    items: buffer.readUInt32LE(4),
    bytes: buffer.readUInt32LE(8),
    receivedAtMs: buffer.readDoubleLE(12),
    tenant,
    receiver,
    bodyStart: at,
    kind,
  };
}

/** The header only: cheap, for lag accounting of entries on disk. */
export function readEntryHeader(payload: Uint8Array): EntryHeader {
  const { bodyStart: _bodyStart, kind: _kind, ...header } = readHeader(payload);
  return header;
}

/** The batch again, its body decoded. */
export function decodeBatchEntry(payload: Uint8Array): Batch {
  const header = readHeader(payload);
  const data = decodeData(header.signal, header.kind, payload.subarray(header.bodyStart));
  return {
    signal: header.signal,
    data,
    items: header.items,
    bytes: header.bytes,
    tenant: header.tenant,
    receiver: header.receiver,
    receivedAtMs: header.receivedAtMs,
  };
}

/** Which kind of body an entry holds (for tests and tools). */
export function entryBodyKind(payload: Uint8Array): BodyKind {
  return readHeader(payload).kind;
}

/**
 * A structured clone of LogsData back: attribute maps (and kvlist values) get their null
 * prototype again, as the decoders make them, so a key such as `__proto__` or
 * `constructor` stays plain data. Anything that is not a LogsData is a bad entry.
 */
function cloneToLogs(body: Uint8Array): LogsData {
  let data: LogsData;
  try {
    data = deserialize(body) as LogsData;
  } catch (error) {
    throw new BatchEntryError(`the structured clone of a log batch cannot be read: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray(data.resourceLogs)) throw new BatchEntryError('the structured clone is not a log batch');
  for (const resourceLogs of data.resourceLogs) {
    plainMap(resourceLogs.resource.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      plainMap(scopeLogs.scope.attributes);
      for (const record of scopeLogs.logRecords) {
        plainMap(record.attributes);
        plainValue(record.body);
      }
    }
  }
  return data;
}

function plainMap(map: KeyValueList): void {
  Object.setPrototypeOf(map, null);
  for (const key in map) plainValue(map[key]!);
}

function plainValue(value: AnyValue): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (Array.isArray(value)) for (const item of value) plainValue(item);
  else plainMap(value);
}
