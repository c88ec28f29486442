/** OTLP/JSON ExportMetricsServiceRequest → model. */
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
import { Rejections, addSegment } from './decode-error.ts';
import type { DecodeResult } from './decode-error.ts';
import { exponentialHistogramProblem, histogramProblem, idProblem, quantileProblem } from './item-checks.ts';
import {
  asArray,
  asBool,
  asCount,
  asDouble,
  asElement,
  asEnum,
  asFixed64,
  asHexId,
  asInt32,
  asInt64,
  asObject,
  asString,
  decodeKeyValuesJson,
  decodeResourceJson,
  decodeScopeJson,
  jsonFault,
  parseJsonBody,
  toJsonDecodeError,
} from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { emptyResource, emptyScope } from './proto-common-decode.ts';

const MESSAGE = 'ExportMetricsServiceRequest';
const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

type PointKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

interface MetricsCtx {
  rejections: Rejections;
  resourceIndex: number;
  scopeIndex: number;
  metricIndex: number;
  accepted: number;
  /** problem of the data point just decoded, '' when valid */
  problem: string;
}

export function decodeMetricsJson(body: string | Uint8Array): DecodeResult<MetricsData> {
  const root = parseJsonBody(body, MESSAGE);
  const ctx: MetricsCtx = {
    rejections: new Rejections(),
    resourceIndex: 0,
    scopeIndex: 0,
    metricIndex: 0,
    accepted: 0,
    problem: '',
  };
  const resourceMetrics: ResourceMetrics[] = [];
  let key = '';
  try {
    for (key in root) {
      if (key !== 'resourceMetrics' && key !== 'resource_metrics') continue;
      const list = asArray(root[key]);
      for (let i = 0; i < list.length; i++) {
        ctx.resourceIndex = i;
        try {
          resourceMetrics.push(decodeResourceMetrics(asElement(list[i]), ctx));
        } catch (e) {
          throw addSegment(e, `[${i}]`);
        }
      }
    }
  } catch (e) {
    throw toJsonDecodeError(addSegment(e, key), MESSAGE);
  }
  return {
    data: { resourceMetrics },
    items: ctx.accepted,
    rejected: ctx.rejections.count,
    rejectedMessage: ctx.rejections.message(),
  };
}

function decodeResourceMetrics(o: JsonObject, ctx: MetricsCtx): ResourceMetrics {
  const rm: ResourceMetrics = { resource: emptyResource(), scopeMetrics: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'resource':
          rm.resource = decodeResourceJson(x);
          break;
        case 'scopeMetrics':
        case 'scope_metrics': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            ctx.scopeIndex = i;
            try {
              rm.scopeMetrics.push(decodeScopeMetrics(asElement(list[i]), ctx));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          rm.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return rm;
}

function decodeScopeMetrics(o: JsonObject, ctx: MetricsCtx): ScopeMetrics {
  const sm: ScopeMetrics = { scope: emptyScope(), metrics: [], schemaUrl: '' };
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'scope':
          sm.scope = decodeScopeJson(x);
          break;
        case 'metrics': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            ctx.metricIndex = i;
            try {
              sm.metrics.push(decodeMetric(asElement(list[i]), ctx));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'schemaUrl':
        case 'schema_url':
          sm.schemaUrl = asString(x);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  return sm;
}

function decodeMetric(o: JsonObject, ctx: MetricsCtx): Metric {
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
          metric.data = decodeData(x, ctx, 'gauge');
          break;
        case 'sum':
          metric.data = decodeData(x, ctx, 'sum');
          break;
        case 'histogram':
          metric.data = decodeData(x, ctx, 'histogram');
          break;
        case 'exponentialHistogram':
        case 'exponential_histogram':
          metric.data = decodeData(x, ctx, 'exponentialHistogram');
          break;
        case 'summary':
          metric.data = decodeData(x, ctx, 'summary');
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

function decodeData(v: unknown, ctx: MetricsCtx, kind: PointKind): MetricData {
  const o = asObject(v) ?? {};
  const points: unknown[] = [];
  let temporality = 0;
  let monotonic = false;
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      switch (key) {
        case 'dataPoints':
        case 'data_points': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            ctx.problem = '';
            let point: unknown;
            try {
              point = decodePoint(asElement(list[i]), ctx, kind);
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
            if (ctx.problem === '') {
              points.push(point);
              ctx.accepted++;
            } else {
              ctx.rejections.add(
                `resourceMetrics[${ctx.resourceIndex}].scopeMetrics[${ctx.scopeIndex}].metrics[${ctx.metricIndex}].${kind}.dataPoints[${i}].${ctx.problem} (data point dropped)`,
              );
            }
          }
          break;
        }
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
  const at = temporality as AggregationTemporality;
  switch (kind) {
    case 'gauge':
      return { type: 'gauge', dataPoints: points as NumberDataPoint[] };
    case 'sum':
      return { type: 'sum', dataPoints: points as NumberDataPoint[], aggregationTemporality: at, isMonotonic: monotonic };
    case 'histogram':
      return { type: 'histogram', dataPoints: points as HistogramDataPoint[], aggregationTemporality: at };
    case 'exponentialHistogram':
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
  o: JsonObject,
  ctx: MetricsCtx,
  kind: PointKind,
): NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint {
  switch (kind) {
    case 'gauge':
    case 'sum':
      return decodeNumberPoint(o, ctx);
    case 'histogram':
      return decodeHistogramPoint(o, ctx);
    case 'exponentialHistogram':
      return decodeExponentialPoint(o, ctx);
    case 'summary':
      return decodeSummaryPoint(o, ctx);
  }
}

function decodeExemplars(v: unknown, ctx: MetricsCtx, out: Exemplar[]): void {
  const list = asArray(v);
  for (let i = 0; i < list.length; i++) {
    try {
      out.push(decodeExemplar(asElement(list[i]), ctx, i));
    } catch (e) {
      throw addSegment(e, `[${i}]`);
    }
  }
}

function decodeNumberPoint(o: JsonObject, ctx: MetricsCtx): NumberDataPoint {
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
          decodeExemplars(x, ctx, p.exemplars);
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

function decodeHistogramPoint(o: JsonObject, ctx: MetricsCtx): HistogramDataPoint {
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
          decodeExemplars(x, ctx, p.exemplars);
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
  if (ctx.problem === '') {
    ctx.problem = histogramProblem(
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

function decodeExponentialPoint(o: JsonObject, ctx: MetricsCtx): ExponentialHistogramDataPoint {
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
          decodeExemplars(x, ctx, p.exemplars);
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

function decodeSummaryPoint(o: JsonObject, ctx: MetricsCtx): SummaryDataPoint {
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
        case 'quantile_values': {
          const list = asArray(x);
          for (let i = 0; i < list.length; i++) {
            try {
              p.quantileValues.push(decodeQuantile(asElement(list[i])));
            } catch (e) {
              throw addSegment(e, `[${i}]`);
            }
          }
          break;
        }
        case 'flags':
          p.flags = asInt32(x, true);
          break;
      }
    }
  } catch (e) {
    throw addSegment(e, key);
  }
  if (ctx.problem === '') {
    for (let i = 0; i < p.quantileValues.length; i++) {
      const problem = quantileProblem(`quantileValues[${i}].quantile`, p.quantileValues[i].quantile);
      if (problem !== '') {
        ctx.problem = problem;
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

function decodeExemplar(o: JsonObject, ctx: MetricsCtx, index: number): Exemplar {
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
  if (ctx.problem === '') {
    const problem =
      idProblem('traceId', ex.traceId, ex.traceId.length >>> 1, 16, false) ||
      idProblem('spanId', ex.spanId, ex.spanId.length >>> 1, 8, false);
    if (problem !== '') ctx.problem = `exemplars[${index}].${problem}`;
  }
  return ex;
}
