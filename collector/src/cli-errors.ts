/**
 * Turns the errors that stop `lookout collector` from starting into messages that
 * say what happened and how to get out of it. Pure: takes the error and the config.
 */

/** Dotted paths of the config keys named like a port whose value is `port`. */
export function portKeys(config: unknown, port: number, path: string[] = []): string[] {
  if (!config || typeof config !== 'object') return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (/port$/i.test(key) && value === port) found.push([...path, key].join('.'));
    else if (value && typeof value === 'object') found.push(...portKeys(value, port, [...path, key]));
  }
  return found;
}

function portInUse(host: string | undefined, port: number, config: unknown): string {
  const keys = portKeys(config, port);
  const where = host ? `${host}:${port}` : `port ${port}`;
  const key = keys.length > 0 ? keys.join(' or ') : 'the port setting of the listener';
  return (
    `cannot listen on ${where}: the address is already in use by another process. ` +
    `Stop that process (\`ss -ltnp 'sport = :${port}'\` shows which), or set another port with ${key} in the config file.`
  );
}

export function describeStartupError(error: unknown, config: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE' && typeof e.port === 'number') return portInUse(e.address, e.port, config);
  if (e?.code === 'EACCES' && typeof e.port === 'number') {
    return `cannot listen on ${e.address ?? ''}:${e.port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); choose a port above 1024 with ${portKeys(config, e.port).join(' or ') || 'the port setting'}.`;
  }
  // @grpc/grpc-js reports a taken port as "No address added out of total 1 resolved" with the cause in the text.
  const message = e instanceof Error ? e.message : String(error);
  const grpc = /EADDRINUSE.*?(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost)):(\d+)/i.exec(message);
  if (grpc) return portInUse(grpc[1], Number(grpc[2]), config);
  return `could not start: ${message}`;
}
