/**
 * What a receiver answers: Export*ServiceResponse (with partial_success when items were
 * rejected) and google.rpc.Status for errors, in protobuf and OTLP/JSON.
 */
import type { Signal } from './telemetry.ts';
import { writeStringField } from './proto-common-encode.ts';
import { EXPORT_RESPONSE, PARTIAL_SUCCESS, RPC_STATUS } from './proto-schema.ts';
import { ProtoWriter } from './proto-writer.ts';

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** The OTLP/JSON name of the rejected-count field of Export<Signal>PartialSuccess. */
const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

/**
 * Export{Trace,Metrics,Logs}ServiceResponse { partial_success { rejected_* (int64),
 * error_message } }. Without `partial` (full success) the message is empty.
 */
export function encodeExportResponseProtobuf(_signal: Signal, partial?: PartialSuccess): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const w = new ProtoWriter(64 + partial.message.length * 3);
  const start = w.begin(EXPORT_RESPONSE.field.partial_success);
  if (partial.rejected !== 0) {
    w.varint(PARTIAL_SUCCESS.tag.rejected);
    w.int64(partial.rejected);
  }
  writeStringField(w, PARTIAL_SUCCESS.field.error_message, partial.message);
  w.end(start);
  return w.finish();
}

/** The same in OTLP/JSON (int64 as a decimal string, as the proto3 JSON mapping says). */
export function encodeExportResponseJson(signal: Signal, partial?: PartialSuccess): string {
  if (partial === undefined) return '{}';
  const body: Record<string, string> = {};
  if (partial.rejected !== 0) body[REJECTED_FIELD[signal]] = String(partial.rejected);
  if (partial.message !== '') body.errorMessage = partial.message;
  return JSON.stringify({ partialSuccess: body });
}

/** google.rpc.Status { code (int32), message, details (none) }. */
export function encodeStatusProtobuf(code: number, message: string): Uint8Array {
  const w = new ProtoWriter(32 + message.length * 3);
  if (code !== 0) {
    w.varint(RPC_STATUS.tag.code);
    w.int32(code);
  }
  writeStringField(w, RPC_STATUS.field.message, message);
  return w.finish();
}

export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
