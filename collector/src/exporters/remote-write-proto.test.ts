import protobuf from 'protobufjs/minimal.js';
import { compress, uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { labelsKey, seriesLabels, shardOf, toSeries, type RemoteWriteEntry } from './remote-write-exporter.ts';
import { encodeLabels, encodeWriteRequest, type RemoteWriteSeries } from './remote-write-proto.ts';

/** A generic protobuf walk (no schema, no generated code) back into the remote-write shape. */
function decode(buf: Uint8Array): Array<{ labels: Array<[string, string]>; samples: Array<{ value: number; bits: string; ts: number }> }> {
  const r = protobuf.Reader.create(buf);
  const out: ReturnType<typeof decode> = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    expect(tag).toBe(0x0a);
    const end = r.uint32() + r.pos;
    const series: (typeof out)[number] = { labels: [], samples: [] };
    while (r.pos < end) {
      const t = r.uint32();
      const len = r.uint32();
      const stop = r.pos + len;
      if (t === 0x0a) {
        let name = '';
        let value = '';
        while (r.pos < stop) {
          const lt = r.uint32();
          if (lt === 0x0a) name = r.string();
          else if (lt === 0x12) value = r.string();
          else throw new Error(`label tag ${lt}`);
        }
        series.labels.push([name, value]);
      } else if (t === 0x12) {
        let value = 0;
        let bits = '';
        let ts = 0;
        while (r.pos < stop) {
          const st = r.uint32();
          if (st === 0x09) {
            bits = Buffer.from(buf.subarray(r.pos, r.pos + 8)).reverse().toString('hex');
            value = r.double();
          } else if (st === 0x10) ts = Number(r.int64().toString());
          else throw new Error(`sample tag ${st}`);
        }
        series.samples.push({ value, bits, ts });
      } else throw new Error(`series tag ${t}`);
    }
    out.push(series);
  }
  return out;
}

describe('remote write 1.0 encoding', () => {
  it('writes series with labels, doubles and ms timestamps, stale markers with their own NaN bits', () => {
    const series: RemoteWriteSeries[] = [
      {
        labels: [['__name__', 'http_requests_total'], ['job', 'shop'], ['route', '/ä']],
        samples: [
          { value: 1.5, timestampMs: 1_700_000_000_123 },
          { value: 2, timestampMs: 1_700_000_001_000 },
        ],
      },
      { labels: [['__name__', 'up']], samples: [{ value: 0, timestampMs: 5, stale: true }] },
    ];
    const decoded = decode(encodeWriteRequest(series));
    expect(decoded).toEqual([
      {
        labels: [['__name__', 'http_requests_total'], ['job', 'shop'], ['route', '/ä']],
        samples: [
          { value: 1.5, bits: '3ff8000000000000', ts: 1_700_000_000_123 },
          { value: 2, bits: '4000000000000000', ts: 1_700_000_001_000 },
        ],
      },
      { labels: [['__name__', 'up']], samples: [{ value: NaN, bits: '7ff0000000000002', ts: 5 }] },
    ]);
    // labels encoded once per series give the same bytes
    const cached = series.map((x) => ({ ...x, encodedLabels: encodeLabels(x.labels) }));
    expect(Buffer.from(encodeWriteRequest(cached)).equals(Buffer.from(encodeWriteRequest(series)))).toBe(true);
    // snappy block format round trip, as the receiver reads it
    const body = encodeWriteRequest(series);
    expect(Buffer.from(uncompress(compress(body))).equals(Buffer.from(body))).toBe(true);
  });

  it('refuses a timestamp that is not whole non-negative ms', () => {
    expect(() => encodeWriteRequest([{ labels: [['__name__', 'x']], samples: [{ value: 1, timestampMs: 1.5 }] }])).toThrow(/not a non-negative integer of ms/);
    expect(() => encodeWriteRequest([{ labels: [['__name__', 'x']], samples: [{ value: 1, timestampMs: -1 }] }])).toThrow(/not a non-negative integer/);
  });

  it('sorts labels with __name__, adds external labels a series lacks, drops empty values', () => {
    expect(seriesLabels('m', [['zone', 'a'], ['cluster', 'own'], ['empty', '']], { cluster: 'eu-1', region: 'eu' })).toEqual([
      ['__name__', 'm'],
      ['cluster', 'own'],
      ['region', 'eu'],
      ['zone', 'a'],
    ]);
    expect(seriesLabels('m', { b: '1', a: '2' }, {})).toEqual([['__name__', 'm'], ['a', '2'], ['b', '1']]);
  });

  it('groups a batch by series with samples in timestamp order, and keeps a series on one shard', () => {
    const labels = seriesLabels('g', { k: 'v' }, {});
    const other = seriesLabels('g', { k: 'w' }, {});
    const e = (l: typeof labels, value: number, timestampMs: number): RemoteWriteEntry => ({ key: labelsKey(l), labels: l, value, timestampMs, stale: false });
    const grouped = toSeries([e(labels, 3, 300), e(other, 1, 100), e(labels, 1, 100), e(labels, 2, 200)]);
    expect(grouped.map((s) => s.samples.map((x) => x.value))).toEqual([[1, 2, 3], [1]]);
    expect(shardOf(labelsKey(labels), 8)).toBe(shardOf(labelsKey(seriesLabels('g', { k: 'v' }, {})), 8));
    const spread = new Set(Array.from({ length: 64 }, (_, i) => shardOf(labelsKey(seriesLabels('g', { k: String(i) }, {})), 4)));
    expect(spread.size).toBe(4);
  });
});
