import { describe, expect, it } from 'vitest';
import { LineSplitter, utf8CutPoint, type SplitLine } from './line-splitter.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const texts = (lines: SplitLine[]) => lines.map((l) => l.text);

describe('LineSplitter', () => {
  it('emits complete lines with their byte offsets and holds a half-written last line', () => {
    const s = new LineSplitter({ offset: 100, maxLineBytes: 1024 });
    const first = s.push(bytes('one\ntwo\nthr'));
    expect(first).toEqual([
      { text: 'one', start: 100, end: 104, part: 0, continues: false },
      { text: 'two', start: 104, end: 108, part: 0, continues: false },
    ]);
    expect(s.pendingLength).toBe(3);
    expect(s.emittedOffset).toBe(108);
    expect(s.push(bytes('ee\n'))).toEqual([{ text: 'three', start: 108, end: 114, part: 0, continues: false }]);
    expect(s.pendingLength).toBe(0);
  });

  it('gives the same lines however the bytes are chunked', () => {
    const text = 'a\r\nbb\n\nccc\nłódź ✓\n' + 'z'.repeat(30) + '\nend';
    const whole = new LineSplitter({ offset: 0, maxLineBytes: 12 });
    const expected = [...whole.push(bytes(text)), ...whole.flush()];
    for (let size = 1; size <= 7; size++) {
      const s = new LineSplitter({ offset: 0, maxLineBytes: 12 });
      const got: SplitLine[] = [];
      const buf = bytes(text);
      for (let i = 0; i < buf.length; i += size) got.push(...s.push(buf.subarray(i, i + size)));
      got.push(...s.flush());
      expect(got, `chunks of ${size}`).toEqual(expected);
    }
    // offsets tile the input exactly
    expect(expected[0]!.start).toBe(0);
    for (let i = 1; i < expected.length; i++) expect(expected[i]!.start).toBe(expected[i - 1]!.end);
    expect(expected.at(-1)!.end).toBe(bytes(text).length);
  });

  it('strips \\r of CRLF line ends and keeps empty lines', () => {
    const s = new LineSplitter({ offset: 0, maxLineBytes: 64 });
    expect(texts(s.push(bytes('a\r\n\r\n\nb\n')))).toEqual(['a', '', '', 'b']);
  });

  it('does not reuse the caller buffer for pending bytes', () => {
    const s = new LineSplitter({ offset: 0, maxLineBytes: 64 });
    const chunk = bytes('hello');
    s.push(chunk);
    chunk.fill(0x21);
    expect(texts(s.push(bytes(' world\n')))).toEqual(['hello world']);
  });

  it('cuts a line longer than maxLineBytes into numbered parts, never inside a UTF-8 character', () => {
    const s = new LineSplitter({ offset: 0, maxLineBytes: 8 });
    // 'ééééé' is 10 bytes: the first cut must fall at 8 (4 characters), not inside one
    const lines = s.push(bytes('ééééé-abcdefgh-xyz\n'));
    expect(lines.map((l) => [l.text, l.part, l.continues])).toEqual([
      ['éééé', 1, true],
      ['é-abcde', 2, true],
      ['fgh-xyz', 3, false],
    ]);
    expect(lines.map((l) => l.end)).toEqual([8, 16, 24]);
  });

  it('bounds memory: an endless line without a newline is emitted part by part as it arrives', () => {
    const s = new LineSplitter({ offset: 0, maxLineBytes: 16 });
    let parts = 0;
    for (let i = 0; i < 100; i++) parts += s.push(bytes('0123456789')).length;
    expect(parts).toBe(62);
    expect(s.pendingLength).toBeLessThanOrEqual(16);
  });

  it('numbers the first piece as a later part when resuming in the middle of a line', () => {
    const s = new LineSplitter({ offset: 50, maxLineBytes: 64, midLine: true });
    expect(s.push(bytes('tail of it\nnext\n')).map((l) => [l.text, l.part])).toEqual([
      ['tail of it', 2],
      ['next', 0],
    ]);
  });

  it('flush emits the half line a finished file ends with, and nothing when there is none', () => {
    const s = new LineSplitter({ offset: 0, maxLineBytes: 64 });
    s.push(bytes('done\nunfinished'));
    expect(s.flush()).toEqual([{ text: 'unfinished', start: 5, end: 15, part: 0, continues: false }]);
    expect(s.flush()).toEqual([]);
  });

  it('refuses a maxLineBytes too small to hold a character', () => {
    expect(() => new LineSplitter({ offset: 0, maxLineBytes: 2 })).toThrow('maxLineBytes must be at least 4, got 2');
  });

  it('utf8CutPoint steps back to a character boundary', () => {
    expect(utf8CutPoint(bytes('ab✓'), 3)).toBe(2);
    expect(utf8CutPoint(bytes('ab✓'), 5)).toBe(5);
    expect(utf8CutPoint(bytes('abcd'), 2)).toBe(2);
  });
});
