import { describe, expect, it } from 'vitest';
import { compileBodyPattern, judgeHttpResponse } from './http-probe.ts';

describe('judgeHttpResponse', () => {
  it('any 2xx succeeds when no status is expected', () => {
    expect(judgeHttpResponse({ statusCode: 204, body: '' }, {})).toEqual({ success: true, reason: 'ok' });
    expect(judgeHttpResponse({ statusCode: 302, body: '' }, {})).toEqual({ success: false, reason: 'status 302, expected a 2xx status' });
  });
  it('expectStatus lists the accepted statuses', () => {
    expect(judgeHttpResponse({ statusCode: 503, body: '' }, { expectStatus: [503] }).success).toBe(true);
    expect(judgeHttpResponse({ statusCode: 200, body: '' }, { expectStatus: [401, 403] })).toEqual({
      success: false,
      reason: 'status 200, expected 401 or 403',
    });
  });
  it('the body pattern is checked after the status', () => {
    expect(judgeHttpResponse({ statusCode: 200, body: '{"status":"up"}' }, { expectBody: /"status":"up"/ }).success).toBe(true);
    expect(judgeHttpResponse({ statusCode: 200, body: 'down' }, { expectBody: /up/ })).toEqual({ success: false, reason: 'body does not match /up/' });
    expect(judgeHttpResponse({ statusCode: 500, body: 'up' }, { expectBody: /up/ }).reason).toBe('status 500, expected a 2xx status');
  });
});

describe('compileBodyPattern', () => {
  it('names the target when the pattern is not a regular expression', () => {
    expect(compileBodyPattern('t', undefined)).toBeUndefined();
    expect(compileBodyPattern('t', 'a+')?.test('aaa')).toBe(true);
    expect(() => compileBodyPattern('health', '[')).toThrow("HTTP probe 'health': expectBody is not a valid regular expression");
  });
});
