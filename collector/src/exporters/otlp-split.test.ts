import { describe, expect, it } from 'vitest';
import { newAttributes, type LogsData, type MetricsData, type TracesData } from '@lookout/otlp';
import { splitSignalData } from './otlp-split.ts';

const resource = (name: string) => ({ attributes: Object.assign(newAttributes(), { 'service.name': name }), droppedAttributesCount: 0 });
const scope = (name: string) => ({ name, version: '', attributes: newAttributes(), droppedAttributesCount: 0 });
const span = (name: string) => ({ name }) as unknown as TracesData['resourceSpans'][number]['scopeSpans'][number]['spans'][number];

describe('splitting a request for the backend', () => {
  it('cuts spans into parts of at most maxItems, each under its own resource and scope, in order', () => {
    const data: TracesData = {
      resourceSpans: [
        { resource: resource('a'), schemaUrl: '', scopeSpans: [{ scope: scope('s1'), schemaUrl: '', spans: ['1', '2', '3'].map(span) }, { scope: scope('s2'), schemaUrl: '', spans: ['4'].map(span) }] },
        { resource: resource('b'), schemaUrl: '', scopeSpans: [{ scope: scope('s3'), schemaUrl: '', spans: ['5', '6'].map(span) }] },
      ],
    };
    const parts = splitSignalData('traces', data, 2);
    expect(parts.map((p) => p.items)).toEqual([2, 2, 2]);
    const shape = parts.map((p) =>
      p.data.resourceSpans.map((rs) => `${rs.resource.attributes['service.name']}:` + rs.scopeSpans.map((ss) => `${ss.scope.name}[${ss.spans.map((s) => s.name).join('')}]`).join('')),
    );
    expect(shape).toEqual([['a:s1[12]'], ['a:s1[3]s2[4]'], ['b:s3[56]']]);
    expect(splitSignalData('traces', data, 100)).toHaveLength(1);
  });

  it('cuts log records the same way', () => {
    const data: LogsData = { resourceLogs: [{ resource: resource('a'), schemaUrl: '', scopeLogs: [{ scope: scope('l'), schemaUrl: '', logRecords: Array.from({ length: 5 }, () => ({}) as never) }] }] };
    expect(splitSignalData('logs', data, 2).map((p) => p.items)).toEqual([2, 2, 1]);
  });

  it('counts metric data points and cuts a metric with too many points between them', () => {
    const gauge = (name: string, n: number) => ({ name, unit: '', description: '', metadata: newAttributes(), data: { type: 'gauge' as const, dataPoints: Array.from({ length: n }, (_, i) => ({ value: i }) as never) } });
    const data: MetricsData = { resourceMetrics: [{ resource: resource('a'), schemaUrl: '', scopeMetrics: [{ scope: scope('m'), schemaUrl: '', metrics: [gauge('small', 2), gauge('big', 5)] }] }] };
    const parts = splitSignalData('metrics', data, 3);
    expect(parts.map((p) => p.items)).toEqual([2, 3, 2]);
    const names = parts.map((p) => p.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => `${m.name}:${'dataPoints' in m.data ? m.data.dataPoints.length : 0}`));
    expect(names).toEqual([['small:2'], ['big:3'], ['big:2']]);
  });
});
