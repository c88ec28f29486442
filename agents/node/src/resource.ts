import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';

export interface PackageIdentity {
  name?: string;
  version?: string;
}

/** name and version of a package.json text; {} when it is not JSON or has neither. */
export function parsePackageJson(text: string): PackageIdentity {
  try {
    const json = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof json.name === 'string' && json.name ? json.name : undefined,
      version: typeof json.version === 'string' && json.version ? json.version : undefined,
    };
  } catch {
    return {};
  }
}

/** The nearest package.json with a name, from `dir` up to the file system root. */
export function findPackageIdentity(dir: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): PackageIdentity {
  let current = resolve(dir);
  for (;;) {
    try {
      const identity = parsePackageJson(read(join(current, 'package.json')));
      if (identity.name) return identity;
    } catch {
      // no package.json here
    }
    const parent = dirname(current);
    if (parent === current) return {};
    current = parent;
  }
}

const CGROUP_ID = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/;
const MOUNTINFO_ID = /\/containers\/([0-9a-f]{64})\//;

/** Container id from /proc/self/cgroup (cgroup v1: the last path segment is the id). */
export function containerIdFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':').trim();
    const match = CGROUP_ID.exec(path);
    if (match) return match[1];
  }
  return undefined;
}

/** Container id from /proc/self/mountinfo (cgroup v2: the runtime mounts /etc/hostname from the container's dir). */
export function containerIdFromMountinfo(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = MOUNTINFO_ID.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

function readContainerId(): string | undefined {
  for (const [file, parse] of [
    ['/proc/self/cgroup', containerIdFromCgroup],
    ['/proc/self/mountinfo', containerIdFromMountinfo],
  ] as const) {
    try {
      const id = parse(readFileSync(file, 'utf8'));
      if (id) return id;
    } catch {
      // not Linux, or not readable
    }
  }
  return undefined;
}

export interface ResourceInputs {
  /** directory of the service's entry script: its package.json names the service */
  appDir: string;
  serviceName?: string;
  serviceVersion?: string;
  agentVersion: string;
}

/**
 * service (name and version: options, then OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES,
 * then the service's package.json), host, process and container id. Runs once at start.
 * The service name is returned too: read from the synchronous part only, since the
 * host detector's attributes settle asynchronously.
 */
export function buildResource(inputs: ResourceInputs): { resource: Resource; serviceName: string } {
  const pkg = findPackageIdentity(inputs.appDir);
  let identity = defaultResource()
    .merge(
      resourceFromAttributes({
        ...(pkg.name ? { 'service.name': pkg.name } : {}),
        ...(pkg.version ? { 'service.version': pkg.version } : {}),
        'telemetry.distro.name': '@lookout/agent',
        'telemetry.distro.version': inputs.agentVersion,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  if (inputs.serviceName || inputs.serviceVersion) {
    identity = identity.merge(
      resourceFromAttributes({
        ...(inputs.serviceName ? { 'service.name': inputs.serviceName } : {}),
        ...(inputs.serviceVersion ? { 'service.version': inputs.serviceVersion } : {}),
      }),
    );
  }
  const serviceName = String(identity.attributes['service.name'] ?? 'unknown_service:node');
  const containerId = readContainerId();
  const resource = detectResources({ detectors: [hostDetector, processDetector] })
    .merge(containerId ? resourceFromAttributes({ 'container.id': containerId }) : null)
    .merge(identity);
  return { resource, serviceName };
}
