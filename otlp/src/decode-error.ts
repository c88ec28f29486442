/**
 * Errors and results of OTLP decoding.
 *
 * Whole-request problems throw `OtlpDecodeError` (the receiver answers 400); problems of
 * one span, data point or log record only drop that item and are reported through
 * `DecodeResult.rejected` / `rejectedMessage` (the receiver answers with OTLP
 * partial_success).
 */

export class OtlpDecodeError extends Error {
  /** where: a protobuf field path (`resource_spans[0].scope_spans[1].spans[3].name`) or a JSON path */
  readonly path: string;
  /** byte offset in the request body (protobuf only) */
  readonly offset?: number;

  constructor(message: string, path: string, offset?: number) {
    super(message);
    this.name = 'OtlpDecodeError';
    this.path = path;
    if (offset !== undefined) this.offset = offset;
  }
}

export interface DecodeResult<T> {
  data: T;
  /** spans, data points or log records accepted */
  items: number;
  /** items left out of `data` because they were invalid */
  rejected: number;
  /** the first few reasons with their paths; '' when nothing was rejected */
  rejectedMessage: string;
}

/**
 * A fault found while decoding, before its full path is known. Decoders catch it on the
 * way out and prepend their path segment, so the happy path pays nothing for paths.
 */
export class DecodeFault {
  readonly segments: string[] = [];
  constructor(
    readonly what: string,
    readonly hint: string,
    readonly offset: number,
  ) {}
}

/** Joins path segments: names get a dot, `[i]` indexes attach directly. */
export function joinPath(segments: readonly string[]): string {
  let path = '';
  for (const s of segments) {
    if (s.startsWith('[') || path === '') path += s;
    else path += '.' + s;
  }
  return path;
}

const MAX_REASONS = 5;

/** Collects per-item rejections for OTLP partial_success. */
export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];

  add(reason: string): void {
    this.count++;
    if (this.reasons.length < MAX_REASONS) this.reasons.push(reason);
  }

  message(): string {
    if (this.count === 0) return '';
    const more = this.count - this.reasons.length;
    return this.reasons.join('; ') + (more > 0 ? `; and ${more} more` : '');
  }
}

/** Adds a path segment to a fault on its way out; anything else (a bug) passes untouched. */
export function addSegment(e: unknown, segment: string): unknown {
  if (e instanceof DecodeFault) e.segments.unshift(segment);
  return e;
}
