/**
 * ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1) protobuf → model.
 * Field numbers are from opentelemetry/proto/metrics/v1/metrics.proto.
 */
import { newAttributes } from './telemetry.ts';
import type {
  AggregationTemporality,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricData,
  MetricsData,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
  ValueAtQuantile,
} from './telemetry.ts';
import { Rejections } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import {
  exponentialHistogramProblem,
  histogramProblem,
  idProblem,
  quantileProblem,
} from './item-checks.ts';
import { decodeKeyValueInto, decodeResourceLevel, decodeScope, emptyScope } from './proto-common-decode.ts';
import {
  enterMessage,
  fault,
  idBytes,
  leaveMessage,
  newReader,
  otherField,
  readDouble,
  readFixed64,
  readFixed64Number,
  readId,
  readPackedDoubles,
  readPackedFixed64Numbers,
  readPackedUint64Numbers,
  readSfixed64,
  readString,
  readTag,
  readUint64Number,
  schema,
  segmentOf,
  toDecodeError,
  within,
} from './proto-read.ts';
import type { Reader } from './proto-read.ts';

const REQUEST = schema({ 1: ['resource_metrics', 2] });
const RESOURCE_METRICS = schema({ 1: ['resource', 2], 2: ['scope_metrics', 2], 3: ['schema_url', 2] });
const SCOPE_METRICS = schema({ 1: ['scope', 2], 2: ['metrics', 2], 3: ['schema_url', 2] });
const METRIC = schema({
  1: ['name', 2],
  2: ['description', 2],
  3: ['unit', 2],
  5: ['gauge', 2],
  7: ['sum', 2],
  9: ['histogram', 2],
  10: ['exponential_histogram', 2],
  11: ['summary', 2],
  12: ['metadata', 2],
});
/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share field numbers 1-3. */
const DATA = schema({ 1: ['data_points', 2], 2: ['aggregation_temporality', 0], 3: ['is_monotonic', 0] });
const NUMBER_POINT = schema({
  7: ['attributes', 2],
  2: ['start_time_unix_nano', 1],
  3: ['time_unix_nano', 1],
  4: ['as_double', 1],
  6: ['as_int', 1],
  5: ['exemplars', 2],
  8: ['flags', 0],
});
const HISTOGRAM_POINT = schema({
  9: ['attributes', 2],
  2: ['start_time_unix_nano', 1],
  3: ['time_unix_nano', 1],
  4: ['count', 1],
  5: ['sum', 1],
  6: ['bucket_counts', 2],
  7: ['explicit_bounds', 2],
  8: ['exemplars', 2],
  10: ['flags', 0],
  11: ['min', 1],
  12: ['max', 1],
});
const EXP_POINT = schema({
  1: ['attributes', 2],
  2: ['start_time_unix_nano', 1],
  3: ['time_unix_nano', 1],
  4: ['count', 1],
  5: ['sum', 1],
  6: ['scale', 0],
  7: ['zero_count', 1],
  8: ['positive', 2],
  9: ['negative', 2],
  10: ['flags', 0],
  11: ['exemplars', 2],
  12: ['min', 1],
  13: ['max', 1],
  14: ['zero_threshold', 1],
});
const BUCKETS = schema({ 1: ['offset', 0], 2: ['bucket_counts', 2] });
const SUMMARY_POINT = schema({
  7: ['attributes', 2],
  2: ['start_time_unix_nano', 1],
  3: ['time_unix_nano', 1],
  4: ['count', 1],
  5: ['sum', 1],
  6: ['quantile_values', 2],
  8: ['flags', 0],
});
const NO_FIELDS = schema({});
const QUANTILE = schema({ 1: ['quantile', 1], 2: ['value', 1] });
const EXEMPLAR = schema({
  7: ['filtered_attributes', 2],
  2: ['time_unix_nano', 1],
  3: ['as_double', 1],
  6: ['as_int', 1],
  4: ['span_id', 2],
  5: ['trace_id', 2],
});

type PointKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

interface MetricsCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  metricIndex: number;
  accepted: number;
  /** problem of the data point or exemplar just decoded, '' when valid */
  problem: string;
}

export function decodeMetricsProtobuf(buf: Uint8Array): DecodeResult<MetricsData> {
  const r = newReader(buf);
  const ctx: MetricsCtx = {
    rejections: new Rejections(),
    resourceIndex: 0,
    scopeIndex: 0,
    metricIndex: 0,
    accepted: 0,
    problem: '',
  };
  const resourceMetrics: ResourceMetrics[] = [];
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        ctx.resourceIndex = resourceMetrics.length;
        const outer = enterMessage(r);
        resourceMetrics.push(decodeResourceMetrics(r, ctx));
        leaveMessage(r, outer);
      } else otherField(r, tag, REQUEST);
    }
  } catch (e) {
    throw toDecodeError(
      within(e, r, segmentOf(REQUEST, field, resourceMetrics.length)),
      r,
      'ExportMetricsServiceRequest',
    );
  }
  return {
    data: { resourceMetrics },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceMetrics(r: Reader, ctx: MetricsCtx): ResourceMetrics {
  const { resource, scoped, schemaUrl } = decodeResourceLevel(r, RESOURCE_METRICS, ctx, (reader) => decodeScopeMetrics(reader, ctx));
  return { resource, scopeMetrics: scoped, schemaUrl };
}

function decodeScopeMetrics(r: Reader, ctx: MetricsCtx): ScopeMetrics {
  const sm: ScopeMetrics = { scope: emptyScope(), metrics: [], schemaUrl: '' };
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10: {
          const outer = enterMessage(r);
          sm.scope = decodeScope(r);
          leaveMessage(r, outer);
          break;
        }
        case 18: {
          ctx.metricIndex = sm.metrics.length;
          const outer = enterMessage(r);
          sm.metrics.push(decodeMetric(r, ctx));
          leaveMessage(r, outer);
          break;
        }
        case 26:
          sm.schemaUrl = readString(r);
          break;
        default:
          otherField(r, tag, SCOPE_METRICS);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(SCOPE_METRICS, field, field === 2 ? sm.metrics.length : -1));
  }
  return sm;
}

function decodeMetric(r: Reader, ctx: MetricsCtx): Metric {
  const metric: Metric = { name: '', description: '', unit: '', metadata: newAttributes(), data: { type: 'empty' } };
  let field = 0;
  let metadataIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10:
          metric.name = readString(r);
          break;
        case 18:
          metric.description = readString(r);
          break;
        case 26:
          metric.unit = readString(r);
          break;
        case 42:
          metric.data = decodeData(r, ctx, 'gauge');
          break;
        case 58:
          metric.data = decodeData(r, ctx, 'sum');
          break;
        case 74:
          metric.data = decodeData(r, ctx, 'histogram');
          break;
        case 82:
          metric.data = decodeData(r, ctx, 'exponential_histogram');
          break;
        case 90:
          metric.data = decodeData(r, ctx, 'summary');
          break;
        case 98: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, metric.metadata, 0);
          leaveMessage(r, outer);
          metadataIndex++;
          break;
        }
        default:
          otherField(r, tag, METRIC);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(METRIC, field, field === 12 ? metadataIndex : -1));
  }
  return metric;
}

/** Decodes a Gauge/Sum/Histogram/ExponentialHistogram/Summary message. */
function decodeData(r: Reader, ctx: MetricsCtx, kind: PointKind): MetricData {
  const outer = enterMessage(r);
  const points: unknown[] = [];
  let temporality = 0;
  let monotonic = false;
  let field = 0;
  let pointIndex = 0;
  const hasTemporality = kind !== 'gauge' && kind !== 'summary';
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 10) {
        const pointOuter = enterMessage(r);
        ctx.problem = '';
        const point = decodePoint(r, ctx, kind);
        leaveMessage(r, pointOuter);
        if (ctx.problem === '') {
          points.push(point);
          ctx.accepted++;
        } else {
          ctx.rejections.add(
            `resource_metrics[${ctx.resourceIndex}].scope_metrics[${ctx.scopeIndex}].metrics[${ctx.metricIndex}].${kind}.data_points[${pointIndex}].${ctx.problem} (data point dropped)`,
          );
        }
        pointIndex++;
      } else if (tag === 16 && hasTemporality) {
        temporality = r.int32();
      } else if (tag === 24 && kind === 'sum') {
        monotonic = r.bool();
      } else if (tag >>> 3 === 1 || (tag >>> 3 === 2 && hasTemporality) || (tag >>> 3 === 3 && kind === 'sum')) {
        otherField(r, tag, DATA);
      } else {
        otherField(r, tag, NO_FIELDS);
      }
    }
    if (temporality < 0 || temporality > 2) {
      field = 2;
      throw fault(
        `aggregation_temporality ${temporality} is not valid (0 unspecified, 1 delta, 2 cumulative)`,
        'set aggregation_temporality to 1 (delta) or 2 (cumulative)',
        r.pos,
      );
    }
  } catch (e) {
    throw within(e, r, segmentOf(DATA, field, field === 1 ? pointIndex : -1));
  }
  leaveMessage(r, outer);
  const at = temporality as AggregationTemporality;
  switch (kind) {
    case 'gauge':
      return { type: 'gauge', dataPoints: points as NumberDataPoint[] };
    case 'sum':
      return { type: 'sum', dataPoints: points as NumberDataPoint[], aggregationTemporality: at, isMonotonic: monotonic };
    case 'histogram':
      return { type: 'histogram', dataPoints: points as HistogramDataPoint[], aggregationTemporality: at };
    case 'exponential_histogram':
      return {
        type: 'exponentialHistogram',
        dataPoints: points as ExponentialHistogramDataPoint[],
        aggregationTemporality: at,
      };
    case 'summary':
      return { type: 'summary', dataPoints: points as SummaryDataPoint[] };
  }
}

function decodePoint(
  r: Reader,
  ctx: MetricsCtx,
  kind: PointKind,
): NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint {
  switch (kind) {
    case 'gauge':
    case 'sum':
      return decodeNumberPoint(r, ctx);
    case 'histogram':
      return decodeHistogramPoint(r, ctx);
    case 'exponential_histogram':
      return decodeExponentialPoint(r, ctx);
    case 'summary':
      return decodeSummaryPoint(r, ctx);
  }
}

function decodeNumberPoint(r: Reader, ctx: MetricsCtx): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    value: 0,
    valueType: 'double',
    exemplars: [],
    flags: 0,
  };
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 58: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, p.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 17:
          p.startTimeUnixNano = readFixed64(r);
          break;
        case 25:
          p.timeUnixNano = readFixed64(r);
          break;
        case 33:
          p.value = readDouble(r);
          p.valueType = 'double';
          break;
        case 49:
          p.value = readSfixed64(r);
          p.valueType = 'int';
          break;
        case 42:
          p.exemplars.push(decodeExemplar(r, ctx, p.exemplars.length));
          break;
        case 64:
          p.flags = r.uint32();
          break;
        default:
          otherField(r, tag, NUMBER_POINT);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(NUMBER_POINT, field, field === 7 ? attrIndex : field === 5 ? p.exemplars.length : -1));
  }
  return p;
}

function decodeHistogramPoint(r: Reader, ctx: MetricsCtx): HistogramDataPoint {
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
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 74: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, p.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 17:
          p.startTimeUnixNano = readFixed64(r);
          break;
        case 25:
          p.timeUnixNano = readFixed64(r);
          break;
        case 33:
          p.count = readFixed64Number(r);
          break;
        case 41:
          p.sum = readDouble(r);
          break;
        case 50:
          readPackedFixed64Numbers(r, p.bucketCounts);
          break;
        case 49:
          p.bucketCounts.push(readFixed64Number(r));
          break;
        case 58:
          readPackedDoubles(r, p.explicitBounds);
          break;
        case 57:
          p.explicitBounds.push(readDouble(r));
          break;
        case 66:
          p.exemplars.push(decodeExemplar(r, ctx, p.exemplars.length));
          break;
        case 80:
          p.flags = r.uint32();
          break;
        case 89:
          p.min = readDouble(r);
          break;
        case 97:
          p.max = readDouble(r);
          break;
        default:
          otherField(r, tag, HISTOGRAM_POINT);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(HISTOGRAM_POINT, field, field === 9 ? attrIndex : field === 8 ? p.exemplars.length : -1));
  }
  if (ctx.problem === '') {
    ctx.problem = histogramProblem(
      { bucketCounts: 'bucket_counts', explicitBounds: 'explicit_bounds', count: 'count' },
      p.count,
      p.bucketCounts,
      p.explicitBounds,
    );
  }
  return p;
}

function decodeExponentialPoint(r: Reader, ctx: MetricsCtx): ExponentialHistogramDataPoint {
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
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 10: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, p.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 17:
          p.startTimeUnixNano = readFixed64(r);
          break;
        case 25:
          p.timeUnixNano = readFixed64(r);
          break;
        case 33:
          p.count = readFixed64Number(r);
          break;
        case 41:
          p.sum = readDouble(r);
          break;
        case 48:
          p.scale = r.sint32();
          break;
        case 57:
          p.zeroCount = readFixed64Number(r);
          break;
        case 66:
          p.positive = decodeBuckets(r);
          break;
        case 74:
          p.negative = decodeBuckets(r);
          break;
        case 80:
          p.flags = r.uint32();
          break;
        case 90:
          p.exemplars.push(decodeExemplar(r, ctx, p.exemplars.length));
          break;
        case 97:
          p.min = readDouble(r);
          break;
        case 105:
          p.max = readDouble(r);
          break;
        case 113:
          p.zeroThreshold = readDouble(r);
          break;
        default:
          otherField(r, tag, EXP_POINT);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(EXP_POINT, field, field === 1 ? attrIndex : field === 11 ? p.exemplars.length : -1));
  }
  if (ctx.problem === '') {
    ctx.problem = exponentialHistogramProblem(
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
  const outer = enterMessage(r);
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 8) b.offset = r.sint32();
      else if (tag === 18) readPackedUint64Numbers(r, b.bucketCounts);
      else if (tag === 16) b.bucketCounts.push(readUint64Number(r));
      else otherField(r, tag, BUCKETS);
    }
  } catch (e) {
    throw within(e, r, segmentOf(BUCKETS, field, -1));
  }
  leaveMessage(r, outer);
  return b;
}

function decodeSummaryPoint(r: Reader, ctx: MetricsCtx): SummaryDataPoint {
  const p: SummaryDataPoint = {
    attributes: newAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 58: {
          const outer = enterMessage(r);
          decodeKeyValueInto(r, p.attributes, 0);
          leaveMessage(r, outer);
          attrIndex++;
          break;
        }
        case 17:
          p.startTimeUnixNano = readFixed64(r);
          break;
        case 25:
          p.timeUnixNano = readFixed64(r);
          break;
        case 33:
          p.count = readFixed64Number(r);
          break;
        case 41:
          p.sum = readDouble(r);
          break;
        case 50:
          p.quantileValues.push(decodeQuantile(r));
          break;
        case 64:
          p.flags = r.uint32();
          break;
        default:
          otherField(r, tag, SUMMARY_POINT);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(SUMMARY_POINT, field, field === 7 ? attrIndex : field === 6 ? p.quantileValues.length : -1));
  }
  if (ctx.problem === '') {
    for (let i = 0; i < p.quantileValues.length; i++) {
      const problem = quantileProblem(`quantile_values[${i}].quantile`, p.quantileValues[i].quantile);
      if (problem !== '') {
        ctx.problem = problem;
        break;
      }
    }
  }
  return p;
}

function decodeQuantile(r: Reader): ValueAtQuantile {
  const outer = enterMessage(r);
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  let field = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      if (tag === 9) q.quantile = readDouble(r);
      else if (tag === 17) q.value = readDouble(r);
      else otherField(r, tag, QUANTILE);
    }
  } catch (e) {
    throw within(e, r, segmentOf(QUANTILE, field, -1));
  }
  leaveMessage(r, outer);
  return q;
}

function decodeExemplar(r: Reader, ctx: MetricsCtx, index: number): Exemplar {
  const outer = enterMessage(r);
  const ex: Exemplar = { filteredAttributes: newAttributes(), timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  let traceIdBytes = 0;
  let spanIdBytes = 0;
  let field = 0;
  let attrIndex = 0;
  try {
    while (r.pos < r.len) {
      field = 0;
      const tag = readTag(r);
      field = tag >>> 3;
      switch (tag) {
        case 58: {
          const kvOuter = enterMessage(r);
          decodeKeyValueInto(r, ex.filteredAttributes, 0);
          leaveMessage(r, kvOuter);
          attrIndex++;
          break;
        }
        case 17:
          ex.timeUnixNano = readFixed64(r);
          break;
        case 25:
          ex.value = readDouble(r);
          break;
        case 49:
          ex.value = readSfixed64(r);
          break;
        case 34:
          ex.spanId = readId(r);
          spanIdBytes = idBytes;
          break;
        case 42:
          ex.traceId = readId(r);
          traceIdBytes = idBytes;
          break;
        default:
          otherField(r, tag, EXEMPLAR);
      }
    }
  } catch (e) {
    throw within(e, r, segmentOf(EXEMPLAR, field, field === 7 ? attrIndex : -1));
  }
  leaveMessage(r, outer);
  if (ctx.problem === '') {
    const problem =
      idProblem('trace_id', ex.traceId, traceIdBytes, 16, false) || idProblem('span_id', ex.spanId, spanIdBytes, 8, false);
    if (problem !== '') ctx.problem = `exemplars[${index}].${problem}`;
  }
  return ex;
}

