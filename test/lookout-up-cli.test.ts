import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `lookout up --no-demo` through the CLI: the stack for the user's own services (a
 * banner, the status page), Ctrl-C stops it with exit 0; a port in use is reported with
 * the way out and exit 1; a bad flag exits 2 with the usage.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runUp(args: string[], dataDir: string) {
  const child = spawn(process.execPath, ['--conditions=lookout-source', '--import', 'tsx', join(ROOT, 'collector/src/cli.ts'), 'up', '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ALERTMANAGER_URL: '', LOOKOUT_WEBHOOK_URL: '', LOOKOUT_DEMO_FAST: '' },
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('lookout up (CLI)', () => {
  let dir: string;
  let blocker: Server;
  let busyPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-up-cli-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    busyPort = (blocker.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('--no-demo: banner, status page, Ctrl-C stops with exit 0', async () => {
    const up = runUp(['--no-demo', '--port', '0', '--grpc-port', '0'], join(dir, 'own'));
    await waitFor(() => up.output().includes('Ctrl-C stops everything'), 'the banner');
    const url = /Status page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(up.output())![1]!;
    expect(up.output()).not.toContain('The demo');
    expect(up.output()).toContain('Send your own service');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('No SLOs are configured');
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.output()).toContain('stopped.');
  }, 90_000);

  it('a port in use: says which and how to avoid it, exit 1', async () => {
    const up = runUp(['--no-demo', '--port', String(busyPort), '--grpc-port', '0'], join(dir, 'busy'));
    expect(await up.exited).toBe(1);
    expect(up.output()).toContain(`port ${busyPort} is in use`);
    expect(up.output()).toMatch(/npm start -- --port \d+ --grpc-port \d+/);
  }, 90_000);

  it('a bad flag: exit 2 with the usage', async () => {
    const up = runUp(['--prot', '1'], join(dir, 'bad'));
    expect(await up.exited).toBe(2);
    expect(up.output()).toContain("Unknown option '--prot'");
    expect(up.output()).toContain('usage: lookout up');
  }, 90_000);
});
