import type { Attributes } from '@lookout/otlp';

/** The exception.* attributes of the OpenTelemetry semantic conventions. */
export interface ExceptionInfo {
  type: string;
  message: string;
  stacktrace: string;
}

export function setException(attributes: Attributes, exception: ExceptionInfo): void {
  if (exception.type !== '') attributes['exception.type'] = exception.type;
  if (exception.message !== '') attributes['exception.message'] = exception.message;
  if (exception.stacktrace !== '') attributes['exception.stacktrace'] = exception.stacktrace;
}

/** `java.lang.IllegalStateException`, `Error`, `com.x.Outer$Inner`, `ValueError`, `errors.ErrNotFound`. */
const TYPE_NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** `Type: message` or `Type` (the header line of a Java/JS stack or the last line of a Python traceback). */
function typeAndMessage(line: string): { type: string; message: string } | undefined {
  let text = line;
  if (text.startsWith('Exception in thread "')) {
    const close = text.indexOf('" ', 21);
    if (close < 0) return undefined;
    text = text.slice(close + 2);
  }
  const colon = text.indexOf(': ');
  const type = colon < 0 ? text.trimEnd() : text.slice(0, colon);
  if (type.length > 256 || !TYPE_NAME.test(type)) return undefined;
  return { type, message: colon < 0 ? '' : text.slice(colon + 2) };
}

function isIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 32 || c === 9;
}

/**
 * A stack trace at the start of `text` (the lines after a log message): a Java/JS stack
 * (`Type: message` then indented `at …` frames) or a Python traceback. Undefined when
 * the text is not one.
 */
export function parseStackTrace(text: string): ExceptionInfo | undefined {
  const firstEnd = text.indexOf('\n');
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (first.startsWith('Traceback (most recent call last):')) {
    // the exception line is the last line that is not indented and not blank
    const lines = text.split('\n');
    for (let i = lines.length - 1; i > 0; i--) {
      const line = lines[i]!.trimEnd();
      if (line === '' || isIndented(line)) continue;
      const found = typeAndMessage(line);
      return { type: found?.type ?? '', message: found?.message ?? line, stacktrace: text };
    }
    return { type: '', message: '', stacktrace: text };
  }
  if (firstEnd < 0) return undefined;
  const found = typeAndMessage(first);
  if (found === undefined) return undefined;
  const secondEnd = text.indexOf('\n', firstEnd + 1);
  const second = text.slice(firstEnd + 1, secondEnd < 0 ? text.length : secondEnd);
  if (!isIndented(second) || !second.trimStart().startsWith('at ')) return undefined;
  return { type: found.type, message: found.message, stacktrace: text };
}

/**
 * Split a joined multi-line message into its first line and the stack trace that
 * follows, when what follows is one. Returns undefined when there is no stack trace.
 */
export function splitMessageAndStack(message: string): { message: string; exception: ExceptionInfo } | undefined {
  const nl = message.indexOf('\n');
  if (nl < 0) return undefined;
  const exception = parseStackTrace(message.slice(nl + 1));
  if (exception === undefined) return undefined;
  const head = message.charCodeAt(nl - 1) === 13 ? message.slice(0, nl - 1) : message.slice(0, nl);
  return { message: head, exception };
}
