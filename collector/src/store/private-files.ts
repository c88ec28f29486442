import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The data directory holds SLI history, alert state and the notification outbox (alert
 * payloads with sample log lines): only the collector's user may read it, whatever the
 * umask (issue 12, defect 6). Directories Lookout creates are 0700 and its files 0600.
 *
 * A directory that already exists is left as it is (it may be a shared parent the
 * operator chose, e.g. a home directory): the files inside are 0600 in any case.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** SQLite's companions of a database file, created with the database file's mode. */
const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'];

/** mkdir -p where every directory it creates is 0700 (the umask cannot widen 0700). */
export function ensurePrivateDir(dir: string): void {
  const firstCreated = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // mkdir's mode is masked by the umask (never widened); chmod makes it exact for the leaf.
  if (firstCreated !== undefined) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `file` exist with mode 0600 before a library (better-sqlite3) opens it, so it is
 * never readable by others, not even between creation and a later chmod; an existing
 * file (and its SQLite side files) is set to 0600 too. `:memory:` is left alone.
 */
export function preparePrivateFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  ensurePrivateDir(dirname(file));
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
  for (const suffix of SQLITE_SIDE_FILES) {
    if (existsSync(file + suffix)) chmodSync(file + suffix, PRIVATE_FILE_MODE);
  }
}
