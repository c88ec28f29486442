import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { probesConfigSchema } from './config.ts';

/** Every issue as 'path: message', the way the config loader reports them. */
function problems(input: unknown): string[] {
  const result = probesConfigSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue: z.core.$ZodIssue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('probesConfigSchema', () => {
  it('defaults: no targets, jitter 0.1; per target 60 s interval, 10 s timeout, port 443', () => {
    expect(probesConfigSchema.parse(undefined)).toEqual({ jitter: 0.1, tls: [], http: [], postgres: [] });
    const config = probesConfigSchema.parse({
      tls: [{ name: 'api', host: 'api.example.com' }],
      http: [{ name: 'health', url: 'https://api.example.com/healthz' }],
      postgres: [{ name: 'db', url: 'postgres://lookout@db:5432/postgres' }],
    });
    expect(config.tls[0]).toEqual({ name: 'api', host: 'api.example.com', port: 443, interval: 60_000, timeout: 10_000 });
    expect(config.http[0]).toEqual({
      name: 'health',
      url: 'https://api.example.com/healthz',
      method: 'GET',
      expectStatus: [],
      insecureSkipVerify: false,
      interval: 60_000,
      timeout: 10_000,
    });
    expect(config.postgres[0]).toEqual({ name: 'db', url: 'postgres://lookout@db:5432/postgres', maxDatabases: 100, interval: 60_000, timeout: 10_000 });
  });

  it('reads durations with units', () => {
    const config = probesConfigSchema.parse({ tls: [{ name: 'a', host: 'h', interval: '5m', timeout: '30s' }] });
    expect(config.tls[0]).toMatchObject({ interval: 300_000, timeout: 30_000 });
  });

  it('every field describes itself for the generated reference', () => {
    expect(probesConfigSchema.description).toMatch(/synthetic probes/);
  });

  it.each([
    [{ tls: [{ name: 'a', host: 'h', interval: 'soon' }] }, "tls.0.interval: 'soon' is not a duration; write e.g. 250ms, 30s, 5m, 1h30m or 7d"],
    [{ tls: [{ name: 'a', host: 'h', port: 70000 }] }, 'tls.0.port: a port must be from 1 to 65535'],
    [{ tls: [{ name: 'a', host: '' }] }, 'tls.0.host: host is empty; write a DNS name or an IP address'],
    [{ tls: [{ name: 'has space', host: 'h' }] }, 'tls.0.name: a probe name is 1-64 letters, digits, dot, colon, dash or underscore'],
    [
      { tls: [{ name: 'a', host: 'h', interval: '10s', timeout: '20s' }] },
      'tls.0.timeout: timeout (20000 ms) is longer than interval (10000 ms); make the timeout at most the interval',
    ],
    [
      { tls: [{ name: 'a', host: 'h' }, { name: 'a', host: 'k' }] },
      "tls.1.name: tls probe 'a' is listed twice; names must be unique within tls",
    ],
    [{ http: [{ name: 'a', url: 'ftp://x/' }] }, "http.0.url: 'ftp://x/' is not an http(s) URL; write e.g. https://example.com/healthz"],
    [{ http: [{ name: 'a', url: 'https://x/', expectStatus: [99] }] }, 'http.0.expectStatus.0: an HTTP status is from 100 to 599'],
    [{ http: [{ name: 'a', url: 'https://x/', expectBody: '(' }] }, 'http.0.expectBody: not a valid regular expression'],
    [
      { postgres: [{ name: 'a', url: 'mysql://x' }] },
      'postgres.0.url: a PostgreSQL URL starts with postgres:// or postgresql://, e.g. postgres://lookout:${PGPASSWORD}@db:5432/postgres',
    ],
    [{ jitter: 2 }, 'jitter: jitter is a fraction of the interval from 0 to 1'],
  ])('refuses %j with a message saying where and how to fix it', (input, expected) => {
    const found = problems(input);
    expect(found.some((p) => p.startsWith(expected)), `got: ${found.join(' | ')}`).toBe(true);
  });

  it('refuses unknown keys (typos)', () => {
    expect(problems({ tls: [{ name: 'a', host: 'h', intervall: '5m' }] }).join('\n')).toMatch(/intervall/);
  });
});
