import { describe, expect, it } from 'vitest';
import { httpServerTimeouts, httpTimeoutsProblems } from './http-timeouts.ts';

describe('httpServerTimeouts', () => {
  it('maps the config to fastify and node options, checking deadlines a quarter of the shorter one apart', () => {
    expect(httpServerTimeouts({ headersTimeout: 10_000, requestTimeout: 30_000, idleTimeout: 60_000 })).toEqual({
      fastify: { connectionTimeout: 60_000, requestTimeout: 30_000 },
      node: { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 2500 },
    });
    expect(httpServerTimeouts({ headersTimeout: 200, requestTimeout: 500, idleTimeout: 1000 }).node.connectionsCheckingInterval).toBe(250);
    expect(httpServerTimeouts({ headersTimeout: 60_000, requestTimeout: 120_000, idleTimeout: 1000 }).node.connectionsCheckingInterval).toBe(5000);
  });

  it('refuses zero deadlines and headers allowed longer than the whole request, saying how to fix it', () => {
    expect(httpTimeoutsProblems({ headersTimeout: 10_000, requestTimeout: 30_000, idleTimeout: 60_000 })).toEqual([]);
    expect(httpTimeoutsProblems({ headersTimeout: 0, requestTimeout: 30_000, idleTimeout: 60_000 })).toEqual([{ key: 'headersTimeout', message: 'headersTimeout must be more than 0, e.g. 10s' }]);
    expect(httpTimeoutsProblems({ headersTimeout: 40_000, requestTimeout: 30_000, idleTimeout: 60_000 })[0]!.message).toMatch(/headersTimeout must not be longer than requestTimeout/);
  });
});
