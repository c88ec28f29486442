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
 *   `maxInFlightBytes` → 429 `memory_budget`;
 * - CPU: the event loop lags more than `maxEventLoopLagMs` while other requests are in
 *   flight → 429 `event_loop_lag` (when the CPU is the bottleneck, taking more work
 *   only makes every answer later);
 *   more than `maxConcurrentRequests` requests of one listener (HTTP, gRPC) whose
 *   bodies have arrived and are not yet answered → 429 `concurrency`. A request whose
 *   body is still arriving does not count (`bodyPending`, then `bodyArrived`): the limit
 *   bounds the work waiting for the one event loop, and a few dozen clients trickling
 *   their bodies must not take every slot (they are bounded by the memory budget and
 *   the slow-body cut-off instead);
 * - disk: under durability disk, an entry appended now would wait more than
 *   `maxSyncWaitMs` for the write-ahead log's sync (its unsynced bytes at the disk's recent
 *   rate) while other requests are in flight → 429 `disk_backlog`. The disk, not the CPU,
 *   is then the bottleneck: an admitted request's acknowledgement waits behind every
 *   unsynced byte, so taking more only makes every answer later.
 *
 * Fairness: the throughput refusals (lag, concurrency, disk) protect the collector from the clients
 * that send most; a client with nothing in flight (its tenant token, or its address)
 * is still admitted past them, within a small reserve (an eighth of
 * `maxConcurrentRequests`, at least 4), so a light client keeps its share under a
 * heavy one's overload. The queue and memory bounds are never passed for it.
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
  /** admitted and unanswered requests per listener whose bodies have arrived, at most; unlimited when absent */
  maxConcurrentRequests?: number;
  /** refuse while the event loop lags more than this (ms); never when absent */
  maxEventLoopLagMs?: number;
  /** refuse while an append would wait more than this (ms) for the write-ahead log's sync; never when absent */
  maxSyncWaitMs?: number;
}

/** What admission knows of the process's load besides its own counts. */
export interface AdmissionLoad {
  /** the listener the request came in on, for its concurrency limit (default 'http') */
  listener?: string;
  /** the event loop's lag now, ms (receivers/event-loop-lag.ts) */
  eventLoopLagMs?: number;
  /** who sends it (its Authorization header, or its remote address), for fairness; none: no reserve */
  client?: string;
  /** how long an append would wait for the write-ahead log's sync now, ms (durability disk); 0 or absent: no wait */
  syncWaitMs?: number;
  /**
   * Its body is still to arrive (an HTTP request decided from its headers): it counts
   * toward the concurrency limit only from `bodyArrived`. Absent: it counts at once (a
   * gRPC message, an injected request).
   */
  bodyPending?: boolean;
}

export interface QueueDepth {
  items: number;
  bytes: number;
}

export type AdmissionDecision =
  | { admitted: true; charge: number; client?: string; reserved?: boolean; pending?: true }
  | { admitted: false; reason: 'queue_full' | 'memory_budget' | 'concurrency' | 'event_loop_lag' | 'disk_backlog'; retryAfterSeconds: number; message: string };

export class Admission {
  private inFlightBytes = 0;
  private inFlightRequests = 0;
  private readonly perListener = new Map<string, number>();
  /** of those, the requests whose bodies have arrived: what the concurrency limit counts */
  private readonly arrivedPerListener = new Map<string, number>();
  /** admitted and unanswered requests per client (only those that named one) */
  private readonly perClient = new Map<string, number>();
  /** requests admitted past a throughput refusal (CPU, disk) because their client had nothing in flight */
  private reservedInFlight = 0;
  private readonly reserve: number;
  /** the lag the last decision saw, for /readyz */
  private lastLagMs = 0;
  /** the sync wait the last decision saw, for /readyz */
  private lastSyncWaitMs = 0;
  /** the last decision was a refusal, and nothing was admitted or released since */
  private refusing = false;

  constructor(private readonly limits: AdmissionLimits) {
    this.reserve = Math.max(4, Math.floor((limits.maxConcurrentRequests ?? 32) / 8));
  }

  /** Requests admitted past a throughput refusal (lag, concurrency, disk) because their client had nothing in flight. */
  get reservedRequestsInFlight(): number {
    return this.reservedInFlight;
  }

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
  admit(declaredBytes: number | undefined, bodyLimit: number, queue: QueueDepth, load: AdmissionLoad = {}): AdmissionDecision {
    const { maxConcurrentRequests, maxEventLoopLagMs, maxSyncWaitMs } = this.limits;
    const lag = load.eventLoopLagMs ?? 0;
    this.lastLagMs = lag;
    const syncWait = load.syncWaitMs ?? 0;
    this.lastSyncWaitMs = syncWait;
    // (lag and concurrency refusals leave `refusing` alone: overloaded() reads them live,
    // so /readyz turns ready as soon as they are gone, with no request needed to clear it)
    // A lone request is never refused for lag (as an empty queue takes any batch): with
    // nothing in flight the lag is someone else's work, and refusing would not shed it.
    const listener = load.listener ?? 'http';
    const concurrent = this.arrivedPerListener.get(listener) ?? 0;
    let throughputRefusal: Extract<AdmissionDecision, { admitted: false }> | undefined;
    if (maxEventLoopLagMs !== undefined && lag > maxEventLoopLagMs && this.inFlightRequests > 0) {
      const retryAfterSeconds = Math.min(5, Math.max(1, Math.ceil(lag / 1000)));
      throughputRefusal = {
        admitted: false,
        reason: 'event_loop_lag',
        retryAfterSeconds,
        message: `the collector is CPU-bound (event loop ${Math.round(lag)} ms late, limit pipeline.admission.maxEventLoopLag = ${maxEventLoopLagMs} ms); retry after ${retryAfterSeconds} s`,
      };
    } else if (maxConcurrentRequests !== undefined && concurrent >= maxConcurrentRequests) {
      throughputRefusal = concurrencyRefusal(listener, concurrent, maxConcurrentRequests);
    } else if (maxSyncWaitMs !== undefined && syncWait > maxSyncWaitMs && this.inFlightRequests > 0) {
      throughputRefusal = this.diskRefusal(syncWait, maxSyncWaitMs);
    }
    // Fairness: a client with nothing in flight passes a throughput refusal (CPU, disk), within the reserve.
    const client = load.client;
    const reserved = throughputRefusal !== undefined && client !== undefined && !this.perClient.has(client) && this.reservedInFlight < this.reserve;
    if (throughputRefusal && !reserved) return throughputRefusal;
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
    this.perListener.set(listener, (this.perListener.get(listener) ?? 0) + 1);
    const pending = load.bodyPending === true;
    if (!pending) this.arrivedPerListener.set(listener, concurrent + 1);
    this.refusing = false;
    if (client === undefined) return pending ? { admitted: true, charge, pending } : { admitted: true, charge };
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    if (reserved) this.reservedInFlight++;
    return pending ? { admitted: true, charge, client, reserved, pending } : { admitted: true, charge, client, reserved };
  }

  /**
   * The body of a request admitted with `bodyPending` has arrived. It counts toward the
   * concurrency limit from now — unless the limit is reached (and it was not admitted on
   * the fairness reserve): then it is not counted and the refusal is returned, for the
   * caller to answer 429 before decoding it (release it later with `arrived` false).
   * Large bodies that took long to arrive otherwise all reach the decoder together.
   */
  bodyArrived(listener = 'http', reserved = false, syncWaitMs = 0): Extract<AdmissionDecision, { admitted: false }> | undefined {
    const { maxConcurrentRequests, maxSyncWaitMs } = this.limits;
    const concurrent = this.arrivedPerListener.get(listener) ?? 0;
    if (maxConcurrentRequests !== undefined && concurrent >= maxConcurrentRequests && !reserved) return concurrencyRefusal(listener, concurrent, maxConcurrentRequests);
    // the disk may have fallen behind while the body arrived, as the listener may have filled
    if (maxSyncWaitMs !== undefined && syncWaitMs > maxSyncWaitMs && concurrent > 0 && !reserved) return this.diskRefusal(syncWaitMs, maxSyncWaitMs);
    this.arrivedPerListener.set(listener, concurrent + 1);
    return undefined;
  }

  private diskRefusal(syncWaitMs: number, maxSyncWaitMs: number): Extract<AdmissionDecision, { admitted: false }> {
    const retryAfterSeconds = Math.min(5, Math.max(1, Math.ceil(syncWaitMs / 1000)));
    return {
      admitted: false,
      reason: 'disk_backlog',
      retryAfterSeconds,
      message: `the write-ahead log's disk is behind: a batch would wait ${Math.round(syncWaitMs)} ms to be synced (limit pipeline.wal.maxSyncWait = ${maxSyncWaitMs} ms); retry after ${retryAfterSeconds} s`,
    };
  }

  /**
   * Gives back an admitted request's charge (once), on the listener it was admitted on;
   * with the client and reserve flag of its decision when it named a client, and
   * `arrived` false for a request admitted with `bodyPending` whose body never arrived.
   */
  release(charge: number, listener = 'http', client?: string, reserved = false, arrived = true): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes - charge);
    this.inFlightRequests = Math.max(0, this.inFlightRequests - 1);
    this.perListener.set(listener, Math.max(0, (this.perListener.get(listener) ?? 0) - 1));
    if (arrived) this.arrivedPerListener.set(listener, Math.max(0, (this.arrivedPerListener.get(listener) ?? 0) - 1));
    if (client !== undefined) {
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    }
    if (reserved) this.reservedInFlight = Math.max(0, this.reservedInFlight - 1);
    this.refusing = false;
  }

  /** Admitted and unanswered requests of a listener (bodies arrived or not). */
  requestsOn(listener: string): number {
    return this.perListener.get(listener) ?? 0;
  }

  /**
   * Whether new work is being refused (for /readyz, so a load balancer can steer): the
   * queue or the budget is at its bound, or the last request was refused and nothing
   * has been admitted or finished since.
   */
  overloaded(queue: QueueDepth, eventLoopLagMs?: number, syncWaitMs?: number): boolean {
    const { queueMaxItems, queueMaxBytes, maxInFlightBytes, maxEventLoopLagMs, maxConcurrentRequests, maxSyncWaitMs } = this.limits;
    if (queue.items >= queueMaxItems || queue.bytes >= queueMaxBytes || this.inFlightBytes >= maxInFlightBytes) return true;
    if (maxEventLoopLagMs !== undefined && (eventLoopLagMs ?? this.lastLagMs) > maxEventLoopLagMs) return true;
    if (maxSyncWaitMs !== undefined && (syncWaitMs ?? this.lastSyncWaitMs) > maxSyncWaitMs) return true;
    if (maxConcurrentRequests !== undefined) for (const n of this.arrivedPerListener.values()) if (n >= maxConcurrentRequests) return true;
    return this.refusing;
  }
}

function concurrencyRefusal(listener: string, concurrent: number, maxConcurrentRequests: number): Extract<AdmissionDecision, { admitted: false }> {
  return {
    admitted: false,
    reason: 'concurrency',
    retryAfterSeconds: 1,
    message: `the ${listener} listener is answering ${concurrent} requests (pipeline.admission.maxConcurrentRequests = ${maxConcurrentRequests}); retry after 1 s`,
  };
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
