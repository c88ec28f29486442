import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of an executable on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * The binary a suite needs. Under CI a missing binary fails the suite (CI installs the
 * Debian packages, so missing means a broken install step); elsewhere the caller skips
 * with the printed reason.
 */
export function requireBinary(name: string, debianPackage: string): string | undefined {
  const path = findBinary(name);
  if (path) return path;
  const reason = `${name} not found on PATH: install it with 'apt-get install -y --no-install-recommends ${debianPackage}'`;
  if (process.env.CI) throw new Error(`CI run without a required server: ${reason}`);
  console.warn(`SKIP: ${reason}`);
  return undefined;
}
