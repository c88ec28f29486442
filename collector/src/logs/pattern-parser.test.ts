import { describe, expect, it } from 'vitest';
import { compileLogPattern, LogPatternError } from './pattern-parser.ts';

const NOW = Date.UTC(2026, 0, 1);

describe('user patterns', () => {
  it('captures named fields into semantic-convention attributes; <_> skips', () => {
    const parse = compileLogPattern('<ip> - - [<_>] "<method> <path> <_>" <status>');
    const line = '10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] "GET /users/42?x=1 HTTP/1.1" 503';
    const { record, parsed } = parse(line, NOW);
    expect(parsed).toBe(true);
    expect(record.body).toBe(line);
    expect(record.severityNumber).toBe(17);
    expect({ ...record.attributes }).toEqual({
      'client.address': '10.0.0.7',
      'http.request.method': 'GET',
      'url.path': '/users/42',
      'url.query': 'x=1',
      'http.response.status_code': 503,
    });
  });

  it('the last placeholder takes the rest of the line; msg becomes the body; time and level are read', () => {
    const parse = compileLogPattern('<time> <level> [<thread>] <tenant.id> <msg>');
    const { record } = parse('2023-10-11T22:14:15Z ERROR [worker-2] acme payment declined: card expired', NOW);
    expect(record.timeUnixNano).toBe(BigInt(Date.UTC(2023, 9, 11, 22, 14, 15)) * 1_000_000n);
    expect(record.severityNumber).toBe(17);
    expect(record.severityText).toBe('ERROR');
    expect(record.body).toBe('payment declined: card expired');
    expect({ ...record.attributes }).toEqual({ 'thread.name': 'worker-2', 'tenant.id': 'acme' });
  });

  it('keeps a value that does not fit its well-known field under the placeholder name', () => {
    const parse = compileLogPattern('<status> <time> <route> <duration_ms>');
    const { record, parsed } = parse('OK yesterday /users/:id 12.5', NOW);
    expect(parsed).toBe(true);
    expect({ ...record.attributes }).toEqual({
      status: 'OK',
      time: 'yesterday',
      'http.route': '/users/:id',
      'http.server.request.duration': 0.0125,
    });
  });

  it('requires the whole line to match (trailing spaces aside)', () => {
    const parse = compileLogPattern('[<level>] <msg>');
    expect(parse('no brackets', NOW).parsed).toBe(false);
    const literalEnd = compileLogPattern('id=<id>;');
    expect(literalEnd('id=7;', NOW).parsed).toBe(true);
    expect(literalEnd('id=7;  ', NOW).parsed).toBe(true);
    expect(literalEnd('id=7; more', NOW).parsed).toBe(false);
    expect(literalEnd('id=7', NOW).parsed).toBe(false);
  });

  it('reads \\< as a literal <', () => {
    const parse = compileLogPattern('\\<<level>> <msg>');
    const { record } = parse('<info> hello', NOW);
    expect(record.severityText).toBe('info');
    expect(record.body).toBe('hello');
  });

  it.each([
    ['', /column 1: the pattern is empty; write the line with <name> where fields go/],
    ['<a> <b', /column 5: '<' opens a placeholder that is never closed with '>'; write \\< for a literal '<'/],
    ['x <> y', /column 3: empty placeholder '<>'; name it/],
    ['<9lives> x', /column 1: placeholder name "9lives" must start with a letter or '_'/],
    ['<ip><status>', /column 5: placeholders <ip> and <status> touch, so where one ends is ambiguous; put literal text/],
    ['<a> <a>', /column 5: placeholder <a> appears twice; give each field its own name/],
    ['[<_>] <_>', /column 1: the pattern names no field; add at least one <name> placeholder/],
    ['plain text', /names no field/],
  ])('rejects %j with a message that says where and how to fix it', (pattern, message) => {
    let error: unknown;
    try {
      compileLogPattern(pattern);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LogPatternError);
    expect((error as Error).message).toMatch(/^invalid log pattern /);
    expect((error as Error).message).toMatch(message);
  });
});
