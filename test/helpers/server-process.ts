import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  port: number;
  dir: string;
  url: string;
  process: ChildProcess;
  /** everything the process printed so far, for error messages */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  /** arguments given the chosen port and a fresh temp directory */
  args(port: number, dir: string): string[];
  /** path polled with GET until it answers 2xx, e.g. '/-/ready' */
  readyPath: string;
  timeoutMs?: number;
  /** prefix the command, e.g. ['runuser', '-u', 'postgres', '--'] */
  wrapper?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a server binary on a random loopback port in a temporary directory and waits
 * until it is ready. The caller must call stop() (usually in afterAll).
 */
export async function startServerProcess(options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `lookout-${options.name}-`));
  const args = options.args(port, dir);
  const argv = options.wrapper ? [...options.wrapper, options.command, ...args] : [options.command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${options.name} exited before it was ready (${argv.join(' ')}):\n${output}`);
    }
    try {
      const response = await fetch(url + options.readyPath, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 20_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    port,
    dir,
    url,
    process: child,
    output: () => output,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
