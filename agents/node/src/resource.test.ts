import { describe, expect, it } from 'vitest';
import { containerIdFromCgroup, containerIdFromMountinfo, findPackageIdentity, parsePackageJson } from './resource.ts';

const ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);

describe('service identity from package.json', () => {
  it('reads name and version, and tolerates broken files', () => {
    expect(parsePackageJson('{"name":"checkout","version":"2.1.0"}')).toEqual({ name: 'checkout', version: '2.1.0' });
    expect(parsePackageJson('{"private":true}')).toEqual({ name: undefined, version: undefined });
    expect(parsePackageJson('not json')).toEqual({});
  });

  it('walks up to the nearest package.json that has a name', () => {
    const files: Record<string, string> = {
      '/srv/app/dist/package.json': '{"type":"module"}',
      '/srv/app/package.json': '{"name":"checkout","version":"2.1.0"}',
    };
    const read = (file: string) => {
      const text = files[file];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    expect(findPackageIdentity('/srv/app/dist', read)).toEqual({ name: 'checkout', version: '2.1.0' });
    expect(findPackageIdentity('/elsewhere', read)).toEqual({});
  });
});

describe('container id', () => {
  it('comes from cgroup v1 paths (docker, kubepods, systemd scopes)', () => {
    expect(containerIdFromCgroup(`12:pids:/docker/${ID}\n11:cpu:/docker/${ID}\n`)).toBe(ID);
    expect(containerIdFromCgroup(`3:memory:/kubepods/burstable/pod1234/${ID}\n`)).toBe(ID);
    expect(containerIdFromCgroup(`1:name=systemd:/system.slice/docker-${ID}.scope\n`)).toBe(ID);
    expect(containerIdFromCgroup('0::/\n')).toBeUndefined();
  });

  it('comes from mountinfo under cgroup v2', () => {
    const line = `1234 1200 8:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw`;
    expect(containerIdFromMountinfo(`1 0 8:1 / / rw - ext4 /dev/sda1 rw\n${line}\n`)).toBe(ID);
    expect(containerIdFromMountinfo('1 0 8:1 / / rw - ext4 /dev/sda1 rw\n')).toBeUndefined();
  });
});
