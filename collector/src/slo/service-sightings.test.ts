import { describe, expect, it } from 'vitest';
import { newAttributes, type Batch, type LogsData, type MetricsData, type TracesData } from '@lookout/otlp';
import { ServiceSightings } from './service-sightings.ts';

function resource(service?: string) {
  const attributes = newAttributes();
  if (service !== undefined) attributes['service.name'] = service;
  return { attributes, droppedAttributesCount: 0 };
}

function batch(signal: 'traces' | 'metrics' | 'logs', services: Array<string | undefined>): Batch {
  const data =
    signal === 'traces'
      ? ({ resourceSpans: services.map((s) => ({ resource: resource(s), scopeSpans: [], schemaUrl: '' })) } as unknown as TracesData)
      : signal === 'metrics'
        ? ({ resourceMetrics: services.map((s) => ({ resource: resource(s), scopeMetrics: [], schemaUrl: '' })) } as unknown as MetricsData)
        : ({ resourceLogs: services.map((s) => ({ resource: resource(s), scopeLogs: [], schemaUrl: '' })) } as unknown as LogsData);
  return { signal, data, items: services.length } as unknown as Batch;
}

describe('ServiceSightings', () => {
  it('any signal carrying service.name marks the service seen at the time it arrived', () => {
    const s = new ServiceSightings();
    s.observe(batch('logs', ['api']), 1_000);
    s.observe(batch('metrics', ['api', 'worker']), 2_000);
    s.observe(batch('traces', ['worker']), 3_000);
    expect(s.lastSeen('api')).toBe(2_000);
    expect(s.lastSeen('worker')).toBe(3_000);
    expect(s.lastSeen('gone')).toBeUndefined();
  });

  it('a resource without service.name (or an empty one) is no service', () => {
    const s = new ServiceSightings();
    s.observe(batch('logs', [undefined, '']), 1_000);
    expect(s.size).toBe(0);
  });

  it('an earlier time (a late batch) never moves the last sighting back', () => {
    const s = new ServiceSightings();
    s.see('api', 5_000);
    s.see('api', 4_000);
    expect(s.lastSeen('api')).toBe(5_000);
  });

  it('is bounded: beyond maxServices the one seen longest ago is forgotten', () => {
    const s = new ServiceSightings({ maxServices: 2 });
    s.see('a', 1);
    s.see('b', 2);
    s.see('a', 3); // a is now the most recent
    s.see('c', 4);
    expect(s.size).toBe(2);
    expect(s.lastSeen('b')).toBeUndefined();
    expect(s.lastSeen('a')).toBe(3);
    expect(s.lastSeen('c')).toBe(4);
  });

  it('tells listeners every resource with its attributes', () => {
    const s = new ServiceSightings();
    const heard: string[] = [];
    s.onResource((service, attributes, at) => heard.push(`${service}@${at}:${String(attributes['service.name'])}`));
    s.observe(batch('traces', ['api', 'api', 'web']), 7);
    expect(heard).toEqual(['api@7:api', 'api@7:api', 'web@7:web']);
  });
});
