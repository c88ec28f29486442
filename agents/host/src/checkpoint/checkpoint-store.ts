import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint-codec.ts';

export const CHECKPOINT_FILE = 'checkpoint.json';

/**
 * The checkpoint on disk, replaced atomically: written to a temporary file, fsynced,
 * renamed over the old one. The calls are synchronous on purpose: the file is small, and
 * between the collector's acknowledgement and the rename nothing else should run (that
 * gap is the only moment a kill can make lines be sent twice).
 *
 * `prepare` writes and syncs the state a batch will produce before the batch is sent;
 * after the acknowledgement `commitPrepared` only has to rename it.
 */
export class CheckpointStore {
  readonly path: string;
  private readonly preparedPath: string;
  private readonly tmpPath: string;
  private prepared = false;

  constructor(readonly dir: string) {
    // Only the agent's user may read where it is in each file (0700 whatever the umask; files are 0600).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, CHECKPOINT_FILE);
    this.preparedPath = `${this.path}.prepared`;
    this.tmpPath = `${this.path}.tmp`;
  }

  /** The stored checkpoint, or undefined on a first run (no checkpoint yet). */
  load(): Checkpoint | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the checkpoint ${this.path}: ${(error as Error).message}; check the permissions of dataDir`);
    }
    return decodeCheckpoint(text, this.path);
  }

  /** Writes and syncs `checkpoint` beside the current one, not yet in effect. */
  prepare(checkpoint: Checkpoint): void {
    writeSynced(this.preparedPath, encodeCheckpoint(checkpoint));
    this.prepared = true;
  }

  /** Puts the prepared checkpoint in effect. */
  commitPrepared(): void {
    if (!this.prepared) throw new Error('no prepared checkpoint to commit');
    renameSync(this.preparedPath, this.path);
    this.prepared = false;
    syncDirectory(this.dir);
  }

  /** Writes `checkpoint` and puts it in effect at once. */
  write(checkpoint: Checkpoint): void {
    writeSynced(this.tmpPath, encodeCheckpoint(checkpoint));
    renameSync(this.tmpPath, this.path);
    syncDirectory(this.dir);
  }
}

function writeSynced(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename durable across power loss; a kill alone cannot undo a rename. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
