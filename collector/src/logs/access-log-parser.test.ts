import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAMAGED_FIELD_ATTRIBUTE, parseAccessLogLine } from './access-log-parser.ts';

const NOW = Date.UTC(2026, 0, 1);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

interface AccessLine {
  client?: string;
  user?: string;
  time?: string;
  request?: string;
  status?: number;
  size?: string;
  referer?: string;
  agent?: string;
  tail?: string;
}

/** Writes a line the way Apache's mod_log_config / nginx do. */
function accessLine(fields: AccessLine, combined: boolean): string {
  const {
    client = '127.0.0.1',
    user = '-',
    time = '10/Oct/2000:13:55:36 -0700',
    request = 'GET /apache_pb.gif HTTP/1.0',
    status = 200,
    size = '2326',
    referer = 'http://www.example.com/start.html',
    agent = 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    tail,
  } = fields;
  let line = `${client} - ${user} [${time}] "${request}" ${status} ${size}`;
  if (combined) line += ` "${referer}" "${agent}"`;
  if (tail !== undefined) line += ` ${tail}`;
  return line;
}

describe('access logs', () => {
  it('parses the Common Log Format example from the Apache docs', () => {
    const line = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2000, 9, 10, 20, 55, 36)));
    expect(record.body).toBe(line);
    expect(record.severityNumber).toBe(9);
    expect({ ...record.attributes }).toEqual({
      'client.address': '127.0.0.1',
      'user.name': 'frank',
      'http.request.method': 'GET',
      'url.path': '/apache_pb.gif',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.0',
      'http.response.status_code': 200,
      'http.response.body.size': 2326,
    });
  });

  it('parses combined: referer as the header attribute, user agent', () => {
    const line = accessLine({ request: 'POST /api/v1/orders?dry_run=1 HTTP/1.1', status: 201 }, true);
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect({ ...record.attributes }).toEqual({
      'client.address': '127.0.0.1',
      'http.request.method': 'POST',
      'url.path': '/api/v1/orders',
      'url.query': 'dry_run=1',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.1',
      'http.response.status_code': 201,
      'http.response.body.size': 2326,
      'http.request.header.referer': ['http://www.example.com/start.html'],
      'user_agent.original': 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    });
  });

  it('reads nginx $request_time (seconds with a decimal point) after the user agent', () => {
    const line = accessLine({ tail: '0.250' }, true);
    const { record } = parseAccessLogLine(line, NOW);
    expect(record.attributes['http.server.request.duration']).toBe(0.25);
  });

  it('reads Apache %D (integer microseconds), on common and combined lines', () => {
    expect(parseAccessLogLine(accessLine({ tail: '1234567' }, false), NOW).record.attributes['http.server.request.duration']).toBe(1.234567);
    expect(parseAccessLogLine(accessLine({ tail: '850' }, true), NOW).record.attributes['http.server.request.duration']).toBe(0.00085);
  });

  it('takes the first number after extra quoted fields (nginx "$http_x_forwarded_for" $request_time $upstream_response_time)', () => {
    const line = accessLine({ tail: '"203.0.113.9, 10.0.0.1" 0.031 0.029' }, true);
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.attributes['http.server.request.duration']).toBe(0.031);
  });

  it('has no duration attribute without the extension', () => {
    expect(parseAccessLogLine(accessLine({}, true), NOW).record.attributes['http.server.request.duration']).toBeUndefined();
  });

  it('accepts an IPv6 client', () => {
    const { record } = parseAccessLogLine(accessLine({ client: '2001:db8::8a2e:370:7334' }, true), NOW);
    expect(record.attributes['client.address']).toBe('2001:db8::8a2e:370:7334');
  });

  it("leaves out '-' fields: user, size, referer, user agent", () => {
    const line = accessLine({ size: '-', referer: '-', agent: '-', status: 304 }, true);
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect({ ...record.attributes }).toEqual({
      'client.address': '127.0.0.1',
      'http.request.method': 'GET',
      'url.path': '/apache_pb.gif',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.0',
      'http.response.status_code': 304,
    });
  });

  it('unescapes \\" and \\\\ inside the user agent and the request', () => {
    const line = accessLine({ agent: 'Evil \\"Bot\\" C:\\\\path', request: 'GET /a\\"b HTTP/1.1' }, true);
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.attributes['user_agent.original']).toBe('Evil "Bot" C:\\path');
    expect(record.attributes['url.path']).toBe('/a"b');
  });

  it('keeps a garbage request line (TLS probe, "-") as a parsed line without method or path', () => {
    for (const request of ['-', '\\x16\\x03\\x01\\x02', '']) {
      const { record, parsed } = parseAccessLogLine(accessLine({ request, status: 400, size: '0' }, true), NOW);
      expect(parsed).toBe(true);
      expect(record.attributes['http.response.status_code']).toBe(400);
      expect(record.attributes['http.request.method']).toBeUndefined();
      expect(record.attributes['url.path']).toBeUndefined();
      expect(record.severityNumber).toBe(13); // 4xx → WARN
    }
  });

  it('marks non-standard methods _OTHER and keeps the original, per semantic conventions', () => {
    const { record } = parseAccessLogLine(accessLine({ request: 'PROPFIND /dav/ HTTP/1.1', status: 207 }, false), NOW);
    expect(record.attributes['http.request.method']).toBe('_OTHER');
    expect(record.attributes['http.request.method_original']).toBe('PROPFIND');
  });

  it('keeps an absolute-form target as url.full with its path', () => {
    const { record } = parseAccessLogLine(accessLine({ request: 'GET http://example.com/x/y?z HTTP/1.1' }, false), NOW);
    expect(record.attributes['url.full']).toBe('http://example.com/x/y?z');
    expect(record.attributes['url.path']).toBe('/x/y');
    expect(record.attributes['url.query']).toBe('z');
  });

  it('sets ERROR severity for 5xx', () => {
    expect(parseAccessLogLine(accessLine({ status: 502 }, true), NOW).record.severityNumber).toBe(17);
  });

  it('reads the zone offset of the timestamp', () => {
    const { record } = parseAccessLogLine(accessLine({ time: '31/Dec/2023:23:59:59 +0530' }, false), NOW);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2023, 11, 31, 18, 29, 59)));
  });

  it('strips a CR left by CRLF files', () => {
    const line = accessLine({}, true);
    const { record } = parseAccessLogLine(line + '\r', NOW);
    expect(record.body).toBe(line);
    expect(record.attributes['user_agent.original']).toBe('Mozilla/4.08 [en] (Win98; I ;Nav)');
  });

  it.each([
    ['no brackets around the time', '127.0.0.1 - - 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.0" 200 1'],
    ['an impossible date', '127.0.0.1 - - [31/Feb/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1'],
    ['an unclosed request quote', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1'],
    ['a status that is not 3 digits', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 20 1'],
    ['a size that is not a number', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 big'],
    ['a status cut to two digits at the end of the line', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 20'],
    ['a syslog line', 'Jun 14 15:16:01 combo sshd[19939]: authentication failure'],
  ])('does not parse %s', (_name, line) => {
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(false);
    expect(record.body).toBe(line);
  });

  it('counts a line whose user agent was cut off, naming the damaged field', () => {
    const line = '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /cart HTTP/1.1" 503 17 "-" "Mozilla/5.0 (X11; Lin';
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.attributes['http.response.status_code']).toBe(503);
    expect(record.attributes['url.path']).toBe('/cart');
    expect(record.attributes['http.response.body.size']).toBe(17);
    expect(record.attributes['user_agent.original']).toBe('Mozilla/5.0 (X11; Lin');
    expect(record.attributes[DAMAGED_FIELD_ATTRIBUTE]).toBe('user_agent.original');
    expect(record.severityNumber).toBe(17);
  });

  it('counts a line whose referer was cut off', () => {
    const line = '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "POST /pay HTTP/1.1" 200 5 "https://shop.example/ch';
    const { record, parsed } = parseAccessLogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.attributes['http.request.header.referer']).toEqual(['https://shop.example/ch']);
    expect(record.attributes[DAMAGED_FIELD_ATTRIBUTE]).toBe('http.request.header.referer');
    expect(record.attributes['user_agent.original']).toBeUndefined();
  });

  it('an intact line carries no damage marker', () => {
    const { record } = parseAccessLogLine(accessLine({}, true), NOW);
    expect(record.attributes[DAMAGED_FIELD_ATTRIBUTE]).toBeUndefined();
  });
});

describe('access logs cut at any point', () => {
  const segment = fc.oneof(
    fc.constantFrom('users', 'cart', 'api', 'v1', 'orders', 'checkout'),
    fc.integer({ min: 0, max: 99999 }).map(String),
    fc.uuid(),
  );
  const quotedText = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\\"\n\r]/g, ''));
  const accessLineFields = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    path: fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => '/' + parts.join('/')),
    query: fc.option(fc.constantFrom('a=1', 'q=x%20y', 'page=2&size=10'), { nil: undefined }),
    status: fc.integer({ min: 100, max: 599 }),
    size: fc.oneof(fc.constant('-'), fc.integer({ min: 0, max: 10_000_000 }).map(String)),
    combined: fc.boolean(),
    referer: quotedText,
    agent: quotedText,
    duration: fc.option(fc.double({ min: 0, max: 60, noNaN: true }).map((d) => d.toFixed(3)), { nil: undefined }),
  });

  it('never reports a wrong status, method or path, and counts every line whose size field is whole', () => {
    fc.assert(
      fc.property(accessLineFields, (f) => {
        const target = f.query ? `${f.path}?${f.query}` : f.path;
        let line = `192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] "${f.method} ${target} HTTP/1.1" ${f.status} ${f.size}`;
        const sizeEnd = line.length;
        if (f.combined) line += ` "${f.referer}" "${f.agent}"`;
        if (f.duration !== undefined) line += ` ${f.duration}`;
        const whole = parseAccessLogLine(line, NOW);
        expect(whole.parsed).toBe(true);
        expect(whole.record.attributes['http.response.status_code']).toBe(f.status);
        expect(whole.record.attributes['url.path']).toBe(f.path);
        for (let cut = 0; cut <= line.length; cut++) {
          const { record, parsed } = parseAccessLogLine(line.slice(0, cut), NOW);
          if (cut >= sizeEnd) expect(parsed, `cut at ${cut}`).toBe(true);
          if (!parsed) continue;
          expect(record.attributes['http.response.status_code'], `cut at ${cut}`).toBe(f.status);
          expect(record.attributes['http.request.method'], `cut at ${cut}`).toBe(f.method);
          expect(record.attributes['url.path'], `cut at ${cut}`).toBe(f.path);
        }
      }),
      { numRuns: 300 },
    );
  });
});
