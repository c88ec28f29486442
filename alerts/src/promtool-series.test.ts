import { describe, expect, it } from 'vitest';
import { parseSeriesValues, SeriesSyntaxError } from './promtool-series.ts';

describe("promtool's series notation", () => {
  it('expands a+bxn, a-bxn and axn to n+1 samples', () => {
    expect(parseSeriesValues('0+100x3')).toEqual([0, 100, 200, 300]);
    expect(parseSeriesValues('-2+4x3')).toEqual([-2, 2, 6, 10]);
    expect(parseSeriesValues(' 1-2x4 ')).toEqual([1, -1, -3, -5, -7]);
    expect(parseSeriesValues('5x2')).toEqual([5, 5, 5]);
    expect(parseSeriesValues('1e2 1.5e+1x1')).toEqual([100, 15, 15]);
  });

  it('reads the issue example: 421 + 61 samples', () => {
    const values = parseSeriesValues('0+100x420 42090+90x60');
    expect(values).toHaveLength(482);
    expect(values[420]).toBe(42_000);
    expect(values[421]).toBe(42_090);
    expect(values.at(-1)).toBe(42_090 + 90 * 60);
  });

  it("turns '_', '_xn' and 'stale' into missing samples (as promtool 2.42 does)", () => {
    expect(parseSeriesValues('1 _ 2 _x3 stale 3')).toEqual([1, null, 2, null, null, null, null, 3]);
  });

  it('adds fractional steps one at a time, like promtool', () => {
    expect(parseSeriesValues('0+0.1x10').at(-1)).toBe(0.9999999999999999);
  });

  it('reports the token it cannot read and what it expected', () => {
    expect(() => parseSeriesValues('0+100x10 oops 5')).toThrow(
      "cannot read 'oops' (token 2): expected a number, 'a+bxn', 'a-bxn', 'axn', '_', '_xn' or 'stale'",
    );
    try {
      parseSeriesValues('1 2 3x');
    } catch (e) {
      expect(e).toBeInstanceOf(SeriesSyntaxError);
      expect((e as SeriesSyntaxError).tokenIndex).toBe(2);
      expect((e as SeriesSyntaxError).token).toBe('3x');
    }
  });

  it('refuses expansions that would allocate without bound', () => {
    expect(() => parseSeriesValues('0+1x100000000')).toThrow("'0+1x100000000' expands past 1000000 samples");
    expect(() => parseSeriesValues('_x100000000')).toThrow('expands past 1000000 samples');
  });
});
