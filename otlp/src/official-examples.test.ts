import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson, encodeLogsProtobuf, encodeMetricsProtobuf, encodeTracesProtobuf } from './index.ts';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './index.ts';

/** The OTLP/JSON examples of the opentelemetry-proto repository, shared by the project. */
const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../../shared/fixtures/otlp/${name}`, import.meta.url));

const plain = (o: object): Record<string, unknown> => ({ ...o });
const T = 1544712660300000000n;

describe('official OTLP/JSON examples', () => {
  it('trace.json', () => {
    const r = decodeTracesJson(fixture('trace.json'));
    expect(r.items).toBe(1);
    expect(r.rejected).toBe(0);
    const rs = r.data.resourceSpans[0];
    expect(plain(rs.resource.attributes)).toEqual({ 'service.name': 'my.service' });
    const ss = rs.scopeSpans[0];
    expect(ss.scope.name).toBe('my.library');
    expect(ss.scope.version).toBe('1.0.0');
    expect(plain(ss.scope.attributes)).toEqual({ 'my.scope.attribute': 'some scope attribute' });
    const span = ss.spans[0];
    // upper-case hex in the file, lower-case in the model
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanId).toBe('eee19b7ec3c1b174');
    expect(span.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(span.name).toBe("I'm a server span");
    expect(span.kind).toBe(2);
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
    expect(span.endTimeUnixNano).toBe(1544712661000000000n);
    expect(plain(span.attributes)).toEqual({ 'my.span.attr': 'some value' });
    expect(span.status).toEqual({ code: 0, message: '' });
    expect(span.events).toEqual([]);
    // and the model survives a trip through our protobuf encoder
    expect(decodeTracesProtobuf(encodeTracesProtobuf(r.data)).data).toEqual(r.data);
  });

  it('logs.json', () => {
    const r = decodeLogsJson(fixture('logs.json'));
    expect(r.items).toBe(1);
    const rec = r.data.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.timeUnixNano).toBe(T);
    expect(rec.observedTimeUnixNano).toBe(T);
    expect(rec.severityNumber).toBe(10);
    expect(rec.severityText).toBe('Information');
    expect(rec.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(rec.spanId).toBe('eee19b7ec3c1b174');
    expect(rec.body).toBe('Example log record');
    const a = rec.attributes;
    expect(a['string.attribute']).toBe('some string');
    expect(a['boolean.attribute']).toBe(true);
    expect(a['int.attribute']).toBe(10);
    expect(a['double.attribute']).toBe(637.704);
    expect(a['array.attribute']).toEqual(['many', 'values']);
    expect(plain(a['map.attribute'] as object)).toEqual({ 'some.map.key': 'some value' });
    expect(decodeLogsProtobuf(encodeLogsProtobuf(r.data)).data).toEqual(r.data);
  });

  it('metrics.json', () => {
    const r = decodeMetricsJson(fixture('metrics.json'));
    expect(r.rejected).toBe(0);
    expect(r.items).toBe(4);
    const metrics = r.data.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(metrics.map((m) => [m.name, m.unit, m.description, m.data.type])).toEqual([
      ['my.counter', '1', 'I am a Counter', 'sum'],
      ['my.gauge', '1', 'I am a Gauge', 'gauge'],
      ['my.histogram', '1', 'I am a Histogram', 'histogram'],
      ['my.exponential.histogram', '1', 'I am an Exponential Histogram', 'exponentialHistogram'],
    ]);
    const [counter, gauge, histogram, exp] = metrics.map((m) => m.data);
    expect(counter).toMatchObject({ type: 'sum', aggregationTemporality: 1, isMonotonic: true });
    expect(counter.type === 'sum' && counter.dataPoints[0]).toMatchObject({
      value: 5,
      valueType: 'double',
      startTimeUnixNano: T,
      timeUnixNano: T,
    });
    expect(counter.type === 'sum' && plain(counter.dataPoints[0].attributes)).toEqual({ 'my.counter.attr': 'some value' });
    expect(gauge.type === 'gauge' && gauge.dataPoints[0]).toMatchObject({ value: 10, startTimeUnixNano: 0n, timeUnixNano: T });
    expect(histogram.type === 'histogram' && histogram.aggregationTemporality).toBe(1);
    expect(histogram.type === 'histogram' && histogram.dataPoints[0]).toMatchObject({
      count: 2,
      sum: 2,
      bucketCounts: [1, 1],
      explicitBounds: [1],
      min: 0,
      max: 2,
    });
    expect(exp.type === 'exponentialHistogram' && exp.dataPoints[0]).toMatchObject({
      count: 3,
      sum: 10,
      scale: 0,
      zeroCount: 1,
      positive: { offset: 1, bucketCounts: [0, 2] },
      negative: { offset: 0, bucketCounts: [] },
      min: 0,
      max: 5,
      zeroThreshold: 0,
    });
    expect(decodeMetricsProtobuf(encodeMetricsProtobuf(r.data)).data).toEqual(r.data);
  });
});
