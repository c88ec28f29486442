import { describe, expect, it } from 'vitest';
import { newRecord } from '../logs/index.ts';
import { entryOf, lineOf, lokiPushBody, MAX_METADATA_ENTRIES } from './loki-payload.ts';
import { lokiPushUrl } from './loki-exporter.ts';

const LABELS = { service: 'shop', severity: 'info', source: 'raw' };

describe('Loki payload', () => {
  it('writes string bodies as they are and others as JSON (bigint and bytes included)', () => {
    expect(lineOf('text')).toBe('text');
    expect(lineOf(null)).toBe('');
    expect(lineOf({ a: 1n << 60n, b: new Uint8Array([1, 2]), c: [true] })).toBe('{"a":"1152921504606846976","b":"AQI=","c":[true]}');
  });

  it('puts attributes, trace and span ids into structured metadata with Loki-safe names, bounded', () => {
    const record = newRecord('x', 1000);
    record.attributes['http.response.status_code'] = 200;
    record.attributes['2fa'] = true;
    record.attributes['nested'] = { k: 'v' };
    record.traceId = '0af7651916cd43dd8448eb211c80319c';
    const entry = entryOf(record, LABELS, 5000);
    expect(entry.metadata).toEqual({ http_response_status_code: '200', _2fa: 'true', nested: '{"k":"v"}', trace_id: '0af7651916cd43dd8448eb211c80319c' });
    expect(entry.timeUnixNano).toBe('1000000000'); // observed time when the record has none
    const many = newRecord('x', 1000);
    for (let i = 0; i < 100; i++) many.attributes[`a${i}`] = i;
    expect(Object.keys(entryOf(many, LABELS, 0).metadata)).toHaveLength(MAX_METADATA_ENTRIES);
  });

  it('groups entries into one stream per label set, in time order', () => {
    const at = (ns: string, line: string, severity = 'info') => ({ labels: { ...LABELS, severity }, timeUnixNano: ns, line, metadata: {} });
    const body = JSON.parse(lokiPushBody([at('300', 'c'), at('20', 'b'), at('1000', 'd', 'error'), at('100', 'a')]));
    expect(body).toEqual({
      streams: [
        { stream: LABELS, values: [['20', 'b'], ['100', 'a'], ['300', 'c']] },
        { stream: { ...LABELS, severity: 'error' }, values: [['1000', 'd']] },
      ],
    });
  });

  it('adds the push path to a base URL only', () => {
    expect(lokiPushUrl('http://loki:3100')).toBe('http://loki:3100/loki/api/v1/push');
    expect(lokiPushUrl('https://logs.example/loki/api/v1/push')).toBe('https://logs.example/loki/api/v1/push');
  });
});
