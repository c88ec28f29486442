/**
 * The pure halves of `lookout slo check | explain | rules | test`: file contents
 * in, report text and success out. The collector's CLI reads the files, prints
 * `output` and exits non-zero when `ok` is false.
 */
import { explainSlo } from './explain.ts';
import { renderRules } from './prometheus-rules.ts';
import type { RuleExportOptions } from './prometheus-rules.ts';
import { formatReplay, parseReplayFile, replaySlo } from './replay.ts';
import { formatIssue, hasErrors } from './spec-formats/issues.ts';
import { loadSpecs } from './spec-formats/load.ts';
import type { SpecFile } from './spec-formats/load.ts';
import type { SloDefinition } from './types.ts';
import { applyWhatIf, whatIfHeader } from './what-if.ts';
import type { WhatIf } from './what-if.ts';

export interface CommandResult {
  ok: boolean;
  output: string;
}

function issuesText(issues: ReturnType<typeof loadSpecs>['issues']): string[] {
  return issues.map(formatIssue);
}

/** `lookout slo check FILES…`: every error and warning, then a one-line verdict. */
export function sloCheck(files: readonly SpecFile[]): CommandResult {
  const { slos, issues } = loadSpecs(files);
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const lines = issuesText(issues);
  lines.push(
    errors > 0
      ? `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} in ${files.length} file${files.length === 1 ? '' : 's'}`
      : `OK: ${slos.length} SLO${slos.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`,
  );
  return { ok: errors === 0, output: lines.join('\n') };
}

function pick(slos: SloDefinition[], name: string | undefined): SloDefinition[] | string {
  if (name === undefined) return slos;
  const found = slos.filter((s) => s.name === name || `${s.service}/${s.name}` === name);
  if (found.length > 0) return found;
  return `no SLO named '${name}'; known: ${slos.map((s) => `${s.service}/${s.name}`).join(', ') || 'none'}`;
}

/**
 * `lookout slo explain FILES… [--slo NAME] [--objective 99.95] [--period 28d]`: the
 * detection-time table per SLO, with a what-if objective/period when given.
 */
export function sloExplain(files: readonly SpecFile[], sloName?: string, whatIf: WhatIf = {}): CommandResult {
  const { slos, issues } = loadSpecs(files);
  if (hasErrors(issues)) return { ok: false, output: issuesText(issues).join('\n') };
  const chosen = pick(slos, sloName);
  if (typeof chosen === 'string') return { ok: false, output: chosen };
  if (whatIf.objective === undefined && whatIf.period === undefined) return { ok: true, output: chosen.map(explainSlo).join('\n\n') };
  const reports: string[] = [];
  for (const slo of chosen) {
    const changed = applyWhatIf(slo, whatIf);
    if (typeof changed === 'string') return { ok: false, output: `${slo.service}/${slo.name}: ${changed}; choose a longer --period` };
    reports.push(`${whatIfHeader(slo, changed)}\n${explainSlo(changed)}`);
  }
  return { ok: true, output: reports.join('\n\n') };
}

/** `lookout slo rules FILES… [--source requests]`: a Prometheus rule file on stdout. */
export function sloRules(files: readonly SpecFile[], options: RuleExportOptions = {}): CommandResult {
  const { slos, issues } = loadSpecs(files);
  if (hasErrors(issues)) return { ok: false, output: issuesText(issues).join('\n') };
  return { ok: true, output: renderRules(slos, { generatedFrom: files.map((f) => f.file).join(', '), ...options }) };
}

/** `lookout slo test SPEC SERIES`: when each alert fires and resolves on the series. */
export function sloTest(specFiles: readonly SpecFile[], series: SpecFile, sloName?: string): CommandResult {
  const { slos, issues } = loadSpecs(specFiles);
  if (hasErrors(issues)) return { ok: false, output: issuesText(issues).join('\n') };
  const parsed = parseReplayFile(series.text, series.file);
  if (!parsed.replay || hasErrors(parsed.issues)) return { ok: false, output: issuesText(parsed.issues).join('\n') };
  const chosen = pick(slos, sloName ?? parsed.replay.slo);
  if (typeof chosen === 'string') return { ok: false, output: chosen };
  const replay = parsed.replay;
  const reports = chosen.map((slo) =>
    formatReplay(replaySlo(slo, replay.series, replay.untilMinute !== undefined ? { untilMinute: replay.untilMinute } : {})),
  );
  return { ok: true, output: reports.join('\n\n') };
}
