/**
 * Exact decimal arithmetic for the constants an SLO compares against: objectives,
 * error budgets and burn-rate thresholds. `1 − 0.9995` is 0.0004999999999999449 in
 * binary floating point, so a ratio of exactly 0.05 % "burns" at 1.0000000000001×;
 * computed here it is exactly 0.0005. A decimal is `units / 10^scale` with integer
 * units (BigInt), so sums and products are exact; it becomes a number only at the
 * very end, correctly rounded (Number of its decimal text) — the same double
 * Prometheus reads when the decimal is written into a rule.
 */

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** '99.95' → 9995/10^2; '5e-7' → 5/10^7. Throws on text that is not a finite decimal. */
export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = '', exponentText] = m;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  let units = BigInt(whole + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return normalize({ units: sign ? -units : units, scale });
}

/**
 * The decimal a double was written as: the shortest text that reads back as the
 * same double (what `String(n)` prints), so 0.9995 is exactly 9995/10^4.
 */
export function decimalOf(value: number): Decimal {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return parseDecimal(String(value));
}

function normalize(d: Decimal): Decimal {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return normalize({ units: x - y, scale });
}

export function multiplyDecimal(a: Decimal, b: Decimal): Decimal {
  return normalize({ units: a.units * b.units, scale: a.scale + b.scale });
}

/** −1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain decimal text without exponent: 0.0005, 14.4, 1. PromQL and YAML read it exactly as written. */
export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString();
  if (d.scale === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(d.scale + 1, '0');
  const text = `${padded.slice(0, padded.length - d.scale)}.${padded.slice(padded.length - d.scale)}`;
  return (negative ? '-' : '') + text;
}

/** The double nearest to the decimal (JavaScript's and Go's number parsing both round correctly). */
export function decimalToNumber(d: Decimal): number {
  return Number(formatDecimal(d));
}
