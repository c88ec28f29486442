import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, preparePrivateFile } from './private-files.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('private data files whatever the umask', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lookout-private-'));
    umask = process.umask(0o022); // the usual default, which makes files 0644
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates every missing directory 0700 and the file 0600 before SQLite opens it; WAL side files follow', () => {
    const file = join(root, 'a', 'b', 'store.sqlite');
    preparePrivateFile(file);
    expect(mode(join(root, 'a'))).toBe(0o700);
    expect(mode(join(root, 'a', 'b'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
    db.close();
  });

  it('tightens an existing file and its side files, and leaves an existing directory as it is', () => {
    const file = join(root, 'old.sqlite');
    writeFileSync(file, '');
    writeFileSync(`${file}-wal`, '');
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o666);
    chmodSync(root, 0o755);
    preparePrivateFile(file);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(root)).toBe(0o755);
  });

  it('makes a directory 0700 even under a umask that would leave it wider, and ignores :memory:', () => {
    process.umask(0o000);
    ensurePrivateDir(join(root, 'open-umask'));
    expect(mode(join(root, 'open-umask'))).toBe(0o700);
    expect(() => preparePrivateFile(':memory:')).not.toThrow();
  });
});
