/**
 * promtool's expanding series notation, as in `promtool test rules` input_series
 * (checked against promtool 2.42):
 *   'a'        one sample
 *   'axn'      n+1 samples of a
 *   'a+bxn'    a, a+b, …, a+n·b (n+1 samples); 'a-bxn' likewise downwards
 *   '_'        no sample;  '_xn'  n steps without samples
 *   'stale'    a staleness marker: no sample for range functions
 * A missing or stale step is null.
 */

export class SeriesSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based index of the offending token */
    readonly tokenIndex: number,
    readonly token: string,
  ) {
    super(message);
    this.name = 'SeriesSyntaxError';
  }
}

const NUMBER = String.raw`[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)`;
const UNSIGNED = String.raw`(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf)`;
const SINGLE = new RegExp(`^(${NUMBER})$`);
const REPEAT = new RegExp(`^(${NUMBER})(?:([+-])(${UNSIGNED}))?x(\\d+)$`);
const GAP = /^_(?:x(\d+))?$/;

function toNumber(text: string): number {
  const t = text.replace(/^\+/, '');
  if (/^-?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (t === 'NaN') return NaN;
  return Number(t);
}

/** Largest expansion accepted, so a typo cannot allocate gigabytes. */
export const MAX_SERIES_SAMPLES = 1_000_000;

export function parseSeriesValues(text: string): (number | null)[] {
  const values: (number | null)[] = [];
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const push = (v: number | null, count: number, index: number, token: string) => {
    if (values.length + count > MAX_SERIES_SAMPLES) {
      throw new SeriesSyntaxError(`'${token}' expands past ${MAX_SERIES_SAMPLES} samples`, index, token);
    }
    for (let i = 0; i < count; i++) values.push(v);
  };
  tokens.forEach((token, index) => {
    if (token === 'stale') return void values.push(null);
    const gap = GAP.exec(token);
    if (gap) return push(null, gap[1] === undefined ? 1 : Number(gap[1]), index, token);
    const single = SINGLE.exec(token);
    if (single) return void values.push(toNumber(single[1]));
    const repeat = REPEAT.exec(token);
    if (!repeat) {
      throw new SeriesSyntaxError(
        `cannot read '${token}' (token ${index + 1}): expected a number, 'a+bxn', 'a-bxn', 'axn', '_', '_xn' or 'stale'`,
        index,
        token,
      );
    }
    const start = toNumber(repeat[1]);
    const times = Number(repeat[4]);
    if (values.length + times + 1 > MAX_SERIES_SAMPLES) {
      throw new SeriesSyntaxError(`'${token}' expands past ${MAX_SERIES_SAMPLES} samples`, index, token);
    }
    const step = repeat[2] === undefined ? 0 : (repeat[2] === '-' ? -1 : 1) * toNumber(repeat[3]);
    // Added step by step, as promtool does, so fractional steps round the same way.
    let value = start;
    values.push(value);
    for (let i = 0; i < times; i++) {
      value += step;
      values.push(value);
    }
  });
  return values;
}
