/**
 * Shared building blocks of every Lookout dashboard: data source references, template
 * variables, panel presets that always carry a unit, thresholds and a description,
 * a deterministic grid layout, stable uids and panel ids. Pure: no I/O, no clock.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Uids of the provisioned data sources (the same in the provisioning YAML and the API provisioner). */
export const DATASOURCE_UIDS = {
  prometheus: 'prometheus',
  loki: 'loki',
  tempo: 'tempo',
  alertmanager: 'alertmanager',
} as const;

/** Template variable names every dashboard uses for its data sources. */
export const PROMETHEUS_VARIABLE = 'datasource';
export const LOKI_VARIABLE = 'loki';

export const PROMETHEUS_REF: common.DataSourceRef = { type: 'prometheus', uid: `\${${PROMETHEUS_VARIABLE}}` };
export const LOKI_REF: common.DataSourceRef = { type: 'loki', uid: `\${${LOKI_VARIABLE}}` };
export const TEMPO_REF: common.DataSourceRef = { type: 'tempo', uid: DATASOURCE_UIDS.tempo };

/**
 * The job the collector's own series are read under: Prometheus scrapes the collector as
 * job "lookout" (docker-compose's prometheus.yml), and remote write's `job` defaults to
 * it where remote write is the only path (Mimir, Thanos). The families remote write also
 * sends (request series, SLO counters) are summed under this job only, so a
 * remote-written copy beside the scrape (another `job`) is never counted twice.
 */
export const COLLECTOR_JOB = 'lookout';
export const COLLECTOR_JOB_MATCHER = `job="${COLLECTOR_JOB}"`;

/** Tag on every generated dashboard: the provisioner and the dashboard links find them by it. */
export const LOOKOUT_TAG = 'lookout';
export const SLO_TAG = 'lookout-slo';

const MAX_UID_LENGTH = 40;

/** 32-bit FNV-1a, as 8 hex digits: a short stable suffix for names too long for a uid. */
function fnv1a(textValue: string): string {
  let hash = 0x811c9dc5;
  for (const char of textValue) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A Grafana uid (≤ 40 characters of [a-z0-9-]) derived from names only, so a regenerated
 * dashboard replaces its previous version. Names that do not fit keep a readable prefix
 * and get a hash of the full name, so two long names never collide on their prefix.
 */
export function stableUid(...names: string[]): string {
  const full = ['lookout', ...names.map(slug)].filter((part) => part !== '').join('-');
  if (full.length <= MAX_UID_LENGTH) return full;
  const hash = fnv1a(['lookout', ...names].join('\u0000'));
  return `${full.slice(0, MAX_UID_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

// ---------------------------------------------------------------- queries

export interface PromQueryOptions {
  /** instant query (stat, table) instead of a range */
  instant?: boolean;
  /** table format: one row per series with labels as columns */
  table?: boolean;
  /** ask Prometheus for exemplars (latency histograms carry trace ids) */
  exemplar?: boolean;
}

export function promQuery(expr: string, legend: string, options: PromQueryOptions = {}): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder().datasource(PROMETHEUS_REF).expr(expr).legendFormat(legend);
  if (options.instant) query.instant();
  else query.range();
  if (options.table) query.format(prometheus.PromQueryFormat.Table);
  if (options.exemplar) query.exemplar(true);
  return query;
}

export function lokiQuery(expr: string, legend = '', options: { instant?: boolean } = {}): loki.DataqueryBuilder {
  const query = new loki.DataqueryBuilder().datasource(LOKI_REF).expr(expr);
  if (legend) query.legendFormat(legend);
  if (options.instant) query.instant(true);
  else query.range(true);
  return query;
}

/** Prometheus label matcher for a multi-value template variable (`All` = `.*`). */
export function varMatcher(label: string, variable: string): string {
  return `${label}=~"$${variable}"`;
}

// ---------------------------------------------------------------- thresholds

export type ThresholdStep = [value: number | null, color: string];

export function thresholdSteps(steps: ThresholdStep[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** Green below, then amber and red at the given values (values rising = worse). */
export function risingThresholds(amber: number, red: number): dashboard.ThresholdsConfigBuilder {
  return thresholdSteps([[null, 'green'], [amber, 'orange'], [red, 'red']]);
}

/** Red below `red`, amber below `amber`, green above (values falling = worse). */
export function fallingThresholds(red: number, amber: number): dashboard.ThresholdsConfigBuilder {
  return thresholdSteps([[null, 'red'], [red, 'orange'], [amber, 'green']]);
}

/** A neutral base for panels where no value is good or bad (traffic, sizes). */
export const NEUTRAL_THRESHOLDS: ThresholdStep[] = [[null, 'green']];

// ---------------------------------------------------------------- panels

export interface PanelCommon {
  title: string;
  /** one line: what the panel shows and why it matters */
  description: string;
  /** a Grafana unit id: 'reqps', 's', 'percentunit', 'bytes', 'short', 'none'… */
  unit: string;
  thresholds?: dashboard.ThresholdsConfigBuilder;
  links?: dashboard.DashboardLinkBuilder[];
  min?: number;
  max?: number;
  decimals?: number;
  /** the panel's data source; Prometheus (the variable) unless said otherwise */
  datasource?: common.DataSourceRef;
}

/** A panel and its size on the 24-column grid; the layout places it. */
export interface PanelSpec {
  panel: cog.Builder<dashboard.Panel>;
  width: number;
  height: number;
}

export interface Section {
  /** row title; undefined for panels above the first row */
  title?: string;
  panels: PanelSpec[];
}

interface CommonBuilder {
  datasource(datasource: common.DataSourceRef): this;
  title(title: string): this;
  description(description: string): this;
  unit(unit: string): this;
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): this;
  dataLinks(links: cog.Builder<dashboard.DashboardLink>[]): this;
  min(min: number): this;
  max(max: number): this;
  decimals(decimals: number): this;
}

function applyCommon<T extends CommonBuilder>(builder: T, options: PanelCommon): T {
  builder
    .title(options.title)
    .description(options.description)
    .unit(options.unit)
    .thresholds(options.thresholds ?? thresholdSteps(NEUTRAL_THRESHOLDS))
    .datasource(options.datasource ?? PROMETHEUS_REF);
  if (options.links?.length) builder.dataLinks(options.links);
  if (options.min !== undefined) builder.min(options.min);
  if (options.max !== undefined) builder.max(options.max);
  if (options.decimals !== undefined) builder.decimals(options.decimals);
  return builder;
}

export interface TimeseriesOptions extends PanelCommon {
  targets: cog.Builder<cog.Dataquery>[];
  /** draw the thresholds as dashed lines (burn-rate limits, objectives) */
  showThresholds?: boolean;
  stacked?: boolean;
  width?: number;
  height?: number;
}

export function timeseriesPanel(options: TimeseriesOptions): PanelSpec {
  const panel = applyCommon(new timeseries.PanelBuilder(), options)
    .targets(options.targets)
    .lineWidth(1)
    .fillOpacity(options.stacked ? 30 : 10)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (options.showThresholds) {
    panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (options.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return { panel, width: options.width ?? 12, height: options.height ?? 8 };
}

export interface StatOptions extends PanelCommon {
  targets: cog.Builder<cog.Dataquery>[];
  /** colour the background by threshold (state panels) instead of the value text */
  background?: boolean;
  mappings?: dashboard.ValueMapping[];
  noValue?: string;
  width?: number;
  height?: number;
}

export function statPanel(options: StatOptions): PanelSpec {
  const panel = applyCommon(new stat.PanelBuilder(), options)
    .targets(options.targets)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(options.background ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (options.mappings) panel.mappings(options.mappings);
  if (options.noValue) panel.noValue(options.noValue);
  return { panel, width: options.width ?? 6, height: options.height ?? 4 };
}

export interface TableOptions extends PanelCommon {
  targets: cog.Builder<cog.Dataquery>[];
  transformations?: dashboard.DataTransformerConfig[];
  /** column to sort by; ascending unless `desc` */
  sortBy?: { column: string; desc: boolean };
  /** per-column settings (unit, mappings, links) by the column's display name */
  columns?: Array<{ column: string; properties: dashboard.DynamicConfigValue[] }>;
  width?: number;
  height?: number;
}

export function tablePanel(options: TableOptions): PanelSpec {
  const panel = applyCommon(new table.PanelBuilder(), options).targets(options.targets);
  if (options.transformations) panel.transformations(options.transformations);
  for (const column of options.columns ?? []) panel.overrideByName(column.column, column.properties);
  if (options.sortBy) panel.sortBy([new common.TableSortByFieldStateBuilder().displayName(options.sortBy.column).desc(options.sortBy.desc)]);
  return { panel, width: options.width ?? 12, height: options.height ?? 8 };
}

export interface TextOptions {
  title: string;
  description: string;
  markdown: string;
  width?: number;
  height?: number;
}

export function textPanel(options: TextOptions): PanelSpec {
  const panel = applyCommon(new text.PanelBuilder(), { ...options, unit: 'none' })
    .mode(text.TextMode.Markdown)
    .content(options.markdown);
  return { panel, width: options.width ?? 24, height: options.height ?? 6 };
}

export interface LogsOptions extends PanelCommon {
  targets: cog.Builder<cog.Dataquery>[];
  width?: number;
  height?: number;
}

export function logsPanel(options: LogsOptions): PanelSpec {
  const panel = applyCommon(new logs.PanelBuilder(), { ...options, datasource: LOKI_REF })
    .targets(options.targets)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending);
  return { panel, width: options.width ?? 24, height: options.height ?? 10 };
}

// ---------------------------------------------------------------- variables, links

export function prometheusVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(PROMETHEUS_VARIABLE)
    .label('Prometheus')
    .type('prometheus')
    .current({ text: 'Prometheus', value: DATASOURCE_UIDS.prometheus });
}

export function lokiVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(LOKI_VARIABLE).label('Loki').type('loki').current({ text: 'Loki', value: DATASOURCE_UIDS.loki });
}

/** A multi-value variable over a label of a Prometheus series, `All` matching everything. */
export function labelVariable(name: string, label: string, series: string, display: string, allValue = '.*'): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(display)
    .datasource(PROMETHEUS_REF)
    .query({ query: `label_values(${series}, ${label})`, refId: `${name}-values` })
    .definition(`label_values(${series}, ${label})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(allValue)
    .current({ text: 'All', value: '$__all' });
}

/** Link to another generated dashboard, keeping the time range and the variables. */
export function dashboardLink(title: string, uid: string, query = ''): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title)
    .type(dashboard.DashboardLinkType.Link)
    .url(`/d/${uid}${query}`)
    .keepTime(true)
    .includeVars(query === '')
    .targetBlank(false)
    .icon('dashboard')
    .tooltip(title);
}

export function externalLink(title: string, url: string): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title).type(dashboard.DashboardLinkType.Link).url(url).targetBlank(true).icon('doc').tooltip(title);
}

/** Dropdown of every SLO dashboard (by tag). */
export function sloDashboardsLink(): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder('SLOs')
    .type(dashboard.DashboardLinkType.Dashboards)
    .tags([SLO_TAG])
    .asDropdown(true)
    .keepTime(true)
    .includeVars(false);
}

/** A data link from a panel value (Grafana interpolates `${__field.labels.x}`). */
export function dataLink(title: string, url: string): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title).type(dashboard.DashboardLinkType.Link).url(url).targetBlank(false);
}

// ---------------------------------------------------------------- layout

/**
 * Places sections on the 24-column grid: a row header per titled section, then its
 * panels left to right, wrapping when the next one would cross column 24. Panel ids
 * are assigned in reading order (1, 2, …) after building, so they are unique and stable.
 */
export function layoutDashboard(builder: dashboard.DashboardBuilder, sections: Section[]): dashboard.Dashboard {
  let y = 0;
  for (const section of sections) {
    if (section.title !== undefined) {
      builder.withRow(new dashboard.RowBuilder(section.title).gridPos({ x: 0, y, w: 24, h: 1 }));
      y += 1;
    }
    let x = 0;
    let rowHeight = 0;
    for (const spec of section.panels) {
      if (spec.width < 1 || spec.width > 24) throw new Error(`panel width ${spec.width} is outside the 24-column grid`);
      if (x + spec.width > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      builder.withPanel(new PositionedPanel(spec.panel, { x, y, w: spec.width, h: spec.height }));
      x += spec.width;
      rowHeight = Math.max(rowHeight, spec.height);
    }
    y += rowHeight;
  }
  const built = builder.build();
  let id = 0;
  for (const panel of built.panels ?? []) panel.id = ++id;
  return built;
}

/**
 * Sets the position after the panel builder has built, so the dashboard builder's own
 * auto-placement (which moves any panel at x=0,y=0) never applies: the first panel is
 * the only one at the origin and it belongs there.
 */
class PositionedPanel implements cog.Builder<dashboard.Panel> {
  constructor(
    private readonly inner: cog.Builder<dashboard.Panel>,
    private readonly gridPos: dashboard.GridPos,
  ) {}

  build(): dashboard.Panel {
    return { ...this.inner.build(), gridPos: { ...this.gridPos } };
  }
}

/** Standard dashboard settings: tags, refresh, time range, editable off (files are the source). */
export function baseDashboard(title: string, uid: string, description: string, tags: string[] = []): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([LOOKOUT_TAG, ...tags])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}
