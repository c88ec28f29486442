import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { humanIssueText, type IssueFacts } from './problem-text.ts';
import { interpolateEnv } from '@lookout/otlp';
import { configSchema, type LookoutConfig } from './schema.ts';

/** One thing wrong with a config file: where, what, and how to fix it. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** dotted key path, e.g. receivers.otlp.http.port */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join('\n'));
    this.problems = sorted;
    this.name = 'ConfigError';
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}:${problem.column ?? 1}` : problem.file;
  return `${where}: ${problem.path || '(top level)'}: ${problem.message}`;
}

/** In file order: by line, then column; problems of the whole file first. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text && text.length > 60 ? text.slice(0, 57) + '...' : String(text);
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The schema of the key at a path (wrappers such as defaults still on). */
function schemaAt(path: PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = configSchema as unknown as z.ZodType;
  for (const key of path) {
    schema = unwrap(schema);
    const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
    if (shape && typeof key === 'string') schema = shape[key];
    else {
      const element = (schema as unknown as { element?: z.ZodType }).element;
      schema = element;
    }
    if (!schema) return undefined;
  }
  return schema;
}

/** Keys allowed at a path of the schema, for "did you mean" hints. */
function knownKeys(path: PropertyKey[]): string[] {
  const shape = (unwrap(schemaAt(path)) as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** The default of the key at a path, when its schema declares one. */
function defaultAt(path: PropertyKey[]): unknown {
  let current = schemaAt(path) as unknown as { def?: { type?: string; defaultValue?: unknown; innerType?: unknown } } | undefined;
  for (let i = 0; i < 10 && current?.def; i++) {
    if (current.def.type === 'default') return current.def.defaultValue;
    current = current.def.innerType as typeof current;
  }
  return undefined;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema as unknown as { def?: { innerType?: unknown; in?: unknown; type?: string } } | undefined;
  for (let i = 0; i < 10 && current?.def; i++) {
    const def = current.def;
    if (def.innerType) current = def.innerType as typeof current;
    else if (def.type === 'pipe' && def.in) current = def.in as typeof current;
    else break;
  }
  return current as unknown as z.ZodType | undefined;
}

function position(doc: Document, lines: LineCounter, path: PropertyKey[]): { line?: number; column?: number } {
  // Walk down as far as the document goes: a missing key is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

/** Where a key itself is written (not its value): a misspelt key is shown at its own column. */
function keyPosition(doc: Document, lines: LineCounter, parentPath: PropertyKey[], key: string): { line?: number; column?: number } {
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath as unknown[], true);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === key);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    if (range) {
      const { line, col } = lines.linePos(range[0]);
      return { line, column: col };
    }
  }
  return position(doc, lines, [...parentPath, key]);
}

function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv, file: string, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const { value, missing } = interpolateEnv(node.value, env);
      for (const name of missing) {
        const { line, col } = node.range ? lines.linePos(node.range[0]) : { line: undefined, col: undefined };
        problems.push({
          file,
          line,
          column: col,
          path: path.join('.'),
          message: `environment variable ${name} is not set; export it, or give a default with \${${name}:-value}`,
        });
      }
      // A whole-value reference to a number or boolean becomes that type (port: ${PORT}).
      const whole = /^\$\{[^}]+\}$/.test(node.value.trim());
      if (whole && /^-?\d+(\.\d+)?$/.test(value)) node.value = Number(value);
      else if (whole && (value === 'true' || value === 'false')) node.value = value === 'true';
      else node.value = value;
    }
  };
  walk(doc.contents, []);
  return problems;
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file = 'lookout.yaml', env: NodeJS.ProcessEnv = process.env): LookoutConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, path: '', message: `not valid YAML: ${error.message.split('\n')[0]}; fix the syntax at this line` };
      }),
    );
  }
  // An unset variable is one problem among the others, not a reason to hide them.
  const envProblems = interpolateDocument(doc, env, file, lines);
  const envPaths = envProblems.map((problem) => problem.path);

  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: `the file must be a YAML mapping of sections (receivers:, pipeline:, ...), not ${describeValue(raw)}` }]);
  }
  const result = configSchema.safeParse(raw);
  if (result.success && envProblems.length === 0) {
    return withDurability(result.data, raw);
  }

  const problems: ConfigProblem[] = [...envProblems];
  for (const issue of result.error?.issues ?? []) {
    const path = issue.path as PropertyKey[];
    // the empty value an unset variable left behind is already reported as that
    const dotted = path.join('.');
    if (envPaths.some((envPath) => dotted === envPath || dotted.startsWith(`${envPath}.`))) continue;
    if (issue.code === 'unrecognized_keys') {
      const allowed = knownKeys(path);
      for (const key of issue.keys) {
        const suggestion = closest(key, allowed);
        problems.push({
          file,
          ...keyPosition(doc, lines, path, key),
          path: [...path, key].join('.'),
          message:
            `unknown key '${key}'` +
            (suggestion ? `; did you mean '${suggestion}'?` : allowed.length ? `; allowed here: ${allowed.join(', ')}` : ''),
        });
      }
      continue;
    }
    // Secrets never appear in messages, not even a wrong one.
    const secret = path.some((key) => typeof key === 'string' && /token|password|secret/i.test(key));
    const node = doc.getIn(path as unknown[]);
    const value: unknown = isMap(node) || isSeq(node) ? node.toJSON() : node;
    const found = secret ? '(hidden)' : describeValue(value);
    const key = path.length > 0 ? String(path[path.length - 1]) : 'the file';
    problems.push({
      file,
      ...position(doc, lines, path),
      path: dotted,
      message: humanIssueText(issue as unknown as IssueFacts, {
        key,
        found: value,
        foundText: found,
        defaultValue: defaultAt(path),
        description: schemaAt(path)?.description,
        suggestion:
          issue.code === 'invalid_value' && typeof value === 'string' && !secret ? closest(value, issue.values.map(String)) : undefined,
      }),
    });
  }
  throw new ConfigError(problems);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LookoutConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      { file, path: '', message: code === 'ENOENT' ? 'file not found; check the path given to --config' : `cannot read the file (${code ?? String(error)})` },
    ]);
  }
  return parseConfig(text, file, env);
}

/** The defaults, as if the file were empty. */
/** Issue 13: durable by default once the file names where data lives (pipeline.durability). */
function withDurability(config: LookoutConfig, raw: unknown): LookoutConfig {
  config.pipeline.durability ??= (raw as { storage?: { dataDir?: unknown } }).storage?.dataDir !== undefined ? 'disk' : 'memory';
  return config;
}

export function defaultConfig(): LookoutConfig {
  return withDurability(configSchema.parse({}), {});
}
