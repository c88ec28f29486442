import { createLogStream, type LogFormat, type LogStream, type LogStreamOptions, type ParsedLine, type StreamLabels } from '../logs/index.ts';
import { LOG_FORMAT_ATTRIBUTE, LruCache, streamKey } from './log-batch.ts';

export interface LogStreamsOptions {
  /** parsing defaults (from `logs.parsing`) */
  defaults: LogStreamOptions;
  /** streams whose state (format detection, open multiline entry) is kept */
  maxStreams: number;
}

/**
 * The parsing state of every stream a receiver has seen, keyed by tenant + labels (+ a
 * format the sender named), in a bounded LRU: a stream that went quiet for long enough
 * to be evicted detects its format again, which costs a few lines of best-effort
 * parsing and nothing else.
 */
export class LogStreams {
  private readonly cache: LruCache<LogStream>;

  constructor(private readonly options: LogStreamsOptions) {
    this.cache = new LruCache(options.maxStreams);
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * The stream for these labels. `format` overrides the configured one; `framed` streams
   * (NDJSON, Loki entries, syslog messages) are one record per line, never joined.
   */
  stream(tenant: string, labels: StreamLabels, format: LogFormat | undefined, framed: boolean): LogStream {
    const key = streamKey(tenant, labels) + '\u0002' + (format ?? '') + (framed ? '\u0003' : '');
    return this.cache.getOrCreate(key, () => {
      const options: LogStreamOptions = { ...this.options.defaults };
      if (format !== undefined) {
        options.format = format;
        delete options.pattern;
      }
      if (framed) options.multiline = false;
      return createLogStream(options);
    });
  }
}

/** The format to name in self-metrics and on records: configured or detected, `auto` while detecting. */
export function streamFormat(stream: LogStream): string {
  return stream.parser.format ?? 'auto';
}

/**
 * Marks a parsed record with its format (so access-log records can be told apart
 * downstream) and returns whether it parsed.
 */
export function markFormat(result: ParsedLine, stream: LogStream): boolean {
  if (!result.parsed) return false;
  // an auto stream names the format of each line (a stream can change formats); a
  // configured one has a single format
  const format = result.format ?? stream.parser.format ?? stream.parser.detection?.format;
  if (format !== undefined && format !== 'plain') result.record.attributes[LOG_FORMAT_ATTRIBUTE] = format;
  return true;
}
