// An open-loop load generator meant to run in its own process: sends one body at a fixed
// rate (requests per second) whatever the answers, so a slow server meets the offered
// load instead of slowing the client down, as real fleets of exporters do. Each request
// has its own timeout; in-flight requests are capped (more are counted as not sent).
// argv: url contentType bodyFile ratePerSecond durationMs timeoutMs [maxInFlight] [localAddress]
// (localAddress: send from another loopback address, e.g. 127.0.0.2, as another host would)
// prints JSON: counts, answered share and latency percentiles of the answered requests.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [url, contentType, bodyFile, rateText, durationText, timeoutText, maxInFlightText = '512', localAddress] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const rate = Number(rateText);
const durationMs = Number(durationText);
const timeoutMs = Number(timeoutText);
const maxInFlight = Number(maxInFlightText);
const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight, ...(localAddress ? { localAddress } : {}) });
const target = new URL(url);
const counts = { offered: 0, ok: 0, refused: 0, failed: 0, timedOut: 0, notSent: 0 };
const latencies = [];
let inFlight = 0;

function once() {
  counts.offered++;
  if (inFlight >= maxInFlight) {
    counts.notSent++;
    return Promise.resolve();
  }
  inFlight++;
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (kind) => {
      if (settled) return;
      settled = true;
      inFlight--;
      counts[kind]++;
      if (kind === 'ok' || kind === 'refused') latencies.push(performance.now() - started);
      resolve();
    };
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, timeout: timeoutMs,
        headers: { 'content-type': contentType, 'content-length': body.length } },
      (response) => {
        response.resume();
        response.on('end', () => settle(response.statusCode === 200 ? 'ok' : response.statusCode === 429 || response.statusCode === 503 ? 'refused' : 'failed'));
      },
    );
    request.on('timeout', () => {
      settle('timedOut');
      request.destroy();
    });
    request.on('error', () => settle('failed'));
    request.end(body);
  });
}

const started = performance.now();
const pending = [];
for (let i = 0; ; i++) {
  const due = started + (i * 1000) / rate;
  if (due - started >= durationMs) break;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  pending.push(once());
}
await Promise.all(pending);
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
const answered = counts.ok + counts.refused;
process.stdout.write(
  JSON.stringify({ ...counts, answeredShare: counts.offered ? answered / counts.offered : 0, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? null }),
);
