/** A problem found in a spec file: where (file, line, column, key), what, and how to fix it. */
export interface SpecIssue {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  /** path of the key, e.g. `slos[0].objective`; empty for whole-document problems */
  key: string;
  message: string;
  fix: string;
}

/** `checkout.yaml:7:5: slos[0].objective: 0.999 looks like a fraction (fix: write a percent, e.g. 99.9)` */
export function formatIssue(issue: SpecIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const level = issue.severity === 'warning' ? 'warning: ' : '';
  const key = issue.key ? `${issue.key}: ` : '';
  const fix = issue.fix ? ` (fix: ${issue.fix})` : '';
  return `${where}: ${level}${key}${issue.message}${fix}`;
}

export function hasErrors(issues: readonly SpecIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Thrown by APIs that need a valid spec; carries every issue found. */
export class SpecError extends Error {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'SpecError';
    this.issues = issues;
  }
}
