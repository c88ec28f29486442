import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch, LogsData } from '@lookout/otlp';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  /** resolves with the exit code (or signal) */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs the host agent from its sources as a child process (node + tsx, no npx in
 * between, so a SIGKILL reaches the agent itself) and waits until it says it started.
 */
export async function startAgentProcess(configPath: string, timeoutMs = 15_000): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=lookout-source', '--import', 'tsx', join(ROOT, 'agents/host/src/cli.ts'), '--config', configPath],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('lookout-agent started')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`agent exited before it started:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent did not start within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(20);
  }
  return { child, output: () => output, exited };
}

export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, yaml);
  return path;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReceivedLine {
  body: string;
  path: string;
  uid: string;
  attributes: Record<string, unknown>;
}

/** Every log record the collector took, in arrival order. */
export function receivedLines(batches: Batch[]): ReceivedLine[] {
  const out: ReceivedLine[] = [];
  for (const batch of batches) {
    for (const rl of (batch.data as LogsData).resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords)
          out.push({
            body: String(r.body),
            path: String(r.attributes['log.file.path']),
            uid: String(r.attributes['log.record.uid']),
            attributes: { ...r.attributes },
          });
  }
  return out;
}
