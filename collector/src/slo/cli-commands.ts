import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatReportCsv,
  formatReportText,
  hasErrors,
  formatIssue,
  lastCompleteMinute,
  loadSpecs,
  parseMinutes,
  parseWhatIf,
  policyWindows,
  serviceReports,
  sloAvailabilityReport,
  sloCheck,
  sloExplain,
  sloRules,
  sloTest,
} from '@lookout/alerts';
import type { CommandResult, RuleExportOptions } from '@lookout/alerts';
import { SliStore } from '../store/sli-store.ts';
import { readSpecFiles, resolveSpecPaths } from './spec-files.ts';

/**
 * `lookout slo check | explain | rules | test`: the file-reading halves of the pure
 * commands in alerts/src/slo-commands.ts. Exit codes: 0 ok, 1 an invalid spec or
 * series, 2 a usage error (unknown subcommand or option, missing argument, a path
 * that names nothing).
 */

export const SLO_USAGE = `usage:
  lookout slo check FILES...                    validate SLO specs (files, directories, globs); exit 1 with file:line per error
  lookout slo explain FILES... [--slo NAME] [--objective 99.95] [--period 28d]
                                                the detection-time table of each SLO's alert policy; with --objective/--period,
                                                what it would be (budget, factors, detection times) without changing the spec
  lookout slo rules FILES... [--source requests]  Prometheus recording and alerting rules (default source: the collector's per-SLO counters)
  lookout slo test SPEC SERIES [--slo NAME]     replay a series file (promtool notation) and print when each alert fires and resolves
  lookout slo report FILES... [--since 30d] [--format text|json|csv] [--data-dir .lookout-data]
                                                availability report from the collector's SLI store (storage.dataDir): achieved vs
                                                objective, budget by incident, time to detect/recover, MTTF/MTTR
  lookout slo export-auto [--url http://127.0.0.1:4318] [--out FILE] [--token TOKEN]
                                                the automatic SLOs (slos.auto) of a running collector as a native spec file,
                                                to review and commit (lookout slo check accepts it); stdout without --out
`;

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

function usage(message: string): CliOutcome {
  return { code: 2, stdout: '', stderr: `lookout slo: ${message}\n${SLO_USAGE}` };
}

function fromResult(result: CommandResult): CliOutcome {
  const text = result.output.endsWith('\n') || result.output === '' ? result.output : `${result.output}\n`;
  return result.ok ? { code: 0, stdout: text, stderr: '' } : { code: 1, stdout: '', stderr: text };
}

/** Files named by the arguments, or a usage outcome saying which one names nothing. */
function specFiles(entries: readonly string[]): { files: Array<{ file: string; text: string }> } | { outcome: CliOutcome } {
  const resolved = resolveSpecPaths(entries);
  const read = readSpecFiles(resolved.files);
  const problems = [...resolved.problems, ...read.problems];
  if (problems.length > 0) return { outcome: { code: 2, stdout: '', stderr: problems.map((p) => `lookout slo: ${p}\n`).join('') } };
  return { files: read.files };
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(args: string[], options: Record<string, { type: 'string' }>): Parsed | CliOutcome {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    return usage((error as Error).message);
  }
}

function isOutcome(value: unknown): value is CliOutcome {
  return typeof value === 'object' && value !== null && 'code' in value && 'stderr' in value;
}

/** Runs one `lookout slo …` command; `args` starts with the subcommand. */
export function runSloCommand(args: readonly string[]): CliOutcome {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check': {
      const parsed = parse(rest, {});
      if (isOutcome(parsed)) return parsed;
      if (parsed.positionals.length === 0) return usage('check needs the spec files, e.g. lookout slo check alerts/slos');
      const files = specFiles(parsed.positionals);
      return 'outcome' in files ? files.outcome : fromResult(sloCheck(files.files));
    }
    case 'explain': {
      const parsed = parse(rest, { slo: { type: 'string' }, objective: { type: 'string' }, period: { type: 'string' } });
      if (isOutcome(parsed)) return parsed;
      if (parsed.positionals.length === 0) return usage('explain needs the spec files, e.g. lookout slo explain alerts/slos/checkout.yaml');
      const whatIf = parseWhatIf({ objective: parsed.values.objective as string | undefined, period: parsed.values.period as string | undefined });
      if ('error' in whatIf) return usage(whatIf.error);
      const files = specFiles(parsed.positionals);
      if ('outcome' in files) return files.outcome;
      return fromResult(sloExplain(files.files, parsed.values.slo as string | undefined, whatIf.whatIf));
    }
    case 'rules': {
      const parsed = parse(rest, { source: { type: 'string' } });
      if (isOutcome(parsed)) return parsed;
      if (parsed.positionals.length === 0) return usage('rules needs the spec files, e.g. lookout slo rules alerts/slos > slo-rules.yaml');
      const source = parsed.values.source as string | undefined;
      if (source !== undefined && source !== 'requests' && source !== 'slo-counters')
        return usage(`--source must be 'slo-counters' (default) or 'requests', not '${source}'`);
      const files = specFiles(parsed.positionals);
      if ('outcome' in files) return files.outcome;
      const options: RuleExportOptions = source ? { source } : {};
      return fromResult(sloRules(files.files, options));
    }
    case 'test': {
      const parsed = parse(rest, { slo: { type: 'string' } });
      if (isOutcome(parsed)) return parsed;
      if (parsed.positionals.length !== 2)
        return usage(`test takes a spec file and a series file (got ${parsed.positionals.length} arguments), e.g. lookout slo test slos/checkout.yaml outage.series.yaml`);
      const spec = specFiles([parsed.positionals[0]!]);
      if ('outcome' in spec) return spec.outcome;
      const series = readSpecFiles([parsed.positionals[1]!]);
      if (series.problems.length > 0) return { code: 2, stdout: '', stderr: series.problems.map((p) => `lookout slo: ${p}\n`).join('') };
      return fromResult(sloTest(spec.files, series.files[0]!, parsed.values.slo as string | undefined));
    }
    case 'report': {
      const parsed = parse(rest, { since: { type: 'string' }, format: { type: 'string' }, 'data-dir': { type: 'string' } });
      if (isOutcome(parsed)) return parsed;
      if (parsed.positionals.length === 0) return usage('report needs the spec files the collector evaluates, e.g. lookout slo report alerts/slos --since 30d');
      const since = (parsed.values.since as string | undefined) ?? '30d';
      const minutes = parseMinutes(since);
      if (minutes === undefined || minutes > 366 * 1440) return usage(`--since must be a duration like 7d, 30d or 12h, at most 366d, not '${since}'`);
      const format = (parsed.values.format as string | undefined) ?? 'text';
      if (format !== 'text' && format !== 'json' && format !== 'csv') return usage(`--format must be text, json or csv, not '${format}'`);
      const dataDir = (parsed.values['data-dir'] as string | undefined) ?? '.lookout-data';
      const storeFile = join(dataDir, 'sli.sqlite');
      if (!existsSync(storeFile)) return { code: 2, stdout: '', stderr: `lookout slo: no SLI store at ${storeFile}; pass --data-dir with the collector's storage.dataDir\n` };
      const files = specFiles(parsed.positionals);
      if ('outcome' in files) return files.outcome;
      const { slos, issues } = loadSpecs(files.files);
      if (hasErrors(issues)) return { code: 1, stdout: '', stderr: `${issues.map(formatIssue).join('\n')}\n` };
      // Read only what the report needs; the running collector keeps writing (SQLite WAL).
      const store = new SliStore({ file: storeFile, retentionMinutes: 400 * 1440 });
      try {
        const toMinute = lastCompleteMinute(Date.now()) + 1;
        const fromMinute = toMinute - minutes;
        const reports = slos
          .filter((slo) => slo.sli.kind === 'availability' || slo.sli.kind === 'latency')
          .map((slo) => {
            const warmUp = Math.max(1, ...policyWindows(slo.policy));
            return sloAvailabilityReport(slo, store.buckets(slo.name, fromMinute - warmUp, toMinute - 1), fromMinute, toMinute);
          });
        const stdout =
          format === 'csv'
            ? formatReportCsv(reports)
            : format === 'json'
              ? `${JSON.stringify({ since, slos: reports, services: serviceReports(reports) }, null, 2)}\n`
              : `${formatReportText(reports)}\n`;
        return { code: 0, stdout, stderr: '' };
      } finally {
        store.close();
      }
    }
    case 'export-auto':
      return usage('export-auto talks to a running collector; run it through the lookout command');
    case undefined:
      return usage('name a subcommand: check, explain, rules, test, report or export-auto');
    case 'help':
    case '--help':
    case '-h':
      return { code: 0, stdout: SLO_USAGE, stderr: '' };
    default:
      return usage(`unknown subcommand '${sub}'`);
  }
}

export interface ExportAutoIo {
  fetch: typeof fetch;
  writeFile(file: string, text: string): void;
  env: NodeJS.ProcessEnv;
}

/**
 * `lookout slo export-auto`: GET /api/v1/auto-slos from a running collector, checked
 * with the spec reader, to stdout or --out. Exit 2 on a usage error or an unreachable
 * collector, 1 when the collector's answer is not a valid spec.
 */
export async function runExportAuto(args: readonly string[], io: ExportAutoIo): Promise<CliOutcome> {
  const parsed = parse([...args], { url: { type: 'string' }, out: { type: 'string' }, token: { type: 'string' } });
  if (isOutcome(parsed)) return parsed;
  if (parsed.positionals.length > 0) return usage(`export-auto takes no file arguments (got ${parsed.positionals.join(' ')}); write --out FILE`);
  const base = (parsed.values.url as string | undefined) ?? io.env.LOOKOUT_URL ?? 'http://127.0.0.1:4318';
  let url: URL;
  try {
    url = new URL('/api/v1/auto-slos', base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    return usage(`--url must be the collector's http(s) URL, e.g. http://127.0.0.1:4318, not '${base}'`);
  }
  const token = (parsed.values.token as string | undefined) ?? io.env.LOOKOUT_READ_TOKEN;
  let response: Response;
  try {
    response = await io.fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return { code: 2, stdout: '', stderr: `lookout slo: cannot reach the collector at ${url.origin} (${(error as Error).message}); pass --url with its HTTP listener\n` };
  }
  const text = await response.text();
  if (!response.ok) {
    let reason = text;
    try {
      reason = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text as is
    }
    return { code: 2, stdout: '', stderr: `lookout slo: ${url.href} answered ${response.status}: ${reason.trim()}\n` };
  }
  if (text.trim() !== '' && !/^(#[^\n]*\n)+$/.test(text)) {
    const { issues } = loadSpecs([{ file: 'export-auto', text }]);
    if (hasErrors(issues)) return { code: 1, stdout: '', stderr: `lookout slo: the collector's auto SLOs are not a valid spec:\n${issues.map(formatIssue).join('\n')}\n` };
  }
  const out = parsed.values.out as string | undefined;
  if (out === undefined) return { code: 0, stdout: text, stderr: '' };
  try {
    io.writeFile(out, text);
  } catch (error) {
    return { code: 2, stdout: '', stderr: `lookout slo: cannot write ${out}: ${(error as Error).message}\n` };
  }
  return { code: 0, stdout: '', stderr: `wrote ${out}\n` };
}
