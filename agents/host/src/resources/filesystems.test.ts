import { describe, expect, it } from 'vitest';
import { filesystemFigures, parseMounts, selectFilesystems, unescapeMountField } from './filesystems.ts';

const MOUNTS = `proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw,relatime,size=12334492k 0 0
tmpfs /dev/shm tmpfs rw,relatime 0 0
/dev/vda / ext4 rw,relatime,discard 0 0
/dev/vda / ext4 rw,relatime,discard 0 0
/dev/vdb1 /srv/my\\040data xfs ro,noatime 0 0
tmpfs /run tmpfs rw,nosuid 0 0
tmpfs /run/credentials/systemd-journald.service tmpfs ro 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
nsfs /run/netns/x nsfs rw 0 0
squashfs /snap/core/1 squashfs ro 0 0
`;

describe('parseMounts', () => {
  it('reads device, mount point, type and options, undoing octal escapes', () => {
    const mounts = parseMounts(MOUNTS);
    expect(mounts).toHaveLength(13);
    expect(mounts[6]).toEqual({ device: '/dev/vdb1', mountPoint: '/srv/my data', fsType: 'xfs', options: ['ro', 'noatime'] });
  });
  it('undoes every escape the kernel writes', () => {
    expect(unescapeMountField('a\\040b\\011c\\012d\\134e')).toBe('a b\tc\nd\\e');
  });
  it('quotes a line that is not a mount', () => {
    expect(() => parseMounts('just-two fields\n')).toThrow("mounts: unreadable line 'just-two fields' (expected 'device mountpoint fstype options dump pass')");
  });
});

describe('selectFilesystems (node_exporter 1.5 defaults)', () => {
  it('leaves out pseudo filesystems, /dev /proc /sys, container layers and credential mounts, and duplicates', () => {
    expect(selectFilesystems(parseMounts(MOUNTS)).map((m) => m.mountPoint)).toEqual(['/', '/srv/my data', '/run']);
  });
  it('takes custom patterns', () => {
    const kept = selectFilesystems(parseMounts(MOUNTS), { mountPointsExclude: /^\/run/, fsTypesExclude: /^(proc|sysfs|devtmpfs|cgroup2|nsfs|overlay|squashfs)$/ });
    expect(kept.map((m) => m.mountPoint)).toEqual(['/dev/shm', '/', '/srv/my data']);
  });
});

describe('filesystemFigures', () => {
  it('computes sizes as blocks x f_bsize and the used ratio from avail', () => {
    const [mount] = parseMounts('/dev/vdb1 /data xfs ro 0 0\n');
    const figures = filesystemFigures(mount!, { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 64, ffree: 60 });
    expect(figures).toEqual({
      device: '/dev/vdb1',
      mountPoint: '/data',
      fsType: 'xfs',
      readOnly: true,
      sizeBytes: 4_096_000,
      freeBytes: 1_228_800,
      availBytes: 1_024_000,
      files: 64,
      filesFree: 60,
      usedRatio: 0.75,
    });
  });
  it('an empty filesystem has a used ratio of 0, not NaN', () => {
    const [mount] = parseMounts('none /x tmpfs rw 0 0\n');
    expect(filesystemFigures(mount!, { bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 }).usedRatio).toBe(0);
  });
});
