import { html, type SafeHtml } from './html.ts';

/**
 * Small inline SVG charts (no script, no external asset). Pure: points in, markup out.
 */

export interface ChartPoint {
  atMs: number;
  /** null: no data at that time (the line breaks) */
  value: number | null;
}

export interface LineChartOptions {
  width?: number;
  height?: number;
  /** value range shown; the data's own range (widened to include these) otherwise */
  min?: number;
  max?: number;
  /** horizontal reference lines, e.g. 0 for an exhausted budget */
  guides?: Array<{ value: number; label: string }>;
  /** accessible name, e.g. "error budget left over 30d" */
  title: string;
  /** value → label for the axis ends */
  format?: (value: number) => string;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A line chart with the value axis' ends labelled and breaks where data is missing. */
export function lineChart(points: readonly ChartPoint[], options: LineChartOptions): SafeHtml {
  const width = options.width ?? 320;
  const height = options.height ?? 80;
  const pad = { left: 4, right: 4, top: 10, bottom: 12 };
  const format = options.format ?? ((v: number) => String(Number(v.toPrecision(3))));
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const guides = options.guides ?? [];
  let min = Math.min(...values, ...guides.map((g) => g.value), options.min ?? Number.POSITIVE_INFINITY);
  let max = Math.max(...values, ...guides.map((g) => g.value), options.max ?? Number.NEGATIVE_INFINITY);
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (max === min) max = min + 1;
  const t0 = points[0]?.atMs ?? 0;
  const t1 = points.at(-1)?.atMs ?? 1;
  const x = (at: number) => round(pad.left + ((at - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right));
  const y = (v: number) => round(pad.top + (1 - (v - min) / (max - min)) * (height - pad.top - pad.bottom));
  const segments: string[] = [];
  let current: string[] = [];
  for (const p of points) {
    if (p.value === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      continue;
    }
    current.push(`${x(p.atMs)},${y(p.value)}`);
  }
  if (current.length > 0) segments.push(current.join(' '));
  const last = values.at(-1);
  // The newest point is marked, so a single minute of data still shows.
  const lastPoint = [...points].reverse().find((p) => p.value !== null);
  return html`<svg class="chart" role="img" aria-label="${options.title}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title>${options.title}</title>
<rect x="0" y="0" width="${width}" height="${height}" fill="none" stroke="#ddd"/>
${guides.map((g) => html`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(g.value)}" y2="${y(g.value)}" stroke="#c00" stroke-dasharray="3 3" stroke-width="1"/><text x="${width - pad.right - 2}" y="${y(g.value) - 2}" font-size="8" text-anchor="end" fill="#c00">${g.label}</text>`)}
${segments.map((s) => html`<polyline points="${s}" fill="none" stroke="#1a5fb4" stroke-width="1.5"/>`)}
<text x="${pad.left + 1}" y="8" font-size="8" fill="#555">${format(max)}</text>
<text x="${pad.left + 1}" y="${height - 2}" font-size="8" fill="#555">${format(min)}</text>
${lastPoint ? html`<circle cx="${x(lastPoint.atMs)}" cy="${y(lastPoint.value!)}" r="2.5" fill="#1a5fb4"/>` : ''}
${last === undefined ? html`<text x="${width / 2}" y="${height / 2}" font-size="10" text-anchor="middle" fill="#888">no data yet</text>` : ''}
</svg>`;
}

/** A horizontal meter for a 0..1 share (CPU, memory, disk), red above `alarm`. */
export function meter(share: number, alarm = 0.9): SafeHtml {
  const clamped = Math.max(0, Math.min(1, share));
  const colour = share >= alarm ? '#c01c28' : share >= alarm - 0.1 ? '#e5a50a' : '#26a269';
  return html`<svg class="meter" viewBox="0 0 100 8" width="100" height="8" role="img" aria-label="${Math.round(share * 100)} %" xmlns="http://www.w3.org/2000/svg"><rect width="100" height="8" fill="#eee"/><rect width="${round(clamped * 100)}" height="8" fill="${colour}"/></svg>`;
}
