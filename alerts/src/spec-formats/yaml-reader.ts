/**
 * A thin reader over `yaml` documents that knows where every value came from, so
 * each validation error can name the file, line, column and key path.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node as YamlNode, Pair } from 'yaml';
import type { SpecIssue } from './issues.ts';

export class IssueSink {
  readonly issues: SpecIssue[] = [];
  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
  ) {}

  position(offset: number): { line: number; column: number } {
    const pos = this.lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  add(severity: SpecIssue['severity'], offset: number, key: string, message: string, fix: string): void {
    this.issues.push({ severity, file: this.file, ...this.position(offset), key, message, fix });
  }
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = norm(c) === norm(word) ? 0 : distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function describe(node: YamlNode | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an unsupported YAML value';
}

/** A value in a document, with its key path and source position. */
export class YNode {
  constructor(
    readonly sink: IssueSink,
    readonly node: YamlNode | null | undefined,
    readonly path: string,
    /** offset errors point at: the key for map values, the item for list items */
    readonly offset: number,
  ) {}

  get exists(): boolean {
    return this.node !== undefined && !(isScalar(this.node) && this.node.value === null);
  }

  get line(): number {
    return this.sink.position(this.offset).line;
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  isSeq(): boolean {
    return isSeq(this.node);
  }

  isScalar(): boolean {
    return isScalar(this.node);
  }

  error(message: string, fix: string): void {
    this.sink.add('error', this.offset, this.path, message, fix);
  }

  warn(message: string, fix: string): void {
    this.sink.add('warning', this.offset, this.path, message, fix);
  }

  private childPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private pairs(): Pair[] {
    return isMap(this.node) ? (this.node.items as Pair[]) : [];
  }

  /** The value under `key` (a missing key gives a node that does not exist, positioned at this map). */
  get(key: string): YNode {
    for (const pair of this.pairs()) {
      const k = pair.key as YamlNode | null;
      if (isScalar(k) && String(k.value) === key) {
        return new YNode(this.sink, (pair.value as YamlNode | null) ?? undefined, this.childPath(key), k.range?.[0] ?? this.offset);
      }
    }
    return new YNode(this.sink, undefined, this.childPath(key), this.offset);
  }

  has(key: string): boolean {
    return this.get(key).node !== undefined;
  }

  keys(): string[] {
    return this.pairs().map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  }

  entries(): [string, YNode][] {
    return this.keys().map((k) => [k, this.get(k)]);
  }

  items(): YNode[] {
    if (!isSeq(this.node)) return [];
    return this.node.items.map((item, i) => {
      const n = item as YamlNode | null;
      return new YNode(this.sink, n ?? undefined, `${this.path}[${i}]`, n?.range?.[0] ?? this.offset);
    });
  }

  /** Reports each key not in `allowed`, suggesting the closest allowed one. */
  allowKeys(allowed: readonly string[], what: string): void {
    for (const key of this.keys()) {
      if (allowed.includes(key)) continue;
      const near = closest(key, allowed);
      const node = this.get(key);
      node.error(
        `unknown key '${key}' in ${what}`,
        near ? `did you mean '${near}'?` : `remove it; allowed keys: ${allowed.join(', ')}`,
      );
    }
  }

  /** Reports a missing required key; true when present. */
  require(key: string, fix: string): boolean {
    const child = this.get(key);
    if (child.exists) return true;
    if (child.node !== undefined) child.error(`'${key}' is empty`, fix);
    else this.sink.add('error', this.offset, this.childPath(key), `missing required key '${key}'`, fix);
    return false;
  }

  mustBeMap(fix: string): boolean {
    if (isMap(this.node)) return true;
    this.error(`expected a mapping, found ${describe(this.node)}`, fix);
    return false;
  }

  mustBeSeq(fix: string): boolean {
    if (isSeq(this.node)) return true;
    this.error(`expected a list, found ${describe(this.node)}`, fix);
    return false;
  }

  /** The scalar's JS value, or undefined for maps, lists and missing values. */
  scalar(): unknown {
    return isScalar(this.node) ? this.node.value : undefined;
  }

  /** A string; numbers and booleans are not silently turned into text. */
  string(fix: string): string | undefined {
    if (!this.exists) return undefined;
    const v = this.scalar();
    if (typeof v === 'string') return v;
    this.error(`expected text, found ${describe(this.node)}`, fix);
    return undefined;
  }

  /** A label value: text, or a number/boolean written without quotes. */
  labelValue(fix: string): string | undefined {
    if (!this.exists) return undefined;
    const v = this.scalar();
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.error(`expected text, found ${describe(this.node)}`, fix);
    return undefined;
  }

  number(fix: string): number | undefined {
    if (!this.exists) return undefined;
    const v = this.scalar();
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.error(`expected a number, found ${describe(this.node)}`, fix);
    return undefined;
  }

  boolean(fix: string): boolean | undefined {
    if (!this.exists) return undefined;
    const v = this.scalar();
    if (typeof v === 'boolean') return v;
    this.error(`expected true or false, found ${describe(this.node)}`, fix);
    return undefined;
  }

  describe(): string {
    return describe(this.node);
  }
}

export interface ParsedDocument {
  root: YNode;
  /** 1-based index of the document in the file (for `---` separated files) */
  index: number;
}

/** Parses every document of a YAML file; syntax errors go to the sink. */
export function readYamlDocuments(text: string, file: string): { sink: IssueSink; documents: ParsedDocument[] } {
  const lineCounter = new LineCounter();
  const sink = new IssueSink(file, lineCounter);
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const documents: ParsedDocument[] = [];
  list.forEach((doc, i) => {
    for (const e of doc.errors) {
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      const fix =
        e.code === 'DUPLICATE_KEY'
          ? 'keep one of the duplicated keys'
          : 'fix the YAML syntax (indentation, quotes, brackets) at this position';
      sink.add('error', e.pos[0], '', `YAML: ${message}`, fix);
    }
    if (doc.errors.length > 0) return;
    const contents = doc.contents as YamlNode | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) return; // empty document
    documents.push({ root: new YNode(sink, contents, '', contents.range?.[0] ?? 0), index: i + 1 });
  });
  return { sink, documents };
}
