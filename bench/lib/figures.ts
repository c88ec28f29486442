/**
 * A benchmark's headline figures, for `npm run bench:doc`. Each bench prints its own
 * table for people; it also calls `recordFigure` for every figure worth quoting, with the
 * same-run baseline or peer it is compared against. When LOOKOUT_BENCH_FIGURES names a
 * file, each figure is appended to it as one JSON line; otherwise nothing happens, so a
 * bench run by hand prints only its table.
 */
import { appendFileSync } from 'node:fs';

export interface BenchFigure {
  /** the benchmark file's name, e.g. 'otlp-decode' */
  bench: string;
  /** what was measured, e.g. 'protobuf ×100 decode' */
  name: string;
  value: number;
  /** e.g. 'spans/s per CPU-second' */
  unit: string;
  /** what the figure is compared with in the same run */
  baselineName?: string;
  baseline?: number;
  /** value ÷ baseline unless the bench defines the ratio otherwise (then say so in ratioNote) */
  ratio?: number;
  ratioNote?: string;
  /** the goal, in words, e.g. '≥ 0.7× memory' */
  goal?: string;
  /** whether the goal is met, when the bench can tell */
  goalMet?: boolean;
}

export function recordFigure(figure: BenchFigure): void {
  const file = process.env.LOOKOUT_BENCH_FIGURES;
  if (!file) return;
  const ratio = figure.ratio ?? (figure.baseline ? figure.value / figure.baseline : undefined);
  appendFileSync(file, `${JSON.stringify({ ...figure, ...(ratio === undefined ? {} : { ratio }) })}\n`);
}
