export { evaluateSlo } from './evaluate.ts';
export { loadSpecs } from './spec/load.ts';
export { renderRules } from './prometheus-rules.ts';
export { nextAlertState } from './alert-state.ts';
export { SliWindowIndex } from './window-index.ts';
