/** UTF-8 checks of the log receivers' bodies. */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The 1-based line of the first invalid UTF-8 byte sequence, or 0 when the body is
 * valid UTF-8.
 */
export function firstInvalidUtf8Line(body: Buffer): number {
  if (isValidUtf8(body)) return 0;
  let line = 1;
  let start = 0;
  for (;;) {
    const end = body.indexOf(10, start);
    const slice = body.subarray(start, end < 0 ? body.length : end);
    if (!isValidUtf8(slice)) return line;
    if (end < 0) return line;
    start = end + 1;
    line++;
  }
}
