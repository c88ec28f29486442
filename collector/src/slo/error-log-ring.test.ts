import { describe, expect, it } from 'vitest';
import type { AnyValue, Attributes, LogsData } from '@lookout/otlp';
import { ErrorLogRing } from './error-log-ring.ts';
import { expandLinkTemplate } from './notifications.ts';

function attrs(values: Record<string, string>): Attributes {
  return Object.assign(Object.create(null) as Attributes, values);
}

function logs(service: string | undefined, records: Array<[number, AnyValue]>): LogsData {
  return {
    resourceLogs: [
      {
        resource: { attributes: attrs(service ? { 'service.name': service } : {}), droppedAttributesCount: 0 },
        scopeLogs: [
          {
            scope: { name: '', version: '', attributes: attrs({}), droppedAttributesCount: 0 },
            logRecords: records.map(([severityNumber, body]) => ({
              timeUnixNano: 0n,
              observedTimeUnixNano: 0n,
              severityNumber,
              severityText: '',
              body,
              attributes: attrs({}),
              droppedAttributesCount: 0,
              flags: 0,
              traceId: '',
              spanId: '',
              eventName: '',
            })),
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

describe('ErrorLogRing', () => {
  it('keeps the newest error lines per service, newest first, cut and on one line', () => {
    const ring = new ErrorLogRing({ perService: 2, maxLineLength: 20 });
    ring.consume(
      logs('checkout', [
        [9, 'info: fine'],
        [17, 'first error'],
        [21, 'fatal:\n  at pay (pay.js:1)'],
        [18, { msg: 'structured', code: 503 }],
        [17, '   '],
      ]),
    );
    ring.consume(logs(undefined, [[17, 'from nowhere']]));
    expect(ring.recent('checkout', 5)).toEqual(['{"msg":"structured"…', 'fatal: at pay (pay.…']);
    expect(ring.recent('checkout', 1)).toEqual(['{"msg":"structured"…']);
    expect(ring.recent('unknown_service', 5)).toEqual(['from nowhere']);
    expect(ring.recent('search', 5)).toEqual([]);
  });

  it('forgets the least recently written service beyond maxServices', () => {
    const ring = new ErrorLogRing({ maxServices: 2 });
    ring.add('a', 'x');
    ring.add('b', 'y');
    ring.add('a', 'z');
    ring.add('c', 'w');
    expect(ring.services).toBe(2);
    expect(ring.recent('b', 5)).toEqual([]);
    expect(ring.recent('a', 5)).toEqual(['z', 'x']);
  });
});

describe('expandLinkTemplate', () => {
  it('replaces {service} and {slo}, URL-encoded', () => {
    expect(expandLinkTemplate('https://g/d/x?var-service={service}&var-slo={slo}&other={x}', { service: 'a b', slo: 'p/q' })).toBe(
      'https://g/d/x?var-service=a%20b&var-slo=p%2Fq&other={x}',
    );
  });
});
