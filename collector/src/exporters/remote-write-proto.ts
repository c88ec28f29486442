/**
 * Prometheus remote write 1.0 wire format, written from the specification, pure:
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // ms since the epoch
 *
 * Labels are sorted by name with `__name__` among them and no empty values; samples of
 * a series are in timestamp order. The body is then snappy block-compressed.
 */
import type { PromLabels } from './prom-conversion.ts';

export interface RemoteWriteSample {
  value: number;
  timestampMs: number;
  /** Prometheus' staleness marker (a NaN with its own bit pattern): the series ended */
  stale?: boolean;
}

export interface RemoteWriteSeries {
  /** sorted by name, `__name__` included */
  labels: PromLabels;
  /** the labels already encoded by encodeLabels() (a series' labels rarely change: encode once) */
  encodedLabels?: Uint8Array;
  samples: RemoteWriteSample[];
}

/** The bits of Prometheus' stale NaN: 0x7ff0000000000002. */
export const STALE_NAN_HIGH = 0x7ff00000;
export const STALE_NAN_LOW = 0x00000002;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

class Writer {
  private readonly view: DataView;
  at = 0;
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  byte(b: number): void {
    this.buf[this.at++] = b;
  }
  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.at++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.at++] = n;
  }
  string(text: string, bytes: number): void {
    this.varint(bytes);
    this.buf.write(text, this.at, bytes, 'utf8');
    this.at += bytes;
  }
  bytes(data: Uint8Array): void {
    this.buf.set(data, this.at);
    this.at += data.byteLength;
  }
  double(value: number, stale: boolean): void {
    if (stale) {
      this.view.setUint32(this.at, STALE_NAN_LOW, true);
      this.view.setUint32(this.at + 4, STALE_NAN_HIGH, true);
    } else {
      this.view.setFloat64(this.at, value, true);
    }
    this.at += 8;
  }
}

function writeLabels(w: Writer, labels: PromLabels, sizes: ReadonlyArray<[number, number]>): void {
  labels.forEach(([name, value], j) => {
    const [n, v] = sizes[j]!;
    w.byte(0x0a); // TimeSeries.labels = 1
    w.varint(1 + varintSize(n) + n + 1 + varintSize(v) + v);
    w.byte(0x0a); // Label.name = 1
    w.string(name, n);
    w.byte(0x12); // Label.value = 2
    w.string(value, v);
  });
}

/** A series' labels as the TimeSeries.labels fields, to be reused as `encodedLabels`. */
export function encodeLabels(labels: PromLabels): Uint8Array {
  const sizes: Array<[number, number]> = labels.map(([name, value]) => [Buffer.byteLength(name, 'utf8'), Buffer.byteLength(value, 'utf8')]);
  let total = 0;
  for (const [n, v] of sizes) {
    const label = 1 + varintSize(n) + n + 1 + varintSize(v) + v;
    total += 1 + varintSize(label) + label;
  }
  const w = new Writer(Buffer.alloc(total));
  writeLabels(w, labels, sizes);
  return new Uint8Array(w.buf.buffer, w.buf.byteOffset, w.at);
}

function int64Size(n: number): number {
  // negative int64 timestamps take 10 bytes (two's complement); Prometheus times are positive
  return n < 0 ? 10 : varintSize(n);
}

/** Encodes a WriteRequest. Timestamps must be integers of ms (negative ones are refused). */
export function encodeWriteRequest(series: readonly RemoteWriteSeries[]): Uint8Array {
  // pass 1: sizes
  const seriesSizes: number[] = [];
  const labelBytes: Array<Array<[number, number]>> = [];
  let total = 0;
  for (const s of series) {
    let size = 0;
    const lb: Array<[number, number]> = [];
    if (s.encodedLabels) size += s.encodedLabels.byteLength;
    else for (const [name, value] of s.labels) {
      const n = Buffer.byteLength(name, 'utf8');
      const v = Buffer.byteLength(value, 'utf8');
      lb.push([n, v]);
      const label = 1 + varintSize(n) + n + 1 + varintSize(v) + v;
      size += 1 + varintSize(label) + label;
    }
    for (const sample of s.samples) {
      if (sample.timestampMs < 0 || !Number.isInteger(sample.timestampMs)) {
        throw new Error(`remote write: sample timestamp ${sample.timestampMs} is not a non-negative integer of ms`);
      }
      const body = 9 + 1 + int64Size(sample.timestampMs);
      size += 1 + varintSize(body) + body;
    }
    seriesSizes.push(size);
    labelBytes.push(lb);
    total += 1 + varintSize(size) + size;
  }
  // pass 2: bytes
  const w = new Writer(Buffer.allocUnsafe(total));
  series.forEach((s, i) => {
    w.byte(0x0a); // WriteRequest.timeseries = 1, length-delimited
    w.varint(seriesSizes[i]!);
    if (s.encodedLabels) w.bytes(s.encodedLabels);
    else writeLabels(w, s.labels, labelBytes[i]!);
    for (const sample of s.samples) {
      w.byte(0x12); // TimeSeries.samples = 2
      w.varint(9 + 1 + int64Size(sample.timestampMs));
      w.byte(0x09); // Sample.value = 1, fixed64
      w.double(sample.value, sample.stale === true);
      w.byte(0x10); // Sample.timestamp = 2, varint
      w.varint(sample.timestampMs);
    }
  });
  return new Uint8Array(w.buf.buffer, w.buf.byteOffset, w.at);
}
