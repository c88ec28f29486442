/**
 * ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1) protobuf → model:
 * the shared envelope decoder with the metric codec.
 */
import { METRICS_ENVELOPE } from './envelope.ts';
import { decodeMetricProto } from './metric-codecs.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';

export const decodeMetricsProtobuf = protoRequestDecoder(METRICS_ENVELOPE, decodeMetricProto);
