/**
 * The data points of the five metric types, their exemplars, buckets and quantiles, from
 * both wire formats: the points are table-driven (message-codec.ts); exemplars, which
 * carry ids to check, have a decoder per format.
 */
import { newAttributes } from './telemetry.ts';
import type { AggregationTemporality, Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, NumberDataPoint, SummaryDataPoint, ValueAtQuantile } from './telemetry.ts';
import { addSegment } from './decode-error.ts';
import type { DecodePlace } from './envelope.ts';
import { exponentialHistogramProblem, histogramProblem, idProblem, quantileProblem } from './item-checks.ts';
import { asBool, asCount, asDouble, asEnum, asInt64, asObject, forEachElement, jsonFault, type JsonObject } from './json-common-decode.ts';
import { ATTRIBUTES, COUNT, DOUBLE, ID, message, messageCodec, writeDouble, writeNested, OPTIONAL_DOUBLE, packed, readNested, scalar, SINT32, STRING, TIME, UINT32, type FieldReader, type IdLengths, type MessageCodec } from './message-codec.ts';
import { metricData, type MetricKind } from './metric-data.ts';
import { enterMessage, fault, FIXED64, isField, leaveMessage, otherField, readDouble, readFixed64Number, readPackedDoubles, readPackedFixed64Numbers, readPackedUint64Numbers, readSfixed64, readTag, readUint64Number, segmentOf, VARINT, within, type Reader } from './proto-read.ts';
import type { ProtoWriter } from './proto-writer.ts';
import { BUCKETS, DATA, EXEMPLAR, EXP_POINT, HISTOGRAM_POINT, METRIC, NO_FIELDS, NUMBER_POINT, QUANTILE, SUMMARY_POINT } from './proto-schema.ts';

export type Point = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** The first problem of the data point being decoded (its exemplars included); '' when valid. */
export interface PointCheck {
  problem: string;
}

/** Field names in problems: as protobuf writes them, or as OTLP/JSON does. */
export type Spelling = 'proto' | 'json';

// ------------------------------------------------------------------ field readers

/** One arm of NumberDataPoint's value oneof: the value and which kind it was. */
function pointValue(valueType: 'double' | 'int'): FieldReader {
  const readProto = valueType === 'int' ? readSfixed64 : readDouble;
  const readJson = valueType === 'int' ? asInt64 : asDouble;
  return {
    tags: (tag) => [tag],
    // the value oneof is always written: a present zero differs from an absent value
    write: (w, field, from) => {
      if ((from.valueType === 'int') !== (valueType === 'int')) return;
      if (valueType === 'int') writeSfixed64(w, field, from.value as number | bigint);
      else writeDouble(w, field, Number(from.value));
    },
    proto: (r, into) => {
      into.value = readProto(r);
      into.valueType = valueType;
    },
    json: (x, into) => {
      into.value = readJson(x);
      into.valueType = valueType;
    },
  };
}

/** Exemplars: their id problems become the data point's problem (ctx, a PointCheck). */
const EXEMPLARS: FieldReader = {
  tags: (tag) => [tag],
  write: (w, field, from, prop) => {
    for (const ex of from[prop] as Exemplar[]) writeNested(w, field, EXEMPLAR_CODEC, ex);
  },
  proto: (r, into, prop, _tag, ctx) => {
    const list = into[prop] as Exemplar[];
    const ids: IdLengths = {};
    const ex = readNested(r, EXEMPLAR_CODEC, ids);
    checkExemplar(ex, ids, ctx as PointCheck, list.length, 'proto');
    list.push(ex);
  },
  json: (x, into, prop, ctx) => {
    const list = into[prop] as Exemplar[];
    forEachElement(x, (o, i) => {
      const ids: IdLengths = {};
      const ex = EXEMPLAR_CODEC.decodeJson(o, ids);
      checkExemplar(ex, ids, ctx as PointCheck, i, 'json');
      list.push(ex);
    });
  },
  index: (into, prop) => (into[prop] as Exemplar[]).length,
};

const BUCKET_COUNTS = packed(FIXED64, readFixed64Number, readPackedFixed64Numbers, asCount, (w, v) => w.fixed64(v));
const EXPLICIT_BOUNDS = packed(FIXED64, readDouble, readPackedDoubles, asDouble, (w, v) => w.double(v));

// ------------------------------------------------------------------ messages

const QUANTILE_CODEC = messageCodec(QUANTILE, (): ValueAtQuantile => ({ quantile: 0, value: 0 }), {
  quantile: DOUBLE, value: DOUBLE,
});

const BUCKETS_CODEC = messageCodec(BUCKETS, (): ExponentialHistogramBuckets => ({ offset: 0, bucketCounts: [] }), {
  offset: SINT32, bucket_counts: packed(VARINT, readUint64Number, readPackedUint64Numbers, asCount, (w, v) => w.varint(v)),
});

const POINT_TIMES = { start_time_unix_nano: TIME, time_unix_nano: TIME } as const;

const NUMBER_POINT_CODEC = messageCodec(
  NUMBER_POINT,
  (): NumberDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, value: 0, valueType: 'double', exemplars: [], flags: 0 }),
  {
    ...POINT_TIMES, attributes: ATTRIBUTES, as_double: ['value', pointValue('double')],
    as_int: ['value', pointValue('int')], exemplars: EXEMPLARS, flags: UINT32,
  },
);

const HISTOGRAM_POINT_CODEC = messageCodec(
  HISTOGRAM_POINT,
  (): HistogramDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, bucketCounts: [], explicitBounds: [], exemplars: [], flags: 0 }),
  {
    ...POINT_TIMES, attributes: ATTRIBUTES, count: COUNT, sum: OPTIONAL_DOUBLE, bucket_counts: BUCKET_COUNTS,
    explicit_bounds: EXPLICIT_BOUNDS, exemplars: EXEMPLARS, flags: UINT32, min: OPTIONAL_DOUBLE,
    max: OPTIONAL_DOUBLE,
  },
);

const EXP_POINT_CODEC = messageCodec(
  EXP_POINT,
  (): ExponentialHistogramDataPoint => ({
    attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, scale: 0, zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, flags: 0, exemplars: [], zeroThreshold: 0,
  }),
  {
    ...POINT_TIMES, attributes: ATTRIBUTES, count: COUNT, sum: OPTIONAL_DOUBLE, scale: SINT32,
    zero_count: COUNT, positive: message(BUCKETS_CODEC), negative: message(BUCKETS_CODEC), flags: UINT32,
    exemplars: EXEMPLARS, min: OPTIONAL_DOUBLE, max: OPTIONAL_DOUBLE, zero_threshold: DOUBLE,
  },
);

const SUMMARY_POINT_CODEC = messageCodec(
  SUMMARY_POINT,
  (): SummaryDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, sum: 0, quantileValues: [], flags: 0 }),
  {
    ...POINT_TIMES, attributes: ATTRIBUTES, count: COUNT, sum: DOUBLE,
    quantile_values: message(QUANTILE_CODEC, true), flags: UINT32,
  },
);

export const POINT_CODECS: Record<MetricKind, MessageCodec<Point>> = {
  gauge: NUMBER_POINT_CODEC, sum: NUMBER_POINT_CODEC, histogram: HISTOGRAM_POINT_CODEC,
  exponential_histogram: EXP_POINT_CODEC, summary: SUMMARY_POINT_CODEC,
};

// ------------------------------------------------------------------ rules

const CAMEL: Record<string, string> = { bucket_counts: 'bucketCounts', explicit_bounds: 'explicitBounds', quantile_values: 'quantileValues' };

/** Records the data point's own problem (after its exemplars' ones) in `check`. */
export function checkPoint(kind: MetricKind, p: Point, check: PointCheck, spelling: Spelling): void {
  if (check.problem !== '') return;
  const name = (n: string) => (spelling === 'json' ? (CAMEL[n] ?? n) : n);
  if (kind === 'histogram') {
    const h = p as HistogramDataPoint;
    const names = { bucketCounts: name('bucket_counts'), explicitBounds: name('explicit_bounds'), count: 'count' };
    check.problem = histogramProblem(names, h.count, h.bucketCounts, h.explicitBounds);
  } else if (kind === 'exponential_histogram') {
    const e = p as ExponentialHistogramDataPoint;
    check.problem = exponentialHistogramProblem({ scale: 'scale', count: 'count' }, e.scale, e.count, e.zeroCount, e.positive.bucketCounts, e.negative.bucketCounts);
  } else if (kind === 'summary') {
    const q = (p as SummaryDataPoint).quantileValues;
    for (let i = 0; i < q.length && check.problem === ''; i++) {
      check.problem = quantileProblem(`${name('quantile_values')}[${i}].quantile`, q[i].quantile);
    }
  }
}

// ------------------------------------------------------------------ metrics and their data

/** Where a metric is: the request's DecodePlace and the metric's path below its scope. */
interface MetricCtx {
  place: DecodePlace;
  at: string;
}

/** One arm of Metric's data oneof (Gauge, Sum…): its points are the items counted and rejected. */
function metricDataReader(kind: MetricKind): FieldReader {
  const type = kind === 'exponential_histogram' ? 'exponentialHistogram' : kind;
  return {
    tags: (tag) => [tag],
    write: (w, field, from, prop) => {
      const data = from[prop] as MetricData;
      if (data.type !== type) return;
      const start = w.begin(field);
      for (const p of data.dataPoints) writeNested(w, DATA.field.data_points, POINT_CODECS[kind], p as Point);
      const temporality = 'aggregationTemporality' in data ? data.aggregationTemporality : 0;
      if (temporality !== 0) {
        w.varint(DATA.tag.aggregation_temporality);
        w.int32(temporality);
      }
      if (data.type === 'sum' && data.isMonotonic) {
        w.varint(DATA.tag.is_monotonic);
        w.bool(true);
      }
      w.end(start);
    },
    proto: (r, into, prop, _tag, ctx) => {
      into[prop] = decodeDataProto(r, (ctx as MetricCtx).place, (ctx as MetricCtx).at, kind);
    },
    json: (x, into, prop, ctx) => {
      into[prop] = decodeDataJson(x, (ctx as MetricCtx).place, (ctx as MetricCtx).at, kind);
    },
  };
}

export const METRIC_CODEC = messageCodec(METRIC, (): Metric => ({ name: '', description: '', unit: '', metadata: newAttributes(), data: { type: 'empty' } }), {
  name: STRING, description: STRING, unit: STRING, gauge: ['data', metricDataReader('gauge')],
  sum: ['data', metricDataReader('sum')], histogram: ['data', metricDataReader('histogram')],
  exponential_histogram: ['data', metricDataReader('exponential_histogram')],
  summary: ['data', metricDataReader('summary')], metadata: ATTRIBUTES,
});

/** The item decoders of the metrics envelope (a metric is never dropped; its invalid points are). */
export function decodeMetricProto(r: Reader, place: DecodePlace, index: number): Metric {
  return METRIC_CODEC.decodeProto(r, { place, at: `metrics[${index}].` });
}

export function decodeMetricJson(o: JsonObject, place: DecodePlace, index: number): Metric {
  return METRIC_CODEC.decodeJson(o, { place, at: `metrics[${index}].` });
}

const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];


/** Decodes a Gauge/Sum/Histogram/ExponentialHistogram/Summary message; `at` is the metric's path. */
function decodeDataProto(r: Reader, place: DecodePlace, at: string, kind: MetricKind): MetricData {
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
        const point = POINT_CODECS[kind].decodeProto(r, check);
        checkPoint(kind, point, check, 'proto');
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

/** The same from OTLP/JSON (paths in its spelling: exponentialHistogram, dataPoints). */
function decodeDataJson(v: unknown, place: DecodePlace, at: string, kind: MetricKind): MetricData {
  const spelled = kind === 'exponential_histogram' ? 'exponentialHistogram' : kind;
  const o = asObject(v) ?? {};
  const points: Point[] = [];
  const check: PointCheck = { problem: '' };
  let temporality = 0;
  let monotonic = false;
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'dataPoints':
        case 'data_points':
          forEachElement(x, (element, i) => {
            check.problem = '';
            const point = POINT_CODECS[kind].decodeJson(element, check);
            checkPoint(kind, point, check, 'json');
            if (check.problem === '') {
              points.push(point);
              place.accepted++;
            } else place.reject(`${at}${spelled}.dataPoints[${i}].${check.problem} (data point dropped)`);
          });
          break;
        case 'aggregationTemporality':
        case 'aggregation_temporality':
          if (kind !== 'gauge' && kind !== 'summary') temporality = asEnum(x, TEMPORALITIES, 'AggregationTemporality');
          if (temporality < 0 || temporality > 2) {
            throw jsonFault(
              `aggregationTemporality ${temporality} is not valid (0 unspecified, 1 delta, 2 cumulative)`,
              'send 1 or AGGREGATION_TEMPORALITY_DELTA, 2 or AGGREGATION_TEMPORALITY_CUMULATIVE',
            );
          }
          break;
        case 'isMonotonic':
        case 'is_monotonic':
          if (kind === 'sum') monotonic = asBool(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return metricData(kind, points, temporality as AggregationTemporality, monotonic);
}

// ------------------------------------------------------------------ exemplars

/** Exemplar value: as_double → number, as_int → number or bigint. */
const EXEMPLAR_CODEC = messageCodec(
  EXEMPLAR,
  (): Exemplar => ({ filteredAttributes: newAttributes(), timeUnixNano: 0n, value: 0, spanId: '', traceId: '' }),
  {
    filtered_attributes: ATTRIBUTES, time_unix_nano: TIME, as_double: ['value', exemplarValue('double')],
    as_int: ['value', exemplarValue('int')], span_id: ID, trace_id: ID,
  },
);

/** Exemplar value: as_double → number, as_int → number or bigint; written back as_int only for a bigint. */
function exemplarValue(as: 'double' | 'int'): FieldReader {
  const read = as === 'int' ? scalar(readSfixed64, asInt64, () => {}) : scalar(readDouble, asDouble, () => {});
  return {
    ...read,
    write: (w, field, from) => {
      const isInt = typeof from.value === 'bigint';
      if (isInt && as === 'int') writeSfixed64(w, field, from.value as bigint);
      else if (!isInt && as === 'double') writeDouble(w, field, from.value as number);
    },
  };
}

function writeSfixed64(w: ProtoWriter, field: number, v: number | bigint): void {
  w.tag(field, FIXED64);
  w.sfixed64(v);
}

/** An exemplar's id problem becomes its data point's problem. */
function checkExemplar(ex: Exemplar, ids: IdLengths, check: PointCheck, index: number, spelling: Spelling): void {
  if (check.problem !== '') return;
  const problem =
    idProblem(spelling === 'json' ? 'traceId' : 'trace_id', ex.traceId, ids.traceId ?? 0, 16, false) ||
    idProblem(spelling === 'json' ? 'spanId' : 'span_id', ex.spanId, ids.spanId ?? 0, 8, false);
  if (problem !== '') check.problem = `exemplars[${index}].${problem}`;
}
