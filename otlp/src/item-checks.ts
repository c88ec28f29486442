/**
 * Per-item validity rules shared by the protobuf and JSON decoders. An item that breaks
 * one is left out of the decoded data and reported through OTLP partial_success; the
 * rest of the request is kept.
 */

export const ZERO_TRACE_ID = '00000000000000000000000000000000';
export const ZERO_SPAN_ID = '0000000000000000';

/**
 * Why an id is unusable, or '' when it is fine. `bytes` is the decoded length;
 * `required` ids must be present and not all zeros, optional ones may be empty.
 */
export function idProblem(
  name: string,
  hexValue: string,
  bytes: number,
  expected: 16 | 8,
  required: boolean,
): string {
  if (bytes === 0 && !required) return '';
  if (bytes !== expected) {
    return bytes === 0
      ? `${name} is missing (must be ${expected} bytes)`
      : `${name} must be ${expected} bytes, got ${bytes}`;
  }
  if (required && hexValue === (expected === 16 ? ZERO_TRACE_ID : ZERO_SPAN_ID)) {
    return `${name} must not be all zeros`;
  }
  return '';
}

export function enumProblem(name: string, value: number, max: number, enumName: string): string {
  if (value >= 0 && value <= max) return '';
  return `${name} ${value} is not a valid ${enumName} (0-${max})`;
}

/** Histogram data point rules from the OTLP data model. */
export function histogramProblem(
  names: { bucketCounts: string; explicitBounds: string; count: string },
  count: number,
  bucketCounts: readonly number[],
  explicitBounds: readonly number[],
): string {
  if (bucketCounts.length === 0) {
    return explicitBounds.length === 0
      ? ''
      : `${names.bucketCounts} is empty but ${names.explicitBounds} has ${explicitBounds.length} bound(s); send ${explicitBounds.length + 1} bucket counts or no bounds`;
  }
  if (bucketCounts.length !== explicitBounds.length + 1) {
    return `${names.bucketCounts} has ${bucketCounts.length} bucket(s) but ${names.explicitBounds} has ${explicitBounds.length} bound(s); there must be exactly one more bucket than bounds`;
  }
  for (let i = 0; i < explicitBounds.length; i++) {
    const b = explicitBounds[i];
    if (Number.isNaN(b) || (i > 0 && !(b > explicitBounds[i - 1]))) {
      return `${names.explicitBounds} must be strictly increasing numbers, got ${explicitBounds[i - 1]} then ${b} at index ${i}`;
    }
  }
  let total = 0;
  for (const c of bucketCounts) total += c;
  if (total !== count) {
    return `${names.count} is ${count} but ${names.bucketCounts} add up to ${total}; they must be equal`;
  }
  return '';
}

/** Exponential histogram rules: valid scale and counts that add up. */
export function exponentialHistogramProblem(
  names: { scale: string; count: string },
  scale: number,
  count: number,
  zeroCount: number,
  positive: readonly number[],
  negative: readonly number[],
): string {
  if (scale < -10 || scale > 20) return `${names.scale} ${scale} is outside the valid range -10..20`;
  let total = zeroCount;
  for (const c of positive) total += c;
  for (const c of negative) total += c;
  if (total !== count) {
    return `${names.count} is ${count} but the zero count plus the positive and negative bucket counts add up to ${total}; they must be equal`;
  }
  return '';
}

export function quantileProblem(name: string, quantile: number): string {
  if (quantile >= 0 && quantile <= 1) return '';
  return `${name} ${quantile} is outside 0..1`;
}
