import type { LogsData } from '@lookout/otlp';

/** The OpenTelemetry attribute that names a log record uniquely (semconv `log.record.uid`). */
export const LOG_RECORD_UID = 'log.record.uid';

/**
 * The most recent record ids, bounded: the oldest id is forgotten when a new one would
 * exceed the capacity. A sender that cannot know whether its last batch arrived (the
 * host agent killed between the collector's 200 and its checkpoint) sends it again with
 * the same ids; remembering recent ids makes that delivery exactly-once.
 */
export class RecentRecordIds {
  /**
   * Per tenant, the ids it sent. A Set per tenant rather than one Set of
   * `tenant + id` strings: the id as decoded is looked up as it is (its hash computed
   * once and kept in the string), where a joined key had to be built, flattened and
   * hashed for every record — 6 % of the collector's CPU on the host agent's log path.
   */
  private readonly byTenant = new Map<string, Set<string>>();
  private count = 0;
  /**
   * The remembered ids in arrival order, as a ring (with the Set each is in): the oldest
   * is at `next` once full. Forgetting the oldest through a Set's own order
   * (`values().next()`) would cost a walk over every id deleted since the Set's table
   * was last rebuilt — up to `capacity` steps per new id, which made ingest slower the
   * longer it ran.
   */
  private readonly order: string[] = [];
  private readonly orderSets: Array<Set<string>> = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** How many tenants have an id remembered. */
  get tenants(): number {
    return this.byTenant.size;
  }

  /** true when `tenant` sent the id before; otherwise remembers it and returns false */
  seenBefore(id: string, tenant = ''): boolean {
    if (this.capacity <= 0) return false;
    let ids = this.byTenant.get(tenant);
    if (ids === undefined) {
      ids = new Set();
      this.byTenant.set(tenant, ids);
    }
    if (ids.has(id)) return true;
    ids.add(id);
    const order = this.order;
    if (order.length < this.capacity) {
      order.push(id);
      this.orderSets.push(ids);
      this.count++;
      return false;
    }
    const oldestSet = this.orderSets[this.next]!;
    oldestSet.delete(order[this.next]!);
    if (oldestSet.size === 0 && oldestSet !== ids) this.byTenant.delete(this.tenantOf(oldestSet));
    order[this.next] = id;
    this.orderSets[this.next] = ids;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return false;
  }

  /** The tenant whose Set this is: only when a tenant's last id is forgotten, so rare. */
  private tenantOf(ids: Set<string>): string {
    for (const [tenant, set] of this.byTenant) if (set === ids) return tenant;
    return '';
  }
}

/**
 * Removes log records whose `log.record.uid` was seen before for this tenant (within the
 * batch or earlier), in place. Records without a uid are always kept. Returns how many
 * were removed.
 */
export function dropRepeatedLogRecords(data: LogsData, tenant: string, recent: RecentRecordIds): number {
  let dropped = 0;
  for (const resourceLogs of data.resourceLogs) {
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const records = scopeLogs.logRecords;
      let kept = 0;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const uid = record.attributes[LOG_RECORD_UID];
        if (typeof uid === 'string' && uid !== '' && recent.seenBefore(uid, tenant)) {
          dropped++;
          continue;
        }
        records[kept++] = record;
      }
      records.length = kept;
    }
  }
  return dropped;
}
