/**
 * Durations as the SLO library uses them: windows and periods are whole minutes;
 * latency thresholds are seconds. Text forms follow Prometheus ('5m', '1h', '30d',
 * compound '1h30m') so a window reads the same in a spec, a rule and a label.
 */

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };
const WINDOW_PATTERN = /^(?:(\d+)([mhdw]))+$/;
const WINDOW_PART = /(\d+)([mhdw])/g;

/** '5m' | '1h30m' | '30d' → minutes; undefined when the text is not a whole-minute duration. */
export function parseMinutes(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WINDOW_PATTERN.test(trimmed)) return undefined;
  let minutes = 0;
  for (const [, amount, unit] of trimmed.matchAll(WINDOW_PART)) {
    minutes += Number(amount) * UNIT_MINUTES[unit];
  }
  return minutes > 0 ? minutes : undefined;
}

/** Minutes → the Prometheus duration with the largest exact unit: 4320 → '3d', 90 → '90m'. */
export function formatWindow(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

const LATENCY_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)(ms|s)$/;

/** '300ms' | '0.3s' | '1.5s' → seconds (0.3, 0.3, 1.5); undefined otherwise. */
export function parseLatencySeconds(text: string): number | undefined {
  const match = LATENCY_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const seconds = match[2] === 'ms' ? value / 1000 : value;
  // toPrecision drops the binary noise of the division (300/1000 stays 0.3).
  const clean = Number(seconds.toPrecision(12));
  return clean > 0 ? clean : undefined;
}

/** Seconds → '300ms' or '1.5s', the spelling people write. */
export function formatLatency(seconds: number): string {
  const ms = Number((seconds * 1000).toPrecision(12));
  return ms < 1000 ? `${ms}ms` : `${Number(seconds.toPrecision(12))}s`;
}

/** Two significant digits without trailing zeros: 51.84 → '52', 8.64 → '8.6', 36 → '36'. */
function twoDigits(value: number): string {
  return String(Number(value.toPrecision(2)));
}

/** Minutes (may be fractional) → '52 s', '8.6 min', '3.6 h', '1.5 d'. */
export function formatHumanMinutes(minutes: number): string {
  if (minutes === Number.POSITIVE_INFINITY) return 'never';
  const seconds = minutes * 60;
  if (seconds < 90) return `${twoDigits(seconds)} s`;
  if (minutes < 90) return `${twoDigits(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${twoDigits(hours)} h`;
  return `${twoDigits(hours / 24)} d`;
}

/** Fraction → percent text without float noise: 0.001 → '0.1 %', 0.0144 → '1.44 %'. */
export function formatPercent(fraction: number, significant = 3): string {
  return `${Number((fraction * 100).toPrecision(significant))} %`;
}
