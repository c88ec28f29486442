import { describe, expect, it } from 'vitest';
import { parseApacheErrorLine } from './apache-error-parser.ts';

const NOW = Date.UTC(2026, 0, 1);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

describe('Apache error log', () => {
  it('parses the 2.4 form: microseconds, module:level, pid:tid, client with port', () => {
    const line = '[Wed Oct 11 14:32:52.123456 2023] [core:error] [pid 123:tid 456] [client 1.2.3.4:5678] AH00124: Request exceeded the limit of 10 internal redirects';
    const { record, parsed } = parseApacheErrorLine(line, NOW);
    expect(parsed).toBe(true);
    expect(record.timeUnixNano).toBe(ns(Date.UTC(2023, 9, 11, 14, 32, 52, 123)) + 456_000n);
    expect(record.severityNumber).toBe(17);
    expect(record.severityText).toBe('error');
    expect(record.body).toBe('AH00124: Request exceeded the limit of 10 internal redirects');
    expect({ ...record.attributes }).toEqual({
      'apache.module': 'core',
      'process.pid': 123,
      'thread.id': 456,
      'client.address': '1.2.3.4',
      'client.port': 5678,
    });
  });

  it('splits the port off an IPv6 client in the 2.4 form', () => {
    const { record } = parseApacheErrorLine('[Wed Oct 11 14:32:52.000001 2023] [ssl:warn] [pid 9] [client ::1:58010] AH01909: mismatch', NOW);
    expect(record.attributes['client.address']).toBe('::1');
    expect(record.attributes['client.port']).toBe(58010);
    expect(record.severityNumber).toBe(13);
    expect(record.attributes['thread.id']).toBeUndefined();
  });

  it('keeps a 2.2 IPv6 client whole (2.2 writes no port)', () => {
    const { record } = parseApacheErrorLine('[Sun Dec 04 04:47:44 2005] [error] [client ::1] File does not exist: /x', NOW);
    expect(record.attributes['client.address']).toBe('::1');
    expect(record.attributes['client.port']).toBeUndefined();
  });

  it('maps trace1..trace8, crit, alert and emerg', () => {
    const level = (word: string): number =>
      parseApacheErrorLine(`[Wed Oct 11 14:32:52.1 2023] [http:${word}] [pid 1] x`, NOW).record.severityNumber;
    expect([level('trace5'), level('debug'), level('info'), level('notice'), level('crit'), level('alert'), level('emerg')]).toEqual([
      1, 5, 9, 10, 18, 19, 21,
    ]);
  });

  it('keeps [remote addr] apart from the client', () => {
    const { record } = parseApacheErrorLine('[Wed Oct 11 14:32:52.1 2023] [authz_core:error] [pid 1] [remote 10.0.0.2:80] [client 8.8.8.8:1] denied', NOW);
    expect(record.attributes['network.peer.address']).toBe('10.0.0.2');
    expect(record.attributes['client.address']).toBe('8.8.8.8');
    expect(record.body).toBe('denied');
  });

  it.each([
    ['an unknown level', '[Sun Dec 04 04:47:44 2005] [loud] x'],
    ['no level', '[Sun Dec 04 04:47:44 2005] x'],
    ['a bad date', '[Sun Dec 32 04:47:44 2005] [error] x'],
    ['no brackets', 'Sun Dec 04 04:47:44 2005 [error] x'],
  ])('does not parse %s', (_name, line) => {
    expect(parseApacheErrorLine(line, NOW).parsed).toBe(false);
  });
});
