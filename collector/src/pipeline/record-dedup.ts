import type { LogsData } from '@lookout/otlp';

/** The OpenTelemetry attribute that names a log record uniquely (semconv `log.record.uid`). */
export const LOG_RECORD_UID = 'log.record.uid';

/**
 * The ids of one tenant that share a prefix: `<prefix>.<n>` ids by their number (a
 * family with a prefix holds only numbers), other ids whole (the family with none).
 */
interface IdFamily {
  key: string;
  ids: Set<number | string>;
}

/** Digits of a number below 2^53 with no leading zero: a suffix read as a number names one id. */
const MAX_SUFFIX_DIGITS = 15;

/**
 * The most recent record ids, bounded: the oldest id is forgotten when a new one would
 * exceed the capacity. A sender that cannot know whether its last batch arrived (the
 * host agent killed between the collector's 200 and its checkpoint) sends it again with
 * the same ids; remembering recent ids makes that delivery exactly-once.
 */
export class RecentRecordIds {
  /**
   * Ids split into families. An id that ends in `.<decimal>` — the host agent's
   * `<file fingerprint>.<dev>.<inode>.<offset>`, most tailers' file-and-offset ids — is
   * remembered as that number in the set of its tenant and prefix: a number is hashed
   * without reading a string, held in the set without a string for the garbage collector
   * to trace, and consecutive records of a file find their family by one comparison with
   * the last prefix. One Set of `tenant + id` strings cost 6 % of the collector's CPU on
   * the host agent's log path (a key built, flattened and hashed per record). Any other
   * id is kept whole in its tenant's family.
   */
  private readonly families = new Map<string, IdFamily>();
  private count = 0;
  /**
   * The remembered ids in arrival order, as a ring (family, then number or string): the
   * oldest is at `next` once full. Forgetting the oldest through a Set's own order
   * (`values().next()`) would cost a walk over every id deleted since the Set's table was
   * last rebuilt — up to `capacity` steps per new id, which made ingest slower the longer
   * it ran.
   */
  private readonly orderFamilies: IdFamily[] = [];
  private readonly orderNumbers: Float64Array;
  private readonly orderStrings: Array<string | undefined> = [];
  private next = 0;
  /** the family the last id went to, with its tenant and prefix */
  private lastTenant = '';
  private lastPrefix = '';
  private lastFamily: IdFamily | undefined;

  constructor(readonly capacity: number) {
    this.orderNumbers = new Float64Array(Math.max(0, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** How many families (tenant and id prefix) have an id remembered. */
  get familyCount(): number {
    return this.families.size;
  }

  /** true when `tenant` sent the id before; otherwise remembers it and returns false */
  seenBefore(id: string, tenant = ''): boolean {
    if (this.capacity <= 0) return false;
    // the decimal suffix after the last '.', if the id has one
    let i = id.length - 1;
    let number = 0;
    let scale = 1;
    for (; i >= 0; i--) {
      const c = id.charCodeAt(i);
      if (c < 48 || c > 57) break;
      number += (c - 48) * scale;
      scale *= 10;
    }
    const digits = id.length - 1 - i;
    const numeric = i >= 0 && id.charCodeAt(i) === 46 && digits > 0 && digits <= MAX_SUFFIX_DIGITS && (digits === 1 || id.charCodeAt(i + 1) !== 48);
    const prefixLength = numeric ? i + 1 : 0;
    let family = this.lastFamily;
    if (family === undefined || tenant !== this.lastTenant || prefixLength !== this.lastPrefix.length || !id.startsWith(this.lastPrefix)) {
      const prefix = numeric ? id.slice(0, prefixLength) : '';
      const key = `${tenant}\u0000${prefix}`;
      family = this.families.get(key);
      if (family === undefined) {
        family = { key, ids: new Set() };
        this.families.set(key, family);
      }
      this.lastTenant = tenant;
      this.lastPrefix = prefix;
      this.lastFamily = family;
    }
    const remembered = numeric ? number : id;
    if (family.ids.has(remembered)) return true;
    family.ids.add(remembered);
    this.remember(family, remembered);
    return false;
  }

  private remember(family: IdFamily, id: number | string): void {
    const at = this.next;
    if (this.count === this.capacity) {
      const oldest = this.orderFamilies[at]!;
      oldest.ids.delete(this.orderStrings[at] ?? this.orderNumbers[at]!);
      // (the last family is `family` itself, so the cache never holds a deleted one)
      if (oldest !== family && oldest.ids.size === 0) this.families.delete(oldest.key);
    } else this.count++;
    this.orderFamilies[at] = family;
    if (typeof id === 'number') {
      this.orderNumbers[at] = id;
      this.orderStrings[at] = undefined;
    } else this.orderStrings[at] = id;
    this.next = at + 1 === this.capacity ? 0 : at + 1;
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
