/**
 * `${ENV}` references in config text, resolved the same way by the collector and the
 * host agent.
 */

const ENV_REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces ${VAR} and ${VAR:-default} in one string; `$$` stands for a literal `$`.
 * Returns the names of variables that are unset and have no default.
 */
export function interpolateEnv(text: string, env: Readonly<Record<string, string | undefined>>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(ENV_REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    const found = env[name!];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, missing };
}
