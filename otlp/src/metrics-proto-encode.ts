/** Model → ExportMetricsServiceRequest protobuf (for forwarding exporters and the host agent). */
import { METRICS_ENVELOPE } from './envelope.ts';
import { writeNested } from './message-codec.ts';
import { METRIC_CODEC } from './metric-codecs.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';

export const encodeMetricsProtobuf = protoRequestEncoder(METRICS_ENVELOPE, (w, field, metric) => writeNested(w, field, METRIC_CODEC, metric));
