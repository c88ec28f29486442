import { describe, expect, it } from 'vitest';
import { createMultilineJoiner, isContinuation } from './multiline.ts';
import type { JoinedEntry, MultilineJoiner } from './multiline.ts';

/** Push lines one ms apart; collect what comes out, then flush. */
function joinAll(joiner: MultilineJoiner, lines: string[]): JoinedEntry[] {
  const out: JoinedEntry[] = [];
  lines.forEach((line, i) => out.push(...joiner.push(line, 1000 + i)));
  out.push(...joiner.flush());
  return out;
}

const javaEntry = [
  '2015-07-29 17:41:44,747 [main] ERROR com.example.Api - request failed',
  'java.lang.IllegalStateException: pool exhausted',
  '\tat com.example.Pool.take(Pool.java:42)',
  '\tat com.example.Api.handle(Api.java:7)',
  'Caused by: java.net.SocketTimeoutException: connect timed out',
  '\tat java.net.Socket.connect(Socket.java:601)',
  '\t... 2 more',
  'Suppressed: java.io.IOException: close failed',
  '\t\tat com.example.Pool.close(Pool.java:50)',
];

const pythonEntry = [
  'ERROR:root:failed to divide',
  'Traceback (most recent call last):',
  '  File "/app/main.py", line 10, in <module>',
  '    divide(1, 0)',
  '  File "/app/main.py", line 4, in divide',
  '    return a / b',
  'ZeroDivisionError: division by zero',
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "/app/main.py", line 12, in <module>',
  '    raise ValueError("bad")',
  'ValueError: bad',
];

describe('multiline joiner', () => {
  it('joins a Java stack with Caused by, ... N more and Suppressed into the line before it', () => {
    const joiner = createMultilineJoiner();
    const entries = joinAll(joiner, [...javaEntry, '2015-07-29 17:41:45,000 [main] INFO  com.example.Api - next']);
    expect(entries.map((e) => e.text)).toEqual([javaEntry.join('\n'), '2015-07-29 17:41:45,000 [main] INFO  com.example.Api - next']);
    expect(entries[0]).toMatchObject({ lines: 9, continued: false });
    expect(entries[0]!.split).toBeUndefined();
  });

  it('emits an entry as soon as the next entry starts', () => {
    const joiner = createMultilineJoiner();
    expect(joiner.push('first', 0)).toEqual([]);
    expect(joiner.push('  continued', 1)).toEqual([]);
    expect(joiner.push('second', 2)).toEqual([{ text: 'first\n  continued', lines: 2, continued: false }]);
    expect(joiner.hasPending).toBe(true);
  });

  it('joins a Python traceback, including a chained one after blank lines, and its unindented exception line', () => {
    const joiner = createMultilineJoiner();
    const entries = joinAll(joiner, [...pythonEntry, 'INFO:root:next']);
    expect(entries.map((e) => e.text)).toEqual([pythonEntry.join('\n'), 'INFO:root:next']);
  });

  it('drops blank lines held after a traceback when no chained traceback follows', () => {
    const joiner = createMultilineJoiner();
    const entries = joinAll(joiner, ['Traceback (most recent call last):', '  File "x.py", line 1', 'KeyError: 1', '', 'next line']);
    expect(entries.map((e) => e.text)).toEqual(['Traceback (most recent call last):\n  File "x.py", line 1\nKeyError: 1', 'next line']);
    expect(entries[0]!.lines).toBe(3);
  });

  it('with a start pattern, every line that does not match continues the entry', () => {
    const joiner = createMultilineJoiner({ startPattern: '^\\d{4}-\\d{2}-\\d{2} ' });
    const entries = joinAll(joiner, ['2023-01-01 a', 'unindented detail', 'Caused by: x', '2023-01-01 b', 'not a start']);
    expect(entries.map((e) => e.text)).toEqual(['2023-01-01 a\nunindented detail\nCaused by: x', '2023-01-01 b\nnot a start']);
  });

  it('is not confused by a /g start pattern (lastIndex)', () => {
    const joiner = createMultilineJoiner({ startPattern: /^\[/g });
    const entries = joinAll(joiner, ['[1] a', '[2] b', '[3] c']);
    expect(entries.map((e) => e.text)).toEqual(['[1] a', '[2] b', '[3] c']);
  });

  it('splits at maxLines and marks both pieces', () => {
    const joiner = createMultilineJoiner({ maxLines: 3 });
    const entries = joinAll(joiner, ['head', '  1', '  2', '  3', '  4', '  5', '  6', '  7']);
    expect(entries).toEqual([
      { text: 'head\n  1\n  2', lines: 3, continued: false, split: 'max_lines' },
      { text: '  3\n  4\n  5', lines: 3, continued: true, split: 'max_lines' },
      { text: '  6\n  7', lines: 2, continued: true },
    ]);
  });

  it('splits at maxBytes, counting UTF-8 bytes and the joining newlines', () => {
    const joiner = createMultilineJoiner({ maxBytes: 20 });
    // 'héad' is 5 bytes; each '  ééé' is 8 bytes (+1 newline)
    const entries = joinAll(joiner, ['héad', '  ééé', '  ééé', '  ééé']);
    expect(entries).toEqual([
      { text: 'héad\n  ééé', lines: 2, continued: false, split: 'max_bytes' },
      { text: '  ééé\n  ééé', lines: 2, continued: true },
    ]);
    for (const entry of entries) expect(Buffer.byteLength(entry.text)).toBeLessThanOrEqual(20);
  });

  it('cuts a single line longer than maxBytes into pieces, never inside a character', () => {
    const joiner = createMultilineJoiner({ maxBytes: 16 });
    const line = 'a'.repeat(15) + '€' + 'b'.repeat(10); // € is 3 bytes at bytes 15..17
    const entries = joinAll(joiner, [line]);
    expect(entries.map((e) => e.text)).toEqual(['a'.repeat(15), '€' + 'b'.repeat(10)]);
    expect(entries.map((e) => [e.split, e.continued])).toEqual([
      ['max_bytes', false],
      [undefined, true],
    ]);
  });

  it('flushes an entry on poll once no line came for the timeout (injected clock)', () => {
    const joiner = createMultilineJoiner({ timeoutMs: 500 });
    joiner.push('ERROR boom', 10_000);
    joiner.push('\tat x.y(Z.java:1)', 10_100);
    expect(joiner.poll(10_599)).toEqual([]); // 499 ms since the last line
    expect(joiner.poll(10_600)).toEqual([{ text: 'ERROR boom\n\tat x.y(Z.java:1)', lines: 2, continued: false }]);
    expect(joiner.hasPending).toBe(false);
    expect(joiner.poll(99_999)).toEqual([]);
    // a continuation arriving after the flush starts its own entry
    expect(joiner.push('\tat late(L.java:2)', 100_000)).toEqual([]);
    expect(joiner.flush()).toEqual([{ text: '\tat late(L.java:2)', lines: 1, continued: false }]);
  });

  it('strips the CR of CRLF lines', () => {
    const joiner = createMultilineJoiner();
    expect(joinAll(joiner, ['a\r', '  b\r'])).toEqual([{ text: 'a\n  b', lines: 2, continued: false }]);
  });

  it('recognises continuation shapes and nothing else', () => {
    for (const line of ['  indented', '\tat x', 'at com.x.Y.z(Y.java:1)', 'Caused by: x', '... 12 more', 'java.lang.Error: x', 'com.x.Outer$Inner', 'Exception in thread "main" java.lang.NullPointerException']) {
      expect(isContinuation(line), line).toBe(true);
    }
    for (const line of ['', 'INFO starting', '2023-01-01 x', '{"a":1}', 'Error: not qualified', 'attack at dawn', 'hello.']) {
      expect(isContinuation(line), line).toBe(false);
    }
  });
});
