import { gunzip, gunzipSync, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import { refusal } from '../core/errors.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** Bodies up to this size are decompressed synchronously: cheaper than a thread-pool hop. */
const SYNC_DECOMPRESS_LIMIT = 256 * 1024;

/**
 * gzip/deflate bodies of every HTTP receiver, bounded after decompression so a gzip bomb
 * stops at `limit`; `configKey` names that limit in the 413 message.
 */
export async function decompressBody(
  body: Buffer,
  contentEncoding: string | undefined,
  limit: number,
  configKey: string,
): Promise<Buffer> {
  const coding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== 'deflate') {
    throw refusal('unsupported_encoding', { detail: `Content-Encoding '${coding}' is not supported; use gzip, deflate or identity` });
  }
  const options = { maxOutputLength: limit };
  const small = body.length <= SYNC_DECOMPRESS_LIMIT;
  try {
    if (coding === 'deflate') return small ? inflateSync(body, options) : await inflateAsync(body, options);
    return small ? gunzipSync(body, options) : await gunzipAsync(body, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw refusal('decompressed_too_large', { limit, configKey });
    }
    throw refusal('malformed', { detail: `body is not valid ${coding} data (${(error as Error).message}); check Content-Encoding` });
  }
}
