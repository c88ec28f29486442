/**
 * RFC 6587 framing of syslog over TCP, as an incremental decoder: feed it the bytes of
 * one connection as they arrive, get whole messages back. Both framings are accepted and
 * told apart by the connection's first byte:
 *   octet counting   `57 <34>1 2003-10-11T22:14:15.003Z host app - - - message`
 *                    (a frame is its length in bytes, a space, then that many bytes)
 *   non-transparent  `<34>Oct 11 22:14:15 host app: message\n` (LF-terminated; CR LF too)
 */

export type SyslogFraming = 'octet-counting' | 'non-transparent';

export interface SyslogFrameError {
  /**
   * message_too_large: a message over the limit was dropped (the stream goes on);
   * invalid_frame_length: an octet-counted frame did not start with a length (fatal);
   * truncated_frame: the connection ended inside a frame.
   */
  code: 'message_too_large' | 'invalid_frame_length' | 'truncated_frame';
  message: string;
  /** byte offset in the connection where the offending frame starts */
  offset: number;
}

export interface SyslogDecodeResult {
  messages: string[];
  errors: SyslogFrameError[];
  /**
   * true once the stream cannot be re-synchronised (a bad octet count): the receiver
   * should close the connection; later pushes return nothing.
   */
  fatal: boolean;
}

export interface SyslogFrameDecoderOptions {
  /** Largest message accepted, in bytes (the frame's length for octet counting). Default 64 KiB. */
  maxMessageBytes?: number;
}

export interface SyslogFrameDecoder {
  push(chunk: Uint8Array): SyslogDecodeResult;
  /** The connection closed: a last LF-less message, or an error for a cut frame. */
  end(): SyslogDecodeResult;
  /** undefined until the first byte that is not a line break */
  readonly framing: SyslogFraming | undefined;
}

const MAX_LENGTH_DIGITS = 10;

const State = {
  /** before the first frame: framing not known yet */
  Detect: 0,
  /** octet counting: reading the length digits */
  Length: 1,
  /** octet counting: reading `remaining` bytes of a message */
  Body: 2,
  /** octet counting: skipping `remaining` bytes of a message over the limit */
  Skip: 3,
  /** non-transparent: reading up to the next LF */
  Line: 4,
  /** non-transparent: dropping a line over the limit, up to the next LF */
  Discard: 5,
  /** a bad frame length: nothing more can be decoded */
  Failed: 6,
} as const;
type State = (typeof State)[keyof typeof State];

export function createSyslogFrameDecoder(options: SyslogFrameDecoderOptions = {}): SyslogFrameDecoder {
  const maxBytes = Math.max(1, options.maxMessageBytes ?? 64 * 1024);
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let state: State = State.Detect;
  let framing: SyslogFraming | undefined;
  let offset = 0; // bytes of the connection consumed before the current chunk
  let frameStart = 0;
  let length = 0;
  let lengthDigits = 0;
  let remaining = 0;
  let parts: Uint8Array[] = [];
  let partsBytes = 0;

  function collect(): Uint8Array {
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(partsBytes);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  function lineMessage(bytes: Uint8Array): string {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    return decoder.decode(bytes.subarray(0, end));
  }

  function tooLarge(size: string, at: number): SyslogFrameError {
    return {
      code: 'message_too_large',
      offset: at,
      message:
        `syslog message at byte ${at} of the connection is ${size}, over the limit of ${maxBytes} bytes; it was dropped ` +
        '(raise maxMessageBytes if such messages are expected)',
    };
  }

  function push(chunk: Uint8Array): SyslogDecodeResult {
    const result: SyslogDecodeResult = { messages: [], errors: [], fatal: state === State.Failed };
    const n = chunk.length;
    let i = 0;
    while (i < n && state !== State.Failed) {
      switch (state) {
        case State.Detect: {
          const c = chunk[i]!;
          if (c === 10 || c === 13) {
            i++;
            break;
          }
          frameStart = offset + i;
          if (c >= 49 && c <= 57) {
            framing = 'octet-counting';
            state = State.Length;
          } else {
            framing = 'non-transparent';
            state = State.Line;
          }
          break;
        }
        case State.Length: {
          const c = chunk[i]!;
          if (lengthDigits === 0 && (c === 10 || c === 13)) {
            i++; // tolerate a line break between frames, which some senders add
            break;
          }
          if (lengthDigits === 0) frameStart = offset + i;
          if (c >= 48 && c <= 57 && !(lengthDigits === 0 && c === 48) && lengthDigits < MAX_LENGTH_DIGITS) {
            length = length * 10 + (c - 48);
            lengthDigits++;
            i++;
            break;
          }
          if (c === 32 && lengthDigits > 0) {
            i++;
            remaining = length;
            if (length > maxBytes) {
              result.errors.push(tooLarge(`${length} bytes long`, frameStart));
              state = State.Skip;
            } else {
              state = State.Body;
            }
            length = 0;
            lengthDigits = 0;
            break;
          }
          state = State.Failed;
          result.fatal = true;
          result.errors.push({
            code: 'invalid_frame_length',
            offset: offset + i,
            message:
              `octet-counted syslog frame at byte ${frameStart} of the connection must start with its length ` +
              `(1-${MAX_LENGTH_DIGITS} digits, no leading zero) and a space; found byte 0x${c.toString(16).padStart(2, '0')} at byte ${offset + i}. ` +
              'The sender mixes framings or is not speaking RFC 6587; the connection cannot be re-synchronised',
          });
          break;
        }
        case State.Body: {
          const take = Math.min(remaining, n - i);
          const piece = chunk.subarray(i, i + take);
          i += take;
          remaining -= take;
          if (remaining === 0) {
            if (parts.length === 0) {
              result.messages.push(decoder.decode(piece));
            } else {
              parts.push(piece);
              partsBytes += piece.length;
              result.messages.push(decoder.decode(collect()));
              parts = [];
              partsBytes = 0;
            }
            state = State.Length;
          } else {
            parts.push(piece.slice()); // the caller may reuse its buffer
            partsBytes += piece.length;
          }
          break;
        }
        case State.Skip: {
          const take = Math.min(remaining, n - i);
          i += take;
          remaining -= take;
          if (remaining === 0) state = State.Length;
          break;
        }
        case State.Line: {
          if (partsBytes === 0) frameStart = offset + i;
          const lf = chunk.indexOf(10, i);
          const end = lf < 0 ? n : lf;
          const piece = chunk.subarray(i, end);
          if (partsBytes + piece.length > maxBytes + 1 /* a CR may still go */) {
            result.errors.push(tooLarge(`longer than ${maxBytes} bytes without a line feed`, frameStart));
            parts = [];
            partsBytes = 0;
            state = State.Discard;
            break; // Discard resumes at i, so this piece is skipped too
          }
          if (lf < 0) {
            parts.push(piece.slice());
            partsBytes += piece.length;
            i = n;
            break;
          }
          i = lf + 1;
          const bytes = parts.length === 0 ? piece : (parts.push(piece), (partsBytes += piece.length), collect());
          parts = [];
          partsBytes = 0;
          const message = lineMessage(bytes);
          if (message !== '') result.messages.push(message);
          break;
        }
        case State.Discard: {
          const lf = chunk.indexOf(10, i);
          if (lf < 0) {
            i = n;
          } else {
            i = lf + 1;
            state = State.Line;
          }
          break;
        }
      }
    }
    offset += n;
    return result;
  }

  return {
    push(chunk: Uint8Array): SyslogDecodeResult {
      return push(chunk);
    },
    end(): SyslogDecodeResult {
      const result: SyslogDecodeResult = { messages: [], errors: [], fatal: state === State.Failed };
      if (state === State.Line && partsBytes > 0) {
        const message = lineMessage(collect());
        if (message !== '') result.messages.push(message);
      } else if (state === State.Body || state === State.Skip || (state === State.Length && lengthDigits > 0)) {
        result.errors.push({
          code: 'truncated_frame',
          offset: frameStart,
          message: `the connection closed inside the octet-counted syslog frame that starts at byte ${frameStart}; its ${
            state === State.Length ? 'length' : `last ${remaining} bytes`
          } never arrived, so the partial message was dropped`,
        });
      }
      parts = [];
      partsBytes = 0;
      state = state === State.Failed ? State.Failed : State.Detect;
      return result;
    },
    get framing() {
      return framing;
    },
  };
}
