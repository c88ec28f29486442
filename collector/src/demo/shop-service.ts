/**
 * The demo shop: a fastify service run under @lookout/agent (spans, metrics, pino logs
 * with trace ids to the collector) that also writes an nginx-style access log for the
 * host agent to tail. During the incident window (read from DEMO_INCIDENT_FILE, which
 * `lookout up` writes once the stack runs) checkout fails often and product pages slow
 * down. Run as a child process; prints "listening <port>" when ready.
 */
import { appendFile, readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { faultAt } from './schedule.ts';

const accessLog = process.env.DEMO_ACCESS_LOG;
const incidentFile = process.env.DEMO_INCIDENT_FILE;
/** The incident window, from the file `lookout up` writes once the whole stack runs. */
let window = { incidentStartMs: Number.POSITIVE_INFINITY, incidentEndMs: Number.POSITIVE_INFINITY };
async function readIncident(): Promise<void> {
  if (!incidentFile) return;
  try {
    const read = JSON.parse(await readFile(incidentFile, 'utf8')) as { incidentStartMs?: number; incidentEndMs?: number };
    if (typeof read.incidentStartMs === 'number' && typeof read.incidentEndMs === 'number') window = { incidentStartMs: read.incidentStartMs, incidentEndMs: read.incidentEndMs };
  } catch {
    // not written yet, or being written: keep the last window
  }
}
setInterval(() => void readIncident(), 1000).unref();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx's $time_local: 06/Dec/2026:04:05:06 +0000 */
function timeLocal(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())} +0000`;
}

const app = Fastify({ logger: { level: 'info' } });

app.addHook('onResponse', async (request, reply) => {
  if (!accessLog) return;
  const seconds = (reply.elapsedTime / 1000).toFixed(3);
  const line = `${request.ip} - - [${timeLocal(new Date())}] "${request.method} ${request.url} HTTP/1.1" ${reply.statusCode} ${Number(reply.getHeader('content-length') ?? 0)} "-" "${request.headers['user-agent'] ?? '-'}" ${seconds}\n`;
  await appendFile(accessLog, line).catch((error: unknown) => request.log.warn({ err: error }, 'cannot write the access log'));
});

const products = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}`, price: 5 + i * 3 }));

app.get('/api/products', async () => products.map(({ id, name }) => ({ id, name })));

app.get<{ Params: { id: string } }>('/api/products/:id', async (request, reply) => {
  const fault = faultAt(window, Date.now());
  await sleep(5 + Math.random() * 20);
  if (Math.random() < fault.slowShare) {
    request.log.warn({ product: request.params.id, extraMs: fault.extraLatencyMs }, 'inventory lookup slow; retrying on the replica');
    await sleep(fault.extraLatencyMs);
  }
  const product = products.find((p) => String(p.id) === request.params.id);
  if (!product) return reply.code(404).send({ error: 'no such product' });
  return product;
});

app.post('/api/checkout', async (request, reply) => {
  const fault = faultAt(window, Date.now());
  await sleep(20 + Math.random() * 40);
  if (Math.random() < fault.checkoutErrorRatio) {
    request.log.error({ gateway: 'payments.example', timeoutMs: 3000 }, 'payment gateway timeout after 3000 ms');
    return reply.code(503).send({ error: 'payment gateway unavailable, try again' });
  }
  request.log.info({ order: Math.floor(Math.random() * 1e6) }, 'order placed');
  return { status: 'ok' };
});

app.get('/healthz', async () => ({ status: 'ok' }));

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.DEMO_PORT ?? 0) });
process.stdout.write(`listening ${new URL(address).port}\n`);
