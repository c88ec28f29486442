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
  private readonly ids = new Set<string>();
  /**
   * The remembered ids in arrival order, as a ring: the oldest is at `next` once full.
   * Forgetting the oldest through the Set's own order (`values().next()`) would cost a
   * walk over every id deleted since the Set's table was last rebuilt — up to
   * `capacity` steps per new id, which made ingest slower the longer it ran.
   */
  private readonly order: string[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  /** true when the id was seen before; otherwise remembers it and returns false */
  seenBefore(id: string): boolean {
    const ids = this.ids;
    if (ids.has(id)) return true;
    ids.add(id);
    const order = this.order;
    if (order.length < this.capacity) {
      order.push(id);
      return false;
    }
    ids.delete(order[this.next]!);
    order[this.next] = id;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return false;
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
        if (typeof uid === 'string' && uid !== '' && recent.seenBefore(`${tenant}\u0000${uid}`)) {
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
