import { describe, expect, it } from 'vitest';
import { createSyslogParser, parseSyslogLine } from './syslog-parser.ts';

const NOW = Date.UTC(2026, 5, 15, 12);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('syslog RFC 5424', () => {
  it('parses the RFC example with structured data and a BOM before the message', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...';
    const { record, parsed } = parseSyslogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2003, 9, 11, 22, 14, 15, 3)));
    expect(record.body).toBe('An application event log entry...');
    // PRI 165 = facility 20 (local4), severity 5 (notice)
    expect(record.severityNumber).toBe(10);
    expect(record.severityText).toBe('notice');
    expect(plain(record.attributes)).toEqual({
      'syslog.facility': 20,
      'syslog.version': 1,
      'host.name': 'mymachine.example.com',
      'syslog.app_name': 'evntslog',
      'syslog.msgid': 'ID47',
      'syslog.structured_data': { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } },
    });
  });

  it('parses several SD elements, escaped characters in values, a numeric procid and an offset', () => {
    const line =
      '<34>1 2023-10-11T22:14:15.123456+02:00 host1 su 1234 - [origin ip="192.0.2.1"][meta note="say \\"hi\\" \\\\ [x\\]" empty=""] \'su root\' failed';
    const { record, parsed } = parseSyslogLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2023, 9, 11, 20, 14, 15, 123)) + 456_000n);
    expect(record.body).toBe("'su root' failed");
    expect(record.severityNumber).toBe(18); // crit → ERROR2
    expect(record.severityText).toBe('crit');
    expect(plain(record.attributes)).toEqual({
      'syslog.facility': 4,
      'syslog.version': 1,
      'host.name': 'host1',
      'syslog.app_name': 'su',
      'process.pid': 1234,
      'syslog.structured_data': { origin: { ip: '192.0.2.1' }, meta: { note: 'say "hi" \\ [x]', empty: '' } },
    });
  });

  it('leaves out NILVALUE fields and accepts a missing message', () => {
    const { record, parsed } = parseSyslogLine('<13>1 - - - - - -', NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(0n);
    expect(record.body).toBe('');
    expect(plain(record.attributes)).toEqual({ 'syslog.facility': 1, 'syslog.version': 1 });
  });

  it('keeps a non-numeric procid as syslog.procid', () => {
    const { record } = parseSyslogLine('<14>1 2023-10-11T22:14:15Z h app worker-3 - - hello', NOW);
    expect(record.attributes['syslog.procid']).toBe('worker-3');
    expect(record.attributes['process.pid']).toBeUndefined();
  });

  it.each([
    ['PRI over 191', '<192>1 2023-10-11T22:14:15Z h a - - - m'],
    ['an unclosed SD element', '<14>1 2023-10-11T22:14:15Z h a - - [id k="v" m'],
    ['an SD param without quotes', '<14>1 2023-10-11T22:14:15Z h a - - [id k=v] m'],
    ['a bad timestamp', '<14>1 2023-13-11T22:14:15Z h a - - - m'],
    ['missing header fields', '<14>1 2023-10-11T22:14:15Z h a'],
  ])('does not parse %s', (_name, line) => {
    const { parsed, record } = parseSyslogLine(line, NOW);
    expect(parsed).toBe(false);
    expect(record.body).toBe(line);
  });
});

describe('syslog RFC 3164', () => {
  it('parses the RFC example: PRI, host, tag without pid', () => {
    const { record, parsed } = parseSyslogLine("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2025, 9, 11, 22, 14, 15))); // October 2026 is in the future: last year
    expect(record.body).toBe("'su root' failed for lonvick on /dev/pts/8");
    expect(record.severityNumber).toBe(18);
    expect(record.severityText).toBe('crit');
    expect({ ...record.attributes }).toEqual({ 'syslog.facility': 4, 'host.name': 'mymachine', 'syslog.app_name': 'su' });
  });

  it('parses a tag with a pid and a space-padded day', () => {
    const { record } = parseSyslogLine('<13>Jun  3 08:00:01 web-1 CRON[12345]: (root) CMD (run-parts /etc/cron.hourly)', NOW);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2026, 5, 3, 8, 0, 1)));
    expect(record.severityText).toBe('notice');
    expect(record.body).toBe('(root) CMD (run-parts /etc/cron.hourly)');
    expect({ ...record.attributes }).toEqual({ 'syslog.facility': 1, 'host.name': 'web-1', 'syslog.app_name': 'CRON', 'process.pid': 12345 });
  });

  it('accepts a line with no hostname (tag right after the time)', () => {
    const { record } = parseSyslogLine('<30>Jun  3 08:00:01 systemd[1]: Started Session 4.', NOW);
    expect({ ...record.attributes }).toEqual({ 'syslog.facility': 3, 'syslog.app_name': 'systemd', 'process.pid': 1 });
    expect(record.body).toBe('Started Session 4.');
  });

  it("accepts rsyslog's RFC 3339 file format", () => {
    const { record, parsed } = parseSyslogLine('2023-10-11T22:14:15.123456+00:00 web-1 nginx[88]: started', NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2023, 9, 11, 22, 14, 15, 123)) + 456_000n);
    expect({ ...record.attributes }).toEqual({ 'host.name': 'web-1', 'syslog.app_name': 'nginx', 'process.pid': 88 });
  });

  it('treats a PRI with no valid timestamp as all content (RFC 3164 4.3.2)', () => {
    const { record, parsed } = parseSyslogLine('<13>just a message', NOW);
    expect(parsed).toBe(true);
    expect(record.body).toBe('just a message');
    expect(record.severityText).toBe('notice');
  });

  it('does not take a log4j-style line for syslog without a PRI', () => {
    expect(parseSyslogLine('2015-07-29 17:41:44,747 - INFO  [main:Foo@1] - x', NOW).parsed).toBe(false);
    expect(parseSyslogLine('2023-10-11T14:32:52.123Z ERROR 12345 --- [main] c.x.Foo : boom', NOW).parsed).toBe(false);
    expect(parseSyslogLine('plain text', NOW).parsed).toBe(false);
  });

  describe('year inference from now', () => {
    const line = (date: string): string => `<13>${date} host app: m`;
    const year = (date: string, nowMs: number): number => {
      const ms = Number(parseSyslogLine(line(date), nowMs).record.timeUnixNano / 1_000_000n);
      return new Date(ms).getUTCFullYear();
    };

    it('puts a Dec 31 line read on Jan 1 in the previous year', () => {
      expect(year('Dec 31 23:59:58', Date.UTC(2026, 0, 1, 0, 0, 5))).toBe(2025);
    });

    it('keeps a Jan 1 line read on Jan 1 in this year', () => {
      expect(year('Jan  1 00:00:02', Date.UTC(2026, 0, 1, 0, 0, 5))).toBe(2026);
    });

    it('puts a Jan 1 line read just before midnight on Dec 31 (sender clock ahead) in the next year', () => {
      expect(year('Jan  1 00:00:30', Date.UTC(2025, 11, 31, 23, 59, 50))).toBe(2026);
    });

    it('accepts a date up to a day ahead as this year, more than a day ahead as last year', () => {
      const now = Date.UTC(2026, 5, 15, 12);
      expect(year('Jun 16 11:00:00', now)).toBe(2026);
      expect(year('Jun 16 13:00:00', now)).toBe(2025);
    });

    it('puts Feb 29 in the latest leap year not in the future', () => {
      expect(year('Feb 29 10:00:00', Date.UTC(2026, 5, 15))).toBe(2024);
      expect(year('Feb 29 10:00:00', Date.UTC(2028, 2, 1))).toBe(2028);
    });

    it('reads the time in the configured zone', () => {
      const parse = createSyslogParser({ utcOffsetMinutes: 120 });
      expect(parse(line('Jun  3 08:00:01'), NOW).record.timeUnixNano).toBe(ns(Date.UTC(2026, 5, 3, 6, 0, 1)));
    });
  });
});
