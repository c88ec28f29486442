import type { DiagLogger } from '@opentelemetry/api';
import type { AgentConfig } from './config.ts';

const RANK = { none: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;
type Level = Exclude<AgentConfig['logLevel'], 'none'>;

export const LOG_PREFIX = 'lookout-agent:';

/**
 * The agent's own diagnostics on stderr, one line each, prefixed `lookout-agent:`.
 * Rate-limited per message key, so a collector that stays down costs one line a
 * minute, not one per export.
 */
export class AgentLog {
  private readonly lastByKey = new Map<string, number>();

  constructor(
    private readonly level: AgentConfig['logLevel'],
    private readonly now: () => number = Date.now,
    private readonly write: (line: string) => void = (line) => {
      try {
        process.stderr.write(line);
      } catch {
        // stderr closed: nowhere to report, and the service must go on
      }
    },
    private readonly intervalMs = 60_000,
  ) {}

  log(level: Level, message: string, key: string = message.slice(0, 80)): void {
    if (RANK[level] > RANK[this.level]) return;
    const now = this.now();
    const last = this.lastByKey.get(key);
    if (last !== undefined && now - last < this.intervalMs) return;
    if (this.lastByKey.size >= 200) this.lastByKey.clear();
    this.lastByKey.set(key, now);
    this.write(`${LOG_PREFIX} ${level}: ${message}\n`);
  }

  /** Builds the message only when it would be written (for hot paths such as per-item drops). */
  lazy(level: Level, key: string, message: () => string): void {
    if (RANK[level] > RANK[this.level]) return;
    const last = this.lastByKey.get(key);
    if (last !== undefined && this.now() - last < this.intervalMs) return;
    this.log(level, message(), key);
  }

  error(message: string, key?: string): void {
    this.log('error', message, key);
  }
  warn(message: string, key?: string): void {
    this.log('warn', message, key);
  }
  info(message: string, key?: string): void {
    this.log('info', message, key);
  }
  debug(message: string, key?: string): void {
    this.log('debug', message, key);
  }

  /** For the OTel diag API: the SDK's own messages go through the same filter. */
  diagLogger(): DiagLogger {
    const format = (message: string, args: unknown[]) =>
      [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a)))].join(' ');
    return {
      error: (m, ...a) => this.error(`otel: ${format(m, a)}`),
      warn: (m, ...a) => this.warn(`otel: ${format(m, a)}`),
      info: (m, ...a) => this.info(`otel: ${format(m, a)}`),
      debug: (m, ...a) => this.debug(`otel: ${format(m, a)}`),
      verbose: (m, ...a) => this.debug(`otel: ${format(m, a)}`),
    };
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A short, single-line description of an export error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' ').slice(0, 300);
  }
  return String(error).slice(0, 300);
}
