import { describe, expect, it } from 'vitest';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { AnyValue as OtelAnyValue } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { AnyValue, LogRecord } from './telemetry.ts';
import { decodeLogsJson, decodeLogsProtobuf } from './index.ts';

const ns = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/** The model value an OTel log body/attribute should decode to (kvlists have no prototype). */
function expected(v: OtelAnyValue): unknown {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(expected);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expected(x)]));
  return v;
}

/** Deep copy turning null-prototype kvlists into plain objects, for toEqual. */
function toPlain(v: AnyValue): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toPlain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
}

const BODIES: [string, OtelAnyValue][] = [
  ['string', 'GET /users/7 503 12ms — ünïcødé 😀'],
  ['int', 42],
  ['negative int', -7],
  ['double', 3.25],
  ['bool', true],
  ['bytes', new Uint8Array([0, 1, 2, 250, 255])],
  ['array', ['a', 1, 2.5, false, ['nested']]],
  ['kvlist', { msg: 'hi', n: 1, inner: { deep: [1, 2] }, raw: new Uint8Array([9]) }],
  ['empty', undefined],
];

function makeLogs(): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    logRecordLimits: { attributeCountLimit: 3 },
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('lookout-log-test', '0.9.0', { schemaUrl: 'https://example.com/l' });
  const spanCtx = trace.setSpanContext(context.active(), {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    traceFlags: TraceFlags.SAMPLED,
  });
  BODIES.forEach(([name, body], i) => {
    logger.emit({
      body,
      severityNumber: i === 0 ? SeverityNumber.ERROR : SeverityNumber.INFO2,
      severityText: i === 0 ? 'ERROR' : 'Information',
      timestamp: [1_700_000_000, 100_000_000 + i] as HrTime,
      observedTimestamp: [1_700_000_000, 900_000_000 + i] as HrTime,
      attributes: { 'body.kind': name, 'http.status': 503, ratio: 0.5, extra: 'over limit' },
      context: i % 2 === 0 ? spanCtx : context.active(),
      eventName: i === 1 ? 'app.started' : undefined,
    });
  });
  return exporter.getFinishedLogRecords();
}

function expectRecordMatches(got: LogRecord, want: ReadableLogRecord): void {
  expect(got.timeUnixNano).toBe(ns(want.hrTime));
  expect(got.observedTimeUnixNano).toBe(ns(want.hrTimeObserved));
  expect(got.severityNumber).toBe(want.severityNumber ?? 0);
  expect(got.severityText).toBe(want.severityText ?? '');
  expect(toPlain(got.body)).toEqual(expected(want.body));
  expect(toPlain(got.attributes)).toEqual(expected(want.attributes as OtelAnyValue));
  expect(got.droppedAttributesCount).toBe(want.droppedAttributesCount);
  expect(got.traceId).toBe(want.spanContext?.traceId ?? '');
  expect(got.spanId).toBe(want.spanContext?.spanId ?? '');
  expect(got.flags).toBe(want.spanContext?.traceFlags ?? 0);
  expect(got.eventName).toBe(want.eventName ?? '');
}

describe('logs against the OpenTelemetry JS serializers', () => {
  const records = makeLogs();

  it('protobuf: decodes bodies of every type and every record field', () => {
    const result = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(records)!);
    expect(result.items).toBe(BODIES.length);
    expect(result.rejected).toBe(0);
    const rl = result.data.resourceLogs[0];
    expect({ ...rl.resource.attributes }).toEqual({ 'service.name': 'checkout' });
    const sl = rl.scopeLogs[0];
    expect(sl.scope).toMatchObject({ name: 'lookout-log-test', version: '0.9.0' });
    expect(sl.schemaUrl).toBe('https://example.com/l');
    expect(sl.logRecords).toHaveLength(records.length);
    records.forEach((want, i) => expectRecordMatches(sl.logRecords[i], want));
    // spot checks that do not go through the helpers above
    expect(sl.logRecords[5].body).toEqual(new Uint8Array([0, 1, 2, 250, 255]));
    expect(sl.logRecords[8].body).toBeNull();
    expect(sl.logRecords[1].eventName).toBe('app.started');
    expect(sl.logRecords[0].droppedAttributesCount).toBe(1);
    expect(sl.logRecords[0].traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(sl.logRecords[1].traceId).toBe('');
  });

  it('JSON: decodes to the same model as protobuf', () => {
    const fromProto = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(records)!);
    const fromJson = decodeLogsJson(JsonLogsSerializer.serializeRequest(records)!);
    expect(fromJson.items).toBe(BODIES.length);
    expect(fromJson.data).toEqual(fromProto.data);
    records.forEach((want, i) => expectRecordMatches(fromJson.data.resourceLogs[0].scopeLogs[0].logRecords[i], want));
  });
});
