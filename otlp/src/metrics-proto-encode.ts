/** Model → ExportMetricsServiceRequest protobuf (for forwarding exporters and the host agent). */
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricsData,
  NumberDataPoint,
  SummaryDataPoint,
} from './telemetry.ts';
import {
  writeIdField,
  writeKeyValues,
  writeResource,
  writeScope,
  writeStringField,
  writeTimeField,
  writeUint32Field,
} from './proto-common-encode.ts';
import { ProtoWriter } from './proto-writer.ts';

export function encodeMetricsProtobuf(d: MetricsData): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const rm of d.resourceMetrics) {
    const rmStart = w.begin(1);
    writeResource(w, 1, rm.resource);
    for (const sm of rm.scopeMetrics) {
      const smStart = w.begin(2);
      writeScope(w, 1, sm.scope);
      for (const m of sm.metrics) writeMetric(w, m);
      writeStringField(w, 3, sm.schemaUrl);
      w.end(smStart);
    }
    writeStringField(w, 3, rm.schemaUrl);
    w.end(rmStart);
  }
  return w.finish();
}

function writeMetric(w: ProtoWriter, m: Metric): void {
  const start = w.begin(2);
  writeStringField(w, 1, m.name);
  writeStringField(w, 2, m.description);
  writeStringField(w, 3, m.unit);
  const data = m.data;
  switch (data.type) {
    case 'gauge': {
      const s = w.begin(5);
      for (const p of data.dataPoints) writeNumberPoint(w, p);
      w.end(s);
      break;
    }
    case 'sum': {
      const s = w.begin(7);
      for (const p of data.dataPoints) writeNumberPoint(w, p);
      writeTemporality(w, data.aggregationTemporality);
      if (data.isMonotonic) {
        w.tag(3, 0);
        w.bool(true);
      }
      w.end(s);
      break;
    }
    case 'histogram': {
      const s = w.begin(9);
      for (const p of data.dataPoints) writeHistogramPoint(w, p);
      writeTemporality(w, data.aggregationTemporality);
      w.end(s);
      break;
    }
    case 'exponentialHistogram': {
      const s = w.begin(10);
      for (const p of data.dataPoints) writeExponentialPoint(w, p);
      writeTemporality(w, data.aggregationTemporality);
      w.end(s);
      break;
    }
    case 'summary': {
      const s = w.begin(11);
      for (const p of data.dataPoints) writeSummaryPoint(w, p);
      w.end(s);
      break;
    }
    case 'empty':
      break;
  }
  writeKeyValues(w, 12, m.metadata);
  w.end(start);
}

function writeTemporality(w: ProtoWriter, t: number): void {
  if (t === 0) return;
  w.tag(2, 0);
  w.int32(t);
}

function writeDoubleField(w: ProtoWriter, field: number, v: number | undefined): void {
  if (v === undefined) return;
  w.tag(field, 1);
  w.double(v);
}

function writeCountField(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, 1);
  w.fixed64(v);
}

function writeNumberPoint(w: ProtoWriter, p: NumberDataPoint): void {
  const start = w.begin(1);
  writeTimeField(w, 2, p.startTimeUnixNano);
  writeTimeField(w, 3, p.timeUnixNano);
  // the value oneof is always written: a present zero differs from an absent value
  if (p.valueType === 'int') {
    w.tag(6, 1);
    w.sfixed64(p.value);
  } else {
    w.tag(4, 1);
    w.double(Number(p.value));
  }
  for (const ex of p.exemplars) writeExemplar(w, 5, ex);
  writeKeyValues(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
  w.end(start);
}

function writeHistogramPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  const start = w.begin(1);
  writeTimeField(w, 2, p.startTimeUnixNano);
  writeTimeField(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  writeDoubleField(w, 5, p.sum);
  if (p.bucketCounts.length > 0) {
    w.tag(6, 2);
    w.varint(p.bucketCounts.length * 8);
    for (const c of p.bucketCounts) w.fixed64(c);
  }
  if (p.explicitBounds.length > 0) {
    w.tag(7, 2);
    w.varint(p.explicitBounds.length * 8);
    for (const b of p.explicitBounds) w.double(b);
  }
  for (const ex of p.exemplars) writeExemplar(w, 8, ex);
  writeKeyValues(w, 9, p.attributes);
  writeUint32Field(w, 10, p.flags);
  writeDoubleField(w, 11, p.min);
  writeDoubleField(w, 12, p.max);
  w.end(start);
}

function writeBuckets(w: ProtoWriter, field: number, b: ExponentialHistogramBuckets): void {
  if (b.offset === 0 && b.bucketCounts.length === 0) return;
  const start = w.begin(field);
  if (b.offset !== 0) {
    w.tag(1, 0);
    w.sint32(b.offset);
  }
  if (b.bucketCounts.length > 0) {
    const s = w.begin(2);
    for (const c of b.bucketCounts) w.varint(c);
    w.end(s);
  }
  w.end(start);
}

function writeExponentialPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  const start = w.begin(1);
  writeKeyValues(w, 1, p.attributes);
  writeTimeField(w, 2, p.startTimeUnixNano);
  writeTimeField(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  writeDoubleField(w, 5, p.sum);
  if (p.scale !== 0) {
    w.tag(6, 0);
    w.sint32(p.scale);
  }
  writeCountField(w, 7, p.zeroCount);
  writeBuckets(w, 8, p.positive);
  writeBuckets(w, 9, p.negative);
  writeUint32Field(w, 10, p.flags);
  for (const ex of p.exemplars) writeExemplar(w, 11, ex);
  writeDoubleField(w, 12, p.min);
  writeDoubleField(w, 13, p.max);
  if (p.zeroThreshold !== 0) writeDoubleField(w, 14, p.zeroThreshold);
  w.end(start);
}

function writeSummaryPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  const start = w.begin(1);
  writeTimeField(w, 2, p.startTimeUnixNano);
  writeTimeField(w, 3, p.timeUnixNano);
  writeCountField(w, 4, p.count);
  if (p.sum !== 0) writeDoubleField(w, 5, p.sum);
  for (const q of p.quantileValues) {
    const qs = w.begin(6);
    if (q.quantile !== 0) writeDoubleField(w, 1, q.quantile);
    if (q.value !== 0) writeDoubleField(w, 2, q.value);
    w.end(qs);
  }
  writeKeyValues(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
  w.end(start);
}

/** Exemplar value: bigint → as_int, number → as_double (the model does not say which it was). */
function writeExemplar(w: ProtoWriter, field: number, ex: Exemplar): void {
  const start = w.begin(field);
  writeTimeField(w, 2, ex.timeUnixNano);
  if (typeof ex.value === 'bigint') {
    w.tag(6, 1);
    w.sfixed64(ex.value);
  } else {
    w.tag(3, 1);
    w.double(ex.value);
  }
  writeIdField(w, 4, ex.spanId);
  writeIdField(w, 5, ex.traceId);
  writeKeyValues(w, 7, ex.filteredAttributes);
  w.end(start);
}
