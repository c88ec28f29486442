/** Model → ExportMetricsServiceRequest protobuf (for forwarding exporters and the host agent). */
import type { Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint } from './telemetry.ts';
import { METRICS_ENVELOPE } from './envelope.ts';
import { writeIdField, writeKeyValues, writeStringField, writeTimeField, writeUint32Field } from './proto-common-encode.ts';
import { protoRequestEncoder } from './proto-envelope-encode.ts';
import { FIXED64, LEN } from './proto-read.ts';
import { BUCKETS, DATA, EXEMPLAR, EXP_POINT, HISTOGRAM_POINT, METRIC, NUMBER_POINT, QUANTILE, SUMMARY_POINT } from './proto-schema.ts';
import type { ProtoWriter } from './proto-writer.ts';

export const encodeMetricsProtobuf = protoRequestEncoder(METRICS_ENVELOPE, writeMetric);

function writeMetric(w: ProtoWriter, field: number, m: Metric): void {
  const F = METRIC.field;
  const start = w.begin(field);
  writeStringField(w, F.name, m.name);
  writeStringField(w, F.description, m.description);
  writeStringField(w, F.unit, m.unit);
  const data = m.data;
  switch (data.type) {
    case 'gauge':
      writeData(w, F.gauge, data.dataPoints, writeNumberPoint, 0);
      break;
    case 'sum':
      writeData(w, F.sum, data.dataPoints, writeNumberPoint, data.aggregationTemporality, data.isMonotonic);
      break;
    case 'histogram':
      writeData(w, F.histogram, data.dataPoints, writeHistogramPoint, data.aggregationTemporality);
      break;
    case 'exponentialHistogram':
      writeData(w, F.exponential_histogram, data.dataPoints, writeExponentialPoint, data.aggregationTemporality);
      break;
    case 'summary':
      writeData(w, F.summary, data.dataPoints, writeSummaryPoint, 0);
      break;
    case 'empty':
      break;
  }
  writeKeyValues(w, F.metadata, m.metadata);
  w.end(start);
}

/** A Gauge/Sum/Histogram/ExponentialHistogram/Summary message. */
function writeData<P>(w: ProtoWriter, field: number, points: P[], writePoint: (w: ProtoWriter, p: P) => void, temporality: number, monotonic = false): void {
  const s = w.begin(field);
  for (const p of points) {
    const ps = w.begin(DATA.field.data_points);
    writePoint(w, p);
    w.end(ps);
  }
  if (temporality !== 0) {
    w.varint(DATA.tag.aggregation_temporality);
    w.int32(temporality);
  }
  if (monotonic) {
    w.varint(DATA.tag.is_monotonic);
    w.bool(true);
  }
  w.end(s);
}

function writeDoubleField(w: ProtoWriter, field: number, v: number | undefined): void {
  if (v === undefined) return;
  w.tag(field, FIXED64);
  w.double(v);
}

function writeCountField(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, FIXED64);
  w.fixed64(v);
}

/** The value oneof of a number point or exemplar: bigint or `valueType` int → as_int, else as_double. */
function writeValue(w: ProtoWriter, asInt: number, asDouble: number, value: number | bigint, isInt: boolean): void {
  if (isInt) {
    w.varint(asInt);
    w.sfixed64(value);
  } else {
    w.varint(asDouble);
    w.double(Number(value));
  }
}

function writeNumberPoint(w: ProtoWriter, p: NumberDataPoint): void {
  const F = NUMBER_POINT.field;
  writeTimeField(w, F.start_time_unix_nano, p.startTimeUnixNano);
  writeTimeField(w, F.time_unix_nano, p.timeUnixNano);
  // the value oneof is always written: a present zero differs from an absent value
  writeValue(w, NUMBER_POINT.tag.as_int, NUMBER_POINT.tag.as_double, p.value, p.valueType === 'int');
  for (const ex of p.exemplars) writeExemplar(w, F.exemplars, ex);
  writeKeyValues(w, F.attributes, p.attributes);
  writeUint32Field(w, F.flags, p.flags);
}

function writeHistogramPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  const F = HISTOGRAM_POINT.field;
  writeTimeField(w, F.start_time_unix_nano, p.startTimeUnixNano);
  writeTimeField(w, F.time_unix_nano, p.timeUnixNano);
  writeCountField(w, F.count, p.count);
  writeDoubleField(w, F.sum, p.sum);
  if (p.bucketCounts.length > 0) {
    w.tag(F.bucket_counts, LEN);
    w.varint(p.bucketCounts.length * 8);
    for (const c of p.bucketCounts) w.fixed64(c);
  }
  if (p.explicitBounds.length > 0) {
    w.tag(F.explicit_bounds, LEN);
    w.varint(p.explicitBounds.length * 8);
    for (const b of p.explicitBounds) w.double(b);
  }
  for (const ex of p.exemplars) writeExemplar(w, F.exemplars, ex);
  writeKeyValues(w, F.attributes, p.attributes);
  writeUint32Field(w, F.flags, p.flags);
  writeDoubleField(w, F.min, p.min);
  writeDoubleField(w, F.max, p.max);
}

function writeBuckets(w: ProtoWriter, field: number, b: ExponentialHistogramBuckets): void {
  if (b.offset === 0 && b.bucketCounts.length === 0) return;
  const start = w.begin(field);
  if (b.offset !== 0) {
    w.varint(BUCKETS.tag.offset);
    w.sint32(b.offset);
  }
  if (b.bucketCounts.length > 0) {
    const s = w.begin(BUCKETS.field.bucket_counts);
    for (const c of b.bucketCounts) w.varint(c);
    w.end(s);
  }
  w.end(start);
}

function writeExponentialPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  const F = EXP_POINT.field;
  writeKeyValues(w, F.attributes, p.attributes);
  writeTimeField(w, F.start_time_unix_nano, p.startTimeUnixNano);
  writeTimeField(w, F.time_unix_nano, p.timeUnixNano);
  writeCountField(w, F.count, p.count);
  writeDoubleField(w, F.sum, p.sum);
  if (p.scale !== 0) {
    w.varint(EXP_POINT.tag.scale);
    w.sint32(p.scale);
  }
  writeCountField(w, F.zero_count, p.zeroCount);
  writeBuckets(w, F.positive, p.positive);
  writeBuckets(w, F.negative, p.negative);
  writeUint32Field(w, F.flags, p.flags);
  for (const ex of p.exemplars) writeExemplar(w, F.exemplars, ex);
  writeDoubleField(w, F.min, p.min);
  writeDoubleField(w, F.max, p.max);
  if (p.zeroThreshold !== 0) writeDoubleField(w, F.zero_threshold, p.zeroThreshold);
}

function writeSummaryPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  const F = SUMMARY_POINT.field;
  writeTimeField(w, F.start_time_unix_nano, p.startTimeUnixNano);
  writeTimeField(w, F.time_unix_nano, p.timeUnixNano);
  writeCountField(w, F.count, p.count);
  if (p.sum !== 0) writeDoubleField(w, F.sum, p.sum);
  for (const q of p.quantileValues) {
    const qs = w.begin(F.quantile_values);
    if (q.quantile !== 0) writeDoubleField(w, QUANTILE.field.quantile, q.quantile);
    if (q.value !== 0) writeDoubleField(w, QUANTILE.field.value, q.value);
    w.end(qs);
  }
  writeKeyValues(w, F.attributes, p.attributes);
  writeUint32Field(w, F.flags, p.flags);
}

/** Exemplar value: bigint → as_int, number → as_double (the model does not say which it was). */
function writeExemplar(w: ProtoWriter, field: number, ex: Exemplar): void {
  const F = EXEMPLAR.field;
  const start = w.begin(field);
  writeTimeField(w, F.time_unix_nano, ex.timeUnixNano);
  writeValue(w, EXEMPLAR.tag.as_int, EXEMPLAR.tag.as_double, ex.value, typeof ex.value === 'bigint');
  writeIdField(w, F.span_id, ex.spanId);
  writeIdField(w, F.trace_id, ex.traceId);
  writeKeyValues(w, F.filtered_attributes, ex.filteredAttributes);
  w.end(start);
}
