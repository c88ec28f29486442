import { describe, expect, it } from 'vitest';
import { createSyslogFrameDecoder } from './syslog-framing.ts';
import type { SyslogDecodeResult } from './syslog-framing.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const frame = (message: string): string => `${bytes(message).length} ${message}`;

/** Feed `input` in pieces of `size` bytes; gather everything. */
function feed(input: Uint8Array, size: number, maxMessageBytes?: number): SyslogDecodeResult & { framing: string | undefined } {
  const decoder = createSyslogFrameDecoder(maxMessageBytes === undefined ? {} : { maxMessageBytes });
  const all: SyslogDecodeResult = { messages: [], errors: [], fatal: false };
  for (let i = 0; i < input.length; i += size) {
    const result = decoder.push(input.slice(i, i + size));
    all.messages.push(...result.messages);
    all.errors.push(...result.errors);
    all.fatal ||= result.fatal;
  }
  const end = decoder.end();
  all.messages.push(...end.messages);
  all.errors.push(...end.errors);
  return { ...all, framing: decoder.framing };
}

const messages = [
  '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed',
  '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.',
  '<13>1 - - - - - - multi\nline message with ünïcödé 🚀',
];

describe('RFC 6587 framing', () => {
  it.each([1, 2, 7, 64, 4096])('decodes octet-counted frames delivered %i bytes at a time', (size) => {
    const result = feed(bytes(messages.map(frame).join('')), size);
    expect(result.framing).toBe('octet-counting');
    expect(result.messages).toEqual(messages);
    expect(result.errors).toEqual([]);
  });

  it.each([1, 3, 4096])('decodes LF-delimited messages %i bytes at a time, with CRLF, blank lines and a last line without LF', (size) => {
    const input = '<34>Oct 11 22:14:15 host su: one\r\n\n<13>Oct 11 22:14:16 host app: twö\n<13>Oct 11 22:14:17 host app: last';
    const result = feed(bytes(input), size);
    expect(result.framing).toBe('non-transparent');
    expect(result.messages).toEqual(['<34>Oct 11 22:14:15 host su: one', '<13>Oct 11 22:14:16 host app: twö', '<13>Oct 11 22:14:17 host app: last']);
  });

  it('does not keep a reference to the caller\'s buffer across pushes', () => {
    const decoder = createSyslogFrameDecoder();
    const buffer = bytes('15 <13>1 - - ');
    decoder.push(buffer);
    buffer.fill(0x21);
    expect(decoder.push(bytes('- - -')).messages).toEqual(['<13>1 - - - - -']);
  });

  it('tolerates a line break between octet-counted frames', () => {
    const result = feed(bytes(`${frame('<13>1 - - - - - - a')}\n${frame('<13>1 - - - - - - b')}\r\n`), 5);
    expect(result.messages).toEqual(['<13>1 - - - - - - a', '<13>1 - - - - - - b']);
    expect(result.errors).toEqual([]);
  });

  it('drops an octet-counted frame over the limit with a clear error and goes on with the next', () => {
    const big = '<13>1 - - - - - - ' + 'x'.repeat(100);
    const result = feed(bytes(frame(big) + frame('<13>1 - - - - - - ok')), 16, 64);
    expect(result.messages).toEqual(['<13>1 - - - - - - ok']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'message_too_large', offset: 0 });
    expect(result.errors[0]!.message).toBe(
      'syslog message at byte 0 of the connection is 118 bytes long, over the limit of 64 bytes; it was dropped (raise maxMessageBytes if such messages are expected)',
    );
    expect(result.fatal).toBe(false);
  });

  it('drops an LF-delimited line over the limit up to the next LF, then goes on', () => {
    const result = feed(bytes(`<13>${'y'.repeat(200)}\n<13>short\n`), 10, 64);
    expect(result.messages).toEqual(['<13>short']);
    expect(result.errors.map((e) => e.code)).toEqual(['message_too_large']);
    expect(result.errors[0]!.message).toMatch(/^syslog message at byte 0 of the connection is longer than 64 bytes without a line feed, over the limit of 64 bytes; it was dropped/);
  });

  it('fails the connection on a bad octet count, saying where and why', () => {
    const decoder = createSyslogFrameDecoder();
    const first = decoder.push(bytes(frame('<13>1 - - - - - - a') + '12x <13>'));
    expect(first.messages).toEqual(['<13>1 - - - - - - a']);
    expect(first.fatal).toBe(true);
    expect(first.errors).toEqual([
      {
        code: 'invalid_frame_length',
        offset: 24,
        message:
          'octet-counted syslog frame at byte 22 of the connection must start with its length (1-10 digits, no leading zero) and a space; ' +
          'found byte 0x78 at byte 24. The sender mixes framings or is not speaking RFC 6587; the connection cannot be re-synchronised',
      },
    ]);
    expect(decoder.push(bytes('5 hello'))).toEqual({ messages: [], errors: [], fatal: true });
  });

  it('rejects a length with more than 10 digits', () => {
    const result = feed(bytes('123456789012 <13>'), 100);
    expect(result.fatal).toBe(true);
    expect(result.errors[0]!.code).toBe('invalid_frame_length');
  });

  it('reports a frame cut by the end of the connection', () => {
    const decoder = createSyslogFrameDecoder();
    decoder.push(bytes('30 <13>1 - - - -'));
    const end = decoder.end();
    expect(end.messages).toEqual([]);
    expect(end.errors).toEqual([
      {
        code: 'truncated_frame',
        offset: 0,
        message: 'the connection closed inside the octet-counted syslog frame that starts at byte 0; its last 17 bytes never arrived, so the partial message was dropped',
      },
    ]);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    const input = new Uint8Array([...bytes('4 a'), 0xff, 0xfe, ...bytes('b')]);
    expect(feed(input, 2).messages).toEqual(['a\uFFFD\uFFFDb']);
  });
});
