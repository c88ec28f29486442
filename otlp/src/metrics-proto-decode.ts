/**
 * ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1) protobuf → model:
 * the metric decoder, under the shared envelope decoder. Field numbers are from
 * opentelemetry/proto/metrics/v1/metrics.proto.
 */
import { newAttributes } from './telemetry.ts';
import type { AggregationTemporality, Metric, MetricData } from './telemetry.ts';
import { METRICS_ENVELOPE, type DecodePlace } from './envelope.ts';
import { metricData, type MetricKind } from './metric-data.ts';
import { readKeyValue } from './proto-common-decode.ts';
import { protoRequestDecoder } from './proto-envelope-decode.ts';
import { enterMessage, fault, isField, leaveMessage, otherField, readString, readTag, segmentOf, within } from './proto-read.ts';
import type { Reader } from './proto-read.ts';
import { checkPoint, POINT_CODECS, type Point, type PointCheck } from './metric-codecs.ts';
import { DATA, METRIC, NO_FIELDS } from './proto-schema.ts';

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
function decodeData(r: Reader, place: DecodePlace, at: string, kind: MetricKind): MetricData {
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
