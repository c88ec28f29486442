/**
 * /metrics in the OpenMetrics text format (1.0.0), for scrapers that ask for it
 * (Prometheus does by default): the same families as the Prometheus text format, plus
 * exemplars — the request-duration histogram buckets carry the trace id of a recent
 * request, so a latency panel links to the trace.
 *
 * prom-client can render OpenMetrics only by switching the whole registry's content
 * type, which renames counter objects in place (dropping `_total` for every later scrape
 * in either format) and races between concurrent scrapes. This renderer reads the
 * registry without changing it.
 */
import type { Registry } from 'prom-client';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

interface Exemplar {
  labelSet: Record<string, string>;
  value: number;
  /** seconds since the epoch */
  timestamp?: number;
}

interface SampleValue {
  value: number;
  labels?: Record<string, string | number>;
  sharedLabels?: Record<string, string | number>;
  metricName?: string;
  exemplar?: Exemplar | null;
}

interface FamilyData {
  name: string;
  help: string;
  type: string;
  values?: SampleValue[];
}

interface MetricSource {
  get(): Promise<unknown> | unknown;
  getForPromString?(): Promise<unknown>;
}

/** One media range of an Accept header: type and q-value. */
function mediaRanges(accept: string): Array<{ type: string; q: number }> {
  return accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    return { type, q: Number.isFinite(weight) ? weight : 0 };
  });
}

/**
 * True when the Accept header ranks OpenMetrics above the Prometheus text format
 * (`text/plain`, or anything matched only by `*\/*`). No header, `*\/*` or a plain
 * text request keep the text format, the default.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = mediaRanges(accept);
  const weight = (type: string) => Math.max(0, ...ranges.filter((r) => r.type === type).map((r) => r.q));
  const openMetrics = weight('application/openmetrics-text');
  const text = Math.max(weight('text/plain'), weight('text/*'), weight('*/*'));
  return openMetrics > 0 && openMetrics > text;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(labels: Record<string, string | number>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

const OPENMETRICS_TYPES: Record<string, string> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
};

/** One metric family as OpenMetrics lines (no trailing newline). */
export function formatFamily(family: FamilyData): string {
  const type = OPENMETRICS_TYPES[family.type] ?? 'unknown';
  // A counter family is named without `_total`; its samples carry the suffix.
  const familyName = type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
  const lines = [`# TYPE ${familyName} ${type}`, `# HELP ${familyName} ${escapeHelp(family.help)}`];
  for (const sample of family.values ?? []) {
    let name = sample.metricName ?? family.name;
    if (type === 'counter' && !name.endsWith('_total')) name = `${name}_total`;
    let line = `${name}${labelText({ ...sample.sharedLabels, ...sample.labels })} ${formatNumber(sample.value)}`;
    // Exemplars belong on histogram buckets and counter totals only.
    const exemplar = sample.exemplar;
    if (exemplar && (name.endsWith('_bucket') || (type === 'counter' && name.endsWith('_total')))) {
      line += ` # ${labelText(exemplar.labelSet) || '{}'} ${formatNumber(exemplar.value)}`;
      if (exemplar.timestamp !== undefined) line += ` ${exemplar.timestamp}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The whole registry as an OpenMetrics exposition, ending with `# EOF`. */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const families = await Promise.all(
    registry.getMetricsAsArray().map(async (metric) => {
      const source = metric as unknown as MetricSource;
      // Histograms keep labels and shared labels apart in getForPromString, as the text format needs.
      const data = (await (source.getForPromString ? source.getForPromString() : source.get())) as FamilyData;
      return formatFamily(data);
    }),
  );
  return `${families.join('\n')}\n# EOF\n`;
}
