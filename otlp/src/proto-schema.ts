/**
 * The OTLP protobuf messages Lookout reads and writes, one table each: field name →
 * [field number, wire type], from opentelemetry-proto (common/v1, resource/v1,
 * trace/v1, metrics/v1, logs/v1). Decoders switch on `X.tag.<name>` and encoders write
 * `X.field.<name>`: a field number is written here and nowhere else.
 */
import { FIXED32, FIXED64, LEN, schema, VARINT } from './proto-read.ts';

// ------------------------------------------------------------------ the envelope (collector/*/v1, */v1)
/**
 * Export<Signal>ServiceRequest holds the resource-level list; Resource<Signal>s and
 * Scope<Signal>s share one layout: their resource or scope (head), the list below, the
 * schema_url. Neutral names here; the signal's envelope gives the real ones
 * (resource_spans, scope_spans, spans…) for error paths.
 */
export const EXPORT_REQUEST = schema({ resource_list: [1, LEN] });
export const LEVEL = schema({ head: [1, LEN], list: [2, LEN], schema_url: [3, LEN] });

// ------------------------------------------------------------------ common/v1, resource/v1
export const ANY_VALUE = schema({
  string_value: [1, LEN], bool_value: [2, VARINT], int_value: [3, VARINT], double_value: [4, FIXED64],
  array_value: [5, LEN], kvlist_value: [6, LEN], bytes_value: [7, LEN], string_value_strindex: [8, VARINT],
});
export const VALUES = schema({ values: [1, LEN] });
export const KEY_VALUE = schema({ key: [1, LEN], value: [2, LEN], key_strindex: [3, VARINT] });
export const SCOPE = schema({ name: [1, LEN], version: [2, LEN], attributes: [3, LEN], dropped_attributes_count: [4, VARINT] });
export const RESOURCE = schema({ attributes: [1, LEN], dropped_attributes_count: [2, VARINT], entity_refs: [3, LEN] });

// ------------------------------------------------------------------ trace/v1
export const SPAN = schema({
  trace_id: [1, LEN], span_id: [2, LEN], trace_state: [3, LEN], parent_span_id: [4, LEN],
  name: [5, LEN], kind: [6, VARINT], start_time_unix_nano: [7, FIXED64], end_time_unix_nano: [8, FIXED64],
  attributes: [9, LEN], dropped_attributes_count: [10, VARINT], events: [11, LEN], dropped_events_count: [12, VARINT],
  links: [13, LEN], dropped_links_count: [14, VARINT], status: [15, LEN], flags: [16, FIXED32],
});
export const EVENT = schema({ time_unix_nano: [1, FIXED64], name: [2, LEN], attributes: [3, LEN], dropped_attributes_count: [4, VARINT] });
export const LINK = schema({
  trace_id: [1, LEN], span_id: [2, LEN], trace_state: [3, LEN], attributes: [4, LEN], dropped_attributes_count: [5, VARINT],
  flags: [6, FIXED32],
});
export const STATUS = schema({ message: [2, LEN], code: [3, VARINT] });

// ------------------------------------------------------------------ logs/v1
export const LOG_RECORD = schema({
  time_unix_nano: [1, FIXED64], observed_time_unix_nano: [11, FIXED64], severity_number: [2, VARINT],
  severity_text: [3, LEN], body: [5, LEN], attributes: [6, LEN], dropped_attributes_count: [7, VARINT],
  flags: [8, FIXED32], trace_id: [9, LEN], span_id: [10, LEN], event_name: [12, LEN],
});

// ------------------------------------------------------------------ metrics/v1
export const METRIC = schema({
  name: [1, LEN], description: [2, LEN], unit: [3, LEN], gauge: [5, LEN], sum: [7, LEN],
  histogram: [9, LEN], exponential_histogram: [10, LEN], summary: [11, LEN], metadata: [12, LEN],
});
/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share field numbers 1-3. */
export const DATA = schema({ data_points: [1, LEN], aggregation_temporality: [2, VARINT], is_monotonic: [3, VARINT] });
export const NUMBER_POINT = schema({
  attributes: [7, LEN], start_time_unix_nano: [2, FIXED64], time_unix_nano: [3, FIXED64],
  as_double: [4, FIXED64], as_int: [6, FIXED64], exemplars: [5, LEN], flags: [8, VARINT],
});
export const HISTOGRAM_POINT = schema({
  attributes: [9, LEN], start_time_unix_nano: [2, FIXED64], time_unix_nano: [3, FIXED64],
  count: [4, FIXED64], sum: [5, FIXED64], bucket_counts: [6, LEN], explicit_bounds: [7, LEN],
  exemplars: [8, LEN], flags: [10, VARINT], min: [11, FIXED64], max: [12, FIXED64],
});
export const EXP_POINT = schema({
  attributes: [1, LEN], start_time_unix_nano: [2, FIXED64], time_unix_nano: [3, FIXED64],
  count: [4, FIXED64], sum: [5, FIXED64], scale: [6, VARINT], zero_count: [7, FIXED64], positive: [8, LEN],
  negative: [9, LEN], flags: [10, VARINT], exemplars: [11, LEN], min: [12, FIXED64], max: [13, FIXED64],
  zero_threshold: [14, FIXED64],
});
export const BUCKETS = schema({ offset: [1, VARINT], bucket_counts: [2, LEN] });
export const SUMMARY_POINT = schema({
  attributes: [7, LEN], start_time_unix_nano: [2, FIXED64], time_unix_nano: [3, FIXED64],
  count: [4, FIXED64], sum: [5, FIXED64], quantile_values: [6, LEN], flags: [8, VARINT],
});
export const NO_FIELDS = schema({});
export const QUANTILE = schema({ quantile: [1, FIXED64], value: [2, FIXED64] });
export const EXEMPLAR = schema({
  filtered_attributes: [7, LEN], time_unix_nano: [2, FIXED64], as_double: [3, FIXED64], as_int: [6, FIXED64],
  span_id: [4, LEN], trace_id: [5, LEN],
});

// ------------------------------------------------------------------ responses (collector/*/v1, google.rpc)
/** Export<Signal>ServiceResponse and its Export<Signal>PartialSuccess (rejected_spans, …). */
export const EXPORT_RESPONSE = schema({ partial_success: [1, LEN] });
export const PARTIAL_SUCCESS = schema({ rejected: [1, VARINT], error_message: [2, LEN] });
export const RPC_STATUS = schema({ code: [1, VARINT], message: [2, LEN], details: [3, LEN] });
