/**
 * Reading spec files of any supported format: detection per YAML document,
 * OpenSLO references resolved across every file read together, SLO identities
 * (service + name) checked for duplicates.
 */
import type { SloDefinition, SpecFormat } from '../types.ts';
import { SpecError, hasErrors } from './issues.ts';
import type { SpecIssue } from './issues.ts';
import { readNativeDocument } from './native.ts';
import { buildOpenSlo, buildRegistry, readOpenSloObject } from './openslo.ts';
import type { OpenSloObject } from './openslo.ts';
import { readSlothDocument } from './sloth.ts';
import { readYamlDocuments } from './yaml-reader.ts';
import type { IssueSink } from './yaml-reader.ts';
import type { YNode } from './yaml-reader.ts';

export interface SpecFile {
  /** path shown in messages */
  file: string;
  text: string;
}

export interface LoadedSpecs {
  slos: SloDefinition[];
  /** errors and warnings, in file order */
  issues: SpecIssue[];
}

/** Which format a document is in, or undefined (reported) when it names an unknown one. */
export function detectFormat(root: YNode): SpecFormat | undefined {
  if (!root.isMap()) return 'native'; // the native reader reports the shape
  const apiVersion = root.get('apiVersion').scalar();
  const version = root.get('version').scalar();
  if (typeof apiVersion === 'string' && apiVersion.startsWith('openslo/')) return 'openslo';
  if (version === 'prometheus/v1') return 'sloth';
  if (apiVersion !== undefined) {
    root.get('apiVersion').error(
      `unknown apiVersion ${JSON.stringify(apiVersion)}`,
      String(apiVersion).startsWith('sloth.slok.dev')
        ? 'convert the Kubernetes PrometheusServiceLevel to the Sloth file form (version: "prometheus/v1")'
        : 'use apiVersion: openslo/v1 (OpenSLO), version: "prometheus/v1" (Sloth), or no version key (Lookout native)',
    );
    return undefined;
  }
  if (version !== undefined) {
    root.get('version').error(`unknown Sloth version ${JSON.stringify(version)}`, 'Lookout reads Sloth specs with version: "prometheus/v1"');
    return undefined;
  }
  return 'native';
}

function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.file}:${i.line}:${i.column}:${i.key}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads every file; never throws on bad input — problems are in `issues`. */
export function loadSpecs(files: readonly SpecFile[]): LoadedSpecs {
  const issues: SpecIssue[] = [];
  const slos: SloDefinition[] = [];
  const openSloObjects: OpenSloObject[] = [];
  const sinks: IssueSink[] = [];
  for (const { file, text } of files) {
    const { sink, documents } = readYamlDocuments(text, file);
    sinks.push(sink);
    if (documents.length === 0 && sink.issues.length === 0) {
      sink.add('error', 0, '', 'the file holds no SLO', 'add an SLO: service, name, objective and sli (see alerts/README.md)');
    }
    for (const { root } of documents) {
      const format = detectFormat(root);
      if (format === 'native') slos.push(...readNativeDocument(root));
      else if (format === 'sloth') slos.push(...readSlothDocument(root));
      else if (format === 'openslo') {
        const object = readOpenSloObject(root);
        if (object) openSloObjects.push(object);
      }
    }
  }
  const registry = buildRegistry(openSloObjects);
  for (const object of registry.values()) {
    if (object.kind !== 'SLO') continue;
    const slo = buildOpenSlo(object, registry);
    if (slo) slos.push(slo);
  }
  for (const sink of sinks) issues.push(...sink.issues);

  const byIdentity = new Map<string, SloDefinition>();
  for (const slo of slos) {
    // the tenant is part of an SLO's identity: two tenants may each have checkout/availability
    const identity = `${slo.tenant ?? ''}\u0000${slo.service}\u0000${slo.name}`;
    const first = byIdentity.get(identity);
    if (first) {
      issues.push({
        severity: 'error',
        file: slo.source.file,
        line: slo.source.line,
        column: 1,
        key: 'name',
        message: `SLO '${slo.name}' of service '${slo.service}'${slo.tenant ? ` of tenant '${slo.tenant}'` : ''} is already defined at ${first.source.file}:${first.source.line}`,
        fix: 'give each SLO of a service a unique name',
      });
    } else {
      byIdentity.set(identity, slo);
    }
  }
  const fileOrder = new Map(files.map((f, i) => [f.file, i]));
  const sorted = dedupe(issues).sort(
    (a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
  return { slos: [...byIdentity.values()], issues: sorted };
}

/** `lookout slo check` for one file: its errors and warnings. */
export function checkSpecFile(text: string, file: string): SpecIssue[] {
  return loadSpecs([{ file, text }]).issues;
}

/** The SLOs of some files, or a SpecError listing every error. */
export function parseSpecs(files: readonly SpecFile[]): SloDefinition[] {
  const { slos, issues } = loadSpecs(files);
  if (hasErrors(issues)) throw new SpecError(issues.filter((i) => i.severity === 'error'));
  return slos;
}

/** The SLOs of one file's text, or a SpecError. */
export function parseSpecText(text: string, file = '<spec>'): SloDefinition[] {
  return parseSpecs([{ file, text }]);
}
