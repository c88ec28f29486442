import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { interpolateEnv } from '@lookout/otlp';
import { agentConfigSchema, type AgentConfig } from './schema.ts';

/** One thing wrong with the config: where, what, how to fix. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** dotted key path, e.g. files.0.glob */
  path: string;
  message: string;
}

export class AgentConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'AgentConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.path || '(top level)'}: ${p.message}`;
}

/** ${VAR} and ${VAR:-default} in scalars, so tokens stay out of the file; `$$` is a literal `$`. */
function interpolate(doc: Document, env: NodeJS.ProcessEnv, file: string, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: Array<string | number>) => {
    if (isMap(node)) for (const pair of node.items) walk(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)]);
    else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const text = node.value;
      const { value, missing } = interpolateEnv(text, env);
      const at = node.range ? lines.linePos(node.range[0]) : undefined;
      for (const name of missing) {
        problems.push({
          file,
          line: at?.line,
          column: at?.col,
          path: path.join('.'),
          message: `environment variable ${name} is not set; export it, or give a default with \${${name}:-value}`,
        });
      }
      node.value = value;
    }
  };
  walk(doc.contents, []);
  return problems;
}

/** Where a key (not its value) is written, for unknown keys. */
function locateKey(doc: Document, lines: LineCounter, parent: PropertyKey[], key: string): { line?: number; column?: number } {
  const map = parent.length === 0 ? doc.contents : doc.getIn(parent as unknown[], true);
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
        const { line, col } = lines.linePos(pair.key.range[0]);
        return { line, column: col };
      }
    }
  }
  return locate(doc, lines, [...parent, key]);
}

function locate(doc: Document, lines: LineCounter, path: PropertyKey[]): { line?: number; column?: number } {
  // a missing key is reported at the nearest parent that exists
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

function shown(value: unknown, secret: boolean): string {
  if (secret) return '(hidden)';
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Parses and validates config text. Relative paths (dataDir, globs, caFile) are taken
 * from `baseDir`, the directory of the config file. Throws AgentConfigError listing
 * every problem with file:line, key path and what to write instead.
 */
export function parseAgentConfig(text: string, file = 'lookout-agent.yaml', env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): AgentConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new AgentConfigError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, path: '', message: `not valid YAML: ${error.message.split('\n')[0]}; fix the syntax here` };
      }),
    );
  }
  const envProblems = interpolate(doc, env, file, lines);
  if (envProblems.length > 0) throw new AgentConfigError(envProblems);
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AgentConfigError([
      { file, line: 1, column: 1, path: '', message: `the file must be a YAML mapping with collector:, dataDir: and files:, not ${shown(raw, false)}` },
    ]);
  }
  const result = agentConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems: ConfigProblem[] = [];
    for (const issue of result.error.issues) {
      const path = issue.path as PropertyKey[];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push({ file, ...locateKey(doc, lines, path, key), path: [...path, key].join('.'), message: `unknown key '${key}'; check the spelling against the README's reference` });
        }
        continue;
      }
      const secret = path.some((k) => typeof k === 'string' && /token|password|secret/i.test(k));
      const value = doc.getIn(path as unknown[]);
      const message = value === undefined && issue.code === 'invalid_type' ? `missing; ${requiredHint(path.join('.'))}` : `${issue.message} (found ${shown(value, secret)})`;
      problems.push({ file, ...locate(doc, lines, path), path: path.join('.'), message });
    }
    throw new AgentConfigError(problems);
  }
  const config = result.data;
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.dataDir = absolute(config.dataDir);
  if (config.collector.caFile) config.collector.caFile = absolute(config.collector.caFile);
  for (const f of config.files) f.glob = absolute(f.glob);
  if (config.files.length === 0 && !config.resources.enabled) {
    throw new AgentConfigError([{ file, ...locate(doc, lines, ['files']), path: 'files', message: 'nothing to do: list files to tail, or leave resources enabled' }]);
  }
  return config;
}

function requiredHint(path: string): string {
  switch (path) {
    case 'collector':
      return 'add collector: {endpoint: http://<collector>:4318}';
    case 'collector.endpoint':
      return 'write the URL of the collector OTLP/HTTP receiver, e.g. http://127.0.0.1:4318';
    case 'dataDir':
      return 'write a directory for the checkpoint, e.g. /var/lib/lookout-agent';
    default:
      return /\.glob$/.test(path) ? 'each files entry needs a glob, e.g. /var/log/app/*.log' : 'this key is required';
  }
}

export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentConfigError([{ file: path, path: '', message: `cannot read the config file: ${(error as Error).message}; pass --config <file>` }]);
  }
  return parseAgentConfig(text, path, env, dirname(resolve(path)));
}
