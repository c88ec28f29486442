import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { decodeLokiJson, decodeLokiProtobuf, LokiDecodeError } from './loki-push-decode.ts';

/** logproto.PushRequest by hand, from the field numbers of Loki's push.proto. */
function pushRequest(write: (w: protobuf.Writer) => void): Uint8Array {
  const w = protobuf.Writer.create();
  write(w);
  return w.finish();
}

function stream(w: protobuf.Writer, labels: string, entries: Array<{ seconds: number; nanos: number; line: string; meta?: Array<[string, string]> }>) {
  w.uint32(0x0a).fork();
  w.uint32(0x0a).string(labels);
  for (const e of entries) {
    w.uint32(0x12).fork();
    w.uint32(0x0a).fork().uint32(0x08).int64(e.seconds).uint32(0x10).int32(e.nanos).ldelim();
    w.uint32(0x12).string(e.line);
    for (const [name, value] of e.meta ?? []) w.uint32(0x1a).fork().uint32(0x0a).string(name).uint32(0x12).string(value).ldelim();
    w.uint32(0x20).uint32(1); // a field this decoder does not know: skipped
    w.ldelim();
  }
  w.ldelim();
}

describe('decodeLokiProtobuf', () => {
  it('reads streams, labels, timestamps to the nanosecond, lines and structured metadata', () => {
    const bytes = pushRequest((w) => {
      stream(w, '{job="varlogs", host="a"}', [
        { seconds: 1760000000, nanos: 123456789, line: 'first', meta: [['trace_id', 'abc']] },
        { seconds: 1760000001, nanos: 0, line: 'zweite Zeile ✓' },
      ]);
      stream(w, '{}', []);
    });
    const push = decodeLokiProtobuf(bytes);
    expect(push.entries).toBe(2);
    expect(push.streams).toHaveLength(2);
    expect({ ...push.streams[0]!.labels }).toEqual({ job: 'varlogs', host: 'a' });
    expect(push.streams[0]!.entries[0]).toMatchObject({ timeUnixNano: 1760000000123456789n, line: 'first' });
    expect({ ...push.streams[0]!.entries[0]!.metadata }).toEqual({ trace_id: 'abc' });
    expect(push.streams[0]!.entries[1]!.line).toBe('zweite Zeile ✓');
    expect(push.streams[0]!.entries[1]!.metadata).toBeUndefined();
  });

  it('reads an empty request as no streams', () => {
    expect(decodeLokiProtobuf(new Uint8Array())).toEqual({ streams: [], entries: 0 });
  });

  it.each([
    ['a truncated stream', () => new Uint8Array([0x0a, 0x10, 0x0a]), /at streams\[0\], byte offset \d+: .*(truncated|runs past)/],
    ['a wrong wire type for streams', () => new Uint8Array([0x08, 0x01]), /at \(top level\).*wrong wire type 0 for streams/],
    ['invalid UTF-8 in a line', () => pushRequest((w) => { w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).bytes(new Uint8Array([0xff, 0xfe])).ldelim().ldelim(); }), /at streams\[0\]\.entries\[0\]\.line.*the line is not valid UTF-8/],
    ['nanos out of range', () => pushRequest((w) => stream(w, '{a="b"}', [{ seconds: 1, nanos: 2_000_000_000, line: 'x' }])), /entries\[0\]\.timestamp.*nanos 2000000000 is outside 0\.\.999999999/],
    ['bad labels', () => pushRequest((w) => stream(w, 'job', [])), /at streams\[0\]\.labels.*expected '\{'/],
    ['an invalid label name', () => pushRequest((w) => stream(w, '{x-y="b"}', [])), /streams\[0\]\.labels.*expected '=' after label x at character 2/],
  ])('refuses %s, saying where', (_what, bytes, message) => {
    let error: unknown;
    try {
      decodeLokiProtobuf(bytes());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LokiDecodeError);
    expect((error as Error).message).toMatch(/^invalid Loki push protobuf at /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('decodeLokiJson', () => {
  it('reads streams with and without structured metadata', () => {
    const push = decodeLokiJson(JSON.stringify({ streams: [{ stream: { app: 'x' }, values: [['1760000000000000001', 'a', { k: 'v' }], ['2', 'b']] }] }));
    expect(push.entries).toBe(2);
    expect(push.streams[0]!.entries[0]).toMatchObject({ timeUnixNano: 1760000000000000001n, line: 'a' });
    expect({ ...push.streams[0]!.entries[0]!.metadata }).toEqual({ k: 'v' });
  });

  it.each([
    ['[]', /at \(top level\): expected an object, got an array/],
    ['{}', /at streams: expected an array, got undefined/],
    ['{"streams":[1]}', /at streams\[0\]: expected an object, got number 1/],
    ['{"streams":[{"stream":[],"values":[]}]}', /at streams\[0\]\.stream: expected an object of label names/],
    ['{"streams":[{"stream":{},"values":{}}]}', /at streams\[0\]\.values: expected an array of \[timestamp, line\] pairs/],
    ['{"streams":[{"stream":{},"values":[["1"]]}]}', /at streams\[0\]\.values\[0\]: expected \["<unix ns>", "<line>"\]/],
    ['{"streams":[{"stream":{},"values":[["1.5","x"]]}]}', /values\[0\]\[0\]: the timestamp must be a string of nanoseconds/],
    ['{"streams":[{"stream":{},"values":[["1","x",{"k":1}]]}]}', /values\[0\]\[2\]\.k: a structured metadata value must be a string/],
    ['{"streams":[{"stream":{"bad-name":"x"},"values":[]}]}', /streams\[0\]\.stream: label name 'bad-name' is not valid/],
  ])('refuses %s, saying where and what to send', (text, message) => {
    expect(() => decodeLokiJson(text)).toThrow(message);
    expect(() => decodeLokiJson(text)).toThrow(/invalid Loki push JSON at /);
  });
});
