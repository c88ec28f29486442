import { describe, expect, it } from 'vitest';
import { AgentLog, describeError } from './agent-log.ts';

describe('AgentLog', () => {
  it('prefixes lines, filters by level and rate-limits each message key', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new AgentLog('warn', () => now, (line) => lines.push(line), 60_000);
    log.warn('collector down', 'k');
    log.warn('collector down', 'k');
    log.info('chatty');
    let built = 0;
    log.lazy('warn', 'k', () => `built ${++built}`);
    expect(built).toBe(0); // rate-limited: the message is not even built
    now = 60_000;
    log.lazy('warn', 'k', () => `built ${++built}`);
    expect(lines).toEqual(['lookout-agent: warn: collector down\n', 'lookout-agent: warn: built 1\n']);
  });

  it('routes the OTel diag API through the same filter', () => {
    const lines: string[] = [];
    const diag = new AgentLog('error', () => 0, (line) => lines.push(line)).diagLogger();
    diag.error('export failed', new Error('ECONNREFUSED'));
    diag.warn('ignored at error level');
    expect(lines).toEqual(['lookout-agent: error: otel: export failed ECONNREFUSED\n']);
  });

  it('describes errors on one line with their code', () => {
    const error = Object.assign(new Error('connect failed\n  at x'), { code: 'ECONNREFUSED' });
    expect(describeError(error)).toBe('connect failed at x (ECONNREFUSED)');
    expect(describeError('plain')).toBe('plain');
  });
});
