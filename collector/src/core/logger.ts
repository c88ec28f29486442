/**
 * The one logger type: the part of a pino logger components use, so a pino logger fits
 * as is and a test can pass four functions. `child` is optional for the same reason;
 * use childLogger() to name a component's lines.
 */
export interface Logger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** `logger.child(bindings)` where the logger has children, else the logger itself. */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  return logger.child ? logger.child(bindings) : logger;
}
