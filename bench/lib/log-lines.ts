/**
 * The generated log lines of the log benchmarks (logs-e2e, logs-otlp-lines): a
 * deterministic nginx combined log with request times, and blocks of other formats.
 */

/** Deterministic PRNG so every run parses the same lines. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTES = ['/', '/api/cart', '/api/cart/items/{id}', '/api/checkout', '/users/{id}', '/static/app.{id}.js', '/search?q=shoes', '/health'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0', 'kube-probe/1.29'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function accessLine(random: () => number, t: number): { line: string; status: number } {
  const route = ROUTES[Math.floor(random() * ROUTES.length)]!.replace('{id}', String(Math.floor(random() * 100_000)));
  const r = random();
  const status = r < 0.03 ? 503 : r < 0.05 ? 500 : r < 0.1 ? 404 : r < 0.15 ? 302 : 200;
  const d = new Date(t);
  const stamp = `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
  const method = random() < 0.8 ? 'GET' : 'POST';
  const ip = `10.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`;
  const agent = AGENTS[Math.floor(random() * AGENTS.length)];
  const line = `${ip} - - [${stamp}] "${method} ${route} HTTP/1.1" ${status} ${Math.floor(random() * 50_000)} "-" "${agent}" ${(random() * 0.8).toFixed(3)}`;
  return { line, status };
}

/** Line `i` of the mixed file: blocks of 1,000 lines of one format each (pino JSON, logfmt, RFC 5424 syslog, access). */
export function mixedLine(random: () => number, i: number, start: number): { line: string; status?: number } {
  const t = start + i * 10;
  const iso = new Date(t).toISOString();
  switch (Math.floor(i / 1000) % 4) {
    case 0:
      return { line: JSON.stringify({ level: random() < 0.05 ? 50 : 30, time: t, pid: 4242, hostname: 'web-1', msg: `order ${i} placed`, orderId: i, durationMs: Math.floor(random() * 300) }) };
    case 1:
      return { line: `time=${iso} level=${random() < 0.05 ? 'error' : 'info'} msg="cache refresh" keys=${Math.floor(random() * 1000)} took=${Math.floor(random() * 90)}ms` };
    case 2:
      return { line: `<165>1 ${iso} web-1 billing 4242 ID47 - invoice ${i} sent to customer ${Math.floor(random() * 10_000)}` };
    default:
      return accessLine(random, t);
  }
}
