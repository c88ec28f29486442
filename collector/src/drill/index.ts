export { DRILL_USAGE, drillCommand } from './drill-command.ts';
export type { DrillCommandIo } from './drill-command.ts';
export { drillVerdict, formatDrillReport, predictFullOutagePage } from './drill-report.ts';
export type { DeliveryOutcome, DrillPrediction, DrillTimeline, DrillVerdict } from './drill-report.ts';
export { DrillSetupError, runDrill } from './run-drill.ts';
export type { DrillDeps, DrillOptions, DrillPhase } from './run-drill.ts';
