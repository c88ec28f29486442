/**
 * OpenTelemetry → Prometheus names, pure (the specification's "Prometheus and
 * OpenMetrics Compatibility", OTLP → Prometheus direction, as the OpenTelemetry
 * Collector's Prometheus exporters apply it):
 *
 * - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*: other characters become `_`, runs of
 *   `_` collapse to one, a leading digit gets a `_` in front;
 * - the unit becomes a suffix in words (s → seconds, By → bytes, ms → milliseconds,
 *   foo/s → foo_per_second, {packet} dropped, 1 → ratio for gauges) unless the name
 *   already holds it; the unit comes before `_total`;
 * - monotonic sums (Prometheus counters) end in `_total`;
 * - label names match [a-zA-Z_][a-zA-Z0-9_]* the same way.
 */
import type { AnyValue } from '@lookout/otlp';

/** The Prometheus types a converted family can have. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** UCUM-ish OTel unit abbreviations → Prometheus unit words. */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** The denominator of a rate unit (foo/s) in the singular. */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

function collapse(name: string): string {
  return name.replace(/_{2,}/g, '_');
}

/** Any string → a valid Prometheus metric name. */
export function sanitizeMetricName(name: string): string {
  let clean = collapse(name.replace(/[^a-zA-Z0-9_:]/g, '_'));
  if (clean === '') clean = '_';
  return /^[0-9]/.test(clean) ? '_' + clean : clean;
}

/** Any attribute key → a valid Prometheus label name. */
export function sanitizeLabelName(key: string): string {
  let clean = collapse(key.replace(/[^a-zA-Z0-9_]/g, '_'));
  if (clean === '') clean = '_';
  return /^[0-9]/.test(clean) ? '_' + clean : clean;
}

function unitWord(unit: string, words: Record<string, string>): string {
  const word = words[unit] ?? unit;
  // unknown units are kept, as valid name characters
  return sanitizeMetricName(word).replace(/^_+|_+$/g, '').replace(/:/g, '_');
}

/**
 * An OTel unit → its Prometheus suffix ('' when none): annotations in braces are
 * dropped, abbreviations become words, a/b becomes a_per_b, and '1' means ratio on
 * gauges (a counter of '1' is a plain count).
 */
export function unitSuffix(unit: string, type: PromType): string {
  const text = unit.replace(/\{[^}]*\}/g, '').trim();
  if (text === '') return '';
  if (text === '1') return type === 'gauge' ? 'ratio' : '';
  const slash = text.indexOf('/');
  if (slash < 0) return unitWord(text, UNIT_WORDS);
  const main = text.slice(0, slash).trim();
  const per = text.slice(slash + 1).trim();
  const mainWord = main === '' || main === '1' ? '' : unitWord(main, UNIT_WORDS);
  const perWord = per === '' ? '' : unitWord(per, PER_UNIT_WORDS);
  if (perWord === '') return mainWord;
  return mainWord === '' ? `per_${perWord}` : `${mainWord}_per_${perWord}`;
}

/**
 * The Prometheus family name of an OTel metric: sanitised name, unit suffix unless the
 * name already holds it, `_total` on counters.
 */
export function promMetricName(name: string, unit: string, type: PromType): string {
  let base = sanitizeMetricName(name);
  const isCounter = type === 'counter';
  if (isCounter && base.endsWith('_total')) base = base.slice(0, -'_total'.length);
  const suffix = unitSuffix(unit, type);
  if (suffix !== '' && !`_${base}_`.includes(`_${suffix}_`)) base = `${base}_${suffix}`;
  if (isCounter) base = `${base}_total`;
  return base;
}

/** An attribute value as a label value, as the attribute specification says for non-strings. */
export function attributeValueString(value: AnyValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(toJson(value));
}

function toJson(value: AnyValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toJson(value[key]!);
    return out;
  }
  return value;
}
