/**
 * Admission before work (issue 12, defects 2 and 4). A receiver used to read, inflate
 * and decode a whole body before asking the queue, so a refusal cost as much as an
 * acceptance and overload was not shed. Admission decides when the request's headers
 * arrive, from `Content-Length`, in microseconds of CPU:
 *
 * - queue headroom: the queue's items or bytes are at their bound, or the declared
 *   body would not fit in the bytes left → 429 `queue_full`;
 * - in-flight memory budget: bodies being read and decoded now (each charged its
 *   declared length, or the route's body limit when it declares none) may not exceed
 *   `maxInFlightBytes` → 429 `memory_budget`.
 *
 * An admitted request holds its charge until its answer is sent or its connection
 * closes. Pure: no I/O, no clock.
 */

export interface AdmissionLimits {
  /** bodies being read or decoded, at most this many bytes together */
  maxInFlightBytes: number;
  /** the pipeline queue's bounds */
  queueMaxItems: number;
  queueMaxBytes: number;
}

export interface QueueDepth {
  items: number;
  bytes: number;
}

export type AdmissionDecision =
  | { admitted: true; charge: number }
  | { admitted: false; reason: 'queue_full' | 'memory_budget'; retryAfterSeconds: number; message: string };

export class Admission {
  private inFlightBytes = 0;
  private inFlightRequests = 0;
  /** the last decision was a refusal, and nothing was admitted or released since */
  private refusing = false;

  constructor(private readonly limits: AdmissionLimits) {}

  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  get requestsInFlight(): number {
    return this.inFlightRequests;
  }

  /**
   * Decides on a request from its declared body size (undefined: chunked, charged
   * `bodyLimit`) and the queue's depth now. An admitted request must be `release`d with
   * the returned charge exactly once.
   */
  admit(declaredBytes: number | undefined, bodyLimit: number, queue: QueueDepth): AdmissionDecision {
    const charge = declaredBytes !== undefined && Number.isFinite(declaredBytes) && declaredBytes >= 0 ? Math.min(declaredBytes, bodyLimit) : bodyLimit;
    const { queueMaxItems, queueMaxBytes, maxInFlightBytes } = this.limits;
    const queueFill = Math.max(queue.items / queueMaxItems, queue.bytes / queueMaxBytes);
    // As the queue does: an empty queue takes any batch, so one large request is never refused for ever.
    const queueEmpty = queue.items === 0 && queue.bytes === 0;
    if (!queueEmpty && (queue.items >= queueMaxItems || queue.bytes + charge > queueMaxBytes)) {
      this.refusing = true;
      const retryAfterSeconds = retryAfter(queueFill);
      return {
        admitted: false,
        reason: 'queue_full',
        retryAfterSeconds,
        message: `pipeline queue is full; retry after ${retryAfterSeconds} s (${queue.items} items, ${queue.bytes} bytes waiting)`,
      };
    }
    // Nothing in flight: admit, so a body larger than the budget alone still gets through.
    if (this.inFlightRequests > 0 && this.inFlightBytes + charge > maxInFlightBytes) {
      this.refusing = true;
      const retryAfterSeconds = retryAfter(this.inFlightBytes / maxInFlightBytes);
      return {
        admitted: false,
        reason: 'memory_budget',
        retryAfterSeconds,
        message: `the collector is reading ${this.inFlightRequests} requests (${this.inFlightBytes} bytes, budget pipeline.admission.maxInFlightBytes = ${maxInFlightBytes}); retry after ${retryAfterSeconds} s`,
      };
    }
    this.inFlightBytes += charge;
    this.inFlightRequests++;
    this.refusing = false;
    return { admitted: true, charge };
  }

  release(charge: number): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes - charge);
    this.inFlightRequests = Math.max(0, this.inFlightRequests - 1);
    this.refusing = false;
  }

  /**
   * Whether new work is being refused (for /readyz, so a load balancer can steer): the
   * queue or the budget is at its bound, or the last request was refused and nothing
   * has been admitted or finished since.
   */
  overloaded(queue: QueueDepth): boolean {
    const { queueMaxItems, queueMaxBytes, maxInFlightBytes } = this.limits;
    if (queue.items >= queueMaxItems || queue.bytes >= queueMaxBytes || this.inFlightBytes >= maxInFlightBytes) return true;
    return this.refusing;
  }
}

/** 1..5 s, longer the fuller: clients spread their retries instead of coming back together. */
function retryAfter(fill: number): number {
  return Math.min(5, Math.max(1, Math.ceil(fill * 2)));
}

/** `Content-Length` as a number; undefined when absent or not a plain decimal (chunked, malformed). */
export function declaredLength(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/**
 * Whether a body arrives too slowly: after `graceMs`, fewer than `minBytesPerSecond` on
 * average since the headers. A client trickling a few bytes a second would otherwise
 * hold its admission charge, a socket and a half-read body until `requestTimeout`.
 */
export function bodyTooSlow(receivedBytes: number, elapsedMs: number, graceMs: number, minBytesPerSecond: number): boolean {
  if (minBytesPerSecond <= 0 || elapsedMs <= graceMs) return false;
  return receivedBytes < (minBytesPerSecond * elapsedMs) / 1000;
}
