// A load generator meant to run in its own process, so that the process under test has
// its core to itself. Sends one body again and again over keep-alive connections.
// argv: url contentType bodyFile concurrency durationMs
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [url, contentType, bodyFile, concurrencyText, durationText] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const concurrency = Number(concurrencyText);
const durationMs = Number(durationText);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
const deadline = Date.now() + durationMs;
const counts = { ok: 0, refused: 0, failed: 0 };
/** milliseconds from sending to the answer of each acknowledged request */
const latencies = [];

function once() {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
        headers: { 'content-type': contentType, 'content-length': body.length } },
      (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) {
            counts.ok++;
            latencies.push(performance.now() - started);
          }
          else if (response.statusCode === 429 || response.statusCode === 503) counts.refused++;
          else counts.failed++;
          resolve();
        });
      },
    );
    request.on('error', () => {
      counts.failed++;
      resolve();
    });
    request.end(body);
  });
}

async function worker() {
  while (Date.now() < deadline) await once();
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
latencies.sort((a, b) => a - b);
const percentile = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0);
process.stdout.write(JSON.stringify({ ...counts, p50Ms: percentile(0.5), p99Ms: percentile(0.99) }));
