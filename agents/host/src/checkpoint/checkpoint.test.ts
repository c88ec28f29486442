import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint-codec.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import { lockDataDir } from './data-dir-lock.ts';

const sample: Checkpoint = {
  entries: [
    { identity: '2049:131', path: '/var/log/app/a.log', offset: 4096, fingerprint: { bytes: 57, hash: '0123456789abcdef0123456789abcdef' } },
    { identity: '2049:132', path: '/var/log/app/b.log', offset: 0 },
  ],
};

describe('checkpoint codec', () => {
  it('round-trips entries with and without fingerprints', () => {
    expect(decodeCheckpoint(encodeCheckpoint(sample), 'cp.json')).toEqual(sample);
  });

  it.each([
    ['{', 'cp.json: not JSON'],
    ['[]', 'expected a JSON object with "version" and "files"'],
    ['{"version":2,"files":[]}', 'version is 2, this agent reads version 1'],
    ['{"version":1}', '"files" must be an array'],
    ['{"version":1,"files":[{"identity":"x","path":"/a","offset":1}]}', 'files[0].identity must be "<device>:<inode>", got "x"'],
    ['{"version":1,"files":[{"identity":"1:2","path":"","offset":1}]}', 'files[0].path must be a non-empty string'],
    ['{"version":1,"files":[{"identity":"1:2","path":"/a","offset":-1}]}', 'files[0].offset must be a non-negative integer, got -1'],
    ['{"version":1,"files":[{"identity":"1:2","path":"/a","offset":1},{"identity":"1:2","path":"/b","offset":1}]}', 'files[1].identity 1:2 appears twice'],
    ['{"version":1,"files":[{"identity":"1:2","path":"/a","offset":1,"fingerprint":{"bytes":1}}]}', 'files[0].fingerprint must be {"bytes": <integer>, "hash": <32 hex digits>}'],
  ])('rejects %s with a message that says what and how to recover', (text, message) => {
    expect(() => decodeCheckpoint(text, 'cp.json')).toThrow(message);
    expect(() => decodeCheckpoint(text, 'cp.json')).toThrow('restore it, or delete it to start over');
  });
});

describe('CheckpointStore', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-cp-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a first run as no checkpoint', () => {
    expect(new CheckpointStore(join(tempDir(), 'nested', 'data')).load()).toBeUndefined();
  });

  it('writes atomically and reads back', () => {
    const store = new CheckpointStore(tempDir());
    store.write(sample);
    expect(store.load()).toEqual(sample);
    expect(readdirSync(store.dir)).toEqual(['checkpoint.json']);
  });

  it('a prepared checkpoint takes effect only when committed', () => {
    const store = new CheckpointStore(tempDir());
    store.write({ entries: [] });
    store.prepare(sample);
    // a kill here leaves the old checkpoint in effect
    expect(new CheckpointStore(store.dir).load()).toEqual({ entries: [] });
    store.commitPrepared();
    expect(new CheckpointStore(store.dir).load()).toEqual(sample);
    expect(() => store.commitPrepared()).toThrow('no prepared checkpoint to commit');
  });

  it('a damaged file stops the start with the path in the message', () => {
    const store = new CheckpointStore(tempDir());
    writeFileSync(store.path, 'garbage');
    expect(() => store.load()).toThrow(`${store.path}: not JSON`);
  });
});

describe('dataDir lock', () => {
  it('keeps a second agent out and lets a dead one’s lock be taken over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-lock-'));
    try {
      const release = lockDataDir(dir);
      // the test process itself is alive: another pid must be refused
      expect(() => lockDataDir(dir, process.pid + 1)).toThrow(`another lookout-agent (pid ${process.pid}) uses dataDir ${dir}`);
      release();
      expect(existsSync(join(dir, 'agent.lock'))).toBe(false);
      // a lock left by a process that is gone (pid 2^22 + 1 is above pid_max defaults)
      writeFileSync(join(dir, 'agent.lock'), '4194305\n');
      const again = lockDataDir(dir);
      expect(readFileSync(join(dir, 'agent.lock'), 'utf8').trim()).toBe(String(process.pid));
      again();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
