import { crc32 } from 'node:zlib';

/**
 * One entry of the write-ahead log on disk:
 *
 *   u32 LE  payload length
 *   u32 LE  CRC-32 of (sequence bytes + payload)
 *   u64 LE  sequence number (< 2^53)
 *   …       payload
 *
 * The checksum covers the sequence so that an entry copied to the wrong place, or a torn
 * write that happens to leave a plausible length, is caught; the length comes first so
 * that a scan can skip payloads without reading them twice.
 */
export const ENTRY_HEADER_BYTES = 16;

/** Largest payload one entry may hold: a batch bigger than this is refused, not written. */
export const MAX_ENTRY_PAYLOAD_BYTES = 256 * 1024 * 1024;

/**
 * The 16-byte header of an entry whose payload is `parts` written one after another.
 * The payload itself is not copied: the log writes the header and the parts with one
 * writev, so a 400 KB request body reaches the disk without two copies on the way.
 */
export function entryHeader(sequence: number, parts: readonly Uint8Array[]): Buffer {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`sequence ${sequence} is not a non-negative safe integer`);
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > MAX_ENTRY_PAYLOAD_BYTES) throw new RangeError(`payload of ${length} bytes is over ${MAX_ENTRY_PAYLOAD_BYTES}`);
  const header = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
  header.writeUInt32LE(length, 0);
  writeSequence(header, 8, sequence);
  let crc = crc32(header.subarray(8, ENTRY_HEADER_BYTES));
  for (const part of parts) crc = crc32(part, crc);
  header.writeUInt32LE(crc >>> 0, 4);
  return header;
}

/** A whole entry in one buffer (tests, tools): the same bytes the log writes. */
export function encodeEntry(sequence: number, payload: Uint8Array): Buffer {
  return Buffer.concat([entryHeader(sequence, [payload]), payload]);
}

export interface ScannedEntry {
  sequence: number;
  /** byte offsets in the scanned buffer */
  payloadStart: number;
  payloadEnd: number;
}

export type ScanProblem =
  /** the buffer ends inside an entry: a write that did not complete */
  | 'torn'
  /** the bytes of a complete entry do not match its checksum */
  | 'checksum'
  /** a length no writer would have written */
  | 'length'
  /** a sequence number that does not follow the previous one */
  | 'sequence';

export interface ScanResult {
  entries: ScannedEntry[];
  /** offset just after the last good entry: where a recovered log continues */
  validEnd: number;
  /** why the scan stopped before the end of the buffer; undefined when every byte was good */
  problem?: ScanProblem;
  /** the sequence number the next entry must carry */
  nextSequence: number;
}

/**
 * Reads entries from `buffer` starting at `offset` until the end or the first entry that
 * is not whole and correct. Pure: the caller decides what to do with a bad tail (the log
 * truncates it at open). `expectedSequence` is the sequence the first entry must carry,
 * or undefined to take whatever the first entry says.
 */
export function scanEntries(buffer: Uint8Array, offset = 0, expectedSequence?: number): ScanResult {
  const view = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const entries: ScannedEntry[] = [];
  let at = offset;
  let next = expectedSequence;
  while (at < view.length) {
    if (view.length - at < ENTRY_HEADER_BYTES) return { entries, validEnd: at, problem: 'torn', nextSequence: next ?? 0 };
    const length = view.readUInt32LE(at);
    if (length > MAX_ENTRY_PAYLOAD_BYTES) return { entries, validEnd: at, problem: 'length', nextSequence: next ?? 0 };
    const end = at + ENTRY_HEADER_BYTES + length;
    if (end > view.length) return { entries, validEnd: at, problem: 'torn', nextSequence: next ?? 0 };
    if (view.readUInt32LE(at + 4) !== checksum(view, at + 8, end)) return { entries, validEnd: at, problem: 'checksum', nextSequence: next ?? 0 };
    const sequence = readSequence(view, at + 8);
    if (next !== undefined && sequence !== next) return { entries, validEnd: at, problem: 'sequence', nextSequence: next };
    entries.push({ sequence, payloadStart: at + ENTRY_HEADER_BYTES, payloadEnd: end });
    next = sequence + 1;
    at = end;
  }
  return { entries, validEnd: at, nextSequence: next ?? 0 };
}

function checksum(buffer: Buffer, start: number, end: number): number {
  return crc32(buffer.subarray(start, end)) >>> 0;
}

function writeSequence(buffer: Buffer, at: number, sequence: number): void {
  buffer.writeUInt32LE(sequence % 0x1_0000_0000, at);
  buffer.writeUInt32LE(Math.floor(sequence / 0x1_0000_0000), at + 4);
}

function readSequence(buffer: Buffer, at: number): number {
  return buffer.readUInt32LE(at) + buffer.readUInt32LE(at + 4) * 0x1_0000_0000;
}
