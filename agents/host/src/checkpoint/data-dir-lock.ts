import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One agent per dataDir: two agents sharing a checkpoint would each overwrite the
 * other's offsets. The lock file holds the owner's pid; a lock left by a process that
 * no longer runs (kill -9, a crash) is taken over.
 */
export function lockDataDir(dir: string, pid = process.pid): () => void {
  const path = join(dir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot create ${path}: ${(error as Error).message}; dataDir must be writable by the agent`);
      }
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== pid && isRunning(owner)) {
        throw new Error(`another lookout-agent (pid ${owner}) uses dataDir ${dir}; stop it or give each agent its own dataDir`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${path}; remove it if no agent runs`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
