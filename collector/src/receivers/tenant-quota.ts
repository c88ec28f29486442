/**
 * Per-tenant ingest quotas (issue 12, defect 5): items and bytes per second, each a
 * token bucket, so one noisy tenant cannot take the queue and the CPU from the others.
 * Pure: every call takes the time (ms) from the caller's injected clock.
 */

/**
 * A token bucket: `ratePerSecond` tokens come back per second up to `capacity`. A take
 * larger than the capacity (one big batch) passes when the bucket is full and leaves it
 * in debt, so a batch over the burst is slowed, never refused forever.
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    if (!(ratePerSecond > 0) || !(capacity > 0)) throw new Error(`a token bucket needs a rate and a capacity above 0, got ${ratePerSecond}/s and ${capacity}`);
    this.tokens = capacity;
    this.atMs = nowMs;
  }

  /** Tokens now (negative while in debt). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** 0 when `amount` may be taken now, else whole seconds (at least 1) until it may. */
  waitSeconds(amount: number, nowMs: number): number {
    this.refill(nowMs);
    const needed = Math.min(amount, this.capacity);
    if (this.tokens >= needed) return 0;
    return Math.max(1, Math.ceil((needed - this.tokens) / this.ratePerSecond));
  }

  /** Takes `amount` (call after waitSeconds said 0). */
  take(amount: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= amount;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.atMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSecond);
      this.atMs = nowMs;
    }
  }
}

export interface TenantQuotaConfig {
  itemsPerSecond?: number | undefined;
  bytesPerSecond?: number | undefined;
  /** the bucket holds this many seconds of the rate: the burst a quiet tenant may send at once */
  burstSeconds: number;
}

export type QuotaDecision = { ok: true } | { ok: false; retryAfterSeconds: number; limit: 'items' | 'bytes'; perSecond: number };

interface TenantBuckets {
  items: TokenBucket | undefined;
  bytes: TokenBucket | undefined;
}

/** The buckets of every tenant that has a quota; tenants without one are never limited. */
export class TenantQuotas {
  private readonly buckets = new Map<string, TenantBuckets>();

  constructor(quotas: ReadonlyArray<{ tenant: string; quota: TenantQuotaConfig }>, nowMs: number) {
    for (const { tenant, quota } of quotas) {
      const bucket = (rate: number | undefined) => (rate === undefined ? undefined : new TokenBucket(rate, rate * quota.burstSeconds, nowMs));
      this.buckets.set(tenant, { items: bucket(quota.itemsPerSecond), bytes: bucket(quota.bytesPerSecond) });
    }
  }

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Before any work (from the headers): refused when the tenant's buckets are spent, or
   * its bytes bucket cannot take the declared body. Charges nothing.
   */
  check(tenant: string, declaredBytes: number | undefined, nowMs: number): QuotaDecision {
    const b = this.buckets.get(tenant);
    if (!b) return { ok: true };
    if (b.items) {
      const wait = b.items.waitSeconds(1, nowMs);
      if (wait > 0) return { ok: false, retryAfterSeconds: wait, limit: 'items', perSecond: b.items.ratePerSecond };
    }
    if (b.bytes) {
      const wait = b.bytes.waitSeconds(Math.max(1, declaredBytes ?? 1), nowMs);
      if (wait > 0) return { ok: false, retryAfterSeconds: wait, limit: 'bytes', perSecond: b.bytes.ratePerSecond };
    }
    return { ok: true };
  }

  /** After decoding, before the queue: takes the batch's items and bytes, or refuses it whole. */
  take(tenant: string, items: number, bytes: number, nowMs: number): QuotaDecision {
    const b = this.buckets.get(tenant);
    if (!b) return { ok: true };
    const itemsWait = b.items ? b.items.waitSeconds(items, nowMs) : 0;
    if (itemsWait > 0) return { ok: false, retryAfterSeconds: itemsWait, limit: 'items', perSecond: b.items!.ratePerSecond };
    const bytesWait = b.bytes ? b.bytes.waitSeconds(bytes, nowMs) : 0;
    if (bytesWait > 0) return { ok: false, retryAfterSeconds: bytesWait, limit: 'bytes', perSecond: b.bytes!.ratePerSecond };
    b.items?.take(items, nowMs);
    b.bytes?.take(bytes, nowMs);
    return { ok: true };
  }
}
