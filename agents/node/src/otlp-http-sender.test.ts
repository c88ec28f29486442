import { describe, expect, it } from 'vitest';
import { otlpTarget, parseOtlpHeaders } from './otlp-http-sender.ts';

describe('otlpTarget', () => {
  it('appends /v1/<signal> to the base endpoint, and uses a signal endpoint as it is', () => {
    expect(otlpTarget({}, 'traces').url.href).toBe('http://localhost:4318/v1/traces');
    expect(otlpTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'traces').url.href).toBe('http://collector:4318/v1/traces');
    expect(
      otlpTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom' }, 'traces').url.href,
    ).toBe('https://b/custom');
    // a programmatic endpoint wins over both
    expect(otlpTarget({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom' }, 'traces', 'http://c:1').url.href).toBe('http://c:1/v1/traces');
  });

  it('reads headers, timeout and compression, signal-specific first', () => {
    const target = otlpTarget(
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-a=1',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-a=2',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
      },
      'traces',
    );
    expect(target.headers).toEqual({ authorization: 'Bearer abc', 'x-a': '2' });
    expect(target.timeoutMs).toBe(2500);
    expect(target.gzip).toBe(true);
    expect(otlpTarget({ OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }, 'traces').timeoutMs).toBe(10_000);
  });
});

describe('parseOtlpHeaders', () => {
  it('skips malformed pairs instead of failing', () => {
    expect(parseOtlpHeaders('a=1,broken,=x,b=%E0%A4%A,c = 3 ')).toEqual({ a: '1', c: '3' });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });
});
