/**
 * ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1) protobuf → model:
 * the metric decoder, under the shared envelope decoder. Field numbers are from
 * opentelemetry/proto/metrics/v1/metrics.proto.
 */
import { newAttributes } from './telemetry.ts';
import type { AggregationTemporality, Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, NumberDataPoint, SummaryDataPoint, ValueAtQuantile } from './telemetry.ts';
import { METRICS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { metricData, type MetricKind } from './metric-data.ts';
import { exponentialHistogramProblem, histogramProblem, idProblem, quantileProblem } from './item-checks.ts';
import { readKeyValue } from './proto-common-decode.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { enterMessage, fault, FIXED64, isField, leaveMessage, otherField, readDouble, readFixed64, readFixed64Number, readId, readLen, readPackedDoubles, readPackedFixed64Numbers, readPackedUint64Numbers, readSfixed64, readString, readTag, readUint64Number, schema, segmentOf, VARINT, within, withWireType } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { BUCKETS, DATA, EXEMPLAR, EXP_POINT, HISTOGRAM_POINT, METRIC, NO_FIELDS, NUMBER_POINT, QUANTILE, SUMMARY_POINT } from './proto-schema.ts';

// repeated scalars may also come one element per field (unpacked)
const UNPACKED_BUCKET_COUNTS = withWireType(HISTOGRAM_POINT.tag.bucket_counts, FIXED64);
const UNPACKED_EXPLICIT_BOUNDS = withWireType(HISTOGRAM_POINT.tag.explicit_bounds, FIXED64);
const UNPACKED_EXP_BUCKET_COUNTS = withWireType(BUCKETS.tag.bucket_counts, VARINT);

type PointKind = MetricKind;
type Point = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** The first problem of the data point being decoded (its exemplars included); '' when valid. */
interface PointCheck {
  problem: string;
}

export const decodeMetricsProtobuf = protoRequestDecoder(METRICS_ENVELOPE, decodeMetric);

function decodeMetric(r: Reader, place: DecodePlace, index: number): Metric {
  const { name, description, unit, gauge, sum, histogram, exponential_histogram, summary, metadata } = METRIC.tag;
  const metric: Metric = { name: '', description: '', unit: '', metadata: newAttributes(), data: { type: 'empty' } };
  const at = `metrics[${index}].`;
  let tag = 0;
  let metadataIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      switch (tag) {
        case name:
          metric.name = readString(r);
          break;
        case description:
          metric.description = readString(r);
          break;
        case unit:
          metric.unit = readString(r);
          break;
        case gauge:
          metric.data = decodeData(r, place, at, 'gauge');
          break;
        case sum:
          metric.data = decodeData(r, place, at, 'sum');
          break;
        case histogram:
          metric.data = decodeData(r, place, at, 'histogram');
          break;
        case exponential_histogram:
          metric.data = decodeData(r, place, at, 'exponential_histogram');
          break;
        case summary:
          metric.data = decodeData(r, place, at, 'summary');
          break;
        case metadata:
          readKeyValue(r, metric.metadata);
          metadataIndex++;
          break;
        default:
          otherField(r, tag, METRIC);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(METRIC, tag, isField(tag, metadata) ? metadataIndex : -1));
  }
  return metric;
}

/** Decodes a Gauge/Sum/Histogram/ExponentialHistogram/Summary message; `at` is the metric's path. */
function decodeData(r: Reader, place: DecodePlace, at: string, kind: PointKind): MetricData {
  const { data_points, aggregation_temporality, is_monotonic } = DATA.tag;
  const outer = enterMessage(r);
  const points: Point[] = [];
  const check: PointCheck = { problem: '' };
  let temporality = 0;
  let monotonic = false;
  let tag = 0;
  let pointIndex = 0;
  const hasTemporality = kind !== 'gauge' && kind !== 'summary';
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === data_points) {
        const pointOuter = enterMessage(r);
        check.problem = '';
        const point = decodePoint(r, check, kind);
        leaveMessage(r, pointOuter);
        if (check.problem === '') {
          points.push(point);
          place.accepted++;
        } else place.reject(`${at}${kind}.data_points[${pointIndex}].${check.problem} (data point dropped)`);
        pointIndex++;
      } else if (tag === aggregation_temporality && hasTemporality) {
        temporality = r.int32();
      } else if (tag === is_monotonic && kind === 'sum') {
        monotonic = r.bool();
      } else if (isField(tag, data_points) || (isField(tag, aggregation_temporality) && hasTemporality) || (isField(tag, is_monotonic) && kind === 'sum')) {
        otherField(r, tag, DATA);
      } else {
        otherField(r, tag, NO_FIELDS);
      }
    }
    if (temporality < 0 || temporality > 2) {
      tag = aggregation_temporality;
      throw fault(
        `aggregation_temporality ${temporality} is not valid (0 unspecified, 1 delta, 2 cumulative)`,
        'set aggregation_temporality to 1 (delta) or 2 (cumulative)',
        r.pos,
      );
    }
  } catch (e) {
    throw within(e, r, segmentOf(DATA, tag, isField(tag, data_points) ? pointIndex : -1));
  }
  leaveMessage(r, outer);
  return metricData(kind, points, temporality as AggregationTemporality, monotonic);
}

function decodePoint(r: Reader, check: PointCheck, kind: PointKind): Point {
  switch (kind) {
    case 'gauge':
    case 'sum':
      return decodeNumberPoint(r, check);
    case 'histogram':
      return decodeHistogramPoint(r, check);
    case 'exponential_histogram':
      return decodeExponentialPoint(r, check);
    case 'summary':
      return decodeSummaryPoint(r, check);
  }
}

function decodeNumberPoint(r: Reader, check: PointCheck): NumberDataPoint {
  const { attributes, start_time_unix_nano, time_unix_nano, as_double, as_int, exemplars, flags } = NUMBER_POINT.tag;
  const p: NumberDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    value: 0,
    valueType: 'double',
    exemplars: [],
    flags: 0,
  };
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === attributes) {
        readKeyValue(r, p.attributes);
        attrIndex++;
      } else if (tag === start_time_unix_nano) p.startTimeUnixNano = readFixed64(r);
      else if (tag === time_unix_nano) p.timeUnixNano = readFixed64(r);
      else if (tag === as_double) {
        p.value = readDouble(r);
        p.valueType = 'double';
      } else if (tag === as_int) {
        p.value = readSfixed64(r);
        p.valueType = 'int';
      } else if (tag === exemplars) p.exemplars.push(decodeExemplar(r, check, p.exemplars.length));
      else if (tag === flags) p.flags = r.uint32();
      else otherField(r, tag, NUMBER_POINT);
    }
  } catch (e) {
    const i = isField(tag, attributes) ? attrIndex : isField(tag, exemplars) ? p.exemplars.length : -1;
    throw within(e, r, segmentOf(NUMBER_POINT, tag, i));
  }
  return p;
}

function decodeHistogramPoint(r: Reader, check: PointCheck): HistogramDataPoint {
  const { attributes, start_time_unix_nano, time_unix_nano, count, sum, bucket_counts, explicit_bounds } = HISTOGRAM_POINT.tag;
  const { exemplars, flags, min, max } = HISTOGRAM_POINT.tag;
  const p: HistogramDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
  };
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === attributes) {
        readKeyValue(r, p.attributes);
        attrIndex++;
      } else if (tag === start_time_unix_nano) p.startTimeUnixNano = readFixed64(r);
      else if (tag === time_unix_nano) p.timeUnixNano = readFixed64(r);
      else if (tag === count) p.count = readFixed64Number(r);
      else if (tag === sum) p.sum = readDouble(r);
      else if (tag === bucket_counts) readPackedFixed64Numbers(r, p.bucketCounts);
      else if (tag === UNPACKED_BUCKET_COUNTS) p.bucketCounts.push(readFixed64Number(r));
      else if (tag === explicit_bounds) readPackedDoubles(r, p.explicitBounds);
      else if (tag === UNPACKED_EXPLICIT_BOUNDS) p.explicitBounds.push(readDouble(r));
      else if (tag === exemplars) p.exemplars.push(decodeExemplar(r, check, p.exemplars.length));
      else if (tag === flags) p.flags = r.uint32();
      else if (tag === min) p.min = readDouble(r);
      else if (tag === max) p.max = readDouble(r);
      else otherField(r, tag, HISTOGRAM_POINT);
    }
  } catch (e) {
    const i = isField(tag, attributes) ? attrIndex : isField(tag, exemplars) ? p.exemplars.length : -1;
    throw within(e, r, segmentOf(HISTOGRAM_POINT, tag, i));
  }
  if (check.problem === '') {
    check.problem = histogramProblem(
      { bucketCounts: 'bucket_counts', explicitBounds: 'explicit_bounds', count: 'count' },
      p.count,
      p.bucketCounts,
      p.explicitBounds,
    );
  }
  return p;
}

function decodeExponentialPoint(r: Reader, check: PointCheck): ExponentialHistogramDataPoint {
  const { attributes, start_time_unix_nano, time_unix_nano, count, sum, scale, zero_count } = EXP_POINT.tag;
  const { positive, negative, flags, exemplars, min, max, zero_threshold } = EXP_POINT.tag;
  const p: ExponentialHistogramDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === attributes) {
        readKeyValue(r, p.attributes);
        attrIndex++;
      } else if (tag === start_time_unix_nano) p.startTimeUnixNano = readFixed64(r);
      else if (tag === time_unix_nano) p.timeUnixNano = readFixed64(r);
      else if (tag === count) p.count = readFixed64Number(r);
      else if (tag === sum) p.sum = readDouble(r);
      else if (tag === scale) p.scale = r.sint32();
      else if (tag === zero_count) p.zeroCount = readFixed64Number(r);
      else if (tag === positive) p.positive = decodeBuckets(r);
      else if (tag === negative) p.negative = decodeBuckets(r);
      else if (tag === flags) p.flags = r.uint32();
      else if (tag === exemplars) p.exemplars.push(decodeExemplar(r, check, p.exemplars.length));
      else if (tag === min) p.min = readDouble(r);
      else if (tag === max) p.max = readDouble(r);
      else if (tag === zero_threshold) p.zeroThreshold = readDouble(r);
      else otherField(r, tag, EXP_POINT);
    }
  } catch (e) {
    const i = isField(tag, attributes) ? attrIndex : isField(tag, exemplars) ? p.exemplars.length : -1;
    throw within(e, r, segmentOf(EXP_POINT, tag, i));
  }
  if (check.problem === '') {
    check.problem = exponentialHistogramProblem(
      { scale: 'scale', count: 'count' },
      p.scale,
      p.count,
      p.zeroCount,
      p.positive.bucketCounts,
      p.negative.bucketCounts,
    );
  }
  return p;
}

function decodeBuckets(r: Reader): ExponentialHistogramBuckets {
  const { offset, bucket_counts } = BUCKETS.tag;
  const outer = enterMessage(r);
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === offset) b.offset = r.sint32();
      else if (tag === bucket_counts) readPackedUint64Numbers(r, b.bucketCounts);
      else if (tag === UNPACKED_EXP_BUCKET_COUNTS) b.bucketCounts.push(readUint64Number(r));
      else otherField(r, tag, BUCKETS);
    }
  } catch (e) {
    throw within(e, r, segmentOf(BUCKETS, tag, -1));
  }
  leaveMessage(r, outer);
  return b;
}

function decodeSummaryPoint(r: Reader, check: PointCheck): SummaryDataPoint {
  const { attributes, start_time_unix_nano, time_unix_nano, count, sum, quantile_values, flags } = SUMMARY_POINT.tag;
  const p: SummaryDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === attributes) {
        readKeyValue(r, p.attributes);
        attrIndex++;
      } else if (tag === start_time_unix_nano) p.startTimeUnixNano = readFixed64(r);
      else if (tag === time_unix_nano) p.timeUnixNano = readFixed64(r);
      else if (tag === count) p.count = readFixed64Number(r);
      else if (tag === sum) p.sum = readDouble(r);
      else if (tag === quantile_values) p.quantileValues.push(decodeQuantile(r));
      else if (tag === flags) p.flags = r.uint32();
      else otherField(r, tag, SUMMARY_POINT);
    }
  } catch (e) {
    const i = isField(tag, attributes) ? attrIndex : isField(tag, quantile_values) ? p.quantileValues.length : -1;
    throw within(e, r, segmentOf(SUMMARY_POINT, tag, i));
  }
  if (check.problem === '') {
    for (let i = 0; i < p.quantileValues.length; i++) {
      const problem = quantileProblem(`quantile_values[${i}].quantile`, p.quantileValues[i].quantile);
      if (problem !== '') {
        check.problem = problem;
        break;
      }
    }
  }
  return p;
}

function decodeQuantile(r: Reader): ValueAtQuantile {
  const { quantile, value } = QUANTILE.tag;
  const outer = enterMessage(r);
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  let tag = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === quantile) q.quantile = readDouble(r);
      else if (tag === value) q.value = readDouble(r);
      else otherField(r, tag, QUANTILE);
    }
  } catch (e) {
    throw within(e, r, segmentOf(QUANTILE, tag, -1));
  }
  leaveMessage(r, outer);
  return q;
}

function decodeExemplar(r: Reader, check: PointCheck, index: number): Exemplar {
  const { filtered_attributes, time_unix_nano, as_double, as_int, span_id, trace_id } = EXEMPLAR.tag;
  const outer = enterMessage(r);
  const ex: Exemplar = { filteredAttributes: newAttributes(), timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let tag = 0;
  let attrIndex = 0;
  try {
    for (; r.pos < r.len; tag = 0) {
      tag = readTag(r);
      if (tag === filtered_attributes) {
        readKeyValue(r, ex.filteredAttributes);
        attrIndex++;
      } else if (tag === time_unix_nano) ex.timeUnixNano = readFixed64(r);
      else if (tag === as_double) ex.value = readDouble(r);
      else if (tag === as_int) ex.value = readSfixed64(r);
      else if (tag === span_id) {
        spanIdBytes = readLen(r);
        ex.spanId = readId(r, spanIdBytes);
      } else if (tag === trace_id) {
        traceIdBytes = readLen(r);
        ex.traceId = readId(r, traceIdBytes);
      } else otherField(r, tag, EXEMPLAR);
    }
  } catch (e) {
    throw within(e, r, segmentOf(EXEMPLAR, tag, isField(tag, filtered_attributes) ? attrIndex : -1));
  }
  leaveMessage(r, outer);
  if (check.problem === '') {
    const problem =
      idProblem('trace_id', ex.traceId, traceIdBytes, 16, false) || idProblem('span_id', ex.spanId, spanIdBytes, 8, false);
    if (problem !== '') check.problem = `exemplars[${index}].${problem}`;
  }
  return ex;
}
