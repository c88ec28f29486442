import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs/minimal.js';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './index.ts';

describe('export responses, read back by the OpenTelemetry JS exporters', () => {
  it('full success is an empty message', () => {
    expect(encodeExportResponseProtobuf('traces')).toEqual(new Uint8Array(0));
    expect(ProtobufTraceSerializer.deserializeResponse(encodeExportResponseProtobuf('traces'))).toEqual({});
    expect(encodeExportResponseJson('logs')).toBe('{}');
  });

  it('partial success carries the rejected count and message for each signal (protobuf)', () => {
    const partial = { rejected: 3, message: 'resource_spans[0].scope_spans[0].spans[1].trace_id must be 16 bytes, got 5 — ü' };
    expect(ProtobufTraceSerializer.deserializeResponse(encodeExportResponseProtobuf('traces', partial))).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: partial.message },
    });
    expect(ProtobufMetricsSerializer.deserializeResponse(encodeExportResponseProtobuf('metrics', partial))).toEqual({
      partialSuccess: { rejectedDataPoints: 3, errorMessage: partial.message },
    });
    expect(ProtobufLogsSerializer.deserializeResponse(encodeExportResponseProtobuf('logs', partial))).toEqual({
      partialSuccess: { rejectedLogRecords: 3, errorMessage: partial.message },
    });
  });

  it('a long message and a large count (multi-byte lengths and varints)', () => {
    const partial = { rejected: 5_000_000_000, message: 'x'.repeat(70_000) };
    const r = ProtobufLogsSerializer.deserializeResponse(encodeExportResponseProtobuf('logs', partial));
    expect(r.partialSuccess?.errorMessage).toBe(partial.message);
    expect(Number(r.partialSuccess?.rejectedLogRecords)).toBe(5_000_000_000);
  });

  it('partial success in OTLP/JSON (int64 as a decimal string)', () => {
    const partial = { rejected: 2, message: 'two bad' };
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(JSON.parse(encodeExportResponseJson('traces', partial))).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: 'two bad' },
    });
    expect(JsonTraceSerializer.deserializeResponse(enc(encodeExportResponseJson('traces', partial)))).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: 'two bad' },
    });
    expect(JsonMetricsSerializer.deserializeResponse(enc(encodeExportResponseJson('metrics', partial)))).toMatchObject({
      partialSuccess: { rejectedDataPoints: '2' },
    });
    expect(JsonLogsSerializer.deserializeResponse(enc(encodeExportResponseJson('logs', partial)))).toMatchObject({
      partialSuccess: { rejectedLogRecords: '2' },
    });
  });
});

describe('google.rpc.Status', () => {
  function readStatus(buf: Uint8Array): { code: number; message: string; other: number } {
    const r = new protobuf.Reader(buf);
    const out = { code: 0, message: '', other: 0 };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 8) out.code = r.int32();
      else if (tag === 18) out.message = r.string();
      else {
        out.other++;
        r.skipType(tag & 7);
      }
    }
    return out;
  }

  it('protobuf: code = 1, message = 2, no details', () => {
    expect(readStatus(encodeStatusProtobuf(3, 'invalid OTLP/protobuf ExportTraceServiceRequest at byte offset 3: truncated'))).toEqual({
      code: 3,
      message: 'invalid OTLP/protobuf ExportTraceServiceRequest at byte offset 3: truncated',
      other: 0,
    });
    expect(readStatus(encodeStatusProtobuf(14, ''))).toEqual({ code: 14, message: '', other: 0 });
  });

  it('JSON', () => {
    expect(JSON.parse(encodeStatusJson(8, 'queue full, retry later'))).toEqual({ code: 8, message: 'queue full, retry later' });
  });
});
