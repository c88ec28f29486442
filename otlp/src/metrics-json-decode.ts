/** OTLP/JSON ExportMetricsServiceRequest → model. */
import { newAttributes } from './telemetry.ts';
import type { AggregationTemporality, Metric, MetricData } from './telemetry.ts';
import { addSegment } from './decode-error.ts';
import { METRICS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { asBool, asEnum, asObject, asString, decodeKeyValuesJson, jsonFault, forEachElement } from './json-common-decode.ts';
import type { JsonObject } from './json-common-decode.ts';
import { jsonRequestDecoder } from './json-envelope-decode.ts';
import { metricData } from './metric-data.ts';
import { checkPoint, POINT_CODECS, type Point, type PointCheck } from './metric-codecs.ts';

const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

type PointKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';


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
            const canonical = kind === 'exponentialHistogram' ? 'exponential_histogram' : kind;
            const point = POINT_CODECS[canonical].decodeJson(element, check);
            checkPoint(canonical, point, check, 'json');
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
