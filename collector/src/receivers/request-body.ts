import { gunzip, gunzipSync, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** Bodies up to this size are decompressed synchronously: cheaper than a thread-pool hop. */
const SYNC_DECOMPRESS_LIMIT = 256 * 1024;

/** A request problem found before ingest: the status, the self-metric reason and what to tell the sender. */
export class RequestBodyError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

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
    throw new RequestBodyError(415, 'unsupported_encoding', `Content-Encoding '${coding}' is not supported; use gzip, deflate or identity`);
  }
  const options = { maxOutputLength: limit };
  const small = body.length <= SYNC_DECOMPRESS_LIMIT;
  try {
    if (coding === 'deflate') return small ? inflateSync(body, options) : await inflateAsync(body, options);
    return small ? gunzipSync(body, options) : await gunzipAsync(body, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new RequestBodyError(413, 'too_large', `body decompresses to more than ${limit} bytes (${configKey}); send smaller batches`);
    }
    throw new RequestBodyError(400, 'malformed', `body is not valid ${coding} data (${(error as Error).message}); check Content-Encoding`);
  }
}
