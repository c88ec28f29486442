/**
 * The data points of the five metric types, their exemplars, buckets and quantiles, from
 * both wire formats: the points are table-driven (message-codec.ts); exemplars, which
 * carry ids to check, have a decoder per format.
 */
import { newAttributes } from './telemetry.ts';
import type { Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, NumberDataPoint, SummaryDataPoint, ValueAtQuantile } from './telemetry.ts';
import { exponentialHistogramProblem, histogramProblem, idProblem, quantileProblem } from './item-checks.ts';
import { asCount, asDouble, asInt64, forEachElement } from './json-common-decode.ts';
import { ATTRIBUTES, COUNT, DOUBLE, ID, messageCodec, readNested, scalar, type IdLengths, OPTIONAL_DOUBLE, packed, SINT32, TIME, UINT32, message, type FieldReader, type MessageCodec } from './message-codec.ts';
import { FIXED64, readDouble, readFixed64Number, readPackedDoubles, readPackedFixed64Numbers, readPackedUint64Numbers, readSfixed64, readUint64Number, VARINT } from './proto-read.ts';
import { BUCKETS, EXEMPLAR, EXP_POINT, HISTOGRAM_POINT, NUMBER_POINT, QUANTILE, SUMMARY_POINT } from './proto-schema.ts';
import type { MetricKind } from './metric-data.ts';

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

const BUCKET_COUNTS = packed(FIXED64, readFixed64Number, readPackedFixed64Numbers, asCount);
const EXPLICIT_BOUNDS = packed(FIXED64, readDouble, readPackedDoubles, asDouble);

// ------------------------------------------------------------------ messages

const QUANTILE_CODEC = messageCodec(QUANTILE, (): ValueAtQuantile => ({ quantile: 0, value: 0 }), {
  quantile: ['quantile', DOUBLE],
  value: ['value', DOUBLE],
});

const BUCKETS_CODEC = messageCodec(BUCKETS, (): ExponentialHistogramBuckets => ({ offset: 0, bucketCounts: [] }), {
  offset: ['offset', SINT32],
  bucket_counts: ['bucketCounts', packed(VARINT, readUint64Number, readPackedUint64Numbers, asCount)],
});

const POINT_TIMES = { start_time_unix_nano: ['startTimeUnixNano', TIME], time_unix_nano: ['timeUnixNano', TIME] } as const;

const NUMBER_POINT_CODEC = messageCodec(
  NUMBER_POINT,
  (): NumberDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, value: 0, valueType: 'double', exemplars: [], flags: 0 }),
  {
    ...POINT_TIMES,
    attributes: ['attributes', ATTRIBUTES],
    as_double: ['value', pointValue('double')],
    as_int: ['value', pointValue('int')],
    exemplars: ['exemplars', EXEMPLARS],
    flags: ['flags', UINT32],
  },
);

const HISTOGRAM_POINT_CODEC = messageCodec(
  HISTOGRAM_POINT,
  (): HistogramDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, bucketCounts: [], explicitBounds: [], exemplars: [], flags: 0 }),
  {
    ...POINT_TIMES,
    attributes: ['attributes', ATTRIBUTES],
    count: ['count', COUNT],
    sum: ['sum', OPTIONAL_DOUBLE],
    bucket_counts: ['bucketCounts', BUCKET_COUNTS],
    explicit_bounds: ['explicitBounds', EXPLICIT_BOUNDS],
    exemplars: ['exemplars', EXEMPLARS],
    flags: ['flags', UINT32],
    min: ['min', OPTIONAL_DOUBLE],
    max: ['max', OPTIONAL_DOUBLE],
  },
);

const EXP_POINT_CODEC = messageCodec(
  EXP_POINT,
  (): ExponentialHistogramDataPoint => ({
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
  }),
  {
    ...POINT_TIMES,
    attributes: ['attributes', ATTRIBUTES],
    count: ['count', COUNT],
    sum: ['sum', OPTIONAL_DOUBLE],
    scale: ['scale', SINT32],
    zero_count: ['zeroCount', COUNT],
    positive: ['positive', message(BUCKETS_CODEC)],
    negative: ['negative', message(BUCKETS_CODEC)],
    flags: ['flags', UINT32],
    exemplars: ['exemplars', EXEMPLARS],
    min: ['min', OPTIONAL_DOUBLE],
    max: ['max', OPTIONAL_DOUBLE],
    zero_threshold: ['zeroThreshold', DOUBLE],
  },
);

const SUMMARY_POINT_CODEC = messageCodec(
  SUMMARY_POINT,
  (): SummaryDataPoint => ({ attributes: newAttributes(), startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, sum: 0, quantileValues: [], flags: 0 }),
  {
    ...POINT_TIMES,
    attributes: ['attributes', ATTRIBUTES],
    count: ['count', COUNT],
    sum: ['sum', DOUBLE],
    quantile_values: ['quantileValues', message(QUANTILE_CODEC, true)],
    flags: ['flags', UINT32],
  },
);

export const POINT_CODECS: Record<MetricKind, MessageCodec<Point>> = {
  gauge: NUMBER_POINT_CODEC,
  sum: NUMBER_POINT_CODEC,
  histogram: HISTOGRAM_POINT_CODEC,
  exponential_histogram: EXP_POINT_CODEC,
  summary: SUMMARY_POINT_CODEC,
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

// ------------------------------------------------------------------ exemplars

/** Exemplar value: as_double → number, as_int → number or bigint. */
const EXEMPLAR_CODEC = messageCodec(
  EXEMPLAR,
  (): Exemplar => ({ filteredAttributes: newAttributes(), timeUnixNano: 0n, value: 0, spanId: '', traceId: '' }),
  {
    filtered_attributes: ['filteredAttributes', ATTRIBUTES],
    time_unix_nano: ['timeUnixNano', TIME],
    as_double: ['value', DOUBLE],
    as_int: ['value', scalar(readSfixed64, asInt64)],
    span_id: ['spanId', ID],
    trace_id: ['traceId', ID],
  },
);

/** An exemplar's id problem becomes its data point's problem. */
function checkExemplar(ex: Exemplar, ids: IdLengths, check: PointCheck, index: number, spelling: Spelling): void {
  if (check.problem !== '') return;
  const problem =
    idProblem(spelling === 'json' ? 'traceId' : 'trace_id', ex.traceId, ids.traceId ?? 0, 16, false) ||
    idProblem(spelling === 'json' ? 'spanId' : 'span_id', ex.spanId, ids.spanId ?? 0, 8, false);
  if (problem !== '') check.problem = `exemplars[${index}].${problem}`;
}
