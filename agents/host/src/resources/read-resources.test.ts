import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatfsReading } from './filesystems.ts';
import { createResourceReader } from './read-resources.ts';
import { resourceSamples } from './resource-samples.ts';

/** A fake procfs in a temp dir: the reader's I/O with chosen contents. */
function fakeProc(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lookout-proc-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const BASE = {
  stat: 'cpu 100 0 100 700 100 0 0 0\ncpu0 100 0 100 700 100 0 0 0\n',
  meminfo: 'MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 600 kB\n',
  loadavg: '0.50 0.40 0.30 2/100 42\n',
  'net/dev': 'Inter-| a | b\n face |x|y\n  lo: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n',
  mounts: '/dev/vda / ext4 rw 0 0\nnfs:/x /mnt/nfs nfs rw 0 0\nproc /proc proc rw 0 0\n',
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createResourceReader', () => {
  it('reads a whole snapshot, falling back to /proc/mounts when /proc/1/mounts is missing', async () => {
    const procRoot = fakeProc(BASE);
    dirs.push(procRoot);
    const statfs = async (path: string): Promise<StatfsReading> => {
      if (path === '/mnt/nfs') throw new Error('EACCES: permission denied');
      return { bsize: 1024, blocks: 100, bfree: 50, bavail: 40, files: 10, ffree: 5 };
    };
    const snapshot = await createResourceReader({ procRoot, statfs, now: () => 1234 }).read();
    expect(snapshot.at).toBe(1234);
    expect(snapshot.memory.availableBytes).toBe(600 * 1024);
    expect(snapshot.filesystems.map((f) => [f.mountPoint, f.sizeBytes])).toEqual([['/', 102_400]]);
    expect(snapshot.filesystemErrors.map((e) => [e.mount.mountPoint, e.error])).toEqual([['/mnt/nfs', 'EACCES: permission denied']]);
    const samples = resourceSamples(snapshot);
    expect(samples.find((s) => s.name === 'lookout_host_filesystem_device_error' && s.labels.mountpoint === '/mnt/nfs')?.value).toBe(1);
    expect(samples.find((s) => s.name === 'lookout_host_filesystem_used_ratio' && s.labels.mountpoint === '/')?.value).toBe(0.6);
    // no previous snapshot: no utilisation guessed
    expect(samples.some((s) => s.name === 'lookout_host_cpu_utilization_ratio')).toBe(false);
  });

  it('prefers /proc/1/mounts and stats under rootfs', async () => {
    const procRoot = fakeProc({ ...BASE, '1/mounts': '/dev/vdb /data xfs rw 0 0\n' });
    dirs.push(procRoot);
    const seen: string[] = [];
    const statfs = async (path: string): Promise<StatfsReading> => {
      seen.push(path);
      return { bsize: 4096, blocks: 1, bfree: 1, bavail: 1, files: 1, ffree: 1 };
    };
    const snapshot = await createResourceReader({ procRoot, rootfs: '/host', statfs }).read();
    expect(snapshot.filesystems.map((f) => f.mountPoint)).toEqual(['/data']);
    expect(seen).toEqual(['/host/data']);
  });

  it('a hanging statfs is an error after the timeout and is not called again until it returns', async () => {
    const procRoot = fakeProc({ ...BASE, mounts: '/dev/vda / ext4 rw 0 0\nnfs:/x /mnt/nfs nfs rw 0 0\n' });
    dirs.push(procRoot);
    let release: () => void = () => {};
    let nfsCalls = 0;
    const statfs = (path: string): Promise<StatfsReading> => {
      const reading = { bsize: 1, blocks: 1, bfree: 1, bavail: 1, files: 1, ffree: 1 };
      if (path !== '/mnt/nfs') return Promise.resolve(reading);
      nfsCalls++;
      // the first call hangs until released; the server is back for later ones
      if (nfsCalls > 1) return Promise.resolve(reading);
      return new Promise((resolve) => (release = () => resolve(reading)));
    };
    const reader = createResourceReader({ procRoot, statfs, statfsTimeoutMs: 50 });
    const first = await reader.read();
    expect(first.filesystemErrors.map((e) => e.error)).toEqual(['statfs did not answer within 50 ms']);
    const second = await reader.read();
    expect(second.filesystemErrors.map((e) => e.error)).toEqual(['an earlier statfs has not returned after 50 ms']);
    expect(nfsCalls).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 0));
    const third = await reader.read();
    expect(third.filesystemErrors).toEqual([]);
    expect(nfsCalls).toBe(2);
  });

  it('utilisation comes from two snapshots', async () => {
    const first = fakeProc(BASE);
    const second = fakeProc({ ...BASE, stat: 'cpu 160 0 120 800 120 0 0 0\ncpu0 160 0 120 800 120 0 0 0\n' });
    dirs.push(first, second);
    const statfs = async (): Promise<StatfsReading> => ({ bsize: 1, blocks: 1, bfree: 1, bavail: 1, files: 1, ffree: 1 });
    const before = await createResourceReader({ procRoot: first, statfs }).read();
    const after = await createResourceReader({ procRoot: second, statfs }).read();
    const utilisation = resourceSamples(after, before).find((s) => s.name === 'lookout_host_cpu_utilization_ratio');
    expect(utilisation?.value).toBeCloseTo(0.4, 10);
  });

  it('a missing procfs file fails with its path', async () => {
    const { meminfo: _left_out, ...rest } = BASE;
    const procRoot = fakeProc(rest);
    dirs.push(procRoot);
    await expect(createResourceReader({ procRoot }).read()).rejects.toThrow(join(procRoot, 'meminfo'));
  });
});
