import protobuf from 'protobufjs/minimal.js';

/** Reads a google.rpc.Status body (code = 1, message = 2) the way an exporter would. */
export function readStatus(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  let code = 0;
  let message = '';
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) code = reader.int32();
    else if (tag >>> 3 === 2) message = reader.string();
    else reader.skipType(tag & 7);
  }
  return { code, message };
}

/** Minimal protobuf writing for hand-made bad inputs. */
export function field(number: number, wireType: number): number[] {
  return varint((number << 3) | wireType);
}

export function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

export function lengthDelimited(number: number, payload: number[] | Uint8Array): number[] {
  return [...field(number, 2), ...varint(payload.length), ...payload];
}
