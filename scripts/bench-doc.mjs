#!/usr/bin/env node
// `npm run bench:doc`: runs every benchmark in bench/ one after the other (never in
// parallel: each wants a quiet core) and writes docs/benchmarks.md — each figure with its
// same-run baseline or peer and the ratio, the goal where there is one, the machine and
// the date, and every bench's own output. `npm run bench:doc -- otlp-decode log-parse`
// runs only those and keeps the other sections of the page as they were.
import { spawnSync } from 'node:child_process';
import { buildForBench } from './build-for-bench.mjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const page = join(root, 'docs', 'benchmarks.md');
const wanted = process.argv.slice(2);
const all = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`bench:doc: no bench named ${unknown.join(', ')}; there are: ${all.join(', ')}`);
  process.exit(2);
}
const benches = wanted.length > 0 ? wanted : all;

const previous = existsSync(page) ? readSections(readFileSync(page, 'utf8')) : new Map();
const work = mkdtempSync(join(tmpdir(), 'lookout-bench-doc-'));
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
buildForBench();
let failed = 0;
const sections = new Map(previous);
for (const name of benches) {
  const figuresFile = join(work, `${name}.jsonl`);
  console.log(`\n=== bench/${name}`);
  const started = Date.now();
  const result = spawnSync('npx', ['tsx', '--conditions=lookout-source', `bench/${name}.ts`], {
    cwd: root,
    env: { ...process.env, LOOKOUT_BENCH_FIGURES: figuresFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output);
  const figures = existsSync(figuresFile)
    ? readFileSync(figuresFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    : [];
  if (result.status !== 0) failed++;
  sections.set(name, renderSection(name, figures, output, result.status, (Date.now() - started) / 1000));
}
rmSync(work, { recursive: true, force: true });

const header = [
  '# Benchmarks',
  '',
  'Written by `npm run bench:doc` (do not edit by hand). Every figure sits beside a',
  'baseline or peer measured in the same run on the same machine, because shared machines',
  'are noisy: compare ratios across runs, not raw figures. Each bench file says what it',
  'measures and how (`bench/*.ts`); `npm run bench -- NAME` runs one and prints its table.',
  '',
  `Last run: ${date} on ${machine}${wanted.length > 0 ? ` (this run: ${benches.join(', ')}; other sections from earlier runs keep their own dates)` : ''}.`,
  '',
];
const body = [...sections.keys()].sort().map((name) => sections.get(name));
writeFileSync(page, `${header.join('\n')}\n${body.join('\n')}`);
console.log(`\nbench:doc: wrote ${page} (${benches.length} bench${benches.length === 1 ? '' : 'es'}, ${failed} failed)`);
process.exit(failed ? 1 : 0);

function renderSection(name, figures, output, status, seconds) {
  const lines = [`<!-- bench:${name} -->`, `## ${name}`, '', `Run ${date} on ${machine}; ${seconds.toFixed(0)} s${status === 0 ? '' : `; **exited with ${status}**`}.`, ''];
  if (figures.length > 0) {
    lines.push('| figure | value | same-run baseline or peer | baseline | ratio | goal |', '|---|---:|---|---:|---:|---|');
    for (const f of figures) {
      const goal = f.goal ? `${f.goal}${f.goalMet === undefined ? '' : f.goalMet ? ' — met' : ' — **not met**'}` : '';
      lines.push(
        `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baselineName ?? ''} | ${f.baseline === undefined ? '' : fmt(f.baseline)} | ${f.ratio === undefined ? '' : f.ratio.toFixed(2)}${f.ratioNote ? ` (${f.ratioNote})` : ''} | ${goal} |`,
      );
    }
    lines.push('');
  } else {
    lines.push('No figures recorded (the bench does not call `recordFigure`, or it failed before it could).', '');
  }
  lines.push('<details><summary>output</summary>', '', '```text', output.trimEnd(), '```', '', '</details>', '', `<!-- /bench:${name} -->`, '');
  return lines.join('\n');
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x).toLocaleString('en-US');
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function readSections(text) {
  const sections = new Map();
  const pattern = /<!-- bench:([\w-]+) -->[\s\S]*?<!-- \/bench:\1 -->\n?/g;
  for (const match of text.matchAll(pattern)) sections.set(match[1], match[0]);
  return sections;
}
