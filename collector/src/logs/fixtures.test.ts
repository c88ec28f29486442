import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFormatDetector } from './format-detector.ts';
import { createFormatParser } from './formats.ts';
import type { LogFormat } from './formats.ts';
import type { ParsedLine } from './record.ts';
import { createStreamParser } from './stream-parser.ts';

// The LogHub samples, used in place (repo root ../shared/fixtures); they have CRLF line ends.
function fixtureLines(name: string): string[] {
  const url = new URL(`../../../../shared/fixtures/logs/${name}`, import.meta.url);
  const lines = readFileSync(url, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// The logs are from 2005 (Linux) and 2015 (ZooKeeper); 3164 dates have no year.
const END_OF_2005 = Date.UTC(2005, 11, 31, 12);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

function attributesOf(result: ParsedLine): Record<string, unknown> {
  return { ...result.record.attributes };
}

describe.each<[string, LogFormat]>([
  ['Linux_2k.log', 'syslog'],
  ['Apache_2k.log', 'apache-error'],
  ['Zookeeper_2k.log', 'log4j'],
])('%s', (file, format) => {
  const lines = fixtureLines(file);

  it('has the 2000 lines we expect', () => {
    expect(lines).toHaveLength(2000);
  });

  it(`is detected as ${format} from its first lines, with full confidence`, () => {
    const detector = createFormatDetector();
    for (const line of lines) {
      detector.observe(line, END_OF_2005);
      if (detector.detection.settled) break;
    }
    expect(detector.detection).toEqual({ format, confidence: 1, linesSeen: 5, settled: true });
  });

  it(`is still ${format} when the detector looks at all 20 lines it may`, () => {
    const detector = createFormatDetector({ settleAfter: 20 });
    for (const line of lines.slice(0, 20)) detector.observe(line, END_OF_2005);
    expect(detector.detection).toEqual({ format, confidence: 1, linesSeen: 20, settled: true });
  });

  it(`parses every line as ${format}, with a time and a body without the CR`, () => {
    const parse = createFormatParser(format);
    const failures = lines.filter((line) => !parse(line, END_OF_2005).parsed);
    expect(failures).toEqual([]);
    for (const line of lines) {
      const { record } = parse(line, END_OF_2005);
      expect(record.timeUnixNano).toBeGreaterThan(0n);
      expect(String(record.body)).not.toMatch(/\r/);
    }
  });

  it('goes through an auto-detecting stream parser with no line unparsed', () => {
    const stream = createStreamParser();
    for (const line of lines) stream.parse(line, END_OF_2005);
    expect(stream.format).toBe(format);
    expect(stream.stats).toEqual({ lines: 2000, unparsed: 0, redetections: 0 });
  });
});

describe('Linux_2k.log (syslog RFC 3164 without PRI), hand-checked lines', () => {
  const lines = fixtureLines('Linux_2k.log');
  const parse = createFormatParser('syslog');

  it('line 1: app with a parenthesised facility, pid, trailing space kept in the body', () => {
    const result = parse(lines[0]!, END_OF_2005);
    expect(result.parsed).toBe(true);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 5, 14, 15, 16, 1)));
    expect(result.record.body).toBe('authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ');
    expect(result.record.severityNumber).toBe(0); // no PRI in a file
    expect(result.record.severityText).toBe('');
    expect(attributesOf(result)).toEqual({ 'host.name': 'combo', 'syslog.app_name': 'sshd(pam_unix)', 'process.pid': 19939 });
    expect(result.record.observedTimeUnixNano).toBe(ns(END_OF_2005));
  });

  it('line 14: su(pam_unix) session line', () => {
    const result = parse(lines[13]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 5, 15, 4, 6, 18)));
    expect(result.record.body).toBe('session opened for user cyrus by (uid=0)');
    expect(attributesOf(result)).toEqual({ 'host.name': 'combo', 'syslog.app_name': 'su(pam_unix)', 'process.pid': 21416 });
  });

  it('line 146: a tag with no colon (`syslogd 1.4.1: restart.`) ends at the space', () => {
    const result = parse(lines[145]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 5, 19, 4, 9, 11)));
    expect(result.record.body).toBe('1.4.1: restart.');
    expect(attributesOf(result)).toEqual({ 'host.name': 'combo', 'syslog.app_name': 'syslogd' });
  });

  it('line 899: space-padded day and a double space before the `--` tag', () => {
    expect(lines[898]).toBe('Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2\r');
    const result = parse(lines[898]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 6, 7, 8, 6, 15)));
    // the tag is the first word after the host, as rsyslog reads it
    expect(result.record.body).toBe('root[2421]: ROOT LOGIN ON tty2');
    expect(attributesOf(result)).toEqual({ 'host.name': 'combo', 'syslog.app_name': '--' });
  });

  it('line 1911: kernel line whose message holds brackets, colons and a date', () => {
    const result = parse(lines[1910]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 6, 27, 14, 41, 57)));
    expect(result.record.body).toBe(
      'Linux version 2.6.5-1.358 (bhcompile@bugs.build.redhat.com) (gcc version 3.3.3 20040412 (Red Hat Linux 3.3.3-7)) #1 Sat May 8 09:04:50 EDT 2004',
    );
    expect(attributesOf(result)).toEqual({ 'host.name': 'combo', 'syslog.app_name': 'kernel' });
  });

  it('reads June as last year when parsed in the following March', () => {
    const result = parse(lines[0]!, Date.UTC(2006, 2, 1));
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 5, 14, 15, 16, 1)));
  });
});

describe('Apache_2k.log (Apache 2.2 error log), hand-checked lines', () => {
  const lines = fixtureLines('Apache_2k.log');
  const parse = createFormatParser('apache-error');

  it('line 1: notice', () => {
    const result = parse(lines[0]!, END_OF_2005);
    expect(result.parsed).toBe(true);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 11, 4, 4, 47, 44)));
    expect(result.record.severityNumber).toBe(10); // INFO2
    expect(result.record.severityText).toBe('notice');
    expect(result.record.body).toBe('workerEnv.init() ok /etc/httpd/conf/workers2.properties');
    expect(attributesOf(result)).toEqual({});
  });

  it('line 2: error', () => {
    const result = parse(lines[1]!, END_OF_2005);
    expect(result.record.severityNumber).toBe(17);
    expect(result.record.severityText).toBe('error');
    expect(result.record.body).toBe('mod_jk child workerEnv in error state 6');
  });

  it('line 806: [client addr] (2.2 writes no port)', () => {
    const result = parse(lines[805]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 11, 4, 18, 24, 22)));
    expect(result.record.severityNumber).toBe(17);
    expect(result.record.body).toBe('Directory index forbidden by rule: /var/www/html/');
    expect(attributesOf(result)).toEqual({ 'client.address': '125.30.38.52' });
  });

  it("line 1550: a quote in the message, on Monday", () => {
    const result = parse(lines[1549]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(ns(Date.UTC(2005, 11, 5, 11, 6, 52)));
    expect(result.record.body).toBe("jk2_init() Can't find child 5622 in scoreboard");
  });

  it('reads times in the configured zone', () => {
    const parseEst = createFormatParser('apache-error', { utcOffsetMinutes: -300 });
    expect(parseEst(lines[0]!, END_OF_2005).record.timeUnixNano).toBe(ns(Date.UTC(2005, 11, 4, 9, 47, 44)));
  });
});

describe('Zookeeper_2k.log (log4j `%d - %-5p [%t:%C{1}@%L] - %m`), hand-checked lines', () => {
  const lines = fixtureLines('Zookeeper_2k.log');
  const parse = createFormatParser('log4j');
  const at = (h: number, m: number, s: number, ms: number): bigint => ns(Date.UTC(2015, 6, 29, h, m, s, ms));

  it('line 1: thread name with nested brackets and colons', () => {
    const result = parse(lines[0]!, END_OF_2005);
    expect(result.parsed).toBe(true);
    expect(result.record.timeUnixNano).toBe(at(17, 41, 44, 747));
    expect(result.record.severityNumber).toBe(9);
    expect(result.record.severityText).toBe('INFO');
    expect(result.record.body).toBe('Notification time out: 3200');
    expect(attributesOf(result)).toEqual({
      'thread.name': 'QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181',
      'code.namespace': 'FastLeaderElection',
      'code.line.number': 774,
    });
  });

  it('line 495: thread with slashes and a port', () => {
    const result = parse(lines[494]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(at(19, 52, 4, 792));
    expect(result.record.body).toBe('Closed socket connection for client /10.10.34.18:42772 which had sessionid 0x14ed93111f20005');
    expect(attributesOf(result)).toEqual({
      'thread.name': 'NIOServerCxn.Factory:0.0.0.0/0.0.0.0:2181',
      'code.namespace': 'NIOServerCnxn',
      'code.line.number': 1001,
    });
  });

  it('line 506: ERROR with a trailing space kept in the body', () => {
    const result = parse(lines[505]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(at(23, 44, 28, 903));
    expect(result.record.severityNumber).toBe(17);
    expect(result.record.severityText).toBe('ERROR');
    expect(result.record.body).toBe('Unexpected Exception: ');
    expect(attributesOf(result)).toEqual({ 'thread.name': 'CommitProcessor:1', 'code.namespace': 'NIOServerCnxn', 'code.line.number': 180 });
  });

  it('line 1258: thread name that ends in a colon (`ProcessThread(sid:2 cport:-1):`)', () => {
    const result = parse(lines[1257]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(at(19, 37, 27, 222));
    expect(String(result.record.body)).toMatch(/^Got user-level KeeperException when processing sessionid:0x34ed93485090001 type:create/);
    expect(String(result.record.body)).toMatch(/NodeExists for \/home\/curi\/\.zookeeper$/);
    expect(attributesOf(result)).toEqual({
      'thread.name': 'ProcessThread(sid:2 cport:-1):',
      'code.namespace': 'PrepRequestProcessor',
      'code.line.number': 627,
    });
  });

  it('line 1462: WARN from a bracketed thread name', () => {
    const result = parse(lines[1461]!, END_OF_2005);
    expect(result.record.timeUnixNano).toBe(at(17, 42, 53, 528));
    expect(result.record.severityNumber).toBe(13);
    expect(result.record.severityText).toBe('WARN');
    expect(result.record.body).toBe('Cannot open channel to 2 at election address /10.10.34.12:3888');
    expect(attributesOf(result)).toEqual({
      'thread.name': 'WorkerSender[myid=3]',
      'code.namespace': 'QuorumCnxManager',
      'code.line.number': 368,
    });
  });
});
