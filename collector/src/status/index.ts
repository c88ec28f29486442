export { escapeHtml, html, raw, SafeHtml } from './html.ts';
export { lineChart, meter, type ChartPoint, type LineChartOptions } from './charts.ts';
export { budgetSeries, episodeStats, type BudgetPoint, type EpisodeStats, type MinuteCounts } from './slo-history.ts';
export { AlertHistory, alertKey, type AlertEpisode, type ObservedAlert } from './alert-history.ts';
export { HostCpu } from './host-cpu.ts';
export {
  alertView,
  detectionView,
  readingsViews,
  sloView,
  sortByBudget,
  type AlertView,
  type OverviewView,
  type SloDetailView,
  type SloView,
  type TraceView,
} from './view.ts';
export { renderAlertsPage, renderLogsPage, renderOverview, renderSloPage, renderTracePage, renderTracesPage, waterfallRows } from './render.ts';
export { createStatusPage, type ReadAuthorizer, type StatusPage, type StatusPageOptions } from './status-page.ts';
