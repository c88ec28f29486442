import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeLogsJson, decodeLogsProtobuf, decodeMetricsJson, decodeMetricsProtobuf, decodeTracesJson, decodeTracesProtobuf } from './index.ts';
import { ProtoWriter } from './proto-writer.ts';

/** Runs `f`, expecting an OtlpDecodeError, and returns it. */
function decodeError(f: () => unknown): OtlpDecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OtlpDecodeError);
    return e as OtlpDecodeError;
  }
  throw new Error('expected an OtlpDecodeError, but decoding succeeded');
}

/** Decodes `buf` as traces and checks the refusal: its path, what its message says (each part), its byte offset. */
function expectTracesFault(buf: Uint8Array, want: { path: string; says: string[]; offset: number }): void {
  const err = decodeError(() => decodeTracesProtobuf(buf));
  expect(err.path).toBe(want.path);
  for (const part of want.says) expect(err.message).toContain(part);
  expect(err.offset).toBe(want.offset);
}

const TRACE_ID = new Uint8Array([0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c]);
const SPAN_ID = new Uint8Array([0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]);

/** ExportTraceServiceRequest with one resource, one scope and the spans `writeSpans` writes. */
function traceRequest(writeSpans: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  const rs = w.begin(1);
  const ss = w.begin(2);
  writeSpans(w);
  w.end(ss);
  w.end(rs);
  return w.finish();
}

/** A valid span; `extra` writes more fields into it (before the name). */
function span(w: ProtoWriter, extra?: (w: ProtoWriter) => void, traceId = TRACE_ID, spanId = SPAN_ID): void {
  const s = w.begin(2);
  w.tag(1, 2);
  w.bytes(traceId);
  w.tag(2, 2);
  w.bytes(spanId);
  extra?.(w);
  w.tag(5, 2);
  w.string('GET /');
  w.end(s);
}

describe('malformed protobuf requests', () => {
  it('a request cut short says which length runs past the end and where', () => {
    const full = traceRequest((w) => {
      span(w);
      span(w);
    });
    const err = decodeError(() => decodeTracesProtobuf(full.subarray(0, full.length - 4)));
    expect(err.message).toMatch(/^invalid OTLP\/protobuf ExportTraceServiceRequest at resource_spans\[0\], byte offset 2: /);
    expect(err.message).toContain('runs past the end of the enclosing message');
    expect(err.message).toContain('send the complete request body');
    expect(err.path).toBe('resource_spans[0]');
    expect(err.offset).toBe(2);
  });

  it('a fixed64 cut short inside its message is reported as truncated at its field', () => {
    const buf = traceRequest((w) => {
      span(w);
      const s = w.begin(2);
      w.tag(1, 2);
      w.bytes(TRACE_ID);
      w.tag(8, 1); // end_time_unix_nano: fixed64, but only 3 bytes follow
      w.buf[w.pos++] = 1;
      w.buf[w.pos++] = 2;
      w.buf[w.pos++] = 3;
      w.end(s);
    });
    expectTracesFault(buf, {
      path: 'resource_spans[0].scope_spans[0].spans[1].end_time_unix_nano',
      says: ['truncated: 8 bytes needed but only 3 left in the enclosing message'],
      offset: buf.length - 3,
    });
  });

  it('a length prefix larger than the rest of the body', () => {
    const buf = new Uint8Array([0x0a, 100, 1, 2, 3]);
    expectTracesFault(buf, { path: 'resource_spans[0]', says: ['length 100 runs past the end of the enclosing message (3 byte(s) left)'], offset: 2 });
  });

  it('a known field with the wrong wire type names the field, both wire types and the offset', () => {
    let nameTagOffset = 0;
    const buf = traceRequest((w) => {
      span(w);
      const s = w.begin(2);
      w.tag(1, 2);
      w.bytes(TRACE_ID);
      nameTagOffset = w.pos;
      w.tag(5, 0); // name is a string (length-delimited), sent as a varint
      w.varint(7);
      w.end(s);
    });
    expectTracesFault(buf, {
      path: 'resource_spans[0].scope_spans[0].spans[1].name',
      says: ['wrong wire type 0 (varint) for field 5 (name), expected 2 (length-delimited)', 'serialize it with an OTLP protobuf library'],
      offset: nameTagOffset,
    });
  });

  it('invalid UTF-8 in a string field gives the field path and the bad byte', () => {
    let badOffset = 0;
    const buf = traceRequest((w) =>
      span(w, (w) => {
        const kv = w.begin(9);
        w.tag(1, 2);
        w.string('http.route');
        const v = w.begin(2);
        w.tag(1, 2);
        w.varint(4);
        w.buf[w.pos++] = 0x61;
        badOffset = w.pos;
        w.buf[w.pos++] = 0xc3; // a lead byte followed by ASCII: not UTF-8
        w.buf[w.pos++] = 0x28;
        w.buf[w.pos++] = 0x61;
        w.end(v);
        w.end(kv);
      }),
    );
    expectTracesFault(buf, {
      path: 'resource_spans[0].scope_spans[0].spans[0].attributes[0].value.string_value',
      says: ['string is not valid UTF-8 (bad byte 0xc3 at offset 1 of the string)', 'OTLP string fields must be UTF-8'],
      offset: badOffset,
    });
  });

  it('invalid UTF-8 in a long string and in a key is refused too', () => {
    const long = traceRequest((w) =>
      span(w, (w) => {
        w.tag(3, 2); // trace_state
        const bytes = new TextEncoder().encode('x'.repeat(40) + 'é');
        w.bytes(bytes.subarray(0, bytes.length - 1)); // cut inside the 2-byte character
      }),
    );
    expect(decodeError(() => decodeTracesProtobuf(long)).path).toBe('resource_spans[0].scope_spans[0].spans[0].trace_state');
    const key = traceRequest((w) =>
      span(w, (w) => {
        const kv = w.begin(9);
        w.tag(1, 2);
        w.bytes(new Uint8Array([0x6b, 0xff]));
        w.end(kv);
      }),
    );
    expect(decodeError(() => decodeTracesProtobuf(key)).path).toBe('resource_spans[0].scope_spans[0].spans[0].attributes[0].key');
  });

  it('an invalid wire type says the body is not protobuf', () => {
    const err = decodeError(() => decodeLogsProtobuf(new Uint8Array([0x0f, 0x00])));
    expect(err.message).toContain('invalid wire type 7');
    expect(err.message).toContain('not a serialized OTLP protobuf message');
    const zero = decodeError(() => decodeMetricsProtobuf(new Uint8Array([0x02, 0x00])));
    expect(zero.message).toContain('field number 0 is not valid protobuf');
  });

  it('AnyValue nesting beyond the limit is refused', () => {
    const w = new ProtoWriter();
    const rl = w.begin(1);
    const sl = w.begin(2);
    const rec = w.begin(2);
    const body = w.begin(5);
    const starts: number[] = [];
    for (let i = 0; i < 40; i++) {
      starts.push(w.begin(5)); // array_value
      starts.push(w.begin(1)); // values[0]
    }
    for (let i = starts.length - 1; i >= 0; i--) w.end(starts[i]);
    w.end(body);
    w.end(rec);
    w.end(sl);
    w.end(rl);
    const err = decodeError(() => decodeLogsProtobuf(w.finish()));
    expect(err.message).toContain('nested deeper than 32 levels');
    expect(err.path).toMatch(/^resource_logs\[0\]\.scope_logs\[0\]\.log_records\[0\]\.body\.array_value\.values\[0\]/);
  });

  it('an empty body is a valid empty request', () => {
    for (const decode of [decodeTracesProtobuf, decodeMetricsProtobuf, decodeLogsProtobuf]) {
      const r = decode(new Uint8Array(0));
      expect(r.items).toBe(0);
      expect(r.rejected).toBe(0);
    }
    expect(decodeTracesProtobuf(new Uint8Array(0)).data).toEqual({ resourceSpans: [] });
  });

  it('unknown fields of every wire type are skipped at every level', () => {
    const unknown = (w: ProtoWriter): void => {
      w.tag(99, 0);
      w.varint(123456);
      w.tag(98, 1);
      w.fixed64(1n);
      w.tag(97, 5);
      w.fixed32(7);
      const s = w.begin(96);
      w.string('future');
      w.end(s);
    };
    const w = new ProtoWriter();
    unknown(w);
    const rs = w.begin(1);
    unknown(w);
    const ss = w.begin(2);
    unknown(w);
    span(w, unknown);
    w.end(ss);
    w.end(rs);
    const r = decodeTracesProtobuf(w.finish());
    expect(r.items).toBe(1);
    expect(r.data.resourceSpans[0].scopeSpans[0].spans[0].name).toBe('GET /');
  });
});

describe('per-item rejections (OTLP partial success)', () => {
  it('spans with bad ids are left out, counted and explained with their paths', () => {
    const buf = traceRequest((w) => {
      span(w);
      span(w, undefined, TRACE_ID.subarray(0, 5));
      span(w, undefined, new Uint8Array(16));
      span(w, undefined, TRACE_ID, SPAN_ID.subarray(0, 7));
      span(w);
    });
    const r = decodeTracesProtobuf(buf);
    expect(r.items).toBe(2);
    expect(r.rejected).toBe(3);
    expect(r.data.resourceSpans[0].scopeSpans[0].spans).toHaveLength(2);
    expect(r.rejectedMessage).toBe(
      'resource_spans[0].scope_spans[0].spans[1].trace_id must be 16 bytes, got 5 (span dropped); ' +
        'resource_spans[0].scope_spans[0].spans[2].trace_id must not be all zeros (span dropped); ' +
        'resource_spans[0].scope_spans[0].spans[3].span_id must be 8 bytes, got 7 (span dropped)',
    );
  });

  it('only the first reasons are spelled out', () => {
    const buf = traceRequest((w) => {
      for (let i = 0; i < 8; i++) span(w, undefined, TRACE_ID.subarray(0, 3));
    });
    const r = decodeTracesProtobuf(buf);
    expect(r.rejected).toBe(8);
    expect(r.items).toBe(0);
    expect(r.rejectedMessage).toMatch(/spans\[4\]\.trace_id must be 16 bytes, got 3 \(span dropped\); and 3 more$/);
  });

  it('a link with a bad id rejects its span', () => {
    const buf = traceRequest((w) =>
      span(w, (w) => {
        const l = w.begin(13);
        w.tag(1, 2);
        w.bytes(TRACE_ID);
        w.tag(2, 2);
        w.bytes(new Uint8Array(3));
        w.end(l);
      }),
    );
    const r = decodeTracesProtobuf(buf);
    expect(r.rejected).toBe(1);
    expect(r.rejectedMessage).toContain('spans[0].links[0].span_id must be 8 bytes, got 3');
  });

  it('JSON spans are rejected the same way, with JSON paths', () => {
    const r = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ok' },
                  { traceId: 'abcd', spanId: 'eee19b7ec3c1b174' },
                  { traceId: '5b8efff798038103d269b633813fc60c' },
                  { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', parentSpanId: 'aabb' },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(r.items).toBe(1);
    expect(r.rejected).toBe(3);
    expect(r.rejectedMessage).toBe(
      'resourceSpans[0].scopeSpans[0].spans[1].traceId must be 16 bytes, got 2 (span dropped); ' +
        'resourceSpans[0].scopeSpans[0].spans[2].spanId is missing (must be 8 bytes) (span dropped); ' +
        'resourceSpans[0].scopeSpans[0].spans[3].parentSpanId must be 8 bytes, got 2 (span dropped)',
    );
  });

  it('a log record with a bad trace id length is rejected; all-zero ids mean "no trace"', () => {
    const json = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'fine' } },
                { body: { stringValue: 'bad id' }, traceId: '5b8efff798038103' },
                { body: { stringValue: 'zeros' }, traceId: '00000000000000000000000000000000', spanId: '0000000000000000' },
                { severityNumber: 25 },
              ],
            },
          ],
        },
      ],
    });
    const r = decodeLogsJson(json);
    expect(r.items).toBe(2);
    expect(r.rejected).toBe(2);
    expect(r.rejectedMessage).toContain('resourceLogs[0].scopeLogs[0].logRecords[1].traceId must be 16 bytes, got 8 (log record dropped)');
    expect(r.rejectedMessage).toContain('logRecords[3].severityNumber 25 is not a valid SeverityNumber (0-24)');
    expect(r.data.resourceLogs[0].scopeLogs[0].logRecords[1].traceId).toBe('');

    const w = new ProtoWriter();
    const rl = w.begin(1);
    const sl = w.begin(2);
    const rec = w.begin(2);
    w.tag(9, 2);
    w.bytes(new Uint8Array(15));
    w.end(rec);
    w.end(sl);
    w.end(rl);
    const p = decodeLogsProtobuf(w.finish());
    expect(p.rejected).toBe(1);
    expect(p.rejectedMessage).toBe('resource_logs[0].scope_logs[0].log_records[0].trace_id must be 16 bytes, got 15 (log record dropped)');
  });

  it('structurally invalid data points are rejected, the rest of the metric kept', () => {
    const point = (counts: string[], bounds: number[], count: string) => ({
      timeUnixNano: '1',
      count,
      bucketCounts: counts,
      explicitBounds: bounds,
    });
    const r = decodeMetricsJson(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'latency',
                    histogram: {
                      aggregationTemporality: 2,
                      dataPoints: [
                        point(['1', '1'], [1], '2'),
                        point(['1', '1', '1'], [1], '3'),
                        point(['1', '1'], [1], '5'),
                        point(['1', '1', '0'], [2, 1], '2'),
                      ],
                    },
                  },
                  {
                    name: 'q',
                    summary: { dataPoints: [{ count: '1', quantileValues: [{ quantile: 1.5, value: 3 }] }] },
                  },
                  {
                    name: 'e',
                    exponentialHistogram: { dataPoints: [{ count: '3', zeroCount: '1', positive: { bucketCounts: ['1'] } }] },
                  },
                  {
                    name: 'g',
                    gauge: { dataPoints: [{ asInt: '1', exemplars: [{ asDouble: 1, traceId: 'abcd' }] }] },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(r.items).toBe(1);
    expect(r.rejected).toBe(6);
    const m = r.rejectedMessage;
    const prefix = 'resourceMetrics[0].scopeMetrics[0]';
    expect(m).toContain(`${prefix}.metrics[0].histogram.dataPoints[1].bucketCounts has 3 bucket(s) but explicitBounds has 1 bound(s); there must be exactly one more bucket than bounds (data point dropped)`);
    expect(m).toContain(`${prefix}.metrics[0].histogram.dataPoints[2].count is 5 but bucketCounts add up to 2`);
    expect(m).toContain(`${prefix}.metrics[0].histogram.dataPoints[3].explicitBounds must be strictly increasing numbers, got 2 then 1 at index 1`);
    expect(m).toContain(`${prefix}.metrics[1].summary.dataPoints[0].quantileValues[0].quantile 1.5 is outside 0..1`);
    expect(m).toContain(`${prefix}.metrics[2].exponentialHistogram.dataPoints[0].count is 3 but the zero count plus the positive and negative bucket counts add up to 2`);
    expect(m).toMatch(/and 1 more$/);
    const histogram = r.data.resourceMetrics[0].scopeMetrics[0].metrics[0].data;
    expect(histogram.type === 'histogram' && histogram.dataPoints.length).toBe(1);
  });

  it('protobuf histogram points with mismatched buckets are rejected with protobuf paths', () => {
    const w = new ProtoWriter();
    const rm = w.begin(1);
    const sm = w.begin(2);
    const m = w.begin(2);
    w.tag(1, 2);
    w.string('h');
    const h = w.begin(9);
    const p = w.begin(1);
    w.tag(4, 1);
    w.fixed64(2);
    w.tag(6, 2); // bucket_counts, packed: 3 buckets
    w.varint(24);
    w.fixed64(1);
    w.fixed64(1);
    w.fixed64(0);
    w.tag(7, 1); // explicit_bounds, unpacked: 1 bound
    w.double(1);
    w.end(p);
    w.end(h);
    w.end(m);
    w.end(sm);
    w.end(rm);
    const r = decodeMetricsProtobuf(w.finish());
    expect(r.rejected).toBe(1);
    expect(r.rejectedMessage).toBe(
      'resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0].bucket_counts has 3 bucket(s) but explicit_bounds has 1 bound(s); there must be exactly one more bucket than bounds (data point dropped)',
    );
  });
});

describe('malformed JSON requests', () => {
  it('invalid JSON', () => {
    const err = decodeError(() => decodeTracesJson('{"resourceSpans": [}'));
    expect(err.message).toContain('invalid OTLP/JSON ExportTraceServiceRequest: the body is not valid JSON (');
    expect(err.message).toContain('send a JSON object such as {"resourceSpans":[...]}');
    expect(err.path).toBe('');
  });

  it('an empty JSON body is an error (unlike protobuf)', () => {
    for (const body of ['', '  \n', new Uint8Array(0)]) {
      const err = decodeError(() => decodeMetricsJson(body));
      expect(err.message).toContain('the body is empty; send a JSON object such as {"resourceMetrics":[]}');
    }
  });

  it('a JSON body that is not an object', () => {
    const err = decodeError(() => decodeLogsJson('[1,2]'));
    expect(err.message).toContain('the body must be a JSON object, got an array');
  });

  it('JSON bytes that are not UTF-8', () => {
    const err = decodeError(() => decodeTracesJson(new Uint8Array([0x7b, 0xff, 0x7d])));
    expect(err.message).toContain('the body is not valid UTF-8');
  });

  it('an object where an array is expected', () => {
    const err = decodeError(() => decodeTracesJson('{"resourceSpans": {}}'));
    expect(err.path).toBe('resourceSpans');
    expect(err.message).toBe(
      'invalid OTLP/JSON ExportTraceServiceRequest at resourceSpans: expected an array, got an object; send an array here, as the OTLP/JSON encoding specifies',
    );
  });

  it('a number where a string is expected, deep inside', () => {
    const err = decodeError(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{},{"spans":[{},{"attributes":[{"key":"a","value":{"stringValue":5}}]}]}]}]}'),
    );
    expect(err.path).toBe('resourceSpans[0].scopeSpans[1].spans[1].attributes[0].value.stringValue');
    expect(err.message).toContain('expected a string, got a number (5)');
  });

  it('a bad hex id', () => {
    const err = decodeError(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}'),
    );
    expect(err.path).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId');
    expect(err.message).toContain('id "W47/95gDgQPSabYzgT/GDA==" is not hex (character "W" at index 0)');
    expect(err.message).toContain('not base64');
    const odd = decodeError(() => decodeLogsJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"abc"}]}]}]}'));
    expect(odd.message).toContain('has an odd number of hex digits (3)');
  });

  it('an unknown enum name', () => {
    const err = decodeError(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_SERVR"}]}]}]}'),
    );
    expect(err.path).toBe('resourceSpans[0].scopeSpans[0].spans[0].kind');
    expect(err.message).toContain('unknown SpanKind name "SPAN_KIND_SERVR"; use one of SPAN_KIND_UNSPECIFIED');
    const t = decodeError(() =>
      decodeMetricsJson('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"CUMULATIVE"}}]}]}]}'),
    );
    expect(t.path).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality');
    expect(t.message).toContain('AGGREGATION_TEMPORALITY_CUMULATIVE');
  });

  it('bad numbers: non-integer int64, negative timestamps, bad base64', () => {
    const base = (span: object) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect(decodeError(() => decodeTracesJson(base({ startTimeUnixNano: '-5' }))).message).toContain(
      'expected an unsigned 64-bit integer (decimal string), got a string ("-5")',
    );
    expect(
      decodeError(() => decodeTracesJson(base({ attributes: [{ key: 'a', value: { intValue: 1.5 } }] }))).message,
    ).toContain('1.5 is not an integer');
    expect(
      decodeError(() => decodeTracesJson(base({ attributes: [{ key: 'a', value: { bytesValue: '!!' } }] }))).path,
    ).toBe('resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue');
  });
});

describe('OTLP/JSON leniency', () => {
  it('accepts enum names as protobuf JSON parsers do', () => {
    const t = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    trace_id: '5B8EFFF798038103D269B633813FC60C',
                    span_id: 'EEE19B7EC3C1B174',
                    kind: 'SPAN_KIND_SERVER',
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                    start_time_unix_nano: '1',
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const s = t.data.resourceSpans[0].scopeSpans[0].spans[0];
    expect([s.kind, s.status.code, s.traceId, s.spanId, s.startTimeUnixNano]).toEqual([
      2,
      2,
      '5b8efff798038103d269b633813fc60c',
      'eee19b7ec3c1b174',
      1n,
    ]);
    const l = decodeLogsJson(
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_INFO"},{"severity_number":"SEVERITY_NUMBER_FATAL4","event_name":"e"}]}]}]}',
    );
    expect(l.data.resourceLogs[0].scopeLogs[0].logRecords.map((r) => [r.severityNumber, r.eventName])).toEqual([
      [9, ''],
      [24, 'e'],
    ]);
  });

  it('accepts snake_case keys, enum names, upper-case hex, number timestamps, special doubles and ignores unknown keys', () => {
    const r = decodeMetricsJson(
      JSON.stringify({
        resource_metrics: [
          {
            future_field: { anything: 1 },
            scope_metrics: [
              {
                metrics: [
                  {
                    name: 'g',
                    gauge: {
                      data_points: [
                        { as_double: 'NaN', time_unix_nano: 1700000000000000000, attributes: [{ key: 'x', value: { double_value: '-Infinity' } }] },
                        { asDouble: 'Infinity', exemplars: [{ trace_id: '5B8EFFF798038103D269B633813FC60C', as_int: '-9223372036854775808' }] },
                      ],
                    },
                  },
                  {
                    name: 's',
                    sum: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA', is_monotonic: true, dataPoints: [{ asInt: 9007199254740993 }] },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(r.items).toBe(3);
    const [g, s] = r.data.resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.data);
    if (g.type !== 'gauge' || s.type !== 'sum') throw new Error('wrong types');
    expect(g.dataPoints[0].value).toBeNaN();
    expect(g.dataPoints[0].timeUnixNano).toBe(1700000000000000000n);
    expect(g.dataPoints[0].attributes.x).toBe(-Infinity);
    expect(g.dataPoints[1].value).toBe(Infinity);
    expect(g.dataPoints[1].exemplars[0].traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(g.dataPoints[1].exemplars[0].value).toBe(-9223372036854775808n);
    expect(s.aggregationTemporality).toBe(1);
    expect(s.isMonotonic).toBe(true);
    // a JSON number beyond 2^53 was already rounded by the parser: send int64 as strings
    expect(s.dataPoints[0].value).toBe(9007199254740992n);
  });
});
