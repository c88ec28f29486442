import { newAttributes, type Attributes, type LogRecord, type LogsData } from '@lookout/otlp';
import { serviceFromLabels, type StreamLabels } from '../logs/index.ts';

/**
 * Pure pieces the log receivers share: stream labels (validation, the Loki selector
 * syntax), a bounded LRU of per-stream state, and records → one LogsData batch with a
 * resource per stream.
 */

/** Record attribute naming the format a line was parsed in (`access`, `json`, …). */
export const LOG_FORMAT_ATTRIBUTE = 'lookout.log.format';

export const MAX_LABELS = 32;
export const MAX_LABEL_VALUE_LENGTH = 1024;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;

/** Checks label names and sizes; a message that says what to fix, or undefined when fine. */
export function labelProblem(labels: StreamLabels, where: string): string | undefined {
  const names = Object.keys(labels);
  if (names.length > MAX_LABELS) return `${where}: ${names.length} labels, at most ${MAX_LABELS} are allowed; send fewer labels`;
  for (const name of names) {
    if (!LABEL_NAME.test(name)) {
      return `${where}: label name '${name.slice(0, 64)}' is not valid; use letters, digits, '_' and '.', not starting with a digit`;
    }
    const value = labels[name]!;
    if (value.length > MAX_LABEL_VALUE_LENGTH) {
      return `${where}: label '${name}' is ${value.length} characters long, at most ${MAX_LABEL_VALUE_LENGTH} are allowed`;
    }
  }
  return undefined;
}

/**
 * `service=shop,env=prod` (the X-Lookout-Labels header) → labels; a string saying what
 * is wrong when it does not parse.
 */
export function parseLabelList(text: string): Record<string, string> | string {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return `'${item.slice(0, 64)}' is not name=value; write e.g. X-Lookout-Labels: service=shop,env=prod`;
    labels[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return labels;
}

/**
 * A Loki stream selector as Promtail sends it, `{job="varlogs", filename="/var/log/x"}`
 * (Prometheus label syntax, Go string escapes) → labels; a string saying what is wrong
 * when it does not parse.
 */
export function parseLokiLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const n = text.length;
  let i = 0;
  const skipSpaces = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n')) i++;
  };
  const fail = (what: string) => `${what} at character ${i} of ${JSON.stringify(text.slice(0, 200))}; write labels as {name="value", …}`;
  skipSpaces();
  if (text[i] !== '{') return fail("expected '{'");
  i++;
  skipSpaces();
  if (text[i] === '}') {
    i++;
    skipSpaces();
    return i === n ? labels : fail('unexpected text after the closing brace');
  }
  for (;;) {
    skipSpaces();
    const start = i;
    while (i < n && /[A-Za-z0-9_.]/.test(text[i]!)) i++;
    const name = text.slice(start, i);
    if (name === '' || /^[0-9]/.test(name)) return fail('expected a label name');
    skipSpaces();
    if (text[i] !== '=') return fail(`expected '=' after label ${name}`);
    i++;
    skipSpaces();
    if (text[i] !== '"') return fail(`expected a double-quoted value for label ${name}`);
    i++;
    let value = '';
    for (;;) {
      if (i >= n) return fail(`unterminated value of label ${name}`);
      const c = text[i]!;
      if (c === '"') {
        i++;
        break;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'n') value += '\n';
        else if (e === 't') value += '\t';
        else if (e === '\\' || e === '"') value += e;
        else return fail(`unknown escape \\${e ?? ''} in the value of label ${name}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    skipSpaces();
    if (text[i] === ',') {
      i++;
      skipSpaces();
      if (text[i] === '}') {
        i++;
        break;
      }
      continue;
    }
    if (text[i] === '}') {
      i++;
      break;
    }
    return fail("expected ',' or '}'");
  }
  skipSpaces();
  return i === n ? labels : fail('unexpected text after the closing brace');
}

/** Identity of a stream: its tenant and its labels in name order. */
export function streamKey(tenant: string, labels: StreamLabels): string {
  const names = Object.keys(labels).sort();
  let key = tenant;
  for (const name of names) key += '\u0000' + name + '\u0001' + labels[name];
  return key;
}

/**
 * A map that keeps at most `capacity` entries, dropping the least recently used one
 * (Map keeps insertion order; a hit is re-inserted at the end).
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();
  evictions = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key`, created with `create` when missing. */
  getOrCreate(key: string, create: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions++;
    }
    const value = create();
    this.entries.set(key, value);
    return value;
  }
}

/** Resource attributes of a stream: its labels, and service.name from the usual label names. */
export function resourceFromLabels(labels: StreamLabels): Attributes {
  const attributes = newAttributes();
  for (const name of Object.keys(labels)) attributes[name] = labels[name]!;
  attributes['service.name'] = serviceFromLabels(labels);
  return attributes;
}

/**
 * Records grouped by the stream they came from → one LogsData (a ResourceLogs per
 * stream, one scope named after the receiver).
 */
export class LogsBatchBuilder {
  private readonly groups = new Map<string, { resource: Attributes; records: LogRecord[] }>();
  private count = 0;

  constructor(private readonly scopeName: string) {}

  get items(): number {
    return this.count;
  }

  add(key: string, resource: () => Attributes, record: LogRecord): void {
    let group = this.groups.get(key);
    if (!group) {
      group = { resource: resource(), records: [] };
      this.groups.set(key, group);
    }
    group.records.push(record);
    this.count++;
  }

  /** The batch so far; the builder is empty afterwards. */
  take(): LogsData {
    const data = this.build();
    this.clear();
    return data;
  }

  clear(): void {
    this.groups.clear();
    this.count = 0;
  }

  /** The batch so far, leaving the builder as it is (records are shared, not copied). */
  build(): LogsData {
    return {
      resourceLogs: [...this.groups.values()].map(({ resource, records }) => ({
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeLogs: [
          {
            scope: { name: this.scopeName, version: '', attributes: newAttributes(), droppedAttributesCount: 0 },
            logRecords: records,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      })),
    };
  }
}

/** Rough encoded size of records for the queue's byte bound (bodies dominate). */
export function approximateBytes(line: string): number {
  return line.length + 64;
}
