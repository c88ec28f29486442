import { describe, expect, it } from 'vitest';
import { FileCursor, type TailLine } from '../tail/tail-line.ts';
import { LineBuffer, lineCost } from './line-buffer.ts';

const source = { path: '/l/a.log', name: 'a.log', labels: {} };
const cursor = new FileCursor(0);
const line = (n: number, size = 10): TailLine => ({
  source,
  cursor,
  text: 'x'.repeat(size - 1),
  start: n * size,
  end: (n + 1) * size,
  part: 0,
  continues: false,
  uid: `u.${n}`,
  observedAtMs: 0,
});

describe('LineBuffer', () => {
  it('is bounded by lines and by bytes', () => {
    const byLines = new LineBuffer({ maxLines: 3, maxBytes: 1e9 });
    for (let i = 0; i < 3; i++) byLines.push(line(i));
    expect(byLines.hasRoom()).toBe(false);
    const byBytes = new LineBuffer({ maxLines: 1000, maxBytes: 2 * lineCost(line(0)) });
    byBytes.push(line(0));
    expect(byBytes.hasRoom()).toBe(true);
    byBytes.push(line(1));
    expect(byBytes.hasRoom()).toBe(false);
    byBytes.drop(1);
    expect(byBytes.hasRoom()).toBe(true);
  });

  it('peeks the oldest lines without removing them, within count and bytes, at least one', () => {
    const b = new LineBuffer({ maxLines: 100, maxBytes: 1e9 });
    for (let i = 0; i < 10; i++) b.push(line(i));
    expect(b.peek(3, 1e9).map((l) => l.uid)).toEqual(['u.0', 'u.1', 'u.2']);
    expect(b.peek(100, lineCost(line(0)) * 2).map((l) => l.uid)).toEqual(['u.0', 'u.1']);
    expect(b.peek(100, 1)).toHaveLength(1);
    b.drop(4);
    expect(b.length).toBe(6);
    expect(b.peek(1, 1e9)[0]!.uid).toBe('u.4');
    expect(b.byteSize).toBe(6 * lineCost(line(0)));
  });

  it('keeps order across compaction', () => {
    const b = new LineBuffer({ maxLines: 1e6, maxBytes: 1e12 });
    for (let i = 0; i < 5000; i++) b.push(line(i));
    b.drop(3000);
    b.push(line(5000));
    expect(b.peek(3, 1e12).map((l) => l.uid)).toEqual(['u.3000', 'u.3001', 'u.3002']);
    expect(b.length).toBe(2001);
  });

  it('wakes a waiting shipper when a line arrives', async () => {
    const b = new LineBuffer({ maxLines: 10, maxBytes: 1e6 });
    let woke = false;
    const waiting = b.waitForLines().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    b.push(line(0));
    await waiting;
    expect(woke).toBe(true);
  });
});
