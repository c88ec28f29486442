/**
 * Reading an OTLP/HTTP exporter's answer, pure: which status codes are retried (the
 * OTLP specification: 429, 502, 503, 504), and the partial success inside a 200's
 * Export*ServiceResponse { partial_success = 1 { rejected_* = 1 (int64), error_message = 2 } }.
 */

export interface PartialSuccessAnswer {
  rejected: number;
  message: string;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** A base-128 varint at `at` → [value, next offset]; the value as a number (exact to 2^53). */
function varint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) throw new Error('truncated varint');
    const byte = buf[at++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, at];
    scale *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}

function skip(buf: Uint8Array, at: number, wireType: number): number {
  switch (wireType) {
    case 0:
      return varint(buf, at)[1];
    case 1:
      return at + 8;
    case 2: {
      const [len, next] = varint(buf, at);
      return next + len;
    }
    case 5:
      return at + 4;
    default:
      throw new Error(`unsupported wire type ${wireType}`);
  }
}

/**
 * The partial success of a protobuf export response; undefined for a full success (an
 * empty body or no field 1). Throws on a body that is not such a message.
 */
export function decodePartialSuccess(body: Uint8Array): PartialSuccessAnswer | undefined {
  let at = 0;
  let found: PartialSuccessAnswer | undefined;
  while (at < body.length) {
    const [tag, next] = varint(body, at);
    at = next;
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const [len, start] = varint(body, at);
      const end = start + len;
      if (end > body.length) throw new Error('partial_success runs past the end of the body');
      found = { rejected: 0, message: '' };
      let p = start;
      while (p < end) {
        const [t, n] = varint(body, p);
        p = n;
        if (t >>> 3 === 1 && (t & 7) === 0) [found.rejected, p] = varint(body, p);
        else if (t >>> 3 === 2 && (t & 7) === 2) {
          const [l, s] = varint(body, p);
          found.message = Buffer.from(body.subarray(s, s + l)).toString('utf8');
          p = s + l;
        } else p = skip(body, p, t & 7);
      }
      at = end;
    } else {
      at = skip(body, at, tag & 7);
    }
  }
  return found;
}
