/**
 * OTLP codec: OTLP/protobuf and OTLP/JSON export requests → the internal model, export
 * responses and google.rpc.Status for the receivers, and model → OTLP/protobuf for
 * forwarding exporters and the host agent.
 */
export { OtlpDecodeError } from './decode-error.ts';
export type { DecodeResult } from './decode-error.ts';
export { decodeTracesProtobuf } from './traces-proto-decode.ts';
export { decodeMetricsProtobuf } from './metrics-proto-decode.ts';
export { decodeLogsProtobuf } from './logs-proto-decode.ts';
export { decodeTracesJson } from './traces-json-decode.ts';
export { decodeMetricsJson } from './metrics-json-decode.ts';
export { decodeLogsJson } from './logs-json-decode.ts';
export {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './export-response.ts';
export type { PartialSuccess } from './export-response.ts';
export { encodeTracesProtobuf } from './traces-proto-encode.ts';
export { encodeMetricsProtobuf } from './metrics-proto-encode.ts';
export { encodeLogsProtobuf } from './logs-proto-encode.ts';
