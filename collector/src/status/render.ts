import type { StoredSpan } from './recent-trace-selection.ts';
import type { RecentLogFilter, RecentLogLine } from './recent-logs.ts';
import type { StoredTraceSummary, TraceListFilter } from './recent-traces.ts';
import type { AlertEpisode } from './alert-history.ts';
import { lineChart, meter } from './charts.ts';
import { html, raw, urlPart, type SafeHtml } from './html.ts';
import type { AlertView, OverviewView, SloDetailView, SloView, TraceView } from './view.ts';

/**
 * The status pages: pure functions from the views (view.ts) to HTML documents. No
 * script but an optional refresh, no external asset, readable on a phone.
 */

const STYLE = `
*{box-sizing:border-box}body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1c2833;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.3em 1em;align-items:baseline}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;margin-right:1em}
main{padding:.5em 1em;max-width:1100px;margin:auto}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.3em .5em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{font-weight:600;background:#f0f0f0}.wrap{overflow-x:auto}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .5em;border-radius:.8em;font-size:.85em;font-weight:600;color:#fff;background:#777}
.s-page,.s-firing,.s-error{background:#c01c28}.s-ticket{background:#e66100}.s-pending{background:#e5a50a;color:#222}.s-ok{background:#26a269}
.s-resolved{background:#26a269}.s-warn{background:#e5a50a;color:#222}
.hint{background:#fff3cd;border-left:4px solid #e5a50a;padding:.2em .5em;margin:.3em 0;font-size:.9em}
.card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.5em .8em;margin:.6em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,500px),1fr));gap:.6em}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}pre{white-space:pre-wrap;word-break:break-all;margin:.2em 0}
.muted{color:#666}.bad{color:#c01c28;font-weight:600}.good{color:#26a269}
.wf-row{display:grid;grid-template-columns:minmax(120px,35%) 1fr;gap:.5em;border-bottom:1px solid #f0f0f0;padding:.15em 0}
.wf-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.wf-name details[open]{white-space:normal}.wf-track{position:relative;height:1.2em;background:#f4f4f4}
.wf-bar{position:absolute;top:.15em;height:.9em;background:#1a5fb4;min-width:2px;border-radius:2px}.wf-bar.err{background:#c01c28}
.wf-label{position:absolute;top:0;font-size:.8em;white-space:nowrap;padding-left:.3em}
details>summary{cursor:pointer}form.inline{display:flex;flex-wrap:wrap;gap:.4em;align-items:end;margin:.5em 0}
input,select,button{font:inherit;padding:.2em .4em}
@media (max-width:600px){main{padding:.3em}th,td{padding:.25em}.hide-sm{display:none}.wf-row{grid-template-columns:40% 1fr}}
`;

export interface PageOptions {
  title: string;
  /** seconds; the page reloads itself */
  refreshSeconds?: number;
}

export function layout(options: PageOptions, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title} · Lookout</title><style>${raw(STYLE)}</style></head>
<body><header><a class="brand" href="/">Lookout</a><a href="/">SLOs</a><a href="/alerts">Alerts</a><a href="/traces">Traces</a><a href="/logs">Logs</a><a href="/#infrastructure">Infrastructure</a><a href="/api/v1/overview">API</a></header>
<main>${body}</main></body></html>`.value;
}

export function percent(share: number | null, digits = 3): string {
  if (share === null || !Number.isFinite(share)) return '—';
  return `${Number((share * 100).toPrecision(digits))} %`;
}

function rate(value: number | null): string {
  if (value === null) return '—';
  return `${Number(value.toPrecision(3))}×`;
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 90) return `${Number(s.toPrecision(3))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Number((s / 3600).toPrecision(2))} h`;
  return `${Number((s / 86_400).toPrecision(2))} d`;
}

function ago(iso: string | null | number, nowMs: number): string {
  if (iso === null) return '—';
  const at = typeof iso === 'number' ? iso : Date.parse(iso);
  return nowMs - at < 1000 ? 'just now' : `${duration(nowMs - at)} ago`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${Number(v.toPrecision(3))} ${units[u]}`;
}

function badge(state: string): SafeHtml {
  return html`<span class="badge s-${state.replace(/[^a-z]/g, '')}">${state}</span>`;
}

export function sloHref(slo: { service: string; name: string }): string {
  return `/slos/${urlPart(slo.service)}/${urlPart(slo.name)}`;
}

export function traceHref(traceId: string): string {
  return `/traces/${urlPart(traceId)}`;
}

function budgetChart(slo: SloView, width = 320, height = 70): SafeHtml {
  return lineChart(
    // Overspent budgets are drawn at −100 % (the figure above says by how much).
    slo.budgetSeries.map((p) => ({ atMs: p.atMs, value: p.remaining === null ? null : Math.max(-1, p.remaining) })),
    { title: `error budget left over ${slo.budgetWindow ?? slo.period}, ${slo.service}/${slo.name}`, width, height, min: -1, max: 1, guides: [{ value: 0, label: 'exhausted' }], format: (v) => percent(v, 2) },
  );
}

function burnTable(slo: SloView): SafeHtml {
  if (slo.burnRates.length === 0) return html``;
  return html`<div class="wrap"><table class="burn"><thead><tr><th>severity</th><th>windows</th><th class="num">burn long</th><th class="num">burn short</th><th class="num">threshold</th><th class="hide-sm num">events long/short</th><th>condition</th></tr></thead><tbody>
${slo.burnRates.map(
  (r) => html`<tr><td>${r.severity}</td><td>${r.long}/${r.short}</td><td class="num ${r.longBurnRate !== null && r.longBurnRate > r.factor ? 'bad' : ''}">${rate(r.longBurnRate)}</td><td class="num ${r.shortBurnRate !== null && r.shortBurnRate > r.factor ? 'bad' : ''}">${rate(r.shortBurnRate)}</td><td class="num">${rate(r.factor)}</td><td class="hide-sm num">${r.longEvents}/${r.shortEvents}</td><td>${r.met ? html`<span class="bad">met</span>` : r.heldBack ? html`<span title="${r.reason}">held back (traffic)</span>` : html`<span class="muted" title="${r.reason}">not met</span>`}</td></tr>`,
)}</tbody></table></div>`;
}

function sloCard(slo: SloView): SafeHtml {
  return html`<div class="card slo" data-slo="${slo.service}/${slo.name}">
<div><a href="${sloHref(slo)}"><b>${slo.service}/${slo.name}</b></a> ${badge(slo.state)}</div>
<div class="muted">${slo.description || slo.sli} · objective ${percent(slo.objective, 4)} over ${slo.period}</div>
${slo.reason ? html`<div class="hint">${slo.reason}</div>` : ''}
${slo.lowTraffic ? html`<div class="hint low-traffic">${slo.lowTraffic}</div>` : ''}
<table><tr><th>SLI now${slo.sliWindow ? ` (${slo.sliWindow})` : ''}</th><th>budget left</th><th>burn now</th><th class="hide-sm">exhausted in</th></tr>
<tr><td>${percent(slo.sliNow, 4)}</td><td class="${slo.budgetRemaining !== null && slo.budgetRemaining < 0.25 ? 'bad' : ''}">${percent(slo.budgetRemaining)}</td><td>${rate(slo.currentBurnRate)}</td><td class="hide-sm">${slo.timeToExhaustion ?? '—'}</td></tr></table>
${slo.state === 'not evaluated' ? '' : budgetChart(slo)}
${burnTable(slo)}
</div>`;
}

function alertRow(alert: AlertView, nowMs: number): SafeHtml {
  const title = alert.annotations.summary ?? alert.labels.alertname ?? 'alert';
  const slo = alert.labels.slo && alert.labels.service ? { service: alert.labels.service, name: alert.labels.slo } : undefined;
  const annotations = Object.entries(alert.annotations).filter(([k]) => k !== 'summary' && k !== 'sample_trace_ids' && k !== 'sample_errors');
  return html`<div class="card alert" data-state="${alert.state}" data-severity="${alert.severity}">
<div>${badge(alert.inhibited ? 'inhibited' : alert.state)} ${badge(alert.severity)} <b>${title}</b></div>
<div class="muted">${alert.labels.alertname} · ${slo ? html`<a href="${sloHref(slo)}">${slo.service}/${slo.name}</a> · ` : ''}active since ${ago(alert.activeAt, nowMs)}${alert.firedAt ? html` · fired ${ago(alert.firedAt, nowMs)}` : ''}</div>
${alert.traceIds.length > 0 ? html`<div>traces: ${alert.traceIds.map((id) => html`<a class="trace-link mono" href="${traceHref(id)}">${id.slice(0, 12)}…</a> `)}</div>` : ''}
${alert.errorLines.length > 0 ? html`<div>sample errors:${alert.errorLines.map((line) => html`<pre>${line}</pre>`)}</div>` : ''}
${annotations.length > 0 ? html`<details><summary>annotations and labels</summary><table>${annotations.map(([k, v]) => html`<tr><th>${k}</th><td>${linkify(v)}</td></tr>`)}${Object.entries(alert.labels).map(([k, v]) => html`<tr><th>label ${k}</th><td>${v}</td></tr>`)}</table></details>` : ''}
</div>`;
}

/** An http(s) URL becomes a link; anything else stays text. */
function linkify(value: string): SafeHtml | string {
  return /^https?:\/\/\S+$/.test(value) ? html`<a href="${value}" rel="noreferrer">${value}</a>` : value;
}

function alertsSection(alerts: AlertView[], nowMs: number): SafeHtml {
  const active = [...alerts].sort((a, b) => Number(b.state === 'firing') - Number(a.state === 'firing') || Number(b.severity === 'page') - Number(a.severity === 'page'));
  if (active.length === 0) return html`<p class="good">No alert is pending or firing.</p>`;
  return html`${active.map((a) => alertRow(a, nowMs))}`;
}

export function renderOverview(view: OverviewView, refreshSeconds = 15): string {
  const nowMs = Date.parse(view.at);
  const firing = view.alerts.filter((a) => a.state === 'firing' && !a.inhibited).length;
  return layout(
    { title: firing > 0 ? `${firing} firing` : 'status', refreshSeconds },
    html`<h1>Status ${firing > 0 ? badge(`${firing} firing`) : badge('ok')}</h1>
<p class="muted">as of ${view.at} · refreshes every ${refreshSeconds} s</p>
<h2 id="alerts">Alerts</h2>${alertsSection(view.alerts, nowMs)}
<h2 id="slos">SLOs <span class="muted">(least budget left first)</span></h2>
${view.slos.length === 0 ? html`<p class="muted">No SLOs are configured. Add spec files to <code>slos.files</code> in lookout.yaml (see <code>lookout slo check</code>).</p>` : html`<div class="cards">${view.slos.map(sloCard)}</div>`}
<h2 id="infrastructure">TLS certificates</h2>
${view.certificates.length === 0 ? html`<p class="muted">No TLS probe configured (probes.tls).</p>` : html`<div class="wrap"><table class="certs"><thead><tr><th>target</th><th class="num">days left</th><th class="hide-sm">expires</th><th>verification</th><th class="hide-sm">subject</th></tr></thead><tbody>${view.certificates.map((c) => html`<tr><td>${c.target}</td><td class="num ${c.daysLeft < 14 ? 'bad' : ''}">${c.daysLeft}</td><td class="hide-sm">${c.notAfter}</td><td>${c.verified ? html`<span class="good">verified</span>` : html`<span class="bad">${c.reason}</span>`}</td><td class="hide-sm">${c.subject}</td></tr>`)}</tbody></table></div>`}
<h2>Probes</h2>
${view.probes.length === 0 ? html`<p class="muted">No probe has run yet.</p>` : html`<div class="wrap"><table><thead><tr><th>probe</th><th>target</th><th>state</th><th>last error</th></tr></thead><tbody>${view.probes.map((p) => html`<tr><td>${p.kind}</td><td>${p.target}</td><td>${p.ok ? badge('ok') : html`${badge('error')} ${p.consecutiveFailures}× in a row`}</td><td>${p.lastError}</td></tr>`)}</tbody></table></div>`}
${view.databases.length > 0 ? html`<h2>Databases</h2><div class="wrap"><table><thead><tr><th>target</th><th>database</th><th class="num">size</th><th>read</th></tr></thead><tbody>${view.databases.map((d) => html`<tr><td>${d.target}</td><td>${d.database}</td><td class="num">${bytes(d.bytes)}</td><td>${ago(d.at, nowMs)}</td></tr>`)}</tbody></table></div>` : ''}
<h2>Hosts</h2>
${view.hosts.length === 0 ? html`<p class="muted">No host metrics received (run lookout-agent with metrics on).</p>` : html`<div class="wrap"><table><thead><tr><th>host</th><th>CPU</th><th>memory</th><th>disks</th><th class="hide-sm">seen</th></tr></thead><tbody>${view.hosts.map((h) => html`<tr><td>${h.host}</td><td>${h.cpu === null ? '—' : html`${meter(h.cpu)} ${percent(h.cpu, 2)}`}</td><td>${h.memory === null ? '—' : html`${meter(h.memory)} ${percent(h.memory, 2)}`}</td><td>${h.disks.map((d) => html`<div>${d.mountpoint} ${meter(d.utilization)} ${percent(d.utilization, 2)}</div>`)}</td><td class="hide-sm">${ago(h.seenAt, nowMs)}</td></tr>`)}</tbody></table></div>`}
<h2>Ingest</h2>
<table><thead><tr><th>signal</th><th class="num">per second</th><th class="num">accepted</th></tr></thead><tbody>${Object.keys(view.ingest.accepted).sort().map((s) => html`<tr><td>${s}</td><td class="num">${Number((view.ingest.ratePerSecond[s] ?? 0).toPrecision(3))}</td><td class="num">${view.ingest.accepted[s]}</td></tr>`)}</tbody></table>
<p>queue: ${view.ingest.queue.items} items, ${bytes(view.ingest.queue.bytes)} · recent traces kept: ${view.traces.stored} (${bytes(view.traces.bytes)})</p>
${view.ingest.refusedItems.length + view.ingest.refusedRequests.length === 0 ? html`<p class="good">Nothing refused.</p>` : html`<div class="wrap"><table><thead><tr><th>refused</th><th>receiver</th><th>signal</th><th>reason</th><th class="num">count</th></tr></thead><tbody>${[...view.ingest.refusedRequests.map((r) => ({ ...r, what: 'requests' })), ...view.ingest.refusedItems.map((r) => ({ ...r, what: 'items' }))].map((r) => html`<tr><td>${r.what}</td><td>${r.receiver}</td><td>${r.signal}</td><td>${r.reason}</td><td class="num">${r.count}</td></tr>`)}</tbody></table></div>`}
<h2>Notification outbox</h2>
${!view.outbox.configured ? html`<p class="muted">No notify receiver is configured: alerts are shown here but sent nowhere.</p>` : html`<p>${view.outbox.pending.length === 0 ? 'nothing waiting' : view.outbox.pending.map((p) => `${p.receiver}: ${p.count} waiting`).join(' · ')}</p>
<div class="wrap"><table><thead><tr><th>receiver</th><th>alert</th><th>status</th><th>delivery</th><th class="num">attempts</th><th class="hide-sm">last error</th></tr></thead><tbody>${view.outbox.recent.map((r) => html`<tr><td>${r.receiver}</td><td>${r.alertname}</td><td>${r.status}</td><td>${r.state}</td><td class="num">${r.attempts}</td><td class="hide-sm">${r.lastError ?? ''}</td></tr>`)}</tbody></table></div>`}`,
  );
}

function episodesTable(episodes: AlertEpisode[], nowMs: number): SafeHtml {
  if (episodes.length === 0) return html`<p class="muted">No alert has fired since the collector started.</p>`;
  return html`<div class="wrap"><table class="episodes"><thead><tr><th>alert</th><th>severity</th><th>start</th><th>detected after</th><th>resolved</th><th class="num">lasted</th><th class="num hide-sm">budget spent</th></tr></thead><tbody>
${episodes.map((e) => {
  const spent = e.budgetAtStart !== null && e.budgetAtEnd !== null ? e.budgetAtStart - e.budgetAtEnd : null;
  return html`<tr><td>${e.labels.alertname}${e.labels.long_window ? ` ${e.labels.long_window}/${e.labels.short_window}` : ''}${e.labels.target ? ` ${e.labels.target}` : ''}</td><td>${badge(e.severity)}</td><td>${new Date(e.startMs).toISOString()}</td><td>${duration(e.detectedMs - e.startMs)}</td><td>${e.resolvedMs === null ? badge('firing') : new Date(e.resolvedMs).toISOString()}</td><td class="num">${duration((e.resolvedMs ?? nowMs) - e.startMs)}</td><td class="num hide-sm">${spent === null ? '—' : percent(spent, 2)}</td></tr>`;
})}</tbody></table></div>`;
}

function traceList(traces: StoredTraceSummary[], nowMs: number): SafeHtml {
  if (traces.length === 0) return html`<p class="muted">No trace kept yet.</p>`;
  return html`<div class="wrap"><table class="traces"><thead><tr><th>trace</th><th>service</th><th>route</th><th class="num">duration</th><th>kept as</th><th class="hide-sm">when</th></tr></thead><tbody>
${traces.map((t) => html`<tr><td><a class="mono" href="${traceHref(t.traceId)}">${t.traceId.slice(0, 16)}…</a></td><td>${t.service}</td><td>${t.route || t.rootName}</td><td class="num">${duration(t.durationMs)}</td><td>${t.reasons.map((r) => badge(r === 'error' ? 'error' : 'slow'))}</td><td class="hide-sm">${ago(t.startMs, nowMs)}</td></tr>`)}</tbody></table></div>`;
}

export function renderSloPage(slo: SloDetailView, nowMs: number, refreshSeconds = 15): string {
  return layout(
    { title: `${slo.service}/${slo.name}`, refreshSeconds },
    html`<h1>${slo.service}/${slo.name} ${badge(slo.state)}</h1>
<p>${slo.description} · ${slo.sli} · objective ${percent(slo.objective, 4)} over ${slo.period} · <span class="muted">${slo.source}</span></p>
${slo.reason ? html`<div class="hint">${slo.reason}</div>` : ''}${slo.lowTraffic ? html`<div class="hint low-traffic">${slo.lowTraffic}</div>` : ''}
<table><tr><th>SLI now${slo.sliWindow ? ` (${slo.sliWindow})` : ''}</th><th>budget left</th><th>burn now</th><th>exhausted in</th><th>availability (${slo.budgetWindow ?? slo.period})</th></tr>
<tr><td>${percent(slo.sliNow, 4)}</td><td>${percent(slo.budgetRemaining)}</td><td>${rate(slo.currentBurnRate)}</td><td>${slo.timeToExhaustion ?? '—'}</td><td>${percent(slo.availability, 5)}</td></tr></table>
<h2>Error budget over time</h2>${budgetChart(slo, 640, 140)}
<h2>Burn rate per window</h2>${burnTable(slo)}
<h2>Alerts now</h2>${alertsSection(slo.alerts, nowMs)}
<h2>Alert history</h2>
<p>${slo.episodeStats.episodes} episode(s) · time without a firing alert ${percent(slo.episodeStats.timeAvailability, 5)} · MTTR ${duration(slo.episodeStats.mttrMs)} · MTTF ${duration(slo.episodeStats.mttfMs)} <span class="muted">(since the collector started)</span></p>
${episodesTable(slo.episodes, nowMs)}
<h2>How fast its policy alerts</h2>
<div class="wrap"><table class="detection"><thead><tr><th>error ratio</th><th class="num">burn</th><th>page after</th><th>ticket after</th></tr></thead><tbody>${slo.detection.map((d) => html`<tr><td>${d.label}</td><td class="num">${rate(d.burnRate)}</td><td>${d.page}</td><td>${d.ticket}</td></tr>`)}</tbody></table></div>
<h2>Recent error traces of ${slo.service}</h2>${traceList(slo.recentErrorTraces, nowMs)}`,
  );
}

export function renderAlertsPage(view: { at: string; alerts: AlertView[]; episodes: AlertEpisode[] }, refreshSeconds = 15): string {
  const nowMs = Date.parse(view.at);
  return layout({ title: 'alerts', refreshSeconds }, html`<h1>Alerts</h1><h2>Pending and firing</h2>${alertsSection(view.alerts, nowMs)}<h2>Recent episodes</h2>${episodesTable(view.episodes, nowMs)}`);
}

export function renderTracesPage(view: { at: string; traces: StoredTraceSummary[]; filter: TraceListFilter; services: string[] }): string {
  const nowMs = Date.parse(view.at);
  return layout(
    { title: 'traces' },
    html`<h1>Recent traces</h1><p class="muted">Kept: recent error traces and the slowest traces per route (bounded; oldest out first).</p>
<form class="inline" method="get" action="/traces"><label>service <select name="service"><option value="">all</option>${view.services.map((s) => html`<option ${s === view.filter.service ? 'selected' : ''}>${s}</option>`)}</select></label>
<label>kept as <select name="reason"><option value="">all</option><option ${view.filter.reason === 'error' ? 'selected' : ''}>error</option><option ${view.filter.reason === 'slow' ? 'selected' : ''}>slow</option></select></label>
<label>trace id <input name="id" size="20" placeholder="hex id"></label><button>show</button></form>
${traceList(view.traces, nowMs)}`,
  );
}

interface WaterfallRow {
  span: StoredSpan;
  depth: number;
}

/** Spans in tree order (children under their parent by start time); orphans at the top level. */
export function waterfallRows(spans: readonly StoredSpan[]): WaterfallRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, StoredSpan[]>();
  const roots: StoredSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId !== '' && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const byStart = (a: StoredSpan, b: StoredSpan) => (BigInt(a.startNs) < BigInt(b.startNs) ? -1 : BigInt(a.startNs) > BigInt(b.startNs) ? 1 : 0);
  const out: WaterfallRow[] = [];
  const seen = new Set<string>();
  const walk = (span: StoredSpan, depth: number) => {
    if (seen.has(span.spanId)) return; // a parent cycle in bad data
    seen.add(span.spanId);
    out.push({ span, depth });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) walk(child, depth + 1);
  };
  for (const root of roots.sort(byStart)) walk(root, 0);
  return out;
}

export function renderTracePage(traceId: string, view: TraceView | undefined): string {
  if (!view) {
    return layout(
      { title: 'trace not kept' },
      html`<h1>Trace <span class="mono">${traceId}</span></h1><p>This trace is not (or no longer) among the recent traces Lookout keeps: only recent error traces and the slowest per route are kept, oldest out first. With an exporter to Tempo or Jaeger configured, look it up there.</p><p><a href="/logs?trace_id=${urlPart(traceId)}">Log lines of this trace</a></p>`,
    );
  }
  const rows = waterfallRows(view.spans);
  const start = rows.length > 0 ? rows.reduce((m, r) => (BigInt(r.span.startNs) < m ? BigInt(r.span.startNs) : m), BigInt(rows[0]!.span.startNs)) : 0n;
  const totalNs = Math.max(1, view.summary.durationMs * 1e6);
  const { summary } = view;
  return layout(
    { title: `trace ${traceId.slice(0, 8)}` },
    html`<h1>Trace <span class="mono">${summary.traceId}</span></h1>
<p>${summary.service} · ${summary.route || summary.rootName} · ${duration(summary.durationMs)} · ${summary.spanCount} spans · ${summary.reasons.map((r) => badge(r === 'error' ? 'error' : 'slow'))} · started ${new Date(summary.startMs).toISOString()}${summary.hasRoot ? '' : ' · root span not received'}</p>
<div class="waterfall" role="table" aria-label="trace waterfall">
${rows.map(({ span, depth }) => {
  const left = (Number(BigInt(span.startNs) - start) / totalNs) * 100;
  const width = Math.max(0.2, (span.durationMs * 1e6 * 100) / totalNs);
  return html`<div class="wf-row" role="row"><div class="wf-name" style="padding-left:${Math.min(depth, 12) * 0.9}em" title="${span.name}"><details><summary>${span.error ? html`<span class="bad" title="error">●</span> ` : ''}${span.name} <span class="muted">${span.service}</span></summary><table>${Object.entries({ kind: span.kind, 'span id': span.spanId, parent: span.parentSpanId || '—', status: span.statusMessage || (span.error ? 'error' : 'ok'), ...span.attributes }).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}${span.events.map((e) => html`<tr><th>event</th><td>${e.name} ${Object.entries(e.attributes).map(([k, v]) => html`<div class="mono">${k}=${v}</div>`)}</td></tr>`)}</table></details></div>
<div class="wf-track"><div class="wf-bar ${span.error ? 'err' : ''}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></div><span class="wf-label" style="left:${Math.min(left + width, 85).toFixed(2)}%">${duration(span.durationMs)}</span></div></div>`;
})}
</div>
<h2>Log lines of this trace</h2>${logTable(view.logs)}`,
  );
}

function logTable(lines: RecentLogLine[]): SafeHtml {
  if (lines.length === 0) return html`<p class="muted">No warning or error line kept for this.</p>`;
  return html`<div class="wrap"><table class="logs"><thead><tr><th>time</th><th>service</th><th>level</th><th>line</th><th class="hide-sm">trace</th></tr></thead><tbody>
${lines.map((l) => html`<tr><td class="mono">${new Date(l.atMs).toISOString()}</td><td>${l.service}</td><td>${badge(l.level)}</td><td><pre>${l.body}</pre></td><td class="hide-sm">${l.traceId ? html`<a class="mono" href="${traceHref(l.traceId)}">${l.traceId.slice(0, 12)}…</a>` : ''}</td></tr>`)}</tbody></table></div>`;
}

export function renderLogsPage(view: { at: string; lines: RecentLogLine[]; filter: RecentLogFilter; services: string[] }): string {
  return layout(
    { title: 'logs' },
    html`<h1>Recent warnings and errors</h1>
<form class="inline" method="get" action="/logs"><label>trace id <input name="trace_id" size="34" value="${view.filter.traceId ?? ''}"></label>
<label>service <select name="service"><option value="">all</option>${view.services.map((s) => html`<option ${s === view.filter.service ? 'selected' : ''}>${s}</option>`)}</select></label>
<label>level <select name="level"><option value="">both</option><option ${view.filter.level === 'error' ? 'selected' : ''}>error</option><option ${view.filter.level === 'warn' ? 'selected' : ''}>warn</option></select></label>
<label>text <input name="q" value="${view.filter.text ?? ''}"></label><button>search</button></form>
${logTable(view.lines)}`,
  );
}

export function renderNotFound(what: string): string {
  return layout({ title: 'not found' }, html`<h1>Not found</h1><p>${what}</p><p><a href="/">Back to the status page</a></p>`);
}

