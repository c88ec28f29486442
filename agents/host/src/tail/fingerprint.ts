import { createHash } from 'node:crypto';

/**
 * What a file starts with: a hash of its first line (up to `maxBytes`). Together with
 * (device, inode) it names a file, so that an inode the kernel reused for a new file is
 * not mistaken for the old one, and a copy logrotate made can be recognised.
 */
export interface Fingerprint {
  /** how many leading bytes the hash covers */
  bytes: number;
  /** sha256 of those bytes, hex, first 32 characters */
  hash: string;
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/**
 * The fingerprint of a file whose first bytes are `head` (as many as the file has, up to
 * `maxBytes`), or undefined while it cannot be fixed yet: the first line is incomplete
 * and shorter than `maxBytes`. Once defined it never changes while the file only grows.
 */
export function fingerprintOf(head: Uint8Array, maxBytes: number): Fingerprint | undefined {
  const limit = Math.min(head.length, maxBytes);
  const newline = head.subarray(0, limit).indexOf(0x0a);
  const bytes = newline >= 0 ? newline + 1 : head.length >= maxBytes ? maxBytes : -1;
  if (bytes < 0) return undefined;
  return { bytes, hash: hashBytes(head.subarray(0, bytes)) };
}

/** Whether a file whose first `fingerprint.bytes` bytes are `head` still starts as fingerprinted. */
export function fingerprintMatches(fingerprint: Fingerprint, head: Uint8Array): boolean {
  return head.length >= fingerprint.bytes && hashBytes(head.subarray(0, fingerprint.bytes)) === fingerprint.hash;
}
