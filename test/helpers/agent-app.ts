import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_APPS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agent-apps');

export type Loader = 'esm' | 'cjs' | 'none';

export interface AgentApp {
  child: ChildProcess;
  port: number;
  url: string;
  stdoutLines(): string[];
  stderrLines(): string[];
  /** resolves with how the process ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (test cleanup) */
  kill(): void;
}

/**
 * Starts a fixture service from test/fixtures/agent-apps under the agent, the way a
 * user would: `node --import @lookout/agent/register app.mjs` (esm) or
 * `node -r @lookout/agent/register app.cjs` (cjs), resolved through the package's
 * exports from the fixture directory. Waits for its "listening <port>" line.
 */
export async function startAgentApp(file: string, loader: Loader, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<AgentApp> {
  const loaderArgs = loader === 'esm' ? ['--import', '@lookout/agent/register'] : loader === 'cjs' ? ['-r', '@lookout/agent/register'] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loaderArgs, file], {
    cwd: AGENT_APPS_DIR,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not print "listening" within 15 s; stderr: ${stderr}`)), 15_000);
    const check = () => {
      const match = /listening (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
  const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdoutLines: () => lines(stdout),
    stderrLines: () => lines(stderr),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
