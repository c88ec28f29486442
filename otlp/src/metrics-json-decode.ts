/** OTLP/JSON ExportMetricsServiceRequest → model: the shared envelope decoder with the metric codec. */
import { METRICS_ENVELOPE } from './envelope.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import { decodeMetricJson } from './metric-codecs.ts';

export const decodeMetricsJson = jsonRequestDecoder(METRICS_ENVELOPE, decodeMetricJson);
