/**
 * Timeouts of the HTTP listener (issue 12, defects 3 and 4): a client that sends its
 * headers or body too slowly, or stalls, is answered 408 and disconnected instead of
 * holding a socket and a half-read body for ever (fastify's default request timeout is
 * none at all). Pure: config in, server options out.
 */
export interface HttpTimeoutsConfig {
  /** headers must arrive within this (slowloris) */
  headersTimeout: number;
  /** the whole request, body included, must arrive within this */
  requestTimeout: number;
  /** a connection with no bytes moving for this long is closed */
  idleTimeout: number;
}

export interface HttpServerTimeouts {
  /** fastify options */
  fastify: { connectionTimeout: number; requestTimeout: number };
  /** node http(s).createServer options */
  node: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
}

/**
 * Node checks the header and request deadlines on a timer (30 s by default, which would
 * let a 10 s deadline run to 40 s); a quarter of the shorter deadline, 250 ms..5 s,
 * keeps them close to what is configured at the cost of one walk over open sockets.
 */
export function httpServerTimeouts(config: HttpTimeoutsConfig): HttpServerTimeouts {
  const shorter = Math.min(config.headersTimeout, config.requestTimeout);
  const connectionsCheckingInterval = Math.min(5000, Math.max(250, Math.floor(shorter / 4)));
  return {
    fastify: { connectionTimeout: config.idleTimeout, requestTimeout: config.requestTimeout },
    node: { headersTimeout: config.headersTimeout, requestTimeout: config.requestTimeout, connectionsCheckingInterval },
  };
}

/** Problems with a timeouts config, each saying how to fix it; [] when fine. */
export function httpTimeoutsProblems(config: HttpTimeoutsConfig): Array<{ key: keyof HttpTimeoutsConfig; message: string }> {
  const problems: Array<{ key: keyof HttpTimeoutsConfig; message: string }> = [];
  for (const key of ['headersTimeout', 'requestTimeout', 'idleTimeout'] as const) {
    if (!(config[key] > 0)) problems.push({ key, message: `${key} must be more than 0, e.g. 10s` });
  }
  if (config.headersTimeout > config.requestTimeout) {
    problems.push({ key: 'headersTimeout', message: 'headersTimeout must not be longer than requestTimeout (the headers are part of the request)' });
  }
  return problems;
}
