/** OTLP/JSON ExportMetricsServiceRequest → model. */
import { newAttributes } from './telemetry.ts';
import type { AggregationTemporality, Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, NumberDataPoint, SummaryDataPoint, ValueAtQuantile } from './telemetry.ts';
import { addSegment } from './decode-error.ts';
import { METRICS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { exponentialHistogramProblem, histogramProblem, idProblem, quantileProblem } from './item-checks.ts';
import { asArray, asBool, asCount, asDouble, asEnum, asFixed64, asHexId, asInt32, asInt64, asObject, asString, decodeKeyValuesJson, jsonFault, forEachElement } from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import { metricData } from './metric-data.ts';

const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

type PointKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
type Point = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** The first problem of the data point being decoded (its exemplars included); '' when valid. */
interface PointCheck {
  problem: string;
}

export const decodeMetricsJson = jsonRequestDecoder(METRICS_ENVELOPE, decodeMetric);

function decodeMetric(o: JsonObject, place: DecodePlace, index: number): Metric {
  const at = `metrics[${index}].`;
  const metric: Metric = { name: '', description: '', unit: '', metadata: newAttributes(), data: { type: 'empty' } };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'name':
          metric.name = asString(x);
          break;
        case 'description':
          metric.description = asString(x);
          break;
        case 'unit':
          metric.unit = asString(x);
          break;
        case 'gauge':
          metric.data = decodeData(x, place, at, 'gauge');
          break;
        case 'sum':
          metric.data = decodeData(x, place, at, 'sum');
          break;
        case 'histogram':
          metric.data = decodeData(x, place, at, 'histogram');
          break;
        case 'exponentialHistogram':
        case 'exponential_histogram':
          metric.data = decodeData(x, place, at, 'exponentialHistogram');
          break;
        case 'summary':
          metric.data = decodeData(x, place, at, 'summary');
          break;
        case 'metadata':
          decodeKeyValuesJson(x, metric.metadata, 0);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return metric;
}

function decodeData(v: unknown, place: DecodePlace, at: string, kind: PointKind): MetricData {
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
            const point = decodePoint(element, check, kind);
            if (check.problem === '') {
              points.push(point);
              place.accepted++;
            } else place.reject(`${at}${kind}.dataPoints[${i}].${check.problem} (data point dropped)`);
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
  return metricData(kind === 'exponentialHistogram' ? 'exponential_histogram' : kind, points, temporality as AggregationTemporality, monotonic);
}

function decodePoint(o: JsonObject, check: PointCheck, kind: PointKind): Point {
  if (kind === 'histogram') return decodeHistogramPoint(o, check);
  if (kind === 'exponentialHistogram') return decodeExponentialPoint(o, check);
  if (kind === 'summary') return decodeSummaryPoint(o, check);
  return decodeNumberPoint(o, check);
}

function decodeExemplars(v: unknown, check: PointCheck, out: Exemplar[]): void {
  forEachElement(v, (element, i) => out.push(decodeExemplar(element, check, i)));
}

function decodeNumberPoint(o: JsonObject, check: PointCheck): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    value: 0,
    valueType: 'double',
    exemplars: [],
    flags: 0,
  };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'attributes':
          decodeKeyValuesJson(x, p.attributes, 0);
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          p.startTimeUnixNano = asFixed64(x);
          break;
        case 'timeUnixNano':
        case 'time_unix_nano':
          p.timeUnixNano = asFixed64(x);
          break;
        case 'asDouble':
        case 'as_double':
          p.value = asDouble(x);
          p.valueType = 'double';
          break;
        case 'asInt':
        case 'as_int':
          p.value = asInt64(x);
          p.valueType = 'int';
          break;
        case 'exemplars':
          decodeExemplars(x, check, p.exemplars);
          break;
        case 'flags':
          p.flags = asInt32(x, true);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return p;
}

function numbers(v: unknown, each: (x: unknown) => number): number[] {
  const list = asArray(v);
  const out: number[] = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      out[i] = each(list[i]);
    } catch (e) {
      throw addSegment(e, `[${i}]`);
    }
  }
  return out;
}

function decodeHistogramPoint(o: JsonObject, check: PointCheck): HistogramDataPoint {
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
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'attributes':
          decodeKeyValuesJson(x, p.attributes, 0);
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          p.startTimeUnixNano = asFixed64(x);
          break;
        case 'timeUnixNano':
        case 'time_unix_nano':
          p.timeUnixNano = asFixed64(x);
          break;
        case 'count':
          p.count = asCount(x);
          break;
        case 'sum':
          if (x !== null) p.sum = asDouble(x);
          break;
        case 'bucketCounts':
        case 'bucket_counts':
          p.bucketCounts = numbers(x, asCount);
          break;
        case 'explicitBounds':
        case 'explicit_bounds':
          p.explicitBounds = numbers(x, asDouble);
          break;
        case 'exemplars':
          decodeExemplars(x, check, p.exemplars);
          break;
        case 'flags':
          p.flags = asInt32(x, true);
          break;
        case 'min':
          if (x !== null) p.min = asDouble(x);
          break;
        case 'max':
          if (x !== null) p.max = asDouble(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (check.problem === '') {
    check.problem = histogramProblem(
      { bucketCounts: 'bucketCounts', explicitBounds: 'explicitBounds', count: 'count' },
      p.count,
      p.bucketCounts,
      p.explicitBounds,
    );
  }
  return p;
}

function decodeBuckets(v: unknown): ExponentialHistogramBuckets {
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  const o = asObject(v);
  if (o === null) return b;
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      if (key === 'offset') b.offset = asInt32(x, false);
      else if (key === 'bucketCounts' || key === 'bucket_counts') b.bucketCounts = numbers(x, asCount);
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return b;
}

function decodeExponentialPoint(o: JsonObject, check: PointCheck): ExponentialHistogramDataPoint {
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
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'attributes':
          decodeKeyValuesJson(x, p.attributes, 0);
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          p.startTimeUnixNano = asFixed64(x);
          break;
        case 'timeUnixNano':
        case 'time_unix_nano':
          p.timeUnixNano = asFixed64(x);
          break;
        case 'count':
          p.count = asCount(x);
          break;
        case 'sum':
          if (x !== null) p.sum = asDouble(x);
          break;
        case 'scale':
          p.scale = asInt32(x, false);
          break;
        case 'zeroCount':
        case 'zero_count':
          p.zeroCount = asCount(x);
          break;
        case 'positive':
          p.positive = decodeBuckets(x);
          break;
        case 'negative':
          p.negative = decodeBuckets(x);
          break;
        case 'flags':
          p.flags = asInt32(x, true);
          break;
        case 'exemplars':
          decodeExemplars(x, check, p.exemplars);
          break;
        case 'min':
          if (x !== null) p.min = asDouble(x);
          break;
        case 'max':
          if (x !== null) p.max = asDouble(x);
          break;
        case 'zeroThreshold':
        case 'zero_threshold':
          p.zeroThreshold = asDouble(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
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

function decodeSummaryPoint(o: JsonObject, check: PointCheck): SummaryDataPoint {
  const p: SummaryDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'attributes':
          decodeKeyValuesJson(x, p.attributes, 0);
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          p.startTimeUnixNano = asFixed64(x);
          break;
        case 'timeUnixNano':
        case 'time_unix_nano':
          p.timeUnixNano = asFixed64(x);
          break;
        case 'count':
          p.count = asCount(x);
          break;
        case 'sum':
          p.sum = asDouble(x);
          break;
        case 'quantileValues':
        case 'quantile_values':
          forEachElement(x, (element) => p.quantileValues.push(decodeQuantile(element)));
          break;
        case 'flags':
          p.flags = asInt32(x, true);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (check.problem === '') {
    for (let i = 0; i < p.quantileValues.length; i++) {
      const problem = quantileProblem(`quantileValues[${i}].quantile`, p.quantileValues[i].quantile);
      if (problem !== '') {
        check.problem = problem;
        break;
      }
    }
  }
  return p;
}

function decodeQuantile(o: JsonObject): ValueAtQuantile {
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  let key = '';
  try {
    for (key in o) {
      if (key === 'quantile') q.quantile = asDouble(o[key]);
      else if (key === 'value') q.value = asDouble(o[key]);
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return q;
}

function decodeExemplar(o: JsonObject, check: PointCheck, index: number): Exemplar {
  const ex: Exemplar = { filteredAttributes: newAttributes(), timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'filteredAttributes':
        case 'filtered_attributes':
          decodeKeyValuesJson(x, ex.filteredAttributes, 0);
          break;
        case 'timeUnixNano':
        case 'time_unix_nano':
          ex.timeUnixNano = asFixed64(x);
          break;
        case 'asDouble':
        case 'as_double':
          ex.value = asDouble(x);
          break;
        case 'asInt':
        case 'as_int':
          ex.value = asInt64(x);
          break;
        case 'spanId':
        case 'span_id':
          ex.spanId = asHexId(x);
          break;
        case 'traceId':
        case 'trace_id':
          ex.traceId = asHexId(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (check.problem === '') {
    const problem =
      idProblem('traceId', ex.traceId, ex.traceId.length >>> 1, 16, false) ||
      idProblem('spanId', ex.spanId, ex.spanId.length >>> 1, 8, false);
    if (problem !== '') check.problem = `exemplars[${index}].${problem}`;
  }
  return ex;
}
